/* The budget year's commands: review (forward, return, approve), adjust,
 * control numbers, deadlines, progress and diff (docs/workflow.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "budgetctl.h"
#include "model.h"
#include "money.h"
#include "table.h"

static void human_transition(const struct options *o, const cJSON *reply)
{
	(void)o;
	printf("%s/%lld: %s %s → %s", ctl_str(reply, "department"),
	       ctl_num(reply, "year"), ctl_str(reply, "stage"),
	       ctl_str(reply, "from"), ctl_str(reply, "state"));
	if (ctl_num(reply, "round"))
		printf(" (adjustment %lld)", ctl_num(reply, "round"));
	if (ctl_num(reply, "revision"))
		printf(", revision %lld", ctl_num(reply, "revision"));
	printf(", seq %lld\n", ctl_num(reply, "seq"));
}

/* forward, return, approve and adjust open: one request each. */
static int review(struct options *o, const char *action, int argc, char **argv)
{
	if (argc != 1 || o->year == 0) {
		fprintf(stderr,
			"budgetctl: %s takes one department CODE and "
			"--year Y\n",
			action);
		return EXIT_USAGE;
	}
	if (strcmp(action, "return") == 0 && o->reason == NULL) {
		fprintf(stderr, "budgetctl: return needs --reason TEXT: what "
				"must change\n");
		return EXIT_USAGE;
	}
	if (strcmp(action, "approve") == 0 &&
	    (o->revision == 0 || o->approval_number == NULL)) {
		fprintf(stderr,
			"budgetctl: approve needs --revision N (the revision "
			"approved) and --approval-number NO (such as "
			"凤财预〔2023〕12号); --date YYYY-MM-DD, else today\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "review");
	cJSON_AddStringToObject(r, "action", action);
	cJSON_AddStringToObject(r, "department", argv[0]);
	cJSON_AddNumberToObject(r, "year", o->year);
	if (o->revision)
		cJSON_AddNumberToObject(r, "revision", (double)o->revision);
	if (o->reason)
		cJSON_AddStringToObject(r, "reason", o->reason);
	if (o->approval_number)
		cJSON_AddStringToObject(r, "approval_number",
					o->approval_number);
	if (o->date)
		cJSON_AddStringToObject(r, "approval_date", o->date);
	if (o->concerns) {
		/* "expenditure[3].total,arith.line.total": what the return is
		 * about, as paths or rules. */
		cJSON *list = cJSON_AddArrayToObject(r, "concerns");
		char *copy = strdup(o->concerns), *save = NULL;
		for (char *p = strtok_r(copy, ",", &save); p;
		     p = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(list, cJSON_CreateString(p));
		free(copy);
	}
	return ctl_finish(o, ctl_call(o, r), human_transition);
}

int cmd_forward(struct options *o, int argc, char **argv)
{
	return review(o, "forward", argc, argv);
}

int cmd_return(struct options *o, int argc, char **argv)
{
	return review(o, "return", argc, argv);
}

int cmd_approve(struct options *o, int argc, char **argv)
{
	return review(o, "approve", argc, argv);
}

int cmd_adjust(struct options *o, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "open") != 0) {
		fprintf(stderr, "budgetctl: adjust open CODE --year Y\n");
		return EXIT_USAGE;
	}
	return review(o, "open_adjustment", argc - 1, argv + 1);
}

/* ---- control numbers ---- */

static void human_control_set(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(reply, "set"))
	    printf("%s/%lld: control numbers version %lld\n",
		   ctl_str(s, "department"), ctl_num(reply, "year"),
		   ctl_num(s, "version"));
	cJSON_ArrayForEach(s,
			   cJSON_GetObjectItemCaseSensitive(reply, "reaudit"))
	{
		if (!cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(s, "checked")))
			printf(
			    "  %s revision %lld (%s %s): a proposal, not held "
			    "to control numbers\n",
			    ctl_str(s, "department"), ctl_num(s, "revision"),
			    ctl_str(s, "stage"), ctl_str(s, "state"));
		else if (ctl_num(s, "errors") == 0)
			printf("  %s revision %lld (%s %s): within them\n",
			       ctl_str(s, "department"), ctl_num(s, "revision"),
			       ctl_str(s, "stage"), ctl_str(s, "state"));
		else
			printf("  %s revision %lld (%s %s): NOW BREAKS THEM, "
			       "%lld error%s: %s\n",
			       ctl_str(s, "department"), ctl_num(s, "revision"),
			       ctl_str(s, "stage"), ctl_str(s, "state"),
			       ctl_num(s, "errors"),
			       ctl_num(s, "errors") == 1 ? "" : "s",
			       ctl_str(s, "first"));
	}
}

/* CSV columns: department (or 部门编码), then control-number keys; a
 * name column (name, 部门名称) is for people and skipped. */
static const struct {
	const char *header, *key;
} aliases[] = {
    {"部门编码", "department"},
    {"部门名称", "name"},
    {"合计", "total"},
    {"支出合计", "total"},
    {"一般公共预算", "source:general_budget"},
    {"政府性基金", "source:fund_budget"},
    {"其他资金", "source:other"},
    {"基本支出", "kind:basic"},
    {"人员经费", "kind:basic.personnel"},
    {"公用经费", "kind:basic.public"},
    {"项目支出", "kind:project"},
};

static const char *canonical(const char *header)
{
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(header, aliases[i].header) == 0)
			return aliases[i].key;
	return header;
}

/* Splits one CSV line in place (quotes for fields with commas). */
static int split_csv(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		if (*p == '"') {
			char *out = ++p;
			fields[n++] = out;
			/* "" inside quotes is one quote. */
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				*out++ = *p++;
			}
			if (*p == '"')
				p++;
			/* out trails p: end the field only after the quote
			 * was passed, or the terminator would overwrite it. */
			char after = *p;
			*out = '\0';
			if (after != ',')
				break;
			p++;
			continue;
		} else {
			fields[n++] = p;
			p += strcspn(p, ",");
		}
		if (*p != ',') {
			*p = '\0';
			break;
		}
		*p++ = '\0';
	}
	return n;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	size_t lead = strspn(s, " \xef\xbb\xbf"); /* and a BOM */
	memmove(s, s + lead, strlen(s + lead) + 1);
}

/* The departments array of a control.set request from a CSV sheet; NULL
 * after saying which line and column is wrong. */
static cJSON *read_control_csv(const char *path)
{
	size_t len;
	char *text = ctl_read_file(path, &len);
	if (text == NULL) {
		fprintf(stderr, "budgetctl: cannot read %s\n", path);
		return NULL;
	}
	enum { MAX_COLUMNS = 64 };
	char *header[MAX_COLUMNS];
	int n_header = 0, line_no = 0;
	cJSON *departments = cJSON_CreateArray();
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line_no++;
		trim(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *fields[MAX_COLUMNS];
		int n = split_csv(line, fields, MAX_COLUMNS);
		for (int i = 0; i < n; i++)
			trim(fields[i]);
		if (n_header == 0) {
			for (int i = 0; i < n; i++)
				header[i] = fields[i];
			n_header = n;
			if (strcmp(canonical(header[0]), "department") != 0) {
				fprintf(stderr,
					"budgetctl: %s:%d: the first column "
					"must be department (部门编码), not "
					"\"%s\"\n",
					path, line_no, header[0]);
				goto fail;
			}
			continue;
		}
		if (n != n_header) {
			fprintf(stderr,
				"budgetctl: %s:%d: %d columns where the header "
				"has %d\n",
				path, line_no, n, n_header);
			goto fail;
		}
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "department", fields[0]);
		cJSON *items = cJSON_AddObjectToObject(d, "items");
		for (int i = 1; i < n; i++) {
			const char *key = canonical(header[i]);
			if (strcmp(key, "name") == 0 || fields[i][0] == '\0')
				continue;
			/* Thousands separators are how sheets print. */
			char amount[64];
			size_t k = 0;
			for (const char *c = fields[i];
			     *c && k + 1 < sizeof amount; c++)
				if (*c != ',')
					amount[k++] = *c;
			amount[k] = '\0';
			cJSON_AddStringToObject(items, key, amount);
		}
		cJSON_AddItemToArray(departments, d);
	}
	if (cJSON_GetArraySize(departments) == 0) {
		fprintf(stderr, "budgetctl: %s has no department rows\n", path);
		goto fail;
	}
	free(text);
	return departments;
fail:
	cJSON_Delete(departments);
	free(text);
	return NULL;
}

/* One version of a department's control numbers. */
static void print_control(const cJSON *reply, const char *department,
			  const cJSON *version)
{
	printf("%s/%lld  version %lld, set by %s at %s (seq %lld)\n",
	       department, ctl_num(reply, "year"), ctl_num(version, "version"),
	       ctl_str(version, "set_by"), ctl_str(version, "set_at"),
	       ctl_num(version, "seq"));
	const cJSON *item;
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(version, "items"))
	    printf("  %-24s %18s %s\n", item->string, item->valuestring,
		   ctl_str(reply, "unit"));
}

static void human_control_show(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *c;
	cJSON_ArrayForEach(c,
			   cJSON_GetObjectItemCaseSensitive(reply, "controls"))
	    print_control(reply, ctl_str(c, "department"), c);
}

static void human_control_history(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *v;
	cJSON_ArrayForEach(v,
			   cJSON_GetObjectItemCaseSensitive(reply, "versions"))
	    print_control(reply, ctl_str(reply, "department"), v);
}

int cmd_control(struct options *o, int argc, char **argv)
{
	const char *what = argc > 0 ? argv[0] : "";
	if (o->year == 0) {
		fprintf(stderr, "budgetctl: control needs --year Y\n");
		return EXIT_USAGE;
	}
	if (strcmp(what, "show") == 0 && argc <= 2) {
		cJSON *r = ctl_request(o, "control.show");
		cJSON_AddNumberToObject(r, "year", o->year);
		if (argc == 2)
			cJSON_AddStringToObject(r, "department", argv[1]);
		if (o->unit)
			cJSON_AddStringToObject(r, "unit", o->unit);
		return ctl_finish(o, ctl_call(o, r), human_control_show);
	}
	if (strcmp(what, "history") == 0 && argc == 2) {
		cJSON *r = ctl_request(o, "control.show");
		cJSON_AddNumberToObject(r, "year", o->year);
		cJSON_AddStringToObject(r, "department", argv[1]);
		cJSON_AddBoolToObject(r, "versions", true);
		if (o->unit)
			cJSON_AddStringToObject(r, "unit", o->unit);
		return ctl_finish(o, ctl_call(o, r), human_control_history);
	}
	cJSON *departments = NULL;
	if (strcmp(what, "import") == 0 && argc == 2) {
		departments = read_control_csv(argv[1]);
		if (departments == NULL)
			return EXIT_USAGE;
	} else if (strcmp(what, "set") == 0 && argc >= 3) {
		departments = cJSON_CreateArray();
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "department", argv[1]);
		cJSON *items = cJSON_AddObjectToObject(d, "items");
		for (int i = 2; i < argc; i++) {
			char *eq = strchr(argv[i], '=');
			if (eq == NULL) {
				fprintf(stderr,
					"budgetctl: \"%s\" is not KEY=AMOUNT "
					"(total=1200000.00)\n",
					argv[i]);
				cJSON_Delete(departments);
				cJSON_Delete(d);
				return EXIT_USAGE;
			}
			*eq = '\0';
			cJSON_AddStringToObject(items, argv[i], eq + 1);
		}
		cJSON_AddItemToArray(departments, d);
	} else {
		fprintf(stderr,
			"budgetctl: control set CODE KEY=AMOUNT... | import "
			"FILE.csv | show [CODE] | history CODE, with --year Y "
			"[--unit 元|万元]\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "control.set");
	cJSON_AddNumberToObject(r, "year", o->year);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	cJSON_AddItemToObject(r, "departments", departments);
	return ctl_finish(o, ctl_call(o, r), human_control_set);
}

/* ---- deadlines and progress ---- */

static void human_deadline(const struct options *o, const cJSON *reply)
{
	(void)o;
	printf("%s %lld: due %s\n", ctl_str(reply, "stage"),
	       ctl_num(reply, "year"),
	       *ctl_str(reply, "date") ? ctl_str(reply, "date") : "(none)");
}

int cmd_deadline(struct options *o, int argc, char **argv)
{
	if (argc != 2 || o->year == 0) {
		fprintf(stderr, "budgetctl: deadline STAGE YYYY-MM-DD|none "
				"--year Y\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "deadline");
	cJSON_AddNumberToObject(r, "year", o->year);
	cJSON_AddStringToObject(r, "stage", argv[0]);
	if (strcmp(argv[1], "none") == 0)
		cJSON_AddNullToObject(r, "date");
	else
		cJSON_AddStringToObject(r, "date", argv[1]);
	return ctl_finish(o, ctl_call(o, r), human_deadline);
}

/* A list in one cell, ", " between items, as long as it needs to be
 * (a district's departments that sent nothing are not cut short). */
struct joined {
	char *text;
	size_t len, cap;
};

static void join(struct joined *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void join(struct joined *j, const char *fmt, ...)
{
	char item[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(item, sizeof item, fmt, ap);
	va_end(ap);
	size_t need = j->len + strlen(item) + 3;
	if (need > j->cap) {
		size_t cap = need * 2;
		char *grown = realloc(j->text, cap);
		if (grown == NULL)
			return;
		j->text = grown;
		j->cap = cap;
	}
	j->len +=
	    (size_t)sprintf(j->text + j->len, "%s%s", j->len ? ", " : "", item);
}

static void progress_row(struct table *t, const char *who, const cJSON *g)
{
	char departments[16];
	struct joined states = {0}, overdue = {0}, not_sent = {0};
	snprintf(departments, sizeof departments, "%lld",
		 ctl_num(g, "departments"));
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "states"))
	    join(&states, "%s %d", s->string, s->valueint);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "overdue"))
	    join(&overdue, "%s (%s due %s)", ctl_str(s, "department"),
		 ctl_str(s, "stage"), ctl_str(s, "deadline"));
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "not_sent"))
	    join(&not_sent, "%s", s->valuestring);
	const char *cells[] = {who, departments, states.text ? states.text : "",
			       overdue.text ? overdue.text : "",
			       not_sent.text ? not_sent.text : ""};
	table_add_row(t, cells);
	free(states.text);
	free(overdue.text);
	free(not_sent.text);
}

static void human_progress(const struct options *o, const cJSON *reply)
{
	static const char *const headers[] = {"主管部门", "departments",
					      "states", "overdue", "not sent"};
	static const bool right[] = {false, true, false, false, false};
	struct table t;
	table_init(&t, 5, headers, right);
	const cJSON *g;
	cJSON_ArrayForEach(g,
			   cJSON_GetObjectItemCaseSensitive(reply, "parents"))
	    progress_row(&t, ctl_str(g, "parent"), g);
	progress_row(&t, "total",
		     cJSON_GetObjectItemCaseSensitive(reply, "total"));
	ctl_print_table(o, &t, NULL, 0);
	table_free(&t);
	if (!o->csv) {
		const cJSON *dl;
		cJSON_ArrayForEach(
		    dl, cJSON_GetObjectItemCaseSensitive(reply, "deadlines"))
		    printf("deadline %s: %s\n", dl->string, dl->valuestring);
	}
}

int cmd_progress(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 0 || o->year == 0) {
		fprintf(stderr,
			"budgetctl: progress --year Y [--parent CODE]\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "progress");
	cJSON_AddNumberToObject(r, "year", o->year);
	if (o->parent)
		cJSON_AddStringToObject(r, "parent", o->parent);
	return ctl_finish(o, ctl_call(o, r), human_progress);
}

/* ---- diff ---- */

/* A revision of a department, parsed. */
struct parsed {
	struct arena arena;
	struct bd_submission *s;
	long long revision;
};

static int fetch(struct options *o, const char *code, long long revision,
		 struct parsed *p)
{
	cJSON *r = ctl_request(o, "show");
	cJSON_AddStringToObject(r, "department", code);
	cJSON_AddNumberToObject(r, "year", o->year);
	cJSON_AddNumberToObject(r, "revision", (double)revision);
	cJSON *reply = ctl_call(o, r);
	if (reply == NULL)
		return -EIO;
	if (!ctl_reply_ok(reply)) {
		ctl_print_error("diff", reply);
		cJSON_Delete(reply);
		return -ENOENT;
	}
	char why[512];
	arena_init(&p->arena);
	p->revision = revision;
	int rc = model_parse_brief(
	    cJSON_GetObjectItemCaseSensitive(reply, "document"), &p->arena,
	    &p->s, why, sizeof why);
	cJSON_Delete(reply);
	if (rc < 0)
		fprintf(stderr,
			"budgetctl: revision %lld of %s does not parse: %s\n",
			revision, code, why);
	return rc;
}

/* The revision a stage names, from the history reply's case. */
static long long stage_revision(const cJSON *history, int year,
				const char *stage, long long latest)
{
	const cJSON *c;
	cJSON_ArrayForEach(c,
			   cJSON_GetObjectItemCaseSensitive(history, "cases"))
	{
		if (ctl_num(c, "year") != year)
			continue;
		if (strcmp(stage, "original") == 0)
			return ctl_num(c, "original_revision");
		if (strcmp(stage, "approved") == 0 ||
		    strcmp(stage, "adjusted") == 0)
			return ctl_num(c, "approved_revision");
		if (strcmp(stage, "submitted") == 0)
			return ctl_num(c, "submitted_revision");
	}
	return strcmp(stage, "latest") == 0 ? latest : 0;
}

static bd_fen sum_total(const struct bd_submission *s)
{
	bd_fen sum = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		sum += bd_line_total(&s->lines[i]);
	return sum;
}

static void add_amount(cJSON *o, const char *key, bd_fen fen, enum bd_unit u)
{
	char text[MONEY_TEXT_MAX];
	money_format(fen, u, text, sizeof text);
	cJSON_AddStringToObject(o, key, text);
}

static void diff_line(cJSON *lines, const struct bd_line *a,
		      const struct bd_line *b, enum bd_unit unit)
{
	const struct bd_line *any = a ? a : b;
	bd_fen from = a ? bd_line_total(a) : 0, to = b ? bd_line_total(b) : 0;
	bool parts_moved =
	    a && b && memcmp(a->column, b->column, sizeof a->column) != 0;
	if (a && b && from == to && !parts_moved)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "change",
				!a   ? "added"
				: !b ? "removed"
				     : "changed");
	cJSON_AddStringToObject(o, "function", any->function);
	cJSON_AddStringToObject(o, "name", any->name ? any->name : "");
	cJSON_AddStringToObject(o, "source", bd_source_key(any->source));
	add_amount(o, "from", from, unit);
	add_amount(o, "to", to, unit);
	add_amount(o, "difference", to - from, unit);
	cJSON_AddItemToArray(lines, o);
}

int cmd_diff(struct options *o, int argc, char **argv)
{
	if (argc != 1 || o->year == 0) {
		fprintf(stderr,
			"budgetctl: diff CODE --year Y [--from N --to M | "
			"--stage S --to-stage S]\n");
		return EXIT_USAGE;
	}
	const char *code = argv[0];
	cJSON *r = ctl_request(o, "history");
	cJSON_AddStringToObject(r, "department", code);
	cJSON_AddNumberToObject(r, "year", o->year);
	cJSON *history = ctl_call(o, r);
	if (history == NULL)
		return EXIT_USAGE;
	if (!ctl_reply_ok(history)) {
		ctl_print_error("diff", history);
		cJSON_Delete(history);
		return EXIT_REJECTED;
	}
	long long latest = 0;
	const cJSON *h;
	cJSON_ArrayForEach(
	    h, cJSON_GetObjectItemCaseSensitive(
		   history, "history")) if (ctl_num(h, "revision") > latest)
	    latest = ctl_num(h, "revision");
	long long from = o->from, to = o->to;
	if (o->stage)
		from = stage_revision(history, o->year, o->stage, latest);
	if (o->to_stage)
		to = stage_revision(history, o->year, o->to_stage, latest);
	if (!o->stage && !from)
		from = latest - 1;
	if (!o->to_stage && !to)
		to = latest;
	cJSON_Delete(history);
	if (from <= 0 || to <= 0) {
		fprintf(stderr,
			"budgetctl: %s/%d has no revision %s%s (latest: "
			"%lld)\n",
			code, o->year, from <= 0 ? "for " : "for ",
			from <= 0 ? (o->stage ? o->stage : "--from")
				  : (o->to_stage ? o->to_stage : "--to"),
			latest);
		return EXIT_REJECTED;
	}
	struct parsed a = {0}, b = {0};
	int rc = fetch(o, code, from, &a);
	if (rc == 0)
		rc = fetch(o, code, to, &b);
	if (rc < 0) {
		arena_release(&a.arena);
		arena_release(&b.arena);
		return rc == -EIO ? EXIT_USAGE : EXIT_REJECTED;
	}
	enum bd_unit unit = BD_UNIT_YUAN;
	if (o->unit)
		money_unit_parse(o->unit, &unit);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "department", code);
	cJSON_AddNumberToObject(out, "year", o->year);
	cJSON_AddNumberToObject(out, "from_revision", (double)from);
	cJSON_AddNumberToObject(out, "to_revision", (double)to);
	cJSON_AddStringToObject(out, "unit", money_unit_name(unit));
	cJSON *lines = cJSON_AddArrayToObject(out, "lines");
	for (size_t i = 0; i < a.s->n_lines; i++)
		diff_line(lines, &a.s->lines[i],
			  model_same_line(b.s, &a.s->lines[i]), unit);
	for (size_t i = 0; i < b.s->n_lines; i++)
		if (model_same_line(a.s, &b.s->lines[i]) == NULL)
			diff_line(lines, NULL, &b.s->lines[i], unit);
	cJSON *totals = cJSON_AddObjectToObject(out, "total");
	add_amount(totals, "from", sum_total(a.s), unit);
	add_amount(totals, "to", sum_total(b.s), unit);
	add_amount(totals, "difference", sum_total(b.s) - sum_total(a.s), unit);
	if (o->json) {
		ctl_print_json(out);
	} else {
		static const char *const headers[] = {
		    "change", "function", "name",      "source",
		    "from",   "to",	  "difference"};
		static const bool right[] = {false, false, false, false,
					     true,  true,  true};
		struct table t;
		table_init(&t, 7, headers, right);
		const cJSON *l;
		cJSON_ArrayForEach(l, lines)
		{
			const char *cells[] = {
			    ctl_str(l, "change"),    ctl_str(l, "function"),
			    ctl_str(l, "name"),	     ctl_str(l, "source"),
			    ctl_str(l, "from"),	     ctl_str(l, "to"),
			    ctl_str(l, "difference")};
			table_add_row(&t, cells);
		}
		const char *cells[] = {"total",
				       "",
				       "",
				       "",
				       ctl_str(totals, "from"),
				       ctl_str(totals, "to"),
				       ctl_str(totals, "difference")};
		table_add_row(&t, cells);
		if (!o->csv)
			printf("%s/%d: revision %lld → %lld, %d line%s "
			       "changed (%s)\n",
			       code, o->year, from, to,
			       cJSON_GetArraySize(lines),
			       cJSON_GetArraySize(lines) == 1 ? "" : "s",
			       money_unit_name(unit));
		static const size_t amounts[] = {4, 5, 6};
		ctl_print_table(o, &t, amounts, 3);
		table_free(&t);
	}
	cJSON_Delete(out);
	arena_release(&a.arena);
	arena_release(&b.arena);
	return EXIT_OK;
}
