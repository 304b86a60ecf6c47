/* budgetctl export department: one revision's publication tables, as the
 * .xlsx a department publishes or as the text `budgetctl import` reads
 * back.  The document comes from the daemon's show op, so what is written
 * is what the audit accepted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budgetctl.h"
#include "publication_xlsx.h"
#include "publish.h"

int export_department(struct options *o, const char *code)
{
	const char *format = o->format ? o->format : "xlsx";
	bool text = strcmp(format, "text") == 0;
	if (!text && strcmp(format, "xlsx") != 0) {
		fprintf(stderr, "budgetctl: export department: --format is "
				"xlsx or text\n");
		return EXIT_USAGE;
	}
	if (o->output == NULL || (!text && strcmp(o->output, "-") == 0)) {
		fprintf(stderr,
			"budgetctl: export department needs -o FILE%s\n",
			text ? " (or -o - for standard output)" : ".xlsx");
		return EXIT_USAGE;
	}
	cJSON *req = ctl_request(o, "show");
	cJSON_AddStringToObject(req, "department", code);
	if (o->year)
		cJSON_AddNumberToObject(req, "year", o->year);
	if (o->revision)
		cJSON_AddNumberToObject(req, "revision", (double)o->revision);
	cJSON *reply = ctl_call(o, req);
	if (reply == NULL)
		return EXIT_USAGE;
	if (!ctl_reply_ok(reply)) {
		ctl_print_error("export department", reply);
		int rc = ctl_exit_for_error(reply);
		cJSON_Delete(reply);
		return rc;
	}
	const cJSON *document =
	    cJSON_GetObjectItemCaseSensitive(reply, "document");
	struct publication pub;
	char err[512];
	int rc = publish_tables(document, &pub, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr,
			"budgetctl: export department %s revision %lld: %s\n",
			code, ctl_num(reply, "revision"),
			rc == -ENOMEM ? "out of memory" : err);
		cJSON_Delete(reply);
		return EXIT_REJECTED;
	}
	const cJSON *department =
	    cJSON_GetObjectItemCaseSensitive(document, "department");
	if (text) {
		rc = ctl_write_file(o->output, pub.text, pub.len);
		if (rc < 0)
			snprintf(err, sizeof err, "cannot write %s: %s",
				 o->output, strerror(-rc));
	} else {
		rc = publication_write_xlsx(&pub, ctl_str(department, "name"),
					    o->output, err, sizeof err);
	}
	if (rc < 0) {
		fprintf(stderr, "budgetctl: export department: %s\n", err);
		rc = EXIT_REJECTED;
	} else {
		if (!o->json && strcmp(o->output, "-") != 0)
			printf("%s: department %s, %lld, revision %lld\n",
			       o->output, code, ctl_num(reply, "year"),
			       ctl_num(reply, "revision"));
		rc = EXIT_OK;
	}
	publication_free(&pub);
	cJSON_Delete(reply);
	return rc;
}
