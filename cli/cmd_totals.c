/* totals, projects and three-public: the district's figures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"
#include "table.h"

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
		 strcmp(ctl_str(reply, "unit"), "元") == 0 ? "yuan"
							   : "wanyuan");
	cJSON_ArrayForEach(d, by) csv_field(d->valuestring, false);
	csv_field(unit, false);
	csv_field("departments", true);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		char depts[24];
		cJSON_ArrayForEach(d, by)
		    csv_field(ctl_str(key, d->valuestring), false);
		csv_field(ctl_str(row, "amount"), false);
		snprintf(depts, sizeof depts, "%lld",
			 ctl_num(row, "departments"));
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
		cJSON_ArrayForEach(d, by) printf("%s %s  ", d->valuestring,
						 ctl_str(key, d->valuestring));
		printf("= %s %s, from:\n", ctl_str(row, "amount"),
		       ctl_str(reply, "unit"));
		cJSON_ArrayForEach(
		    f, cJSON_GetObjectItemCaseSensitive(row, "from"))
		    printf("    %s/%lld revision %lld  %-7s %-16s %-16s %14s\n",
			   ctl_str(f, "department"), ctl_num(f, "year"),
			   ctl_num(f, "revision"),
			   *ctl_str(f, "function") ? ctl_str(f, "function")
						   : ctl_str(f, "economic"),
			   ctl_str(f, "source"), ctl_str(f, "kind"),
			   ctl_str(f, "amount"));
	}
	if (cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(reply, "explain_truncated")))
		printf("(the list stops at 10 000 line items: narrow the query "
		       "with --where)\n");
}

static struct options *totals_options;

static void human_totals(const struct options *o, const cJSON *reply)
{
	if (o->csv) {
		csv_totals(reply);
		return;
	}
	if (o->explain) {
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
		 ctl_str(reply, "unit"));
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
				cells[k++] = ctl_str(key, d->valuestring);
		}
		snprintf(depts, sizeof depts, "%lld",
			 ctl_num(row, "departments"));
		cells[k++] = ctl_str(row, "amount");
		if (change) {
			cells[k++] = ctl_str(row, "previous");
			cells[k++] = ctl_str(row, "change");
			cells[k++] = ctl_str(row, "change_percent");
		}
		cells[k++] = depts;
		table_add_row(&t, cells);
	}
	table_start_footer(&t);
	const char *cells[TABLE_MAX_COLUMNS] = {0};
	size_t amount_col = n - 2 - (change ? 3 : 0);
	cells[0] = amount_col > 0 ? "total" : NULL;
	cells[amount_col] = ctl_str(reply, "total");
	if (change)
		cells[amount_col + 1] = ctl_str(reply, "previous_total");
	cells[n - 1] = "";
	table_add_row(&t, cells);
	table_print(&t, stdout);
	table_free(&t);
}

int cmd_totals(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: totals takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "totals");
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
	return ctl_finish(o, ctl_call(o, r), human_totals);
}

static void human_projects(const struct options *o, const cJSON *reply)
{
	(void)o;
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
		snprintf(year, sizeof year, "%lld", ctl_num(p, "year"));
		const char *cells[] = {year,
				       ctl_str(p, "department"),
				       ctl_str(p, "code"),
				       ctl_str(p, "name"),
				       ctl_str(p, "function"),
				       ctl_str(p, "kind"),
				       ctl_str(p, "total")};
		table_add_row(&t, cells);
	}
	table_print(&t, stdout);
	table_free(&t);
	printf("%lld projects, %s %s in all\n", ctl_num(reply, "count"),
	       ctl_str(reply, "total"), ctl_str(reply, "unit"));
}

int cmd_projects(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: projects takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "projects");
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
	return ctl_finish(o, ctl_call(o, r), human_projects);
}

static void human_three_public(const struct options *o, const cJSON *reply)
{
	(void)o;
	const char *by = ctl_str(reply, "by");
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
		snprintf(year, sizeof year, "%lld", ctl_num(row, "year"));
		snprintf(depts, sizeof depts, "%lld",
			 ctl_num(row, "departments"));
		const char *cells[] = {year,
				       grouped ? ctl_str(row, by) : "-",
				       ctl_str(row, "overseas"),
				       ctl_str(row, "vehicle_purchase"),
				       ctl_str(row, "vehicle_operation"),
				       ctl_str(row, "reception"),
				       ctl_str(row, "total"),
				       depts};
		table_add_row(&t, cells);
	}
	printf("三公经费 (%s)\n", ctl_str(reply, "unit"));
	table_print(&t, stdout);
	table_free(&t);
}

int cmd_three_public(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: three-public takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "three_public");
	if (o->by)
		cJSON_AddStringToObject(r, "by", o->by);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	return ctl_finish(o, ctl_call(o, r), human_three_public);
}
