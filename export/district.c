/*
 * The district workbook: the district's tables built from the daemon's
 * totals, departments and three_public answers, so that every cell is one
 * those ops give, to the 分.  Who answers is the caller's: budgetctl asks
 * over nng, the daemon's export op asks its own ops in process.
 */
#include "district.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "departments.h"
#include "money.h"

struct export_run {
	const struct district_export *in;
	struct workbook *wb;
	int rc;
	char *err;
	size_t err_size;
};

/* A string member ("" when absent or not a string). */
static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The first failure stops the export and is the one reported. */
static void failed(struct export_run *x, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failed(struct export_run *x, int rc, const char *fmt, ...)
{
	if (x->rc != 0)
		return;
	x->rc = rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err, x->err_size, fmt, ap);
	va_end(ap);
}

static cJSON *ask(struct export_run *x, cJSON *request)
{
	if (x->rc != 0 || request == NULL) {
		cJSON_Delete(request);
		if (x->rc == 0)
			failed(x, -ENOMEM, "out of memory");
		return NULL;
	}
	cJSON *reply = x->in->ask(x->in->ctx, request, x->err, x->err_size);
	if (reply == NULL)
		x->rc = -EPROTO;
	return reply;
}

static cJSON *request_for(const char *op)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "op", op);
	return r;
}

static cJSON *totals_request(struct export_run *x, const char *const *by,
			     size_t n_by, const char *where)
{
	cJSON *r = request_for("totals");
	cJSON *b = cJSON_AddArrayToObject(r, "by");
	for (size_t i = 0; i < n_by; i++)
		cJSON_AddItemToArray(b, cJSON_CreateString(by[i]));
	if (where) {
		cJSON *w = cJSON_AddArrayToObject(r, "where");
		cJSON_AddItemToArray(w, cJSON_CreateString(where));
	}
	cJSON_AddNumberToObject(r, "year", x->wb->year);
	cJSON_AddStringToObject(r, "unit", "元");
	return r;
}

static bd_fen amount_of(struct export_run *x, const cJSON *o, const char *key)
{
	bd_fen fen = 0;
	const char *why;
	if (money_parse(str(o, key), BD_UNIT_YUAN, &fen, &why) < 0)
		failed(x, -EPROTO, "the daemon's %s \"%s\": %s", key,
		       str(o, key), why);
	return fen;
}

/* ---- the function tables ---- */

enum { F_TOTAL, F_BASIC, F_PERSONNEL, F_PUBLIC, F_PROJECT, F_N };

struct item_sum {
	char code[32]; /* a code, or "parent/department" */
	bd_fen cell[F_N];
};

static int compare_items(const void *a, const void *b)
{
	return strcmp(((const struct item_sum *)a)->code,
		      ((const struct item_sum *)b)->code);
}

/* Rows keyed by code, each with the kind split into the F_ columns: one
 * item per reply row, sorted by code, then the kinds of a code merged. */
static struct item_sum *collect_kinds(struct export_run *x, cJSON *reply,
				      const char *dim, size_t *n_out)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(reply, "rows");
	size_t n = 0;
	struct item_sum *items =
	    calloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *items);
	if (items == NULL) {
		failed(x, -ENOMEM, "out of memory");
		return NULL;
	}
	const cJSON *row;
	cJSON_ArrayForEach(row, rows)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		const char *kind = str(key, "kind");
		bd_fen fen = amount_of(x, row, "amount");
		struct item_sum *it = &items[n++];
		snprintf(it->code, sizeof it->code, "%s", str(key, dim));
		it->cell[F_TOTAL] = fen;
		if (strncmp(kind, "basic.", 6) == 0) {
			it->cell[F_BASIC] = fen;
			if (strcmp(kind, "basic.personnel") == 0)
				it->cell[F_PERSONNEL] = fen;
			else if (strcmp(kind, "basic.public") == 0)
				it->cell[F_PUBLIC] = fen;
		} else {
			it->cell[F_PROJECT] = fen;
		}
	}
	qsort(items, n, sizeof *items, compare_items);
	size_t merged = 0;
	for (size_t i = 0; i < n; i++) {
		if (merged > 0 &&
		    strcmp(items[merged - 1].code, items[i].code) == 0) {
			for (size_t c = 0; c < F_N; c++)
				items[merged - 1].cell[c] += items[i].cell[c];
			continue;
		}
		items[merged++] = items[i];
	}
	*n_out = merged;
	return items;
}

/* A row of the sheet; out of memory stops the export (nothing is
 * written rather than a workbook with rows missing). */
static struct sheet_row *add_row(struct export_run *x, struct sheet *s,
				 int level, const char *code, const char *name)
{
	struct sheet_row *r = sheet_add_row(s, level, code, name);
	if (r == NULL)
		failed(x, -ENOMEM, "out of memory");
	return r;
}

/* The 合计 / 基本支出 / 项目支出 columns of the economic and department
 * sheets. */
static void basic_project_columns(struct sheet *s)
{
	s->n_columns = 3;
	s->columns[0] = (struct sheet_column){NULL, "合计", SHEET_AMOUNT};
	s->columns[1] = (struct sheet_column){NULL, "基本支出", SHEET_AMOUNT};
	s->columns[2] = (struct sheet_column){NULL, "项目支出", SHEET_AMOUNT};
}

static void put_basic_project(struct sheet_row *r, const bd_fen *cell)
{
	sheet_set(r, 0, cell[F_TOTAL]);
	sheet_set(r, 1, cell[F_BASIC]);
	sheet_set(r, 2, cell[F_PROJECT]);
}

/* The sum of the items from i on whose codes share its first len bytes. */
static void prefix_sum(const struct item_sum *items, size_t i, size_t n,
		       size_t len, bd_fen *sum)
{
	memset(sum, 0, F_N * sizeof *sum);
	for (size_t k = i;
	     k < n && strncmp(items[k].code, items[i].code, len) == 0; k++)
		for (size_t c = 0; c < F_N; c++)
			sum[c] += items[k].cell[c];
}

/* The total row of a sheet whose items are the rows under it. */
static void total_row(struct export_run *x, struct sheet *s,
		      const struct item_sum *items, size_t n,
		      void (*put)(struct sheet_row *, const bd_fen *))
{
	bd_fen grand[F_N] = {0};
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < F_N; c++)
			grand[c] += items[i].cell[c];
	struct sheet_row *r = add_row(x, s, 0, "", "合计");
	if (r)
		put(r, grand);
}

static void put_cells(struct sheet_row *r, const bd_fen *cell)
{
	for (size_t c = 0; c < F_N; c++)
		sheet_set(r, c, cell[c]);
}

static const struct sheet_column function_columns[F_N] = {
    {NULL, "合计", SHEET_AMOUNT},
    {"基本支出", "小计", SHEET_AMOUNT},
    {"基本支出", "人员经费", SHEET_AMOUNT},
    {"基本支出", "公用经费", SHEET_AMOUNT},
    {NULL, "项目支出", SHEET_AMOUNT},
};

/* A 类/款/项 table: subtotal rows for each 类 and 款 above their 项. */
static void function_sheet(struct export_run *x, const char *tab,
			   const char *title, const char *where)
{
	static const char *const by[] = {"function:item", "kind"};
	cJSON *reply = ask(x, totals_request(x, by, 2, where));
	if (reply == NULL)
		return;
	size_t n;
	struct item_sum *items = collect_kinds(x, reply, "function:item", &n);
	cJSON_Delete(reply);
	struct sheet *s = sheet_new(x->wb, tab, title);
	if (s == NULL || items == NULL) {
		free(items);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	s->n_columns = F_N;
	memcpy(s->columns, function_columns, sizeof function_columns);
	total_row(x, s, items, n, put_cells);
	for (size_t i = 0; i < n; i++) {
		for (int level = 1; level <= 2; level++) {
			size_t len = level == 1 ? 3 : 5;
			if (i > 0 &&
			    strncmp(items[i - 1].code, items[i].code, len) == 0)
				continue;
			char code[8];
			snprintf(code, sizeof code, "%.*s", (int)len,
				 items[i].code);
			bd_fen sum[F_N];
			prefix_sum(items, i, n, len, sum);
			struct sheet_row *r =
			    add_row(x, s, level, code,
				    names_get(x->in->function, code));
			if (r == NULL)
				break;
			r->subtotal = true;
			put_cells(r, sum);
		}
		struct sheet_row *r =
		    add_row(x, s, 3, items[i].code,
			    names_get(x->in->function, items[i].code));
		if (r)
			put_cells(r, items[i].cell);
	}
	free(items);
}

/* ---- economic classification ---- */

static void economic_sheet(struct export_run *x)
{
	static const char *const by[] = {"economic:section", "kind"};
	static const char *const by_class[] = {"economic:class", "kind"};
	cJSON *sections = ask(x, totals_request(x, by, 2, NULL));
	cJSON *classes = ask(x, totals_request(x, by_class, 2, NULL));
	if (sections == NULL || classes == NULL) {
		cJSON_Delete(sections);
		cJSON_Delete(classes);
		return;
	}
	size_t n_s, n_c;
	struct item_sum *s_items =
	    collect_kinds(x, sections, "economic:section", &n_s);
	struct item_sum *c_items =
	    collect_kinds(x, classes, "economic:class", &n_c);
	cJSON_Delete(sections);
	cJSON_Delete(classes);
	struct sheet *s =
	    sheet_new(x->wb, "经济分类", "部门预算支出经济分类汇总表");
	if (s == NULL || s_items == NULL || c_items == NULL) {
		free(s_items);
		free(c_items);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	basic_project_columns(s);
	total_row(x, s, c_items, n_c, put_basic_project);
	struct sheet_row *r;
	for (size_t i = 0; i < n_c; i++) {
		const struct item_sum *cl = &c_items[i];
		const char *name = cl->code[0]
				       ? names_get(x->in->economic, cl->code)
				       : "项目支出（未按经济分类细化）";
		r = add_row(x, s, 1, cl->code, name);
		if (r == NULL)
			break;
		r->subtotal = true;
		put_basic_project(r, cl->cell);
		for (size_t k = 0; cl->code[0] && k < n_s; k++) {
			const struct item_sum *se = &s_items[k];
			if (strncmp(se->code, cl->code, 3) != 0 ||
			    strlen(se->code) != 5)
				continue;
			r = add_row(x, s, 2, se->code,
				    names_get(x->in->economic, se->code));
			if (r == NULL)
				break;
			put_basic_project(r, se->cell);
		}
	}
	free(s_items);
	free(c_items);
}

/* ---- departments under their 主管部门 ---- */

/* A department's name from the indexed departments list ("" if absent). */
static const char *department_name(const struct departments *ds,
				   const char *code)
{
	const cJSON *d = departments_get(ds, code);
	return d ? str(d, "name") : "";
}

static void department_sheet(struct export_run *x)
{
	static const char *const by[] = {"parent", "department", "kind"};
	cJSON *reply = ask(x, totals_request(x, by, 3, NULL));
	cJSON *req = request_for("departments");
	cJSON_AddNumberToObject(req, "year", x->wb->year);
	cJSON *depts = ask(x, req);
	if (reply == NULL || depts == NULL) {
		cJSON_Delete(reply);
		cJSON_Delete(depts);
		return;
	}
	/* Keyed "parent/department", which sorts departments under their
	 * 主管部门. */
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(reply, "rows");
	const cJSON *row;
	cJSON_ArrayForEach(row, rows)
	{
		cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		char joined[40];
		snprintf(joined, sizeof joined, "%s/%s", str(key, "parent"),
			 str(key, "department"));
		cJSON_AddStringToObject(key, "pd", joined);
	}
	size_t n;
	struct item_sum *items = collect_kinds(x, reply, "pd", &n);
	cJSON_Delete(reply);
	struct sheet *s =
	    sheet_new(x->wb, "部门", "部门预算支出汇总表（按主管部门和部门）");
	if (s == NULL || items == NULL) {
		free(items);
		cJSON_Delete(depts);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	s->code_heading = "单位编码";
	s->name_heading = "单位名称";
	basic_project_columns(s);
	struct departments list;
	if (departments_index(&list, cJSON_GetObjectItemCaseSensitive(
					 depts, "departments")) < 0) {
		departments_free(&list);
		free(items);
		cJSON_Delete(depts);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	total_row(x, s, items, n, put_basic_project);
	struct sheet_row *r;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(items[i].code, '/');
		size_t plen = (size_t)(slash - items[i].code);
		if (i == 0 ||
		    strncmp(items[i - 1].code, items[i].code, plen + 1) != 0) {
			bd_fen sum[F_N];
			prefix_sum(items, i, n, plen + 1, sum);
			char parent[16];
			snprintf(parent, sizeof parent, "%.*s", (int)plen,
				 items[i].code);
			const char *name = department_name(&list, parent);
			r = add_row(x, s, 1, parent,
				    *name  ? name
				    : plen ? "主管部门"
					   : "（未列主管部门）");
			if (r == NULL)
				break;
			r->subtotal = true;
			put_basic_project(r, sum);
		}
		r = add_row(x, s, 2, slash + 1,
			    department_name(&list, slash + 1));
		if (r == NULL)
			break;
		put_basic_project(r, items[i].cell);
	}
	departments_free(&list);
	free(items);
	cJSON_Delete(depts);
}

/* ---- 三公经费 by department ---- */

static void three_public_sheet(struct export_run *x)
{
	cJSON *req = request_for("three_public");
	cJSON_AddStringToObject(req, "by", "department");
	cJSON_AddNumberToObject(req, "year", x->wb->year);
	cJSON_AddStringToObject(req, "unit", "元");
	cJSON *reply = ask(x, req);
	if (reply == NULL)
		return;
	struct sheet *s = sheet_new(x->wb, "三公经费", "“三公”经费预算汇总表");
	if (s == NULL) {
		cJSON_Delete(reply);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	static const char *const keys[5] = {"total", "overseas", "reception",
					    "vehicle_purchase",
					    "vehicle_operation"};
	s->code_heading = "单位编码";
	s->name_heading = "单位名称";
	s->n_columns = 5;
	s->columns[0] = (struct sheet_column){NULL, "合计", SHEET_AMOUNT};
	s->columns[1] =
	    (struct sheet_column){NULL, "因公出国（境）费", SHEET_AMOUNT};
	s->columns[2] = (struct sheet_column){NULL, "公务接待费", SHEET_AMOUNT};
	s->columns[3] = (struct sheet_column){"公务用车购置及运行费", "购置费",
					      SHEET_AMOUNT};
	s->columns[4] = (struct sheet_column){"公务用车购置及运行费",
					      "运行维护费", SHEET_AMOUNT};
	/* The 合计 row goes first and is filled last: held by its place,
	 * not a pointer, which the rows added meanwhile move. */
	size_t total_at = s->n_rows;
	bool has_total = add_row(x, s, 0, "", "合计") != NULL;
	bd_fen grand[5] = {0};
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		struct sheet_row *r =
		    add_row(x, s, 2, str(row, "department"), "");
		for (size_t c = 0; r && c < 5; c++) {
			bd_fen fen = amount_of(x, row, keys[c]);
			sheet_set(r, c, fen);
			grand[c] += fen;
		}
	}
	for (size_t c = 0; has_total && c < 5; c++)
		sheet_set(&s->rows[total_at], c, grand[c]);
	cJSON_Delete(reply);
}

/* ---- this year against the year before ---- */

static void change_sheet(struct export_run *x)
{
	static const char *const by[] = {"function:class"};
	cJSON *req = totals_request(x, by, 1, NULL);
	cJSON_AddTrueToObject(req, "change");
	cJSON *reply = ask(x, req);
	if (reply == NULL)
		return;
	char title[128];
	snprintf(title, sizeof title,
		 "%d 年与 %d 年预算支出对比表（按功能分类）", x->wb->year,
		 x->wb->year - 1);
	struct sheet *s = sheet_new(x->wb, "上年对比", title);
	if (s == NULL) {
		cJSON_Delete(reply);
		failed(x, -ENOMEM, "out of memory");
		return;
	}
	char(*heading)[24] = s->heading_text;
	snprintf(heading[0], sizeof heading[0], "%d 年", x->wb->year);
	snprintf(heading[1], sizeof heading[1], "%d 年", x->wb->year - 1);
	s->n_columns = 4;
	s->columns[0] = (struct sheet_column){NULL, heading[0], SHEET_AMOUNT};
	s->columns[1] = (struct sheet_column){NULL, heading[1], SHEET_AMOUNT};
	s->columns[2] = (struct sheet_column){NULL, "增减额", SHEET_AMOUNT};
	s->columns[3] = (struct sheet_column){NULL, "增减率", SHEET_PERMILLE};
	bd_fen now = amount_of(x, reply, "total");
	bd_fen before = amount_of(x, reply, "previous_total");
	struct sheet_row *r = add_row(x, s, 0, "", "合计");
	if (r) {
		sheet_set(r, 0, now);
		sheet_set(r, 1, before);
		sheet_set(r, 2, now - before);
	}
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(reply, "rows"))
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(row, "key");
		const char *code = str(key, "function:class");
		r = add_row(x, s, 1, code, names_get(x->in->function, code));
		if (r == NULL)
			break;
		sheet_set(r, 0, amount_of(x, row, "amount"));
		sheet_set(r, 1, amount_of(x, row, "previous"));
		sheet_set(r, 2, amount_of(x, row, "change"));
		const char *pct = str(row, "change_percent");
		if (*pct) {
			/* "12.3" → 123 tenths, exactly. */
			bd_fen tenths;
			const char *why;
			if (money_parse(pct, BD_UNIT_YUAN, &tenths, &why) == 0)
				sheet_set(r, 3, tenths / 10);
		}
	}
	cJSON_Delete(reply);
}

int district_workbook(const struct district_export *in, struct workbook *wb,
		      char *err, size_t err_size)
{
	struct export_run x = {
	    .in = in, .wb = wb, .err = err, .err_size = err_size};
	wb->year = in->year;
	wb->unit = in->unit;
	snprintf(wb->date, sizeof wb->date, "%s", in->date);
	function_sheet(&x, "一般公共预算支出", "一般公共预算支出预算汇总表",
		       "source:general_budget");
	function_sheet(&x, "支出总表", "部门支出预算汇总表（全部资金）", NULL);
	function_sheet(&x, "财政拨款支出", "财政拨款支出预算汇总表",
		       "source:general_budget,fund_budget,state_capital");
	function_sheet(&x, "政府性基金支出", "政府性基金预算支出汇总表",
		       "source:fund_budget");
	function_sheet(&x, "其他资金支出", "其他资金支出预算汇总表",
		       "source:special_account,business,operating,"
		       "superior_subsidy,affiliated,other");
	economic_sheet(&x);
	department_sheet(&x);
	three_public_sheet(&x);
	change_sheet(&x);
	return x.rc;
}
