/* budgetctl export: the district's tables (.xlsx or CSV), a department's
 * publication tables (export_department.c), open data (export_fdp.c).
 * The district workbook is built by export/district.c from the daemon's
 * answers, asked here over nng. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "budgetctl.h"
#include "catalog_names.h"
#include "district.h"
#include "sheet.h"

#ifndef BUDGETCTL_CATALOG_DIR
#define BUDGETCTL_CATALOG_DIR "/usr/share/budgetd/defaults/catalog"
#endif

const char *catalog_dir(const struct options *o)
{
	const char *env = getenv("BUDGETCTL_CATALOG");
	return o->catalog    ? o->catalog
	       : env && *env ? env
			     : BUDGETCTL_CATALOG_DIR;
}

void load_catalog_names(const struct options *o, int year,
			struct names *function, struct names *economic)
{
	const char *dir = catalog_dir(o);
	if (names_for_year(function, economic, dir, year) < 0)
		fprintf(stderr,
			"budgetctl: export: no catalogue under %s (--catalog "
			"DIR): the tables carry codes without names\n",
			dir);
}

/* The daemon's answer over nng; a refusal keeps its exit status. */
struct remote {
	struct options *o;
	int exit_status;
};

static cJSON *ask_daemon(void *ctx, cJSON *request, char *err, size_t err_size)
{
	struct remote *r = ctx;
	if (r->o->token)
		cJSON_AddStringToObject(request, "token", r->o->token);
	cJSON *reply = ctl_call(r->o, request);
	if (reply == NULL) {
		r->exit_status = EXIT_USAGE;
		snprintf(err, err_size, "%s", r->o->client.error);
		return NULL;
	}
	if (!ctl_reply_ok(reply)) {
		const cJSON *e =
		    cJSON_GetObjectItemCaseSensitive(reply, "error");
		snprintf(err, err_size, "%s: %s", ctl_str(e, "code"),
			 ctl_str(e, "message"));
		r->exit_status = ctl_exit_for_error(reply);
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

/* Each sheet as DIR/TAB.csv. */
static int write_csv_dir(const struct workbook *wb, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "budgetctl: export: cannot create %s: %s\n",
			dir, strerror(errno));
		return EXIT_REJECTED;
	}
	for (size_t i = 0; i < wb->n_sheets; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s.csv", dir,
			 wb->sheets[i]->tab);
		FILE *f = fopen(path, "w");
		int rc = f ? sheet_write_csv(wb, wb->sheets[i], f) : -errno;
		if (f && fclose(f) != 0 && rc == 0)
			rc = -EIO;
		if (rc < 0) {
			fprintf(stderr,
				"budgetctl: export: cannot write %s: %s\n",
				path, strerror(-rc));
			return EXIT_REJECTED;
		}
	}
	return EXIT_OK;
}

static int export_district(struct options *o)
{
	const char *format = o->format ? o->format : o->csv ? "csv" : "xlsx";
	bool csv = strcmp(format, "csv") == 0;
	if (!csv && strcmp(format, "xlsx") != 0) {
		fprintf(stderr, "budgetctl: export district: --format is xlsx "
				"or csv\n");
		return EXIT_USAGE;
	}
	if (o->year == 0 || (o->output == NULL && !o->csv)) {
		fprintf(stderr, "budgetctl: export district needs --year and "
				"-o FILE.xlsx (or --format csv -o DIR, or "
				"--csv)\n");
		return EXIT_USAGE;
	}
	struct names function = {0}, economic = {0};
	load_catalog_names(o, o->year, &function, &economic);
	char date[16];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof date, "%Y-%m-%d", localtime_r(&now, &tm));
	char title[64];
	snprintf(title, sizeof title, "%d 年部门预算汇总", o->year);
	struct remote remote = {.o = o, .exit_status = EXIT_REJECTED};
	struct district_export in = {
	    .year = o->year,
	    .unit = o->unit && strcmp(o->unit, "万元") == 0 ? BD_UNIT_WANYUAN
							    : BD_UNIT_YUAN,
	    .date = date,
	    .function = &function,
	    .economic = &economic,
	    .ask = ask_daemon,
	    .ctx = &remote,
	};
	struct workbook wb = {.title = title};
	char err[512];
	int rc = district_workbook(&in, &wb, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "budgetctl: export: %s\n", err);
		rc = rc == -EPROTO ? remote.exit_status : EXIT_USAGE;
	} else if (csv && o->output == NULL) {
		for (size_t i = 0; i < wb.n_sheets; i++) {
			printf("# %s\n", wb.sheets[i]->title);
			sheet_write_csv(&wb, wb.sheets[i], stdout);
		}
	} else if (csv) {
		rc = write_csv_dir(&wb, o->output);
		if (rc == EXIT_OK && !o->json)
			printf("%s: %zu tables as CSV\n", o->output,
			       wb.n_sheets);
	} else if (workbook_write_xlsx(&wb, o->output, err, sizeof err) < 0) {
		fprintf(stderr, "budgetctl: export: %s\n", err);
		rc = EXIT_REJECTED;
	} else if (!o->json) {
		printf("%s: %zu sheets\n", o->output, wb.n_sheets);
	}
	workbook_free(&wb);
	names_free(&function);
	names_free(&economic);
	return rc;
}

int cmd_export(struct options *o, int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "district") == 0)
		return export_district(o);
	if (argc == 2 && strcmp(argv[0], "department") == 0)
		return export_department(o, argv[1]);
	if (argc == 1 && strcmp(argv[0], "fdp") == 0)
		return export_fdp(o);
	fprintf(stderr,
		"budgetctl: export district --year Y [--unit 元|万元] "
		"[--format xlsx|csv] -o FILE.xlsx|DIR\n"
		"       export department CODE [--year Y] [--revision N] "
		"[--format xlsx|text] -o FILE\n"
		"       export fdp --year Y -o DIR\n");
	return EXIT_USAGE;
}
