/* submit, validate and import: documents going to the daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"
#include "import.h"

static int send_text(struct options *o, const char *op, const char *path,
		     char *doc, size_t len);

static int send_document(struct options *o, const char *op, const char *path)
{
	size_t len;
	char *doc = ctl_read_file(path, &len);
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
	char head[320], stage[48] = "";
	if (o->stage) {
		if (strlen(o->stage) > 24 ||
		    strspn(o->stage, "abcdefghijklmnopqrstuvwxyz") !=
			strlen(o->stage)) {
			fprintf(stderr,
				"budgetctl: --stage \"%s\" is not proposal, "
				"budget or adjustment\n",
				o->stage);
			free(doc);
			return EXIT_USAGE;
		}
		snprintf(stage, sizeof stage, "\"stage\":\"%s\",", o->stage);
	}
	int hn =
	    o->token
		? snprintf(head, sizeof head,
			   "{\"op\":\"%s\",%s\"token\":\"%s\",\"document\":",
			   op, stage, o->token)
		: snprintf(head, sizeof head,
			   "{\"op\":\"%s\",%s\"document\":", op, stage);
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
	int rc = ctl_reply_ok(reply) ? EXIT_OK : EXIT_REJECTED;
	const char *outcome = ctl_str(reply, "outcome");
	if (o->json) {
		ctl_print_json(reply);
	} else if (*outcome == '\0') {
		ctl_print_error(path, reply);
		rc = ctl_exit_for_error(reply);
	} else {
		const cJSON *findings =
		    cJSON_GetObjectItemCaseSensitive(reply, "findings");
		if (strcmp(op, "validate") == 0)
			printf("%s: %s %s/%lld: %s\n", path, "validated",
			       ctl_str(reply, "department"),
			       ctl_num(reply, "year"),
			       rc == EXIT_OK ? "would be accepted"
					     : "would be rejected");
		else if (rc == EXIT_OK)
			printf("%s: accepted %s/%lld as revision %lld (seq "
			       "%lld)%s%s\n",
			       path, ctl_str(reply, "department"),
			       ctl_num(reply, "year"),
			       ctl_num(reply, "revision"),
			       ctl_num(reply, "seq"),
			       *ctl_str(reply, "note") ? "; " : "",
			       ctl_str(reply, "note"));
		else
			printf("%s: %s %s/%lld (seq %lld): %d finding%s\n",
			       path, outcome, ctl_str(reply, "department"),
			       ctl_num(reply, "year"), ctl_num(reply, "seq"),
			       cJSON_GetArraySize(findings),
			       cJSON_GetArraySize(findings) == 1 ? "" : "s");
		ctl_print_findings(findings, ctl_str(reply, "unit"));
	}
	cJSON_Delete(reply);
	return rc;
}

int cmd_submit(struct options *o, int argc, char **argv)
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

int cmd_validate(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "budgetctl: validate takes one FILE\n");
		return EXIT_USAGE;
	}
	return send_document(o, "validate", argv[0]);
}

int cmd_import(struct options *o, int argc, char **argv)
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
		ctl_print_json(out);
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
