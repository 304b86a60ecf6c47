/*
 * The publication tables of one document, as tab-separated text.
 *
 * Tabs keep empty cells, so every amount stands in the column it belongs
 * to and the importer never has to guess; each table starts on a page of
 * its own (a form feed) with its title, 部门名称 and 单位 lines, as printed
 * budgets have them.  Amounts are the exact decimals of the document's
 * unit.  A figure the document states is printed as stated; one it leaves
 * out is printed as the detail sums to, as a department's own tables would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "grow.h"
#include "model.h"
#include "money.h"
#include "publish.h"

struct publisher {
	const struct bd_submission *sub;
	char *buf;
	size_t len, cap;
	struct publish_amount *amounts;
	size_t n_amounts, cap_amounts;
	int rc;
};

static void put(struct publisher *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct publisher *p, const char *fmt, ...)
{
	if (p->rc)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(p->buf + p->len, p->cap - p->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			p->rc = -EINVAL;
			return;
		}
		if ((size_t)n < p->cap - p->len) {
			p->len += (size_t)n;
			return;
		}
		size_t cap = p->cap * 2 + (size_t)n;
		char *grown = realloc(p->buf, cap);
		if (grown == NULL) {
			p->rc = -ENOMEM;
			return;
		}
		p->buf = grown;
		p->cap = cap;
	}
}

/* The amount, exact in the document's unit, remembered as an amount. */
static void amount(struct publisher *p, bd_fen fen)
{
	if (p->rc)
		return;
	if (GROW(p->amounts, p->cap_amounts, p->n_amounts + 1, 256) < 0) {
		p->rc = -ENOMEM;
		return;
	}
	p->amounts[p->n_amounts++] =
	    (struct publish_amount){.offset = p->len, .fen = fen};
	char a[MONEY_TEXT_MAX];
	money_format(fen, p->sub->unit, a, sizeof a);
	put(p, "%s", a);
}

/* "\t" and the amount. */
static void cell(struct publisher *p, bd_fen fen)
{
	put(p, "\t");
	amount(p, fen);
}

/* A cell printed only when it holds something: blank says "not split". */
static void cell_if(struct publisher *p, bool printed, bd_fen fen)
{
	if (printed)
		cell(p, fen);
	else
		put(p, "\t");
}

/* Each table on a page of its own, the cover alone on the first. */
static void table_start(struct publisher *p, const char *title)
{
	put(p, "\f%d年%s\n\n部门名称：%s\n\n单位：%s\n\n", p->sub->year, title,
	    p->sub->department.name, money_unit_name(p->sub->unit));
}

static bd_fen stated_or(struct bd_stated s, bd_fen computed)
{
	return s.present ? s.fen : computed;
}

/* The labels the summary tables print for each source. */
static const char *const source_label[BD_SOURCE_COUNT] = {
    [BD_SOURCE_GENERAL_BUDGET] = "一般公共预算拨款收入",
    [BD_SOURCE_FUND_BUDGET] = "政府性基金预算拨款收入",
    [BD_SOURCE_STATE_CAPITAL] = "国有资本经营预算拨款收入",
    [BD_SOURCE_SPECIAL_ACCOUNT] = "财政专户管理资金收入",
    [BD_SOURCE_BUSINESS] = "事业收入",
    [BD_SOURCE_OPERATING] = "事业单位经营收入",
    [BD_SOURCE_SUPERIOR_SUBSIDY] = "上级补助收入",
    [BD_SOURCE_AFFILIATED] = "附属单位上缴收入",
    [BD_SOURCE_OTHER] = "其他收入",
    [BD_SOURCE_CARRYOVER] = "上年结转结余",
};

static const char *const ordinal[] = {
    "一",     "二",	"三",	  "四",	    "五",     "六",	"七",
    "八",     "九",	"十",	  "十一",   "十二",   "十三",	"十四",
    "十五",   "十六",	"十七",	  "十八",   "十九",   "二十",	"二十一",
    "二十二", "二十三", "二十四", "二十五", "二十六", "二十七", "二十八",
    "二十九", "三十",	"三十一", "三十二", "三十三", "三十四", "三十五"};
#define N_ORDINALS (sizeof ordinal / sizeof ordinal[0])

/* ---- the cover ---- */

static void cover(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	put(p, "%s\n\n%d年部门预算\n\n部门编码：%s\n\n", s->department.name,
	    s->year, s->department.code);
	if (s->department.parent[0])
		put(p, "主管部门编码：%s\n\n", s->department.parent);
}

/* ---- 部门收支预算总表 and 财政拨款收支总表 ---- */

struct class_sum {
	char code[4];
	bd_fen fen;
};

/* The 类 of the lines (fiscal ones only when asked), in code order. */
static size_t line_classes(const struct bd_submission *s, bool fiscal_only,
			   struct class_sum *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		if (fiscal_only && !bd_source_is_fiscal(l->source))
			continue;
		size_t k = 0;
		while (k < n && strncmp(out[k].code, l->function, 3) != 0)
			k++;
		if (k == n) {
			if (n == max)
				continue;
			memcpy(out[n].code, l->function, 3);
			out[n].code[3] = '\0';
			out[n++].fen = 0;
		}
		out[k].fen += bd_line_total(l);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i;
		     j > 0 && strcmp(out[j - 1].code, out[j].code) > 0; j--) {
			struct class_sum t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static size_t stated_classes(const struct bd_class_amount *list, size_t n,
			     struct class_sum *out)
{
	for (size_t i = 0; i < n; i++) {
		memcpy(out[i].code, list[i].class_code, 4);
		out[i].fen = list[i].fen;
	}
	return n;
}

#define MAX_ROWS 64

/* Two halves side by side: labels and amounts of income on the left,
 * expenditure on the right. */
struct half_row {
	char label[96];
	bd_fen fen;
	bool have;
};

static void halves(struct publisher *p, const struct half_row *left,
		   size_t n_left, const struct half_row *right, size_t n_right)
{
	put(p, "收入\t\t支出\t\n项目\t金额\t项目\t金额\n");
	for (size_t i = 0; i < n_left || i < n_right; i++) {
		if (i < n_left && left[i].have) {
			put(p, "%s", left[i].label);
			cell(p, left[i].fen);
		} else {
			put(p, "\t");
		}
		if (i < n_right && right[i].have) {
			put(p, "\t%s", right[i].label);
			cell(p, right[i].fen);
		} else {
			put(p, "\t\t");
		}
		put(p, "\n");
	}
}

static struct half_row half(const char *label, bd_fen fen)
{
	struct half_row r = {.fen = fen, .have = true};
	snprintf(r.label, sizeof r.label, "%s", label);
	return r;
}

static void class_rows(const struct class_sum *classes, size_t n,
		       struct half_row *right, size_t *n_right)
{
	for (size_t i = 0; i < n && *n_right < MAX_ROWS; i++) {
		char label[32];
		snprintf(label, sizeof label, "%.3s支出", classes[i].code);
		right[(*n_right)++] = half(label, classes[i].fen);
	}
}

static void summary_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	struct half_row left[MAX_ROWS], right[MAX_ROWS];
	size_t n_left = 0, n_right = 0, k = 0;
	bd_fen income = 0, expenditure = 0;
	for (int src = 0; src < BD_SOURCE_COUNT; src++) {
		if (!s->income[src].present || s->income[src].fen == 0 ||
		    src == BD_SOURCE_CARRYOVER)
			continue;
		char label[96];
		snprintf(label, sizeof label, "%s、%s",
			 ordinal[k++ % N_ORDINALS], source_label[src]);
		left[n_left++] = half(label, s->income[src].fen);
		income += s->income[src].fen;
	}
	for (size_t i = 0; i < s->n_lines; i++)
		expenditure += bd_line_total(&s->lines[i]);
	struct class_sum classes[MAX_ROWS];
	size_t n =
	    s->stated.expenditure_by_class
		? stated_classes(s->stated.expenditure_by_class,
				 s->stated.n_expenditure_by_class, classes)
		: line_classes(s, false, classes, MAX_ROWS);
	class_rows(classes, n, right, &n_right);
	while (n_left < n_right)
		left[n_left++] = (struct half_row){.have = false};
	while (n_right < n_left)
		right[n_right++] = (struct half_row){.have = false};
	bd_fen year_income = stated_or(s->stated.income_total, income);
	bd_fen year_expenditure =
	    stated_or(s->stated.expenditure_total, expenditure);
	left[n_left++] = half("本年收入合计", year_income);
	right[n_right++] = half("本年支出合计", year_expenditure);
	bd_fen grand_income = year_income, grand_expenditure = year_expenditure;
	if (s->income[BD_SOURCE_CARRYOVER].present &&
	    s->income[BD_SOURCE_CARRYOVER].fen) {
		left[n_left++] = half(source_label[BD_SOURCE_CARRYOVER],
				      s->income[BD_SOURCE_CARRYOVER].fen);
		grand_income += s->income[BD_SOURCE_CARRYOVER].fen;
	}
	if (s->balance_used.present) {
		left[n_left++] =
		    half("使用非财政拨款结余", s->balance_used.fen);
		grand_income += s->balance_used.fen;
	}
	if (s->carry_forward.present) {
		right[n_right++] = half("结转下年", s->carry_forward.fen);
		grand_expenditure += s->carry_forward.fen;
	}
	while (n_left < n_right)
		left[n_left++] = (struct half_row){.have = false};
	while (n_right < n_left)
		right[n_right++] = (struct half_row){.have = false};
	left[n_left++] = half("收入总计", grand_income);
	right[n_right++] = half("支出总计", grand_expenditure);
	table_start(p, "部门收支预算总表");
	halves(p, left, n_left, right, n_right);
	if (s->previous_year_total.present) {
		put(p, "上年预算总额");
		cell(p, s->previous_year_total.fen);
		put(p, "\t\t\n");
	}
}

/* Printed only as far as the document states it: the model has no one
 * way to sum 财政拨款 income with its carry-over. */
static void appropriation_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	const struct bd_stated *in = &s->stated.appropriation.income_total;
	const struct bd_stated *out =
	    &s->stated.appropriation.expenditure_total;
	size_t n = s->stated.appropriation.n_expenditure_by_class;
	if (!in->present && !out->present && n == 0)
		return;
	struct half_row left[MAX_ROWS], right[MAX_ROWS];
	size_t n_left = 0, n_right = 0, k = 0;
	for (int src = 0; src <= BD_SOURCE_STATE_CAPITAL; src++)
		if (s->income[src].present && s->income[src].fen) {
			char label[96];
			snprintf(label, sizeof label, "（%s）%s",
				 ordinal[k++ % N_ORDINALS], source_label[src]);
			left[n_left++] = half(label, s->income[src].fen);
		}
	struct class_sum classes[MAX_ROWS];
	stated_classes(s->stated.appropriation.expenditure_by_class,
		       n < MAX_ROWS ? n : MAX_ROWS, classes);
	class_rows(classes, n < MAX_ROWS ? n : MAX_ROWS, right, &n_right);
	while (n_left < n_right)
		left[n_left++] = (struct half_row){.have = false};
	while (n_right < n_left)
		right[n_right++] = (struct half_row){.have = false};
	left[n_left] = (struct half_row){.have = false};
	right[n_right] = (struct half_row){.have = false};
	if (in->present)
		left[n_left] = half("收入合计", in->fen);
	if (out->present)
		right[n_right] = half("支出合计", out->fen);
	n_left++, n_right++;
	table_start(p, "财政拨款收支总表");
	halves(p, left, n_left, right, n_right);
}

/* ---- 部门收入预算总表: income by function and source ---- */

struct income_row {
	char code[8]; /* 3, 5 or 7 digits */
	const char *name;
	bd_fen by_source[BD_SOURCE_COUNT], total;
};

static int income_order(const void *a, const void *b)
{
	return strcmp(((const struct income_row *)a)->code,
		      ((const struct income_row *)b)->code);
}

static void income_cells(struct publisher *p, const struct income_row *r,
			 const bool *used)
{
	cell(p, r->total);
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (used[src])
			cell_if(p, r->by_source[src] != 0, r->by_source[src]);
	put(p, "\n");
}

/* What each line's source brings in for its function, as departments
 * print it: 类 and 款 subtotals above their 项. */
static int income_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	if (s->n_lines == 0)
		return 0;
	struct income_row *rows = calloc(s->n_lines, sizeof *rows);
	if (rows == NULL)
		return -ENOMEM;
	struct income_row total = {.name = "合计"};
	bool used[BD_SOURCE_COUNT] = {false};
	size_t n = 0;
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		size_t k = 0;
		while (k < n && strcmp(rows[k].code, l->function) != 0)
			k++;
		if (k == n) {
			snprintf(rows[n].code, sizeof rows[n].code, "%s",
				 l->function);
			rows[n++].name = l->name;
		}
		bd_fen fen = stated_or(l->total, bd_line_total(l));
		rows[k].by_source[l->source] += fen;
		rows[k].total += fen;
		total.by_source[l->source] += fen;
		total.total += fen;
		used[l->source] = true;
	}
	qsort(rows, n, sizeof *rows, income_order);
	table_start(p, "部门收入预算总表");
	put(p, "科目编码\t\t\t科目名称\t合计");
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (used[src])
			put(p, "\t%s", source_label[src]);
	put(p, "\n类\t款\t项\n\t\t\t合计");
	income_cells(p, &total, used);
	for (size_t i = 0; i < n; i++) {
		for (size_t width = 3; width <= 5; width += 2) {
			if (i > 0 &&
			    strncmp(rows[i - 1].code, rows[i].code, width) == 0)
				continue;
			struct income_row sub = {.name =
						     width == 3 ? "类" : "款"};
			memcpy(sub.code, rows[i].code, width);
			for (size_t j = i;
			     j < n &&
			     strncmp(rows[j].code, sub.code, width) == 0;
			     j++) {
				for (int src = 0; src < BD_SOURCE_COUNT; src++)
					sub.by_source[src] +=
					    rows[j].by_source[src];
				sub.total += rows[j].total;
			}
			put(p, "%.3s\t%.2s\t\t%s", sub.code,
			    width > 3 ? sub.code + 3 : "", sub.name);
			income_cells(p, &sub, used);
		}
		put(p, "%.3s\t%.2s\t%.2s\t%s", rows[i].code, rows[i].code + 3,
		    rows[i].code + 5, rows[i].name);
		income_cells(p, &rows[i], used);
	}
	free(rows);
	return 0;
}

/* ---- tables by 支出功能分类 ---- */

enum {
	V_TOTAL,
	V_BASIC,
	V_WAGES,
	V_FAMILY,
	V_GOODS,
	V_CAPITAL,
	V_PROJECT,
	V_OPERATING,
	V_TARGETED,
	V_COUNT
};

struct function_row {
	char code[8]; /* 3, 5 or 7 digits */
	const char *name;
	bd_fen v[V_COUNT];
};

static void add_line(struct function_row *r, const struct bd_line *l)
{
	r->v[V_TOTAL] += stated_or(l->total, bd_line_total(l));
	r->v[V_BASIC] += bd_line_basic(l);
	r->v[V_WAGES] += l->column[BD_COL_WAGES];
	r->v[V_FAMILY] += l->column[BD_COL_FAMILY];
	r->v[V_GOODS] += l->column[BD_COL_GOODS];
	r->v[V_CAPITAL] += l->column[BD_COL_CAPITAL];
	r->v[V_PROJECT] += bd_line_project(l);
	r->v[V_OPERATING] += l->column[BD_COL_OPERATING];
	r->v[V_TARGETED] += l->column[BD_COL_TARGETED];
}

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct function_row *)a)->code,
		      ((const struct function_row *)b)->code);
}

/* The amounts of a row: a subtotal with no part printed is one
 * published unsplit, and a part that is zero is left blank. */
static void function_values(struct publisher *p, const struct function_row *r)
{
	cell(p, r->v[V_TOTAL]);
	bool basic_parts =
	    r->v[V_WAGES] || r->v[V_FAMILY] || r->v[V_GOODS] || r->v[V_CAPITAL];
	bool project_parts = r->v[V_OPERATING] || r->v[V_TARGETED];
	cell_if(p, r->v[V_BASIC] || basic_parts, r->v[V_BASIC]);
	for (int k = V_WAGES; k <= V_CAPITAL; k++)
		cell_if(p, r->v[k] != 0, r->v[k]);
	cell_if(p, r->v[V_PROJECT] || project_parts, r->v[V_PROJECT]);
	for (int k = V_OPERATING; k <= V_TARGETED; k++)
		cell_if(p, r->v[k] != 0, r->v[k]);
	put(p, "\n");
}

static void function_row(struct publisher *p, const struct function_row *r)
{
	/* 类, 款 and 项 in cells of their own, as the tables print them. */
	size_t n = strlen(r->code);
	put(p, "%.3s\t%.2s\t%.2s\t%s", r->code, n > 3 ? r->code + 3 : "",
	    n > 5 ? r->code + 5 : "", r->name);
	function_values(p, r);
}

/* source < 0: every source (部门支出预算表). */
static int function_table(struct publisher *p, const char *title, int source,
			  const struct bd_stated *basic_total,
			  const struct bd_stated *project_total)
{
	const struct bd_submission *s = p->sub;
	struct function_row *rows = calloc(s->n_lines + 1, sizeof *rows);
	if (rows == NULL)
		return -ENOMEM;
	size_t n = 0;
	struct function_row total = {.code = "", .name = "合计"};
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		if (source >= 0 && l->source != (enum bd_source)source)
			continue;
		size_t k = 0;
		while (k < n && strcmp(rows[k].code, l->function) != 0)
			k++;
		if (k == n) {
			snprintf(rows[n].code, sizeof rows[n].code, "%s",
				 l->function);
			rows[n++].name = l->name;
		}
		add_line(&rows[k], l);
		add_line(&total, l);
	}
	if (n == 0) {
		free(rows);
		return 0;
	}
	qsort(rows, n, sizeof *rows, by_code);
	if (basic_total)
		total.v[V_BASIC] = stated_or(*basic_total, total.v[V_BASIC]);
	if (project_total)
		total.v[V_PROJECT] =
		    stated_or(*project_total, total.v[V_PROJECT]);
	table_start(p, title);
	put(p, "科目编码\t\t\t科目名称\t合计\t基本支出\t\t\t\t\t项目支出\t\t\n"
	       "类\t款\t项\t\t\t小计\t工资福利支出\t对个人和家庭的补助\t"
	       "商品和服务支出\t资本性支出\t小计\t其他运转类\t特定目标类\n");
	put(p, "\t\t\t合计");
	function_values(p, &total);
	for (size_t i = 0; i < n; i++) {
		/* The 类 and 款 subtotal rows above their first 项. */
		for (size_t width = 3; width <= 5; width += 2) {
			if (i > 0 &&
			    strncmp(rows[i - 1].code, rows[i].code, width) == 0)
				continue;
			struct function_row sub = {.name = ""};
			memcpy(sub.code, rows[i].code, width);
			sub.code[width] = '\0';
			for (size_t j = i;
			     j < n &&
			     strncmp(rows[j].code, sub.code, width) == 0;
			     j++)
				for (int k = 0; k < V_COUNT; k++)
					sub.v[k] += rows[j].v[k];
			sub.name = width == 3 ? "类" : "款";
			function_row(p, &sub);
		}
		function_row(p, &rows[i]);
	}
	free(rows);
	return 0;
}

static const char *const fiscal_title[] = {
    [BD_SOURCE_GENERAL_BUDGET] = "一般公共预算支出预算表",
    [BD_SOURCE_FUND_BUDGET] = "政府性基金预算支出预算表",
    [BD_SOURCE_STATE_CAPITAL] = "国有资本经营预算支出预算表",
};

static int expenditure_tables(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	int rc = function_table(p, "部门支出预算表", -1, &s->stated.basic_total,
				&s->stated.project_total);
	for (int src = 0; src < BD_SOURCE_CARRYOVER && rc == 0; src++) {
		char title[160];
		if (bd_source_is_fiscal((enum bd_source)src))
			snprintf(title, sizeof title, "%s", fiscal_title[src]);
		else
			snprintf(title, sizeof title,
				 "非财政拨款支出预算表（%s）",
				 source_label[src]);
		rc = function_table(p, title, src, NULL, NULL);
	}
	return rc;
}

/* ---- 一般公共预算基本支出表 (经济分类) ---- */

static void economic_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	if (s->n_economic == 0)
		return;
	bd_fen total = 0;
	for (size_t i = 0; i < s->n_economic; i++)
		total += s->economic[i].amount;
	table_start(p, "一般公共预算基本支出表");
	put(p, "经济分类科目编码\t科目名称\t合计\t\t\n\t合计");
	cell(p, total);
	put(p, "\t\t\n");
	for (size_t i = 0; i < s->n_economic; i++) {
		put(p, "%s\t%s", s->economic[i].code, s->economic[i].name);
		cell(p, s->economic[i].amount);
		put(p, "\t\t\n");
	}
}

/* ---- 三公经费 ---- */

static void three_public_table(struct publisher *p)
{
	const struct bd_three_public *tp = &p->sub->three_public;
	if (!tp->present)
		return;
	bd_fen o = tp->overseas.fen, b = tp->vehicle_purchase.fen,
	       r = tp->vehicle_operation.fen, c = tp->reception.fen;
	table_start(p, "一般公共预算“三公”经费预算表");
	put(p, "“三公”经费合计\t因公出国（境）费\t公务用车购置及运行费\t\t\t"
	       "公务接待费\n\t\t小计\t公务用车购置费\t公务用车运行费\t\n");
	amount(p, stated_or(tp->total, o + b + r + c));
	cell(p, o);
	cell(p, b + r);
	cell(p, b);
	cell(p, r);
	cell(p, c);
	put(p, "\n");
}

/* ---- 项目支出预算表 and 项目绩效目标表 ---- */

static const char *project_kind_name(enum bd_project_kind kind)
{
	return kind == BD_PROJECT_KIND_OPERATING  ? "其他运转类"
	       : kind == BD_PROJECT_KIND_TARGETED ? "特定目标类"
						  : "";
}

static void projects_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	if (s->n_projects == 0)
		return;
	bool used[BD_SOURCE_COUNT] = {[BD_SOURCE_GENERAL_BUDGET] = true};
	bd_fen total = 0, by_source[BD_SOURCE_COUNT] = {0};
	for (size_t i = 0; i < s->n_projects; i++) {
		const struct bd_project *pr = &s->projects[i];
		bd_fen sum = 0;
		for (int src = 0; src < BD_SOURCE_COUNT; src++) {
			used[src] |= pr->sources[src] != 0;
			by_source[src] += pr->sources[src];
			sum += pr->sources[src];
		}
		total += stated_or(pr->total, sum);
	}
	table_start(p, "项目支出预算表");
	put(p, "项目编码\t项目名称\t科目编码\t项目类别\t合计");
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (used[src])
			put(p, "\t%s", source_label[src]);
	put(p, "\n");
	for (size_t i = 0; i < s->n_projects; i++) {
		const struct bd_project *pr = &s->projects[i];
		bd_fen sum = 0;
		for (int src = 0; src < BD_SOURCE_COUNT; src++)
			sum += pr->sources[src];
		put(p, "%s\t%s\t%s\t%s", pr->code ? pr->code : "", pr->name,
		    pr->function, project_kind_name(pr->kind));
		cell(p, stated_or(pr->total, sum));
		for (int src = 0; src < BD_SOURCE_COUNT; src++)
			if (used[src])
				cell_if(p, pr->sources[src] != 0,
					pr->sources[src]);
		put(p, "\n");
	}
	put(p, "合计\t\t\t");
	cell(p, stated_or(s->stated.projects_total, total));
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (used[src])
			cell(p, by_source[src]);
	put(p, "\n");
}

static void performance_table(struct publisher *p)
{
	const struct bd_submission *s = p->sub;
	bool any = false;
	for (size_t i = 0; i < s->n_projects; i++)
		any |= s->projects[i].n_indicators > 0 && s->projects[i].code;
	if (!any)
		return;
	table_start(p, "项目绩效目标表");
	put(p, "项目编码\t项目名称\t资金总额\t\t\t\t成本指标\t\t产出指标\t\t"
	       "效益指标\t\t满意度指标\t\n\t\t\t\t\t\t三级指标\t指标值\t"
	       "三级指标\t指标值\t三级指标\t指标值\t三级指标\t指标值\n");
	for (size_t i = 0; i < s->n_projects; i++) {
		const struct bd_project *pr = &s->projects[i];
		if (pr->n_indicators == 0 || !pr->code)
			continue;
		bd_fen sum = 0;
		for (int src = 0; src < BD_SOURCE_COUNT; src++)
			sum += pr->sources[src];
		/* One row per target of each category, side by side. */
		size_t next[4] = {0};
		for (bool first = true;; first = false) {
			const struct bd_indicator *pick[4] = {0};
			bool more = false;
			for (int c = 0; c < 4; c++) {
				for (size_t k = next[c]; k < pr->n_indicators;
				     k++)
					if ((int)pr->indicators[k].category ==
					    c) {
						pick[c] = &pr->indicators[k];
						next[c] = k + 1;
						more = true;
						break;
					}
				if (!pick[c])
					next[c] = pr->n_indicators;
			}
			if (!more)
				break;
			if (first) {
				put(p, "%s\t%s", pr->code, pr->name);
				cell(p, stated_or(pr->total, sum));
				put(p, "\t\t\t");
			} else {
				put(p, "\t\t\t\t\t");
			}
			for (int c = 0; c < 4; c++)
				if (pick[c])
					put(p, "\t%s\t%s", pick[c]->name,
					    pick[c]->value);
				else
					put(p, "\t\t");
			put(p, "\n");
		}
	}
}

/* ---- what the layout cannot carry ---- */

static bool one_cell(const char *text)
{
	return text == NULL || strpbrk(text, "\t\n\r\f") == NULL;
}

static int check_cells(const struct bd_submission *s, char *err,
		       size_t err_size)
{
	const char *bad = NULL;
	char where[64] = "";
	if (!one_cell(s->department.name))
		bad = "department.name";
	for (size_t i = 0; !bad && i < s->n_lines; i++)
		if (!one_cell(s->lines[i].name)) {
			snprintf(where, sizeof where, "expenditure[%zu].name",
				 i);
			bad = where;
		}
	for (size_t i = 0; !bad && i < s->n_economic; i++)
		if (!one_cell(s->economic[i].name)) {
			snprintf(where, sizeof where, "economic[%zu].name", i);
			bad = where;
		}
	for (size_t i = 0; !bad && i < s->n_projects; i++) {
		const struct bd_project *pr = &s->projects[i];
		if (!one_cell(pr->name)) {
			snprintf(where, sizeof where, "projects[%zu].name", i);
			bad = where;
		}
		for (size_t k = 0; !bad && k < pr->n_indicators; k++)
			if (!one_cell(pr->indicators[k].name) ||
			    !one_cell(pr->indicators[k].value)) {
				snprintf(where, sizeof where,
					 "projects[%zu].indicators[%zu]", i, k);
				bad = where;
			}
	}
	if (!bad)
		return 0;
	snprintf(err, err_size,
		 "%s holds a tab or a line break, which a table cell cannot "
		 "print",
		 bad);
	return -EINVAL;
}

int publish_tables(const cJSON *document, struct publication *out, char *err,
		   size_t err_size)
{
	memset(out, 0, sizeof *out);
	struct arena arena;
	arena_init(&arena);
	struct bd_submission *sub = NULL;
	char why[512];
	int rc = model_parse_brief(document, &arena, &sub, why, sizeof why);
	if (rc == -EINVAL)
		snprintf(err, err_size, "the document does not parse: %s", why);
	if (rc == 0)
		rc = check_cells(sub, err, err_size);
	if (rc) {
		arena_release(&arena);
		return rc;
	}
	struct publisher p = {.sub = sub, .cap = 1 << 14};
	p.buf = malloc(p.cap);
	if (p.buf == NULL) {
		arena_release(&arena);
		return -ENOMEM;
	}
	p.buf[0] = '\0';
	cover(&p);
	summary_table(&p);
	if (p.rc == 0)
		p.rc = income_table(&p);
	appropriation_table(&p);
	if (p.rc == 0)
		p.rc = expenditure_tables(&p);
	economic_table(&p);
	three_public_table(&p);
	projects_table(&p);
	performance_table(&p);
	out->unit = sub->unit;
	out->year = sub->year;
	snprintf(out->department, sizeof out->department, "%s",
		 sub->department.code);
	arena_release(&arena);
	if (p.rc) {
		free(p.buf);
		free(p.amounts);
		if (p.rc == -ENOMEM)
			snprintf(err, err_size, "out of memory");
		return p.rc;
	}
	out->text = p.buf;
	out->len = p.len;
	out->amounts = p.amounts;
	out->n_amounts = p.n_amounts;
	return 0;
}

void publication_free(struct publication *pub)
{
	free(pub->text);
	free(pub->amounts);
	memset(pub, 0, sizeof *pub);
}

int publish_text(const cJSON *document, char **text, size_t *len, char *err,
		 size_t err_size)
{
	struct publication pub;
	int rc = publish_tables(document, &pub, err, err_size);
	if (rc)
		return rc;
	*text = pub.text;
	*len = pub.len;
	pub.text = NULL;
	publication_free(&pub);
	return 0;
}
