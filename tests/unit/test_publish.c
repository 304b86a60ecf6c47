/*
 * import/publish.c: the publication tables as text, read back by the
 * importer, give the same document.  Over the samples, the budgets the
 * importer reads from published text, and 200 generated documents.
 *
 * "The same" is compared on the parsed model, field by field: every line
 * (by 科目 and source) with its name and columns, income by source, the
 * economic rows in order, 三公, every project with its sources, kind and
 * targets, the balance rows and last year's total.  A stated total is
 * compared as stated, or as the detail sums to where the document leaves
 * it out: the tables print every total, so one the document omitted comes
 * back printed, with the value the detail gives it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "import.h"
#include "model.h"
#include "money.h"
#include "publish.h"
#include "test_files.h"

#define DATA BUDGETD_TEST_DATA_DIR

/* ---- comparison ---- */

static char mismatch[512];

static bool differ(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool differ(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mismatch, sizeof mismatch, fmt, ap);
	va_end(ap);
	return true;
}

static bd_fen stated_or(struct bd_stated s, bd_fen computed)
{
	return s.present ? s.fen : computed;
}

static bd_fen or_zero(struct bd_stated s)
{
	return s.present ? s.fen : 0;
}

struct sums {
	bd_fen income, expenditure, basic, project, personnel, public_,
	    operating, targeted, projects;
};

static struct sums sums_of(const struct bd_submission *s)
{
	struct sums t = {0};
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (src != BD_SOURCE_CARRYOVER)
			t.income += or_zero(s->income[src]);
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		t.expenditure += bd_line_total(l);
		t.basic += bd_line_basic(l);
		t.project += bd_line_project(l);
		t.personnel +=
		    l->column[BD_COL_WAGES] + l->column[BD_COL_FAMILY];
		t.public_ +=
		    l->column[BD_COL_GOODS] + l->column[BD_COL_CAPITAL];
		t.operating += l->column[BD_COL_OPERATING];
		t.targeted += l->column[BD_COL_TARGETED];
	}
	for (size_t i = 0; i < s->n_projects; i++) {
		bd_fen sum = 0;
		for (int src = 0; src < BD_SOURCE_COUNT; src++)
			sum += s->projects[i].sources[src];
		t.projects += stated_or(s->projects[i].total, sum);
	}
	return t;
}

static bd_fen class_amount(const struct bd_submission *s, const char *code)
{
	for (size_t i = 0; i < s->stated.n_expenditure_by_class; i++)
		if (strcmp(s->stated.expenditure_by_class[i].class_code,
			   code) == 0)
			return s->stated.expenditure_by_class[i].fen;
	if (s->stated.expenditure_by_class)
		return -1; /* stated, without this 类 */
	bd_fen sum = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		if (strncmp(s->lines[i].function, code, 3) == 0)
			sum += bd_line_total(&s->lines[i]);
	return sum;
}

static bool same_stated(const char *what, struct bd_stated a,
			struct bd_stated b)
{
	if (a.present != b.present || (a.present && a.fen != b.fen))
		return differ("%s: %s %lld, then %s %lld", what,
			      a.present ? "stated" : "absent", (long long)a.fen,
			      b.present ? "stated" : "absent",
			      (long long)b.fen);
	return false;
}

static int indicator_order(const void *x, const void *y)
{
	const struct bd_indicator *a = x, *b = y;
	if (a->category != b->category)
		return (int)a->category - (int)b->category;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->value, b->value);
}

static bool projects_differ(const struct bd_submission *a,
			    const struct bd_submission *b)
{
	if (a->n_projects != b->n_projects)
		return differ("%zu projects, then %zu", a->n_projects,
			      b->n_projects);
	for (size_t i = 0; i < a->n_projects; i++) {
		const struct bd_project *x = &a->projects[i],
					*y = &b->projects[i];
		const char *xc = x->code ? x->code : "",
			   *yc = y->code ? y->code : "";
		if (strcmp(xc, yc) || strcmp(x->name, y->name) ||
		    strcmp(x->function, y->function) || x->kind != y->kind)
			return differ("project %zu: %s %s %s kind %d, then %s "
				      "%s %s kind %d",
				      i, xc, x->name, x->function, x->kind, yc,
				      y->name, y->function, y->kind);
		bd_fen xs = 0, ys = 0;
		for (int src = 0; src < BD_SOURCE_COUNT; src++) {
			if (x->sources[src] != y->sources[src])
				return differ("project %s source %s: %lld, "
					      "then %lld",
					      x->name, bd_source_key(src),
					      (long long)x->sources[src],
					      (long long)y->sources[src]);
			xs += x->sources[src];
			ys += y->sources[src];
		}
		if (stated_or(x->total, xs) != stated_or(y->total, ys))
			return differ("project %s total", x->name);
		if (x->n_indicators != y->n_indicators)
			return differ("project %s: %zu targets, then %zu",
				      x->name, x->n_indicators,
				      y->n_indicators);
		size_t n = x->n_indicators;
		struct bd_indicator *xi = calloc(n + 1, sizeof *xi),
				    *yi = calloc(n + 1, sizeof *yi);
		assert_non_null(xi);
		assert_non_null(yi);
		if (n) { /* no targets: indicators may be NULL */
			memcpy(xi, x->indicators, n * sizeof *xi);
			memcpy(yi, y->indicators, n * sizeof *yi);
		}
		qsort(xi, n, sizeof *xi, indicator_order);
		qsort(yi, n, sizeof *yi, indicator_order);
		bool bad = false;
		for (size_t k = 0; k < n && !bad; k++)
			if (indicator_order(&xi[k], &yi[k]) != 0)
				bad = differ("project %s target %s %s, then "
					     "%s %s",
					     x->name, xi[k].name, xi[k].value,
					     yi[k].name, yi[k].value);
		free(xi);
		free(yi);
		if (bad)
			return true;
	}
	return false;
}

/* true (with the first difference in `mismatch`) when a and b differ. */
static bool documents_differ(const struct bd_submission *a,
			     const struct bd_submission *b)
{
	if (a->year != b->year || a->unit != b->unit)
		return differ("year/unit %d %d, then %d %d", a->year, a->unit,
			      b->year, b->unit);
	if (strcmp(a->department.code, b->department.code) ||
	    strcmp(a->department.name, b->department.name) ||
	    strcmp(a->department.parent, b->department.parent))
		return differ("department %s %s (%s), then %s %s (%s)",
			      a->department.code, a->department.name,
			      a->department.parent, b->department.code,
			      b->department.name, b->department.parent);
	for (int src = 0; src < BD_SOURCE_COUNT; src++)
		if (or_zero(a->income[src]) != or_zero(b->income[src]))
			return differ("income.%s %lld, then %lld",
				      bd_source_key(src),
				      (long long)or_zero(a->income[src]),
				      (long long)or_zero(b->income[src]));
	if (a->n_lines != b->n_lines)
		return differ("%zu lines, then %zu", a->n_lines, b->n_lines);
	for (size_t i = 0; i < a->n_lines; i++) {
		const struct bd_line *x = &a->lines[i],
				     *y = model_same_line(b, x);
		if (y == NULL)
			return differ("line %s %s lost", x->function,
				      bd_source_key(x->source));
		if (strcmp(x->name, y->name))
			return differ("line %s name %s, then %s", x->function,
				      x->name, y->name);
		for (int c = 0; c < BD_COL_COUNT; c++)
			if (x->column[c] != y->column[c])
				return differ("line %s %s column %d: %lld, "
					      "then %lld",
					      x->function,
					      bd_source_key(x->source), c,
					      (long long)x->column[c],
					      (long long)y->column[c]);
	}
	if (a->n_economic != b->n_economic)
		return differ("%zu economic rows, then %zu", a->n_economic,
			      b->n_economic);
	for (size_t i = 0; i < a->n_economic; i++)
		if (strcmp(a->economic[i].code, b->economic[i].code) ||
		    strcmp(a->economic[i].name, b->economic[i].name) ||
		    a->economic[i].amount != b->economic[i].amount)
			return differ("economic %s", a->economic[i].code);
	const struct bd_three_public *ta = &a->three_public,
				     *tb = &b->three_public;
	if (ta->present != tb->present ||
	    or_zero(ta->overseas) != or_zero(tb->overseas) ||
	    or_zero(ta->vehicle_purchase) != or_zero(tb->vehicle_purchase) ||
	    or_zero(ta->vehicle_operation) != or_zero(tb->vehicle_operation) ||
	    or_zero(ta->reception) != or_zero(tb->reception))
		return differ("三公");
	bd_fen tpa = or_zero(ta->overseas) + or_zero(ta->vehicle_purchase) +
		     or_zero(ta->vehicle_operation) + or_zero(ta->reception);
	if (ta->present &&
	    stated_or(ta->total, tpa) != stated_or(tb->total, tpa))
		return differ("三公 total");
	if (projects_differ(a, b))
		return true;
	struct sums sa = sums_of(a), sb = sums_of(b);
	const struct {
		const char *what;
		bd_fen x, y;
	} totals[] = {
	    {"income_total", stated_or(a->stated.income_total, sa.income),
	     stated_or(b->stated.income_total, sb.income)},
	    {"expenditure_total",
	     stated_or(a->stated.expenditure_total, sa.expenditure),
	     stated_or(b->stated.expenditure_total, sb.expenditure)},
	    {"basic_total", stated_or(a->stated.basic_total, sa.basic),
	     stated_or(b->stated.basic_total, sb.basic)},
	    {"project_total", stated_or(a->stated.project_total, sa.project),
	     stated_or(b->stated.project_total, sb.project)},
	    {"personnel_total",
	     stated_or(a->stated.personnel_total, sa.personnel),
	     stated_or(b->stated.personnel_total, sb.personnel)},
	    {"public_total", stated_or(a->stated.public_total, sa.public_),
	     stated_or(b->stated.public_total, sb.public_)},
	    {"project_operating",
	     stated_or(a->stated.project_operating, sa.operating),
	     stated_or(b->stated.project_operating, sb.operating)},
	    {"project_targeted",
	     stated_or(a->stated.project_targeted, sa.targeted),
	     stated_or(b->stated.project_targeted, sb.targeted)},
	    {"projects_total", stated_or(a->stated.projects_total, sa.projects),
	     stated_or(b->stated.projects_total, sb.projects)},
	};
	for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++)
		if (totals[i].x != totals[i].y)
			return differ("stated.%s %lld, then %lld",
				      totals[i].what, (long long)totals[i].x,
				      (long long)totals[i].y);
	for (size_t i = 0; i < a->n_lines; i++) {
		char code[4];
		memcpy(code, a->lines[i].function, 3);
		code[3] = '\0';
		if (class_amount(a, code) != class_amount(b, code))
			return differ("stated.expenditure_by_class.%s", code);
	}
	for (size_t i = 0; i < a->stated.n_expenditure_by_class; i++) {
		const char *code = a->stated.expenditure_by_class[i].class_code;
		if (class_amount(a, code) != class_amount(b, code))
			return differ("stated.expenditure_by_class.%s", code);
	}
	if (same_stated("appropriation.income_total",
			a->stated.appropriation.income_total,
			b->stated.appropriation.income_total) ||
	    same_stated("appropriation.expenditure_total",
			a->stated.appropriation.expenditure_total,
			b->stated.appropriation.expenditure_total))
		return true;
	if (a->stated.appropriation.n_expenditure_by_class !=
	    b->stated.appropriation.n_expenditure_by_class)
		return differ("appropriation.expenditure_by_class");
	for (size_t i = 0; i < a->stated.appropriation.n_expenditure_by_class;
	     i++)
		if (memcmp(&a->stated.appropriation.expenditure_by_class[i],
			   &b->stated.appropriation.expenditure_by_class[i],
			   sizeof(struct bd_class_amount)) != 0)
			return differ("appropriation.expenditure_by_class[%zu]",
				      i);
	return same_stated("previous_year.total", a->previous_year_total,
			   b->previous_year_total) ||
	       same_stated("balance_used", a->balance_used, b->balance_used) ||
	       same_stated("carry_forward", a->carry_forward, b->carry_forward);
}

/* ---- the round trip ---- */

static struct bd_submission *parse(const cJSON *doc, struct arena *arena)
{
	struct model_problems *problems = calloc(1, sizeof *problems);
	assert_non_null(problems);
	struct bd_submission *sub = NULL;
	int rc = model_parse(doc, arena, &sub, problems);
	if (rc != 0 && problems->n > 0)
		print_error("does not parse: %s: %s\n", problems->items[0].path,
			    problems->items[0].message);
	free(problems);
	assert_int_equal(rc, 0);
	return sub;
}

/* Exports doc, imports the text, and compares; fails with the first
 * difference, the import report and the text. */
static void round_trip(const cJSON *doc, const char *name)
{
	char *text = NULL, err[256] = "";
	size_t len = 0;
	int rc = publish_text(doc, &text, &len, err, sizeof err);
	if (rc)
		print_error("%s: publish_text: %s\n", name, err);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(text), len);
	struct import_options options = {0};
	struct import_report report = {0};
	cJSON *back = NULL;
	rc = import_text(text, len, name, &options, &back, &report);
	if (rc)
		fprintf(stderr, "%s: import refused:\n%s\n--- text ---\n%s\n",
			name, report.text ? report.text : "", text);
	assert_int_equal(rc, 0);
	struct arena arena;
	arena_init(&arena);
	struct bd_submission *a = parse(doc, &arena), *b = parse(back, &arena);
	bool bad = documents_differ(a, b);
	if (bad) {
		char *json = cJSON_PrintUnformatted(back);
		fprintf(stderr,
			"%s: %s\n--- text ---\n%s\n--- report ---\n%s\n--- "
			"imported ---\n%s\n",
			name, mismatch, text, report.text ? report.text : "",
			json ? json : "");
		free(json);
	}
	arena_release(&arena);
	cJSON_Delete(back);
	import_report_free(&report);
	free(text);
	assert_false(bad);
}

/* Runs check on each sample document of tests/data. */
static void for_each_sample(void (*check)(const cJSON *doc, const char *name))
{
	static const char *const samples[] = {
	    "fengquan-116001-2023.json", "fengquan-116001-2023-corrected.json",
	    "putuo-wanli-2025.json"};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", DATA, samples[i]);
		size_t len;
		char *json = test_read_file(path, &len);
		assert_non_null(json);
		cJSON *doc = cJSON_Parse(json);
		assert_non_null(doc);
		check(doc, samples[i]);
		cJSON_Delete(doc);
		free(json);
	}
}

static void the_samples_come_back(void **state)
{
	(void)state;
	for_each_sample(round_trip);
}

/* Every budget the importer reads from a published text comes back from
 * its own tables. */
static void imported_budgets_come_back(void **state)
{
	(void)state;
	static const char *const published[] = {
	    "putuo-wanli-2023-budget",
	    "putuo-wanli-2024-budget",
	    "putuo-wanli-2025-budget",
	    "putuo-finance-2025-budget",
	    "putuo-welfare-home-2024-unit-budget",
	    "shanghai-finance-2025-unit-budget"};
	int tried = 0;
	for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/published/%s.txt", DATA,
			 published[i]);
		size_t len;
		char *text = test_read_file(path, &len);
		assert_non_null(text);
		struct import_options options = {.department = "215001",
						 .keep_going = true};
		struct import_report report = {0};
		cJSON *doc = NULL;
		if (import_text(text, len, published[i], &options, &doc,
				&report) == 0 ||
		    doc) {
			/* The narrative is not a table: the round trip
			 * carries the tables. */
			cJSON_DeleteItemFromObject(doc, "narrative");
			round_trip(doc, published[i]);
			tried++;
		}
		cJSON_Delete(doc);
		import_report_free(&report);
		free(text);
	}
	assert_true(tried >= 4);
}

/* ---- generated documents ---- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static const struct {
	const char *code, *name;
} functions[] = {
    {"2010101", "行政运行"},
    {"2010102", "一般行政管理事务"},
    {"2010301", "行政运行"},
    {"2010302", "一般行政管理事务"},
    {"2010350", "事业运行"},
    {"2010399", "其他政府办公厅（室）及相关机构事务支出"},
    {"2010601", "行政运行"},
    {"2010607", "信息化建设"},
    {"2040101", "武装警察部队"},
    {"2050101", "行政运行"},
    {"2050201", "学前教育"},
    {"2050202", "小学教育"},
    {"2060101", "行政运行"},
    {"2070101", "行政运行"},
    {"2080501", "行政单位离退休"},
    {"2080505", "机关事业单位基本养老保险缴费支出"},
    {"2080899", "其他优抚支出"},
    {"2081002", "老年福利"},
    {"2100201", "综合医院"},
    {"2101101", "行政单位医疗"},
    {"2110101", "行政运行"},
    {"2120101", "行政运行"},
    {"2120501", "城乡社区环境卫生"},
    {"2130101", "行政运行"},
    {"2140101", "行政运行"},
    {"2210201", "住房公积金"},
    {"2210203", "购房补贴"},
    {"2240101", "行政运行"},
    {"2290999", "其他支出"},
    {"2120899", "其他国有土地使用权出让收入安排的支出"},
};

static const enum bd_source line_sources[] = {
    BD_SOURCE_GENERAL_BUDGET,  BD_SOURCE_GENERAL_BUDGET,
    BD_SOURCE_GENERAL_BUDGET,  BD_SOURCE_GENERAL_BUDGET,
    BD_SOURCE_FUND_BUDGET,     BD_SOURCE_STATE_CAPITAL,
    BD_SOURCE_SPECIAL_ACCOUNT, BD_SOURCE_BUSINESS,
    BD_SOURCE_OPERATING,       BD_SOURCE_SUPERIOR_SUBSIDY,
    BD_SOURCE_AFFILIATED,      BD_SOURCE_OTHER,
};

static bd_fen amount(void)
{
	/* Whole 元 mostly, to the 分 sometimes; from 0.01 元 to 10^10 元. */
	bd_fen fen = (bd_fen)rnd(100000) * (bd_fen)(1 + rnd(3) * rnd(10000));
	if (rnd(3))
		fen -= fen % 100;
	return fen > 0 ? fen : 1 + rnd(99);
}

static void add_money(cJSON *o, const char *key, bd_fen fen, enum bd_unit u)
{
	char a[MONEY_TEXT_MAX];
	money_format(fen, u, a, sizeof a);
	cJSON_AddStringToObject(o, key, a);
}

/* One part or its subtotal alone: the two ways tables publish it. */
static bd_fen put_parts(cJSON *line, const char *key, const char *const *parts,
			int n_parts, enum bd_unit u)
{
	int how = (int)rnd(3); /* none, split, unsplit */
	if (how == 0)
		return 0;
	cJSON *o = cJSON_AddObjectToObject(line, key);
	bd_fen sum = 0;
	if (how == 2) {
		sum = amount();
		add_money(o, "total", sum, u);
		return sum;
	}
	for (int k = 0; k < n_parts; k++)
		if (rnd(2) || (k == n_parts - 1 && sum == 0)) {
			bd_fen v = amount();
			add_money(o, parts[k], v, u);
			sum += v;
		}
	if (rnd(2))
		add_money(o, "total", sum, u);
	return sum;
}

static cJSON *generated_document(unsigned seed)
{
	rng_state = seed * 2654435761ULL + 1;
	enum bd_unit u = rnd(3) ? BD_UNIT_YUAN : BD_UNIT_WANYUAN;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "format", "budget-submission/1");
	cJSON_AddNumberToObject(doc, "year", 2021 + rnd(6));
	cJSON_AddStringToObject(doc, "unit", money_unit_name(u));
	cJSON *dept = cJSON_AddObjectToObject(doc, "department");
	char code[16], parent[8];
	snprintf(parent, sizeof parent, "%03u", 100 + rnd(900));
	snprintf(code, sizeof code, "%s%03u", parent, rnd(1000));
	cJSON_AddStringToObject(dept, "code", code);
	static const char *const names[] = {
	    "上海市普陀区人民政府万里街道办事处",
	    "新乡市凤泉区政务服务和大数据管理局", "某区教育局",
	    "某区卫生健康委员会"};
	cJSON_AddStringToObject(dept, "name", names[rnd(4)]);
	if (rnd(4))
		cJSON_AddStringToObject(dept, "parent", parent);

	bd_fen income[BD_SOURCE_COUNT] = {0};
	bd_fen basic = 0, project = 0, wages_family = 0;
	cJSON *lines = cJSON_AddArrayToObject(doc, "expenditure");
	int n_lines = 1 + (int)rnd(25);
	bool taken[sizeof functions / sizeof functions[0]]
		  [sizeof line_sources / sizeof line_sources[0]] = {{false}};
	const char *project_functions[32];
	int n_project_functions = 0;
	for (int i = 0; i < n_lines; i++) {
		unsigned f = rnd(sizeof functions / sizeof functions[0]);
		unsigned s = rnd(sizeof line_sources / sizeof line_sources[0]);
		enum bd_source src = line_sources[s];
		bool dup = false;
		for (unsigned k = 0;
		     k < sizeof line_sources / sizeof *line_sources; k++)
			dup |= taken[f][k] && line_sources[k] == src;
		if (dup)
			continue;
		taken[f][s] = true;
		cJSON *line = cJSON_CreateObject();
		cJSON_AddStringToObject(line, "function", functions[f].code);
		cJSON_AddStringToObject(line, "name", functions[f].name);
		cJSON_AddStringToObject(line, "source", bd_source_key(src));
		static const char *const basic_parts[] = {"wages", "family",
							  "goods", "capital"};
		static const char *const project_parts[] = {"operating",
							    "targeted"};
		bd_fen b = put_parts(line, "basic", basic_parts, 4, u);
		bd_fen p = put_parts(line, "project", project_parts, 2, u);
		if (b + p == 0) {
			p = amount();
			add_money(cJSON_AddObjectToObject(line, "project"),
				  "total", p, u);
		}
		const cJSON *bo = cJSON_GetObjectItem(line, "basic");
		for (int k = 0; k < 2; k++) {
			const cJSON *part =
			    cJSON_GetObjectItem(bo, basic_parts[k]);
			bd_fen v;
			const char *why;
			if (part &&
			    money_parse(part->valuestring, u, &v, &why) == 0)
				wages_family += v;
		}
		if (rnd(2))
			add_money(line, "total", b + p, u);
		cJSON_AddItemToArray(lines, line);
		income[src] += b + p;
		basic += b;
		project += p;
		if (p && n_project_functions < 32)
			project_functions[n_project_functions++] =
			    functions[f].code;
	}
	cJSON *in = cJSON_AddObjectToObject(doc, "income");
	bd_fen income_total = 0, expenditure = basic + project;
	for (int s = 0; s < BD_SOURCE_CARRYOVER; s++)
		if (income[s]) {
			add_money(in, bd_source_key(s), income[s], u);
			income_total += income[s];
		}
	cJSON *stated = cJSON_CreateObject();
	if (rnd(3) == 0) {
		/* Spent from last year's balance, as much carried on. */
		bd_fen carried = amount();
		add_money(in, "carryover", carried, u);
		add_money(stated, "carry_forward", carried, u);
	}
	if (rnd(2))
		add_money(stated, "income_total", income_total, u);
	if (rnd(2))
		add_money(stated, "expenditure_total", expenditure, u);
	if (rnd(2))
		add_money(stated, "basic_total", basic, u);
	if (rnd(2))
		add_money(stated, "project_total", project, u);
	if (rnd(3) == 0)
		add_money(stated, "personnel_total", wages_family, u);
	if (rnd(2)) {
		cJSON *by =
		    cJSON_AddObjectToObject(stated, "expenditure_by_class");
		const cJSON *l;
		cJSON_ArrayForEach(l, lines)
		{
			char cls[4];
			memcpy(cls,
			       cJSON_GetObjectItem(l, "function")->valuestring,
			       3);
			cls[3] = '\0';
			if (cJSON_GetObjectItem(by, cls))
				continue;
			bd_fen sum = 0;
			const cJSON *m;
			cJSON_ArrayForEach(m, lines)
			{
				if (strncmp(cJSON_GetObjectItem(m, "function")
						->valuestring,
					    cls, 3) != 0)
					continue;
				bd_fen v;
				const char *why;
				const cJSON *t =
				    cJSON_GetObjectItem(m, "total");
				(void)t;
				bd_fen line_sum = 0;
				const char *parts[] = {"basic", "project"};
				for (int k = 0; k < 2; k++) {
					const cJSON *o =
					    cJSON_GetObjectItem(m, parts[k]);
					const cJSON *t2 =
					    cJSON_GetObjectItem(o, "total");
					if (t2) {
						money_parse(t2->valuestring, u,
							    &v, &why);
						line_sum += v;
						continue;
					}
					const cJSON *x;
					cJSON_ArrayForEach(x, o)
					{
						money_parse(x->valuestring, u,
							    &v, &why);
						line_sum += v;
					}
				}
				sum += line_sum;
			}
			add_money(by, cls, sum, u);
		}
	}
	if (rnd(2))
		add_money(cJSON_AddObjectToObject(doc, "previous_year"),
			  "total", amount(), u);
	if (rnd(2)) {
		cJSON *tp = cJSON_AddObjectToObject(doc, "three_public");
		bd_fen sum = 0;
		static const char *const keys[] = {
		    "overseas", "vehicle_purchase", "vehicle_operation",
		    "reception"};
		for (int k = 0; k < 4; k++) {
			bd_fen v = rnd(3) ? amount() % 10000000 : 0;
			add_money(tp, keys[k], v, u);
			sum += v;
		}
		add_money(tp, "total", sum, u);
	}
	if (rnd(2)) {
		cJSON *economic = cJSON_AddArrayToObject(doc, "economic");
		static const struct {
			const char *code, *name;
		} codes[] = {{"30101", "基本工资"},
			     {"30102", "津贴补贴"},
			     {"30103", "奖金"},
			     {"30108", "机关事业单位基本养老保险缴费"},
			     {"30201", "办公费"},
			     {"30211", "差旅费"},
			     {"30301", "离休费"},
			     {"31002", "办公设备购置"}};
		for (int k = 0; k < 8; k++)
			if (rnd(2)) {
				cJSON *e = cJSON_CreateObject();
				cJSON_AddStringToObject(e, "code",
							codes[k].code);
				cJSON_AddStringToObject(e, "name",
							codes[k].name);
				add_money(e, "amount", amount(), u);
				cJSON_AddItemToArray(economic, e);
			}
	}
	int n_projects = n_project_functions ? (int)rnd(6) : 0;
	if (n_projects) {
		cJSON *projects = cJSON_AddArrayToObject(doc, "projects");
		bd_fen all = 0;
		static const char *const names_p[] = {
		    "政务大厅水费", "电子政务外网服务项目",
		    "综合业务费",   "社区养老服务补贴",
		    "环境卫生保洁", "劳务派遣人员工资"};
		static const char *const categories[] = {
		    "cost", "output", "benefit", "satisfaction"};
		static const char *const targets[][2] = {
		    {"项目支出", "≤5 万元"},
		    {"完成时间", "2025 年 12 月 31 日前"},
		    {"群众满意度", "≥95%"},
		    {"覆盖社区数", "10 个"},
		    {"运行维护", "维持"},
		    {"设备完好率", "100%"}};
		for (int k = 0; k < n_projects; k++) {
			cJSON *pr = cJSON_CreateObject();
			char pcode[64];
			snprintf(pcode, sizeof pcode, "%s22%012u%u", code,
				 rnd(1000000000), (unsigned)k);
			cJSON_AddStringToObject(pr, "code", pcode);
			char pname[96];
			snprintf(pname, sizeof pname, "%s%d", names_p[rnd(6)],
				 k + 1);
			cJSON_AddStringToObject(pr, "name", pname);
			cJSON_AddStringToObject(
			    pr, "function",
			    project_functions[rnd(
				(unsigned)n_project_functions)]);
			if (rnd(2))
				cJSON_AddStringToObject(pr, "kind",
							rnd(2) ? "operating"
							       : "targeted");
			cJSON *src = cJSON_AddObjectToObject(pr, "sources");
			bd_fen sum = 0;
			for (int s = 0; s < BD_SOURCE_CARRYOVER; s++)
				if (rnd(5) == 0 ||
				    (s == BD_SOURCE_CARRYOVER - 1 &&
				     sum == 0)) {
					bd_fen v = amount();
					add_money(src, bd_source_key(s), v, u);
					sum += v;
				}
			add_money(pr, "total", sum, u);
			all += sum;
			int n_targets = (int)rnd(6);
			if (n_targets) {
				cJSON *ind =
				    cJSON_AddArrayToObject(pr, "indicators");
				for (int t = 0; t < n_targets; t++) {
					cJSON *o = cJSON_CreateObject();
					cJSON_AddStringToObject(
					    o, "category", categories[rnd(4)]);
					cJSON_AddStringToObject(o, "name",
								targets[t][0]);
					cJSON_AddStringToObject(o, "value",
								targets[t][1]);
					cJSON_AddItemToArray(ind, o);
				}
			}
			cJSON_AddItemToArray(projects, pr);
		}
		if (rnd(2))
			add_money(stated, "projects_total", all, u);
	}
	cJSON_AddItemToObject(doc, "stated", stated);
	return doc;
}

static void generated_documents_come_back(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 200; seed++) {
		cJSON *doc = generated_document(seed);
		char name[32];
		snprintf(name, sizeof name, "generated-%u", seed);
		round_trip(doc, name);
		cJSON_Delete(doc);
	}
}

/* Each marked amount is the cell that starts at its offset and reads back
 * as its figure; every other cell of a table row is text (a code, a name,
 * a label) and never a decimal amount: so a workbook built from the marks
 * has every amount as a number and no amount as text. */
static void amounts_are_marked(const cJSON *doc, const char *name)
{
	struct publication pub;
	char err[256] = "";
	int rc = publish_tables(doc, &pub, err, sizeof err);
	if (rc)
		print_error("%s: publish_tables: %s\n", name, err);
	assert_int_equal(rc, 0);
	assert_true(pub.n_amounts > 0);
	size_t next = 0, cells = 0;
	for (size_t at = 0; at < pub.len; at++) {
		bool starts = at == 0 || strchr("\t\n\f", pub.text[at - 1]);
		if (!starts || strchr("\t\n\f", pub.text[at]))
			continue;
		size_t end = at + strcspn(pub.text + at, "\t\n\f");
		char cell[64];
		snprintf(cell, sizeof cell, "%.*s", (int)(end - at),
			 pub.text + at);
		bd_fen fen;
		const char *why;
		bool decimal = strchr(cell, '.') &&
			       money_parse(cell, pub.unit, &fen, &why) == 0;
		if (next < pub.n_amounts && pub.amounts[next].offset == at) {
			if (!decimal || fen != pub.amounts[next].fen)
				print_error("%s: amount %zu at %zu is \"%s\"\n",
					    name, next, at, cell);
			assert_true(decimal);
			assert_true(fen == pub.amounts[next].fen);
			next++;
			cells++;
		} else if (decimal) {
			print_error("%s: \"%s\" at %zu is not marked\n", name,
				    cell, at);
			fail();
		}
	}
	assert_int_equal(next, pub.n_amounts);
	assert_int_equal(cells, pub.n_amounts);
	publication_free(&pub);
}

static void every_amount_is_marked(void **state)
{
	(void)state;
	for_each_sample(amounts_are_marked);
	for (unsigned seed = 1; seed <= 200; seed++) {
		cJSON *doc = generated_document(seed);
		amounts_are_marked(doc, "generated");
		cJSON_Delete(doc);
	}
}

/* What a cell cannot hold is refused, and the reason names the field. */
static void a_tab_in_a_name_is_refused(void **state)
{
	(void)state;
	cJSON *doc = generated_document(7);
	cJSON *line =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "expenditure"), 0);
	cJSON_ReplaceItemInObject(line, "name",
				  cJSON_CreateString("行政\t运行"));
	char *text = NULL, err[256] = "";
	size_t len = 0;
	assert_int_equal(publish_text(doc, &text, &len, err, sizeof err),
			 -EINVAL);
	assert_null(text);
	assert_non_null(strstr(err, "expenditure[0].name"));
	cJSON_ReplaceItemInObject(doc, "unit", cJSON_CreateString("千元"));
	assert_int_equal(publish_text(doc, &text, &len, err, sizeof err),
			 -EINVAL);
	assert_non_null(strstr(err, "unit"));
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_samples_come_back),
	    cmocka_unit_test(imported_budgets_come_back),
	    cmocka_unit_test(generated_documents_come_back),
	    cmocka_unit_test(a_tab_in_a_name_is_refused),
	    cmocka_unit_test(every_amount_is_marked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
