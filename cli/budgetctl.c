/* budgetctl: the operator's and department's command-line client. */
#include <errno.h>
#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "import.h"
#include "table.h"

#define EXIT_OK	      0
#define EXIT_REJECTED 1
#define EXIT_USAGE    2

#define DEFAULT_ENDPOINT "ipc:///run/budgetd/budgetd.sock"

struct options {
	struct client client;
	bool csv;
	bool explain;
	bool change;
	const char *parent;
	const char *function;
	const char *kind;
	const char *token;
	const char *role;
	const char *department;
	bool json;
	int year;
	long long revision;
	const char *unit;
	const char *by;
	const char *where[16];
	size_t n_where;
	const char *sort;
	long limit;
	long long since;
	bool since_set;
	const char *output;
	bool submit;
	bool keep_going;
	bool verbose;
	const char *report;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: budgetctl [OPTION]... COMMAND [ARG]...\n"
	    "Talks to budgetd over nng.\n"
	    "\n"
	    "Commands:\n"
	    "  submit FILE...        submit budget-submission/1 documents\n"
	    "  validate FILE         audit a document; nothing is stored\n"
	    "  import FILE... [-o OUT] [--submit] [--department CODE] "
	    "[--parent CODE]\n"
	    "         [--year Y] [--unit 元|万元] [--keep-going] [-v] "
	    "[--report FILE]\n"
	    "                        a published budget (text, PDF or CSV "
	    "sheets) as a\n"
	    "                        budget-submission/1 document; the report "
	    "goes to\n"
	    "                        stderr (-v: every row, where it went and "
	    "why);\n"
	    "                        --json: the findings and the document "
	    "as one object\n"
	    "                        no daemon needed unless --submit\n"
	    "  totals                district totals\n"
	    "      --by DIM[,DIM]    drill down (function:class, "
	    "function:section,\n"
	    "                        function:item, economic:class, source, "
	    "kind,\n"
	    "                        department, parent, year)\n"
	    "      --where DIM:V[,V] cut; V* is a code prefix (repeatable)\n"
	    "      --year Y  --unit 元|万元  --sort key|amount  --limit N\n"
	    "      --explain         list the revisions and line items of each "
	    "row\n"
	    "      --change          against the year before (with --year)\n"
	    "      --csv             comma-separated values, with a header "
	    "line\n"
	    "  departments [--year Y] the departments and their latest "
	    "revisions\n"
	    "  projects [--year Y] [--department C] [--parent C] [--function "
	    "PREFIX]\n"
	    "           [--kind operating|targeted] [--limit N]  largest "
	    "projects first\n"
	    "  three-public [--by year|department|parent] [--year Y]  三公经费 "
	    "totals\n"
	    "  show CODE [--year Y] [--revision N]\n"
	    "                        the stored document of a revision\n"
	    "  history CODE [--year Y] every document a department sent\n"
	    "  events [--since SEQ]  stored events after SEQ\n"
	    "  watch [TOPIC] [--since SEQ]\n"
	    "                        follow notifications; a gap in seq is\n"
	    "                        filled from the daemon's event store\n"
	    "  verify                recompute every total from the store; "
	    "exit 1\n"
	    "                        if anything differs\n"
	    "  status                the daemon's state and its listeners' "
	    "policies\n"
	    "  reload                make the daemon re-read its config "
	    "(admin)\n"
	    "  lock YEAR | unlock YEAR  close a fiscal year to submissions "
	    "(admin)\n"
	    "  credential add NAME --role department|parent|operator|admin\n"
	    "                        [--department CODE]   issue a token "
	    "(admin)\n"
	    "  credential list       credential remove NAME      (admin)\n"
	    "\n"
	    "Options:\n"
	    "  -e, --endpoint URL    daemon request URL (default "
	    "$BUDGETD_ENDPOINT\n"
	    "                        or %s)\n"
	    "  -j, --json            print JSON (one event per line for "
	    "watch)\n"
	    "      --tls-ca FILE     for tls+tcp:// endpoints: the CA of the "
	    "daemon\n"
	    "      --tls-cert FILE   our certificate and key (one PEM file)\n"
	    "      --tls-server-name NAME  the name the daemon's certificate "
	    "carries\n"
	    "  -T, --token TOKEN     credential NAME.SECRET for listeners "
	    "that\n"
	    "                        require one (default $BUDGETD_TOKEN)\n"
	    "  -t, --timeout MS      reply timeout (default 30000)\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "Exit status: 0 accepted or ok; 1 rejected or refused (audit "
	    "errors,\n"
	    "forbidden, locked, busy, not found); 2 usage or transport "
	    "error.\n",
	    DEFAULT_ENDPOINT);
}

/* ---- helpers ---- */

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static long long num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	/* A reply is input too: never cast an out-of-range double. */
	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble > -9e18 && v->valuedouble < 9e18))
		return 0;
	return (long long)v->valuedouble;
}

static bool reply_ok(const cJSON *reply)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
}

static void print_json(const cJSON *o)
{
	char *text = cJSON_Print(o);
	if (text) {
		puts(text);
		free(text);
	}
}

static void print_error(const char *context, const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	fprintf(stderr, "budgetctl: %s%s%s: %s\n", context ? context : "",
		context ? ": " : "", str(err, "code"), str(err, "message"));
}

/* 2 for a request that was malformed (the caller's fault), 1 for a refusal
 * (rejected, forbidden, locked, busy, not found …). */
static int exit_for_error(const cJSON *reply)
{
	static const char *const usage_codes[] = {
	    "bad_request", "bad_json", "bad_encoding", "message_too_large",
	    "unknown_op"};
	const char *code =
	    str(cJSON_GetObjectItemCaseSensitive(reply, "error"), "code");
	for (size_t i = 0; i < sizeof usage_codes / sizeof usage_codes[0]; i++)
		if (strcmp(code, usage_codes[i]) == 0)
			return EXIT_USAGE;
	return EXIT_REJECTED;
}

/* Sends a request; prints transport errors.  NULL on failure. */
static cJSON *call(struct options *o, cJSON *request)
{
	cJSON *reply = client_call_json(&o->client, request);
	cJSON_Delete(request);
	if (reply == NULL)
		fprintf(stderr, "budgetctl: %s\n", o->client.error);
	return reply;
}

static const char *request_token;

static cJSON *new_request(const char *op)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "op", op);
	if (request_token != NULL)
		cJSON_AddStringToObject(r, "token", request_token);
	return r;
}

/* Replies that are plain lookups: 0 ok, 1 refused, 2 transport. */
static int finish_simple(struct options *o, cJSON *reply,
			 void (*human)(const cJSON *reply))
{
	if (reply == NULL)
		return EXIT_USAGE;
	int rc = EXIT_OK;
	if (o->json) {
		print_json(reply);
		rc = reply_ok(reply) ? EXIT_OK : EXIT_REJECTED;
	} else if (!reply_ok(reply)) {
		print_error(NULL, reply);
		rc = exit_for_error(reply);
	} else {
		human(reply);
	}
	cJSON_Delete(reply);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap)
			break;
		char *grown = realloc(buf, cap * 2);
		if (grown == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* ---- findings ---- */

/* The table a finding's path belongs to, for grouping. */
static const char *table_of(const char *path)
{
	static const struct {
		const char *prefix, *table;
	} tables[] = {
	    {"stated.appropriation", "财政拨款收支总体情况表 (appropriation)"},
	    {"stated.project",
	     "一般公共预算支出预算表 (stated project totals)"},
	    {"stated.basic", "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated.personnel",
	     "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated.public", "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated", "部门收支预算表 (stated totals)"},
	    {"income", "部门收支预算表 (income)"},
	    {"expenditure", "一般公共预算支出预算表 (expenditure lines)"},
	    {"projects", "项目支出预算表 (projects)"},
	    {"three_public", "“三公”经费预算表 (three_public)"},
	    {"economic", "基本支出表 (economic)"},
	};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strncmp(path, tables[i].prefix, strlen(tables[i].prefix)) ==
		    0)
			return tables[i].table;
	return "document";
}

/* Findings as readable blocks, grouped by the table they concern. */
static void print_findings(const cJSON *findings, const char *unit)
{
	const char *printed[64];
	size_t n_printed = 0;
	const cJSON *f, *g;
	cJSON_ArrayForEach(f, findings)
	{
		const char *table = table_of(str(f, "path"));
		bool done = false;
		for (size_t i = 0; i < n_printed && !done; i++)
			done = strcmp(printed[i], table) == 0;
		if (done)
			continue;
		if (n_printed < 64)
			printed[n_printed++] = table;
		printf("\n  %s\n", table);
		cJSON_ArrayForEach(g, findings)
		{
			if (strcmp(table_of(str(g, "path")), table) != 0)
				continue;
			printf("    %-7s %s  at %s\n", str(g, "severity"),
			       str(g, "rule"), str(g, "path"));
			if (*str(g, "expected") || *str(g, "actual"))
				printf("            expected %s %s, printed %s "
				       "%s\n",
				       str(g, "expected"), unit,
				       str(g, "actual"), unit);
			printf("            %s\n", str(g, "message"));
		}
	}
}

/* ---- submit / validate ---- */

static int send_text(struct options *o, const char *op, const char *path,
		     char *doc, size_t len);

static int send_document(struct options *o, const char *op, const char *path)
{
	size_t len;
	char *doc = read_file(path, &len);
	if (doc == NULL) {
		fprintf(stderr, "budgetctl: %s: cannot read: %s\n", path,
			strerror(errno));
		return EXIT_USAGE;
	}
	return send_text(o, op, path, doc, len);
}

/* Sends a document (taking doc) and prints the daemon's verdict. */
static int send_text(struct options *o, const char *op, const char *path,
		     char *doc, size_t len)
{
	/* Check locally so that a syntax error names the file's own line. */
	cJSON *parsed = cJSON_ParseWithLength(doc, len);
	if (parsed == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t line = 1, col = 1;
		for (const char *p = doc; at && p < at && p < doc + len; p++)
			if (*p == '\n')
				line++, col = 1;
			else
				col++;
		fprintf(stderr,
			"budgetctl: %s: not valid JSON near line %zu, "
			"column %zu\n",
			path, line, col);
		free(doc);
		return EXIT_USAGE;
	}
	cJSON_Delete(parsed);

	/* The document goes out byte for byte, as the store keeps it. */
	char head[256];
	int hn =
	    request_token
		? snprintf(head, sizeof head,
			   "{\"op\":\"%s\",\"token\":\"%s\",\"document\":", op,
			   request_token)
		: snprintf(head, sizeof head,
			   "{\"op\":\"%s\",\"document\":", op);
	char *request = malloc((size_t)hn + len + 2);
	if (request == NULL) {
		free(doc);
		return EXIT_USAGE;
	}
	memcpy(request, head, (size_t)hn);
	memcpy(request + hn, doc, len);
	request[(size_t)hn + len] = '}';
	cJSON *reply = client_call(&o->client, request, (size_t)hn + len + 1);
	free(request);
	free(doc);
	if (reply == NULL) {
		fprintf(stderr, "budgetctl: %s: %s\n", path, o->client.error);
		return EXIT_USAGE;
	}
	int rc = reply_ok(reply) ? EXIT_OK : EXIT_REJECTED;
	const char *outcome = str(reply, "outcome");
	if (o->json) {
		print_json(reply);
	} else if (*outcome == '\0') {
		print_error(path, reply);
		rc = exit_for_error(reply);
	} else {
		const cJSON *findings =
		    cJSON_GetObjectItemCaseSensitive(reply, "findings");
		if (strcmp(op, "validate") == 0)
			printf("%s: %s %s/%lld: %s\n", path, "validated",
			       str(reply, "department"), num(reply, "year"),
			       rc == EXIT_OK ? "would be accepted"
					     : "would be rejected");
		else if (rc == EXIT_OK)
			printf("%s: accepted %s/%lld as revision %lld (seq "
			       "%lld)\n",
			       path, str(reply, "department"),
			       num(reply, "year"), num(reply, "revision"),
			       num(reply, "seq"));
		else
			printf("%s: %s %s/%lld (seq %lld): %d finding%s\n",
			       path, outcome, str(reply, "department"),
			       num(reply, "year"), num(reply, "seq"),
			       cJSON_GetArraySize(findings),
			       cJSON_GetArraySize(findings) == 1 ? "" : "s");
		print_findings(findings, str(reply, "unit"));
	}
	cJSON_Delete(reply);
	return rc;
}

static int cmd_submit(struct options *o, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "budgetctl: submit needs at least one FILE\n");
		return EXIT_USAGE;
	}
	int worst = EXIT_OK;
	for (int i = 0; i < argc; i++) {
		int rc = send_document(o, "submit", argv[i]);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}

static int cmd_validate(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "budgetctl: validate takes one FILE\n");
		return EXIT_USAGE;
	}
	return send_document(o, "validate", argv[0]);
}

/* ---- import ---- */

static int cmd_import(struct options *o, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "budgetctl: import needs a FILE (text, PDF or "
				"CSV)\n");
		return EXIT_USAGE;
	}
	/* Several files make one budget only as the sheets of a workbook. */
	for (int i = 0; argc > 1 && i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (n < 4 || strcasecmp(argv[i] + n - 4, ".csv") != 0) {
			fprintf(stderr,
				"budgetctl: import reads several files as the "
				"CSV sheets of one budget; %s is not one: "
				"import a PDF or text budget on its own\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	struct import_options io = {
	    .department = o->department,
	    .parent = o->parent,
	    .year = o->year,
	    .keep_going = o->keep_going,
	    /* A report kept in a file is the whole trail. */
	    .verbose = o->verbose || o->report != NULL,
	    .unit = o->unit ? (strcmp(o->unit, "万元") == 0 ||
				       strcmp(o->unit, "wanyuan") == 0
				   ? "万元"
				   : "元")
			    : NULL,
	    .pdftotext = getenv("BUDGETCTL_PDFTOTEXT"),
	};
	struct import_report report = {0};
	cJSON *doc = NULL;
	int rc = import_files((const char *const *)argv, (size_t)argc, &io,
			      &doc, &report);
	FILE *rf = stderr;
	if (o->report && (rf = fopen(o->report, "w")) == NULL) {
		fprintf(stderr, "budgetctl: %s: %s\n", o->report,
			strerror(errno));
		rf = stderr;
	}
	if (report.text)
		fputs(report.text, rf);
	if (rf != stderr)
		fclose(rf);
	if (o->json && !o->submit) {
		/* For scripts: the findings as data, the document with them
		 * unless -o takes it. */
		cJSON *out = cJSON_CreateObject();
		cJSON_AddBoolToObject(out, "ok", rc == 0 && !report.problems);
		cJSON_AddBoolToObject(out, "final_accounts",
				      report.final_accounts);
		cJSON_AddNumberToObject(out, "tables", report.tables);
		cJSON_AddNumberToObject(out, "rows_used", report.rows_used);
		cJSON_AddNumberToObject(out, "rows_skipped",
					report.rows_skipped);
		cJSON_AddNumberToObject(out, "problems", report.problems);
		cJSON_AddNumberToObject(out, "warnings", report.warnings);
		cJSON_AddItemToObject(out, "findings",
				      report.findings ? report.findings
						      : cJSON_CreateArray());
		report.findings = NULL;
		if (doc && !o->output)
			cJSON_AddItemReferenceToObject(out, "document", doc);
		print_json(out);
		cJSON_Delete(out);
	}
	if (rc != 0) {
		fprintf(stderr, "budgetctl: %s: %s\n", argv[0],
			report.final_accounts
			    ? "refused: a final account (决算), not a budget"
			: rc == -EINVAL
			    ? "refused: see the problems above (--keep-going "
			      "writes the document anyway)"
			    : "could not be read");
		import_report_free(&report);
		return rc == -EINVAL ? EXIT_REJECTED : EXIT_USAGE;
	}
	/* --keep-going writes the document but does not hide the gaps. */
	int gaps = report.problems > 0 ? EXIT_REJECTED : EXIT_OK;
	import_report_free(&report);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (text == NULL)
		return EXIT_USAGE;
	if (o->output) {
		FILE *f = fopen(o->output, "w");
		if (f == NULL || fputs(text, f) < 0 || fputc('\n', f) < 0 ||
		    fclose(f) != 0) {
			fprintf(stderr, "budgetctl: %s: %s\n", o->output,
				strerror(errno));
			free(text);
			return EXIT_USAGE;
		}
	} else if (!o->submit && !o->json) {
		puts(text);
	}
	if (!o->submit) {
		free(text);
		return gaps;
	}
	int sent = send_text(o, "submit", argv[0], text, strlen(text));
	return sent > gaps ? sent : gaps;
}

/* ---- totals ---- */

/* One CSV field; quoted when it holds a comma, a quote or a newline. */
static void csv_field(const char *text, bool last)
{
	if (strpbrk(text, ",\"\n") == NULL) {
		fputs(text, stdout);
	} else {
		putchar('"');
		for (const char *p = text; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	}
	putchar(last ? '\n' : ',');
}

static void csv_totals(const cJSON *reply)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(reply, "by");
	const cJSON *d, *row;
	char unit[32];
	snprintf(unit, sizeof unit, "amount_%s",
		 strcmp(str(reply, "unit"), "元") == 0 ? "yuan" : "wanyuan");
	cJSON_ArrayForEach(d, by) csv_field(d->valuestring, false);
	csv_field(unit, false);
	csv_field("departments", true);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		char depts[24];
		cJSON_ArrayForEach(d, by)
		    csv_field(str(key, d->valuestring), false);
		csv_field(str(row, "amount"), false);
		snprintf(depts, sizeof depts, "%lld", num(row, "departments"));
		csv_field(depts, true);
	}
}

static void explain_totals(const cJSON *reply)
{
	const cJSON *row, *f, *d;
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(reply, "by");
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		cJSON_ArrayForEach(d, by)
		    printf("%s %s  ", d->valuestring, str(key, d->valuestring));
		printf("= %s %s, from:\n", str(row, "amount"),
		       str(reply, "unit"));
		cJSON_ArrayForEach(
		    f, cJSON_GetObjectItemCaseSensitive(row, "from"))
		    printf("    %s/%lld revision %lld  %-7s %-16s %-16s %14s\n",
			   str(f, "department"), num(f, "year"),
			   num(f, "revision"),
			   *str(f, "function") ? str(f, "function")
					       : str(f, "economic"),
			   str(f, "source"), str(f, "kind"), str(f, "amount"));
	}
	if (cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(reply, "explain_truncated")))
		printf("(the list stops at 10 000 line items: narrow the query "
		       "with --where)\n");
}

static struct options *totals_options;

static void human_totals(const cJSON *reply)
{
	if (totals_options->csv) {
		csv_totals(reply);
		return;
	}
	if (totals_options->explain) {
		explain_totals(reply);
		return;
	}
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(reply, "by");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(reply, "rows");
	const char *headers[TABLE_MAX_COLUMNS];
	bool right[TABLE_MAX_COLUMNS] = {0};
	char amount_header[32];
	size_t n = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, by)
	{
		if (n < TABLE_MAX_COLUMNS - 2)
			headers[n++] = d->valuestring;
	}
	snprintf(amount_header, sizeof amount_header, "amount (%s)",
		 str(reply, "unit"));
	headers[n] = amount_header;
	right[n++] = true;
	bool change =
	    cJSON_GetObjectItemCaseSensitive(reply, "previous_total") != NULL;
	if (change) {
		headers[n] = "previous year";
		right[n++] = true;
		headers[n] = "change";
		right[n++] = true;
		headers[n] = "%";
		right[n++] = true;
	}
	headers[n] = "departments";
	right[n++] = true;

	struct table t;
	table_init(&t, n, headers, right);
	const cJSON *row;
	cJSON_ArrayForEach(row, rows)
	{
		const char *cells[TABLE_MAX_COLUMNS];
		char depts[24];
		size_t k = 0;
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		size_t dims = n - 2 - (change ? 3 : 0);
		cJSON_ArrayForEach(d, by)
		{
			if (k < dims)
				cells[k++] = str(key, d->valuestring);
		}
		snprintf(depts, sizeof depts, "%lld", num(row, "departments"));
		cells[k++] = str(row, "amount");
		if (change) {
			cells[k++] = str(row, "previous");
			cells[k++] = str(row, "change");
			cells[k++] = str(row, "change_percent");
		}
		cells[k++] = depts;
		table_add_row(&t, cells);
	}
	table_start_footer(&t);
	const char *cells[TABLE_MAX_COLUMNS] = {0};
	size_t amount_col = n - 2 - (change ? 3 : 0);
	cells[0] = amount_col > 0 ? "total" : NULL;
	cells[amount_col] = str(reply, "total");
	if (change)
		cells[amount_col + 1] = str(reply, "previous_total");
	cells[n - 1] = "";
	table_add_row(&t, cells);
	table_print(&t, stdout);
	table_free(&t);
}

static int cmd_totals(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: totals takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("totals");
	if (o->by) {
		cJSON *by = cJSON_AddArrayToObject(r, "by");
		char *copy = strdup(o->by), *save = NULL;
		for (char *d = strtok_r(copy, ",", &save); d;
		     d = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(by, cJSON_CreateString(d));
		free(copy);
	}
	if (o->n_where) {
		cJSON *where = cJSON_AddArrayToObject(r, "where");
		for (size_t i = 0; i < o->n_where; i++)
			cJSON_AddItemToArray(where,
					     cJSON_CreateString(o->where[i]));
	}
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	if (o->sort)
		cJSON_AddStringToObject(r, "sort", o->sort);
	if (o->limit >= 0)
		cJSON_AddNumberToObject(r, "limit", (double)o->limit);
	if (o->explain)
		cJSON_AddTrueToObject(r, "explain");
	if (o->change)
		cJSON_AddTrueToObject(r, "change");
	totals_options = o;
	return finish_simple(o, call(o, r), human_totals);
}

/* ---- projects and 三公 ---- */

static void human_projects(const cJSON *reply)
{
	static const char *const headers[] = {"year", "department", "project",
					      "name", "function",   "kind",
					      "total"};
	static const bool right[] = {false, false, false, false,
				     false, false, true};
	struct table t;
	table_init(&t, 7, headers, right);
	const cJSON *p;
	cJSON_ArrayForEach(p,
			   cJSON_GetObjectItemCaseSensitive(reply, "projects"))
	{
		char year[16];
		snprintf(year, sizeof year, "%lld", num(p, "year"));
		const char *cells[] = {
		    year,	    str(p, "department"), str(p, "code"),
		    str(p, "name"), str(p, "function"),	  str(p, "kind"),
		    str(p, "total")};
		table_add_row(&t, cells);
	}
	table_print(&t, stdout);
	table_free(&t);
	printf("%lld projects, %s %s in all\n", num(reply, "count"),
	       str(reply, "total"), str(reply, "unit"));
}

static int cmd_projects(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: projects takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("projects");
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->department)
		cJSON_AddStringToObject(r, "department", o->department);
	if (o->parent)
		cJSON_AddStringToObject(r, "parent", o->parent);
	if (o->function)
		cJSON_AddStringToObject(r, "function", o->function);
	if (o->kind)
		cJSON_AddStringToObject(r, "kind", o->kind);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	cJSON_AddNumberToObject(r, "limit",
				(double)(o->limit >= 0 ? o->limit : 50));
	return finish_simple(o, call(o, r), human_projects);
}

static void human_three_public(const cJSON *reply)
{
	const char *by = str(reply, "by");
	bool grouped = strcmp(by, "year") != 0;
	const char *headers[] = {
	    "year",	    by,		"因公出国", "公务用车购置",
	    "公务用车运行", "公务接待", "合计",	    "departments"};
	bool right[] = {false, false, true, true, true, true, true, true};
	struct table t;
	table_init(&t, 8, headers, right);
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		char year[16], depts[16];
		snprintf(year, sizeof year, "%lld", num(row, "year"));
		snprintf(depts, sizeof depts, "%lld", num(row, "departments"));
		const char *cells[] = {year,
				       grouped ? str(row, by) : "-",
				       str(row, "overseas"),
				       str(row, "vehicle_purchase"),
				       str(row, "vehicle_operation"),
				       str(row, "reception"),
				       str(row, "total"),
				       depts};
		table_add_row(&t, cells);
	}
	printf("三公经费 (%s)\n", str(reply, "unit"));
	table_print(&t, stdout);
	table_free(&t);
}

static int cmd_three_public(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: three-public takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("three_public");
	if (o->by)
		cJSON_AddStringToObject(r, "by", o->by);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	return finish_simple(o, call(o, r), human_three_public);
}

/* ---- departments, show, history, events, status ---- */

static void human_departments(const cJSON *reply)
{
	static const char *const headers[] = {"year", "code",	  "parent",
					      "name", "revision", "total (元)"};
	static const bool right[] = {false, false, false, false, true, true};
	struct table t;
	table_init(&t, 6, headers, right);
	const cJSON *d;
	cJSON_ArrayForEach(
	    d, cJSON_GetObjectItemCaseSensitive(reply, "departments"))
	{
		char year[16], rev[24];
		snprintf(year, sizeof year, "%lld", num(d, "year"));
		snprintf(rev, sizeof rev, "%lld", num(d, "revision"));
		const char *cells[] = {year,
				       str(d, "code"),
				       str(d, "parent"),
				       str(d, "name"),
				       rev,
				       str(d, "expenditure_total")};
		table_add_row(&t, cells);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static int cmd_departments(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: departments takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("departments");
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	return finish_simple(o, call(o, r), human_departments);
}

static void human_show(const cJSON *reply)
{
	/* The document exactly as stored. */
	char *text =
	    cJSON_Print(cJSON_GetObjectItemCaseSensitive(reply, "document"));
	if (text) {
		puts(text);
		free(text);
	}
}

static int cmd_show(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "budgetctl: show takes one department CODE\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("show");
	cJSON_AddStringToObject(r, "department", argv[0]);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->revision)
		cJSON_AddNumberToObject(r, "revision", (double)o->revision);
	return finish_simple(o, call(o, r), human_show);
}

static void human_history(const cJSON *reply)
{
	static const char *const headers[] = {
	    "document", "received (UTC)", "year", "outcome", "revision",
	    "seq",	"findings"};
	static const bool right[] = {true, false, false, false,
				     true, true,  true};
	struct table t;
	table_init(&t, 7, headers, right);
	const cJSON *h;
	cJSON_ArrayForEach(h,
			   cJSON_GetObjectItemCaseSensitive(reply, "history"))
	{
		char doc[24], year[16], rev[24], seq[24], findings[16];
		snprintf(doc, sizeof doc, "%lld", num(h, "document_id"));
		snprintf(year, sizeof year, "%lld", num(h, "year"));
		if (cJSON_GetObjectItemCaseSensitive(h, "revision"))
			snprintf(rev, sizeof rev, "%lld", num(h, "revision"));
		else
			snprintf(rev, sizeof rev, "-");
		snprintf(seq, sizeof seq, "%lld", num(h, "seq"));
		snprintf(findings, sizeof findings, "%lld", num(h, "findings"));
		const char *cells[] = {doc,	str(h, "received_at"),
				       year,	str(h, "outcome"),
				       rev,	seq,
				       findings};
		table_add_row(&t, cells);
	}
	table_print(&t, stdout);
	table_free(&t);
}

static int cmd_history(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr,
			"budgetctl: history takes one department CODE\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("history");
	cJSON_AddStringToObject(r, "department", argv[0]);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	return finish_simple(o, call(o, r), human_history);
}

static void print_event_line(const cJSON *ev, const char *note)
{
	printf("seq %lld  %s  %s/%lld", num(ev, "seq"), str(ev, "kind"),
	       str(ev, "department"), num(ev, "year"));
	if (num(ev, "revision"))
		printf("  revision %lld", num(ev, "revision"));
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(ev, "changes");
	if (changes)
		printf("  %d totals moved", cJSON_GetArraySize(changes));
	printf("%s\n", note ? note : "");
	const cJSON *c;
	cJSON_ArrayForEach(c, changes)
	{
		if (strcmp(str(c, "dimension"), "total") == 0 ||
		    strcmp(str(c, "dimension"), "function:class") == 0)
			printf("    %-16s %-8s %14s -> %14s %s\n",
			       str(c, "dimension"), str(c, "key"),
			       str(c, "before"), str(c, "after"),
			       str(ev, "unit"));
	}
	fflush(stdout);
}

static void human_events(const cJSON *reply)
{
	const cJSON *ev;
	cJSON_ArrayForEach(ev,
			   cJSON_GetObjectItemCaseSensitive(reply, "events"))
	    print_event_line(ev, NULL);
}

static int cmd_events(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: events takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("events");
	cJSON_AddNumberToObject(r, "since", (double)o->since);
	if (o->limit > 0)
		cJSON_AddNumberToObject(r, "limit", (double)o->limit);
	return finish_simple(o, call(o, r), human_events);
}

static void human_status(const cJSON *reply)
{
	const cJSON *stored = cJSON_GetObjectItemCaseSensitive(reply, "stored");
	printf("budgetd %s, up %llds\n", str(reply, "version"),
	       num(reply, "uptime_seconds"));
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(reply, "listen"))
	    printf("  listening  %s (%s)\n", str(l, "url"),
		   strcmp(str(l, "policy"), "trust") == 0
		       ? "peers trusted"
		       : "credentials required");
	printf("  publishing %s\n", str(reply, "publish"));
	printf("  store      %s\n", str(reply, "store"));
	printf("  plugins   ");
	cJSON_ArrayForEach(l,
			   cJSON_GetObjectItemCaseSensitive(reply, "plugins"))
	    printf(" %s %s", str(l, "name"), str(l, "version"));
	printf("\n  departments %lld, last seq %lld, requests %lld, commits "
	       "%lld\n",
	       num(reply, "departments"), num(reply, "last_seq"),
	       num(reply, "requests"), num(reply, "commits"));
	printf("  documents %lld: %lld accepted, %lld rejected, %lld invalid\n",
	       num(stored, "documents"), num(stored, "accepted"),
	       num(stored, "rejected"), num(stored, "invalid"));
}

static int cmd_status(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return finish_simple(o, call(o, new_request("status")), human_status);
}

static void human_lock(const cJSON *reply)
{
	printf("fiscal year %lld %s\n", num(reply, "year"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "locked"))
		   ? "locked"
		   : "unlocked");
}

static int lock_year(struct options *o, int argc, char **argv, bool lock)
{
	char *end;
	long year = argc == 1 ? strtol(argv[0], &end, 10) : 0;
	if (argc != 1 || *end || year < 2000 || year > 2100) {
		fprintf(stderr,
			"budgetctl: %s takes a fiscal year 2000..2100\n",
			lock ? "lock" : "unlock");
		return EXIT_USAGE;
	}
	cJSON *r = new_request("lock");
	cJSON_AddNumberToObject(r, "year", (double)year);
	cJSON_AddBoolToObject(r, "locked", lock);
	return finish_simple(o, call(o, r), human_lock);
}

static int cmd_lock(struct options *o, int argc, char **argv)
{
	return lock_year(o, argc, argv, true);
}

static int cmd_unlock(struct options *o, int argc, char **argv)
{
	return lock_year(o, argc, argv, false);
}

static int cmd_verify(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	cJSON *reply = call(o, new_request("verify"));
	if (reply == NULL)
		return EXIT_USAGE;
	if (!reply_ok(reply)) {
		print_error("verify", reply);
		cJSON_Delete(reply);
		return EXIT_USAGE;
	}
	bool consistent =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "consistent"));
	if (o->json) {
		print_json(reply);
	} else {
		printf("%s: %lld departments, %lld totals compared with the "
		       "store\n",
		       consistent ? "consistent" : "DIFFERENT",
		       num(reply, "departments"), num(reply, "cells_compared"));
		const cJSON *d;
		cJSON_ArrayForEach(
		    d, cJSON_GetObjectItemCaseSensitive(reply, "differences"))
		    printf("  %s\n", d->valuestring);
	}
	cJSON_Delete(reply);
	return consistent ? EXIT_OK : EXIT_REJECTED;
}

static void human_reload(const cJSON *reply)
{
	printf("reloaded %s\n", str(reply, "config"));
}

static int cmd_reload(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return finish_simple(o, call(o, new_request("reload")), human_reload);
}

/* ---- credentials ---- */

static void human_credential(const cJSON *reply)
{
	const cJSON *list =
	    cJSON_GetObjectItemCaseSensitive(reply, "credentials");
	if (list != NULL) {
		static const char *const headers[] = {"name", "role",
						      "department"};
		struct table t;
		table_init(&t, 3, headers, NULL);
		const cJSON *c;
		cJSON_ArrayForEach(c, list)
		{
			const char *cells[] = {str(c, "name"), str(c, "role"),
					       str(c, "department")};
			table_add_row(&t, cells);
		}
		table_print(&t, stdout);
		table_free(&t);
	} else if (*str(reply, "token")) {
		printf("credential %s (%s%s%s) issued; its token, shown only "
		       "now:\n%s\n",
		       str(reply, "name"), str(reply, "role"),
		       *str(reply, "department") ? " of " : "",
		       str(reply, "department"), str(reply, "token"));
	} else {
		printf("credential %s removed\n", str(reply, "removed"));
	}
}

static int cmd_credential(struct options *o, int argc, char **argv)
{
	cJSON *r;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		r = new_request("credential.list");
	} else if (argc == 2 && strcmp(argv[0], "remove") == 0) {
		r = new_request("credential.remove");
		cJSON_AddStringToObject(r, "name", argv[1]);
	} else if (argc == 2 && strcmp(argv[0], "add") == 0 && o->role) {
		r = new_request("credential.add");
		cJSON_AddStringToObject(r, "name", argv[1]);
		cJSON_AddStringToObject(r, "role", o->role);
		if (o->department)
			cJSON_AddStringToObject(r, "department", o->department);
	} else {
		fprintf(stderr, "budgetctl: credential add NAME --role ROLE "
				"[--department CODE] "
				"| list | remove NAME\n");
		return EXIT_USAGE;
	}
	return finish_simple(o, call(o, r), human_credential);
}

/* ---- watch ---- */

static volatile sig_atomic_t watch_stop;

static void on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* Prints stored events in (from, to) to fill a gap; returns the last seq. */
static long long fill_gap(struct options *o, long long from, long long to)
{
	cJSON *r = new_request("events");
	cJSON_AddNumberToObject(r, "since", (double)from);
	cJSON_AddNumberToObject(
	    r, "limit", (double)(to - from - 1 > 1000 ? 1000 : to - from - 1));
	cJSON *reply = call(o, r);
	long long last = from;
	const cJSON *ev;
	cJSON_ArrayForEach(ev,
			   cJSON_GetObjectItemCaseSensitive(reply, "events"))
	{
		if (num(ev, "seq") >= to)
			break;
		if (o->json) {
			cJSON *copy = cJSON_Duplicate(ev, 1);
			cJSON_AddBoolToObject(copy, "recovered", 1);
			char *text = cJSON_PrintUnformatted(copy);
			puts(text);
			free(text);
			cJSON_Delete(copy);
			fflush(stdout);
		} else {
			print_event_line(ev, "  (recovered from the store)");
		}
		last = num(ev, "seq");
	}
	cJSON_Delete(reply);
	return last;
}

static int cmd_watch(struct options *o, int argc, char **argv)
{
	const char *topic = argc > 0 ? argv[0] : "";
	cJSON *status = call(o, new_request("status"));
	if (status == NULL)
		return EXIT_USAGE;
	if (!reply_ok(status)) {
		print_error("status", status);
		cJSON_Delete(status);
		return EXIT_USAGE;
	}
	char url[512];
	snprintf(url, sizeof url, "%s", str(status, "publish"));
	long long last = o->since_set ? o->since : num(status, "last_seq");
	cJSON_Delete(status);

	nng_socket sub;
	int rv;
	if ((rv = nng_sub0_open(&sub)) != 0 ||
	    (rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, topic,
				 strlen(topic))) != 0) {
		fprintf(stderr, "budgetctl: cannot subscribe: %s\n",
			nng_strerror(rv));
		return EXIT_USAGE;
	}
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 500);
	if ((rv = nng_dial(sub, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "budgetctl: cannot dial %s: %s\n", url,
			nng_strerror(rv));
		nng_close(sub);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!o->json)
		fprintf(stderr, "watching %s (topic \"%s\") from seq %lld\n",
			url, topic, last);
	/* Catch up first when asked to start in the past. */
	if (o->since_set)
		last = fill_gap(o, last, INT64_MAX / 2);

	while (!watch_stop) {
		nng_msg *msg;
		rv = nng_recvmsg(sub, &msg, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		const char *body =
		    memchr(nng_msg_body(msg), ' ', nng_msg_len(msg));
		cJSON *ev = body ? cJSON_ParseWithLength(
				       body + 1,
				       nng_msg_len(msg) -
					   (size_t)(body + 1 -
						    (char *)nng_msg_body(msg)))
				 : NULL;
		nng_msg_free(msg);
		if (ev == NULL)
			continue;
		/* Per-total messages repeat their event's seq: shown only when
		 * asked for by topic. */
		if (*topic == '\0' &&
		    cJSON_GetObjectItemCaseSensitive(ev, "kind") == NULL) {
			cJSON_Delete(ev);
			continue;
		}
		long long seq = num(ev, "seq");
		if (seq <= last) { /* already seen while filling a gap */
			cJSON_Delete(ev);
			continue;
		}
		/* Topic filters make gaps normal; only fill unfiltered ones. */
		if (seq > last + 1 && *topic == '\0')
			fill_gap(o, last, seq);
		if (o->json) {
			char *text = cJSON_PrintUnformatted(ev);
			puts(text);
			free(text);
			fflush(stdout);
		} else {
			print_event_line(ev, NULL);
		}
		last = seq;
		cJSON_Delete(ev);
	}
	nng_close(sub);
	return EXIT_OK;
}

/* ---- main ---- */

static const struct {
	const char *name;
	int (*run)(struct options *o, int argc, char **argv);
} commands[] = {
    {"submit", cmd_submit},
    {"validate", cmd_validate},
    {"import", cmd_import},
    {"totals", cmd_totals},
    {"departments", cmd_departments},
    {"show", cmd_show},
    {"history", cmd_history},
    {"events", cmd_events},
    {"watch", cmd_watch},
    {"status", cmd_status},
    {"reload", cmd_reload},
    {"credential", cmd_credential},
    {"verify", cmd_verify},
    {"lock", cmd_lock},
    {"unlock", cmd_unlock},
    {"projects", cmd_projects},
    {"three-public", cmd_three_public},
};

int main(int argc, char **argv)
{
	enum {
		OPT_BY = 256,
		OPT_WHERE,
		OPT_YEAR,
		OPT_UNIT,
		OPT_REVISION,
		OPT_SORT,
		OPT_LIMIT,
		OPT_SINCE,
		OPT_ROLE,
		OPT_DEPARTMENT,
		OPT_TLS_CA,
		OPT_TLS_CERT,
		OPT_TLS_NAME,
		OPT_CSV,
		OPT_EXPLAIN,
		OPT_CHANGE,
		OPT_PARENT,
		OPT_FUNCTION,
		OPT_KIND,
		OPT_SUBMIT,
		OPT_KEEP_GOING,
		OPT_REPORT
	};
	static const struct option options[] = {
	    {"endpoint", required_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {"by", required_argument, NULL, OPT_BY},
	    {"where", required_argument, NULL, OPT_WHERE},
	    {"year", required_argument, NULL, OPT_YEAR},
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"revision", required_argument, NULL, OPT_REVISION},
	    {"sort", required_argument, NULL, OPT_SORT},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"token", required_argument, NULL, 'T'},
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"department", required_argument, NULL, OPT_DEPARTMENT},
	    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
	    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	    {"tls-server-name", required_argument, NULL, OPT_TLS_NAME},
	    {"csv", no_argument, NULL, OPT_CSV},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"change", no_argument, NULL, OPT_CHANGE},
	    {"parent", required_argument, NULL, OPT_PARENT},
	    {"function", required_argument, NULL, OPT_FUNCTION},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"output", required_argument, NULL, 'o'},
	    {"submit", no_argument, NULL, OPT_SUBMIT},
	    {"keep-going", no_argument, NULL, OPT_KEEP_GOING},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"verbose", no_argument, NULL, 'v'},
	    {0},
	};
	struct options o = {.limit = -1};
	const char *env = getenv("BUDGETD_ENDPOINT");
	o.client.endpoint = env && *env ? env : DEFAULT_ENDPOINT;
	o.client.timeout_ms = 30000;
	const char *env_token = getenv("BUDGETD_TOKEN");
	o.token = env_token && *env_token ? env_token : NULL;

	int opt;
	char *end;
	/* GNU getopt permutes: options may stand before or after the command.
	 */
	while ((opt = getopt_long(argc, argv, "e:jt:hT:o:v", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'T':
			o.token = optarg;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_SUBMIT:
			o.submit = true;
			break;
		case OPT_KEEP_GOING:
			o.keep_going = true;
			break;
		case OPT_REPORT:
			o.report = optarg;
			break;
		case OPT_ROLE:
			o.role = optarg;
			break;
		case OPT_DEPARTMENT:
			o.department = optarg;
			break;
		case OPT_TLS_CA:
			o.client.tls_ca = optarg;
			break;
		case OPT_TLS_CERT:
			o.client.tls_cert_key = optarg;
			break;
		case OPT_TLS_NAME:
			o.client.tls_server_name = optarg;
			break;
		case OPT_CSV:
			o.csv = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_CHANGE:
			o.change = true;
			break;
		case OPT_PARENT:
			o.parent = optarg;
			break;
		case OPT_FUNCTION:
			o.function = optarg;
			break;
		case OPT_KIND:
			o.kind = optarg;
			break;
		case 'e':
			o.client.endpoint = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			o.client.timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || o.client.timeout_ms <= 0)
				goto bad_value;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case OPT_BY:
			o.by = optarg;
			break;
		case OPT_WHERE:
			if (o.n_where == sizeof o.where / sizeof o.where[0]) {
				fprintf(stderr,
					"budgetctl: too many --where\n");
				return EXIT_USAGE;
			}
			o.where[o.n_where++] = optarg;
			break;
		case OPT_YEAR:
			o.year = (int)strtol(optarg, &end, 10);
			if (*end || o.year < 2000 || o.year > 2100)
				goto bad_value;
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "元") && strcmp(optarg, "万元") &&
			    strcmp(optarg, "yuan") && strcmp(optarg, "wanyuan"))
				goto bad_value;
			o.unit = strcmp(optarg, "yuan") == 0	  ? "元"
				 : strcmp(optarg, "wanyuan") == 0 ? "万元"
								  : optarg;
			break;
		case OPT_REVISION:
			o.revision = strtoll(optarg, &end, 10);
			if (*end || o.revision <= 0)
				goto bad_value;
			break;
		case OPT_SORT:
			o.sort = optarg;
			break;
		case OPT_LIMIT:
			o.limit = strtol(optarg, &end, 10);
			if (*end || o.limit < 0)
				goto bad_value;
			break;
		case OPT_SINCE:
			o.since = strtoll(optarg, &end, 10);
			if (*end || o.since < 0)
				goto bad_value;
			o.since_set = true;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.token != NULL) {
		/* It goes into JSON verbatim: only the characters tokens have.
		 */
		if (strlen(o.token) > 150 ||
		    strspn(
			o.token,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-.") != strlen(o.token)) {
			fprintf(stderr, "budgetctl: a token is NAME.SECRET of "
					"letters, digits, "
					"'_', '-' and '.'\n");
			return EXIT_USAGE;
		}
		request_token = o.token;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(&o, argc - optind - 1,
					       argv + optind + 1);
	fprintf(stderr, "budgetctl: unknown command \"%s\"; see --help\n",
		argv[optind]);
	return EXIT_USAGE;
bad_value:
	fprintf(stderr,
		"budgetctl: bad value \"%s\" for an option; see --help\n",
		optarg);
	return EXIT_USAGE;
}
