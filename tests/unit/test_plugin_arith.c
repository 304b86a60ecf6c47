#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_mock.h"

static struct mock_plugin plugin;

static int setup(void **state)
{
	(void)state;
	return mock_plugin_load(&plugin, "arith", NULL);
}

static int teardown(void **state)
{
	(void)state;
	mock_plugin_unload(&plugin);
	return 0;
}

static void audit_text(const char *json, struct bd_audit *audit)
{
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(audit, 0, sizeof *audit);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, audit), 0);
	mock_submission_free(&ms);
}

static void audit_file(const char *file, struct bd_audit *audit)
{
	char *text = mock_read_data(file);
	assert_non_null(text);
	audit_text(text, audit);
	free(text);
}

static void expect(const struct bd_audit *a, const char *rule, const char *path,
		   bd_fen expected, bd_fen actual)
{
	const struct mock_finding *f = mock_find(a, rule, path);
	if (f == NULL)
		fail_msg("no %s finding at %s", rule, path);
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	assert_true(f->expected.present && f->actual.present);
	assert_int_equal(f->expected.fen, expected);
	assert_int_equal(f->actual.fen, actual);
}

/* The published sample: exactly its real inconsistencies, with amounts. */
static void test_sample_inconsistencies(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	audit_file("fengquan-116001-2023.json", a);
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, "  %s %s: %s\n", a->items[i].rule,
			a->items[i].path, a->items[i].message);
	assert_int_equal(a->n, 6);
	/* The pension line 2010505 belongs to 208 05 05: 9.60 万元 in the
	 * wrong 类, in both summary tables. */
	expect(a, "arith.stated.expenditure_by_class",
	       "stated.expenditure_by_class.201", 223380000, 213780000);
	expect(a, "arith.stated.expenditure_by_class",
	       "stated.expenditure_by_class.208", 360000, 9960000);
	expect(a, "arith.stated.appropriation.expenditure_by_class",
	       "stated.appropriation.expenditure_by_class.201", 223380000,
	       213780000);
	expect(a, "arith.stated.appropriation.expenditure_by_class",
	       "stated.appropriation.expenditure_by_class.208", 360000,
	       9960000);
	/* 财政拨款 income printed as 235.93 against 232.31 of income. */
	expect(a, "arith.stated.appropriation.income_total",
	       "stated.appropriation.income_total", 232310000, 235930000);
	expect(a, "arith.balance.appropriation",
	       "stated.appropriation.income_total", 232310000, 235930000);
	const struct mock_finding *f =
	    mock_find(a, "arith.stated.expenditure_by_class",
		      "stated.expenditure_by_class.201");
	assert_non_null(strstr(f->message, "expenditure[3] (2010505"));
	assert_non_null(strstr(f->message, "213.78 万元"));
	free(a);
}

static void test_corrected_sample_is_clean(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	audit_file("fengquan-116001-2023-corrected.json", a);
	assert_int_equal(a->n, 0);
	audit_file("putuo-wanli-2025.json", a);
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, "  %s %s: %s\n", a->items[i].rule,
			a->items[i].path, a->items[i].message);
	assert_int_equal(a->n, 0);
	free(a);
}

#define DOC(LINES, EXTRA)                                                      \
	"{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":\"元\","  \
	"\"department\":{\"code\":\"900001\",\"name\":\"测试\"},"            \
	"\"income\":{\"general_budget\":\"300\"},\"expenditure\":[" LINES      \
	"]" EXTRA "}"
#define L1                                                                     \
	"{\"function\":\"2010301\",\"basic\":{\"wages\":\"100\",\"goods\":"    \
	"\"50\",\"total\":\"150\"},\"total\":\"150\"}"
#define L2                                                                     \
	"{\"function\":\"2080505\",\"project\":{\"operating\":\"100\","        \
	"\"targeted\":\"50\"},\"total\":\"150\"}"

static void test_within_table(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	audit_text(DOC(L1 "," L2, ""), a);
	assert_int_equal(a->n, 0);
	/* Row total off by one 分. */
	audit_text(DOC("{\"function\":\"2010301\",\"basic\":{\"wages\":\"100\","
		       "\"goods\":\"50\"},"
		       "\"total\":\"150.01\"}," L2,
		       ""),
		   a);
	expect(a, "arith.line.total", "expenditure[0].total", 15000, 15001);
	/* Basic subtotal disagrees with its parts. */
	audit_text(DOC("{\"function\":\"2010301\",\"basic\":{\"wages\":\"100\","
		       "\"goods\":\"50\","
		       "\"total\":\"140\"}}," L2,
		       ""),
		   a);
	expect(a, "arith.line.basic_total", "expenditure[0].basic.total", 15000,
	       14000);
	/* 三公 parts against their total. */
	audit_text(
	    DOC(L1 "," L2,
		",\"three_public\":{\"overseas\":\"1\",\"reception\":\"2\","
		"\"total\":\"4\"}"),
	    a);
	expect(a, "arith.three_public.total", "three_public.total", 300, 400);
	/* A project whose sources do not add up to its total. */
	audit_text(DOC(L1 "," L2,
		       ",\"projects\":[{\"name\":\"p\",\"sources\":{\"general_"
		       "budget\":"
		       "\"100\",\"other\":\"20\"},\"total\":\"110\"}]"),
		   a);
	expect(a, "arith.project.total", "projects[0].total", 12000, 11000);
	free(a);
}

/*
 * One cell wrong: a row's 项目支出 printed 170 where its 合计 (150) and
 * every column total say 150.  The audit names that cell, with the sums
 * that prove it, and nothing else: not the 合计, not the totals the
 * printed 170 would inflate.
 */
#define STATED_300                                                             \
	",\"stated\":{\"expenditure_total\":\"300\",\"project_total\":"        \
	"\"150\",\"basic_total\":\"150\",\"expenditure_by_class\":{"           \
	"\"201\":\"150\",\"208\":\"150\"}}"
#define L2_PROJECT(P, T)                                                       \
	"{\"function\":\"2080505\",\"project\":{\"total\":\"" P "\"},"         \
	"\"total\":\"" T "\"}"

static void test_blame_the_wrong_cell(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	audit_text(DOC(L1 "," L2_PROJECT("150", "150"), STATED_300), a);
	assert_int_equal(a->n, 0);
	audit_text(DOC(L1 "," L2_PROJECT("170", "150"), STATED_300), a);
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, "  %s %s: %s\n", a->items[i].rule,
			a->items[i].path, a->items[i].message);
	assert_int_equal(a->n, 1);
	expect(a, "arith.line.cell", "expenditure[1].project.total", 15000,
	       17000);
	const char *m = a->items[0].message;
	assert_non_null(strstr(m, "stated.project_total"));
	assert_non_null(strstr(m, "stated.expenditure_total"));
	assert_non_null(strstr(m, "stated.expenditure_by_class.208"));
	/* The 合计 wrong instead: the 合计 is named, as before. */
	audit_text(DOC(L1 "," L2_PROJECT("150", "130"), STATED_300), a);
	assert_int_equal(a->n, 1);
	expect(a, "arith.line.total", "expenditure[1].total", 15000, 13000);
	/* A wrong part of a split row: the part, not its subtotal. */
	audit_text(DOC("{\"function\":\"2010301\",\"basic\":{\"wages\":"
		       "\"120\",\"goods\":\"50\",\"total\":\"150\"},"
		       "\"total\":\"150\"}," L2_PROJECT("150", "150"),
		       ",\"stated\":{\"expenditure_total\":\"300\","
		       "\"personnel_total\":\"100\",\"public_total\":\"50\"}"),
		   a);
	assert_int_equal(a->n, 1);
	expect(a, "arith.line.cell", "expenditure[0].basic.wages", 10000,
	       12000);
	/* Nothing tells which part is wrong (no column totals printed, and
	 * the income confirms only the 合计): the row's 合计 is reported, as
	 * before, not a guess. */
	audit_text(DOC("{\"function\":\"2010301\",\"basic\":{\"wages\":"
		       "\"120\",\"goods\":\"50\"},\"total\":\"150\"}",
		       ""),
		   a);
	assert_non_null(
	    mock_find(a, "arith.line.total", "expenditure[0].total"));
	assert_null(mock_find(a, "arith.line.cell", NULL));
	free(a);
}

/* 收入总计 = 支出总计 with the balance rows: 100 of income, 20 carried
 * over and 10 of balance used pay for 110 spent and 20 carried forward. */
/* Past 16 rows that miss their 合计 the search stops: those rows are
 * blamed on their 合计, and the audit stays quick. */
static void test_blame_gives_up_past_sixteen_rows(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	/* Eighteen rows in eighteen 类, each printing 项目支出 120 against a
	 * 合计 and a 类 total of 100: each alone is one wrong cell. */
	static const char *const classes[18] = {
	    "201", "203", "204", "205", "206", "207", "208", "210", "211",
	    "212", "213", "214", "215", "216", "217", "219", "220", "221"};
	char json[16384], by[1024] = "";
	size_t n = (size_t)snprintf(
	    json, sizeof json,
	    "{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":"
	    "\"元\",\"department\":{\"code\":\"900001\",\"name\":\"t\"},"
	    "\"income\":{\"general_budget\":\"1800\"},\"expenditure\":[");
	size_t m = 0;
	for (int i = 0; i < 18; i++) {
		n += (size_t)snprintf(json + n, sizeof json - n,
				      "%s{\"function\":\"%s0101\",\"project\":"
				      "{\"total\":\"120\"},\"total\":\"100\"}",
				      i ? "," : "", classes[i]);
		m += (size_t)snprintf(by + m, sizeof by - m, "%s\"%s\":\"100\"",
				      i ? "," : "", classes[i]);
	}
	snprintf(json + n, sizeof json - n,
		 "],\"stated\":{\"expenditure_by_class\":{%s}}}", by);
	audit_text(json, a);
	size_t cells = 0, totals = 0;
	for (size_t i = 0; i < a->n; i++) {
		cells += strcmp(a->items[i].rule, "arith.line.cell") == 0;
		totals += strcmp(a->items[i].rule, "arith.line.total") == 0;
	}
	assert_int_equal(cells, 16);
	assert_int_equal(totals, 2);
	assert_non_null(
	    mock_find(a, "arith.line.total", "expenditure[17].total"));
	free(a);
}

static void test_balance_rows(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
#define BALANCED(FORWARD)                                                      \
	"{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":\"元\","  \
	"\"department\":{\"code\":\"900001\",\"name\":\"t\"},"                 \
	"\"income\":{\"general_budget\":\"100\",\"carryover\":\"20\"},"        \
	"\"expenditure\":[{\"function\":\"2010301\",\"basic\":{\"wages\":"     \
	"\"110\"},\"total\":\"110\"}],\"stated\":{\"income_total\":\"100\","   \
	"\"expenditure_total\":\"110\",\"balance_used\":\"10\"" FORWARD "}}"
	audit_text(BALANCED(",\"carry_forward\":\"20\""), a);
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, "  %s %s: %s\n", a->items[i].rule,
			a->items[i].path, a->items[i].message);
	assert_int_equal(a->n, 0);
	/* Without what is carried forward the two sides differ by it. */
	audit_text(BALANCED(""), a);
	expect(a, "arith.balance", "income", 11000, 13000);
	expect(a, "arith.balance.stated", "stated.income_total", 11000, 13000);
#undef BALANCED
	free(a);
}

static void test_across_tables(void **state)
{
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	audit_text(
	    DOC(L1 "," L2,
		",\"stated\":{\"income_total\":\"300\",\"expenditure_total\":"
		"\"301\",\"basic_total\":\"150\",\"personnel_total\":\"90\","
		"\"public_total\":\"50\",\"project_total\":\"150\","
		"\"project_operating\":\"100\",\"project_targeted\":\"50\","
		"\"expenditure_by_class\":{\"201\":\"150\"}}"),
	    a);
	expect(a, "arith.stated.expenditure_total", "stated.expenditure_total",
	       30000, 30100);
	expect(a, "arith.stated.personnel_total", "stated.personnel_total",
	       10000, 9000);
	/* 类 208 has expenditure but no line in the summary table. */
	expect(a, "arith.stated.expenditure_by_class",
	       "stated.expenditure_by_class.208", 15000, 0);
	expect(a, "arith.balance.stated", "stated.income_total", 30100, 30000);
	assert_null(mock_find(a, "arith.stated.basic_total", NULL));
	assert_null(mock_find(a, "arith.stated.project_operating", NULL));
	/* Income that does not cover expenditure. */
	audit_text(
	    "{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":\"元\","
	    "\"department\":{\"code\":\"900001\",\"name\":\"x\"},"
	    "\"income\":{\"general_budget\":\"200\",\"carryover\":\"50\"},"
	    "\"expenditure\":[" L1 "," L2 "]}",
	    a);
	expect(a, "arith.balance", "income", 30000, 25000);
	free(a);
}

static void test_tolerance(void **state)
{
	static const char *const config[] = {"tolerance_fen=1", NULL};
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	mock_plugin_unload(&plugin);
	assert_int_equal(mock_plugin_load(&plugin, "arith", config), 0);
	audit_text(DOC("{\"function\":\"2010301\",\"basic\":{\"wages\":\"100\","
		       "\"goods\":\"50\"},"
		       "\"total\":\"150.01\"}," L2,
		       ""),
		   a);
	assert_null(mock_find(a, "arith.line.total", NULL));
	mock_plugin_unload(&plugin);
	static const char *const bad[] = {"tolerance_fen=lots", NULL};
	assert_true(mock_plugin_load(&plugin, "arith", bad) < 0);
	mock_plugin_unload(&plugin);
	assert_int_equal(mock_plugin_load(&plugin, "arith", NULL), 0);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_inconsistencies),
	    cmocka_unit_test(test_corrected_sample_is_clean),
	    cmocka_unit_test(test_within_table),
	    cmocka_unit_test(test_blame_the_wrong_cell),
	    cmocka_unit_test(test_balance_rows),
	    cmocka_unit_test(test_blame_gives_up_past_sixteen_rows),
	    cmocka_unit_test(test_across_tables),
	    cmocka_unit_test(test_tolerance),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
