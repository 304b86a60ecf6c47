/* totals, projects and three-public: the district's figures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"
#include "table.h"

static void explain_totals(const struct options *o, const cJSON *reply)
{
	(void)o;
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

/* The header of an amount column: "amount (万元)", or for CSV
 * "amount_wanyuan". */
static const char *amount_header(const char *name, const char *unit, bool csv,
				 char *buf, size_t size)
{
	if (csv)
		snprintf(buf, size, "%s_%s", name,
			 strcmp(unit, "元") == 0 ? "yuan" : "wanyuan");
	else
		snprintf(buf, size, "%s (%s)", name, unit);
	return buf;
}

/* The table of a totals reply; footer rows (human only): a total per
 * year when by_year gives several years, else the one total.  headers
 * must outlive the table. */
static int totals_table(const cJSON *reply, const cJSON *by_year, bool csv,
			char headers_text[3][48], struct table *t)
{
	const char *headers[TABLE_MAX_COLUMNS];
	bool right[TABLE_MAX_COLUMNS] = {0};
	const char *unit = ctl_str(reply, "unit");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(reply, "by");
	bool change =
	    cJSON_GetObjectItemCaseSensitive(reply, "previous_total") != NULL;
	size_t n = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, by)
	{
		if (n < TABLE_MAX_COLUMNS - 5)
			headers[n++] = d->valuestring;
	}
	size_t dims = n, amount_col = n;
	headers[n] = amount_header("amount", unit, csv, headers_text[0], 48);
	right[n++] = true;
	if (change) {
		headers[n] = amount_header(csv ? "previous" : "previous year",
					   unit, csv, headers_text[1], 48);
		right[n++] = true;
		headers[n] =
		    amount_header("change", unit, csv, headers_text[2], 48);
		right[n++] = true;
		headers[n] = csv ? "change_percent" : "%";
		right[n++] = true;
	}
	headers[n] = "departments";
	right[n++] = true;

	table_init(t, n, headers, right);
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		const char *cells[TABLE_MAX_COLUMNS];
		char depts[24];
		size_t k = 0;
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
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
		if (table_add_row(t, cells) < 0)
			return -ENOMEM;
	}
	table_start_footer(t);
	const cJSON *years = cJSON_GetObjectItemCaseSensitive(by_year, "rows");
	if (cJSON_GetArraySize(years) > 1) {
		/* Fiscal years are never added up: a total each. */
		const cJSON *y;
		cJSON_ArrayForEach(y, years)
		{
			const char *cells[TABLE_MAX_COLUMNS] = {0};
			char label[32];
			const cJSON *key =
			    cJSON_GetObjectItemCaseSensitive(y, "key");
			snprintf(label, sizeof label, "total %s",
				 ctl_str(key, "year"));
			cells[0] = label;
			cells[amount_col] = ctl_str(y, "amount");
			if (table_add_row(t, cells) < 0)
				return -ENOMEM;
		}
	} else {
		const char *cells[TABLE_MAX_COLUMNS] = {0};
		cells[0] = amount_col > 0 ? "total" : NULL;
		cells[amount_col] = ctl_str(reply, "total");
		if (change)
			cells[amount_col + 1] =
			    ctl_str(reply, "previous_total");
		if (table_add_row(t, cells) < 0)
			return -ENOMEM;
	}
	/* One number of decimals per column (万元 print 2 to 6). */
	for (size_t c = amount_col; c < amount_col + (change ? 3 : 1); c++)
		if (table_align_decimals(t, c) < 0)
			return -ENOMEM;
	return 0;
}

static int print_totals(const struct options *o, const cJSON *reply,
			const cJSON *by_year)
{
	struct table t;
	char headers[3][48];
	if (totals_table(reply, by_year, o->csv, headers, &t) < 0) {
		fprintf(stderr, "budgetctl: out of memory\n");
		table_free(&t);
		return EXIT_USAGE;
	}
	if (o->csv) {
		table_print_csv(&t, stdout);
		table_free(&t);
		return EXIT_OK;
	}
	table_print(&t, stdout);
	table_free(&t);
	long long shown =
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(reply, "rows"));
	long long all = ctl_num(reply, "row_count");
	if (shown < all)
		printf("%lld of %lld rows shown; the total is of all %lld\n",
		       shown, all, all);
	if (cJSON_GetObjectItemCaseSensitive(reply, "previous_departments") &&
	    ctl_num(reply, "departments") !=
		ctl_num(reply, "previous_departments"))
		printf("note: %lld departments in %lld, %lld in %lld: the "
		       "change is not of the same departments\n",
		       ctl_num(reply, "departments"), ctl_num(reply, "year"),
		       ctl_num(reply, "previous_departments"),
		       ctl_num(reply, "year") - 1);
	return EXIT_OK;
}

/* A member of the request, for a second query like it. */
static void copy_member(cJSON *to, const cJSON *from, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
	if (v != NULL)
		cJSON_AddItemToObject(to, key, cJSON_Duplicate(v, true));
}

int cmd_totals(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: totals takes options only\n");
		return EXIT_USAGE;
	}
	if (o->csv && o->explain) {
		fprintf(stderr, "budgetctl: --explain lists line items, not a "
				"table: drop --csv or --explain\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "totals");
	cJSON *by = cJSON_AddArrayToObject(r, "by");
	bool by_year = false;
	if (o->by) {
		char *copy = strdup(o->by), *save = NULL;
		for (char *d = strtok_r(copy, ",", &save); d;
		     d = strtok_r(NULL, ",", &save)) {
			by_year |= strcmp(d, "year") == 0;
			cJSON_AddItemToArray(by, cJSON_CreateString(d));
		}
		free(copy);
	}
	/* Without --year the rows are by year: fiscal years are never added
	 * into one row. */
	if (!o->year && !by_year)
		cJSON_InsertItemInArray(by, 0, cJSON_CreateString("year"));
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
	/* The footer's totals per year come from the daemon, not from the
	 * rows shown (--limit may show only some). */
	cJSON *years = NULL;
	if (!o->year && !o->json && !o->explain) {
		years = ctl_request(o, "totals");
		cJSON *year_by = cJSON_AddArrayToObject(years, "by");
		cJSON_AddItemToArray(year_by, cJSON_CreateString("year"));
		copy_member(years, r, "where");
		copy_member(years, r, "unit");
	}
	cJSON *reply = ctl_call(o, r);
	if (reply == NULL || o->json || o->explain || !ctl_reply_ok(reply)) {
		cJSON_Delete(years);
		return ctl_finish(o, reply, explain_totals);
	}
	cJSON *by_year_reply = years ? ctl_call(o, years) : NULL;
	int rc = print_totals(o, reply, by_year_reply);
	cJSON_Delete(by_year_reply);
	cJSON_Delete(reply);
	return rc;
}

static void human_projects(const struct options *o, const cJSON *reply)
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
	static const size_t amounts[] = {6};
	ctl_print_table(o, &t, amounts, 1);
	table_free(&t);
	if (!o->csv && ctl_num(reply, "without_kind") > 0)
		printf("%lld projects have no kind (none stated, and their "
		       "lines carry both or neither) and are left out by "
		       "--kind\n",
		       ctl_num(reply, "without_kind"));
	if (!o->csv)
		printf("%lld of %lld projects shown, %s %s in all\n",
		       (long long)cJSON_GetArraySize(
			   cJSON_GetObjectItemCaseSensitive(reply, "projects")),
		       ctl_num(reply, "count"), ctl_str(reply, "total"),
		       ctl_str(reply, "unit"));
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
	const char *by = ctl_str(reply, "by");
	/* By year the year is the row's key: no second key column. */
	bool grouped = strcmp(by, "year") != 0;
	const char *headers[] = {
	    "year",	    by,		"因公出国", "公务用车购置",
	    "公务用车运行", "公务接待", "合计",	    "departments"};
	bool right[] = {false, false, true, true, true, true, true, true};
	size_t first = grouped ? 0 : 1; /* the columns from headers[first] */
	if (!grouped) {
		headers[1] = headers[0];
		right[1] = right[0];
	}
	struct table t;
	table_init(&t, 8 - first, headers + first, right + first);
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		char year[16], depts[16];
		snprintf(year, sizeof year, "%lld", ctl_num(row, "year"));
		snprintf(depts, sizeof depts, "%lld",
			 ctl_num(row, "departments"));
		const char *cells[] = {year,
				       grouped ? ctl_str(row, by) : year,
				       ctl_str(row, "overseas"),
				       ctl_str(row, "vehicle_purchase"),
				       ctl_str(row, "vehicle_operation"),
				       ctl_str(row, "reception"),
				       ctl_str(row, "total"),
				       depts};
		table_add_row(&t, cells + first);
	}
	if (!o->csv)
		printf("三公经费 (%s)\n", ctl_str(reply, "unit"));
	const size_t amounts[] = {2 - first, 3 - first, 4 - first, 5 - first,
				  6 - first};
	ctl_print_table(o, &t, amounts, 5);
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
