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
	return mock_plugin_load(&plugin, "plausibility", NULL);
}

static int teardown(void **state)
{
	(void)state;
	mock_plugin_unload(&plugin);
	return 0;
}

static struct bd_audit *audit_doc(const char *body)
{
	static struct bd_audit audit;
	char json[4096];
	struct mock_submission ms;
	snprintf(json, sizeof json,
		 "{\"format\":\"budget-submission/"
		 "1\",\"year\":2024,\"unit\":\"万元\","
		 "\"department\":{\"code\":\"900001\",\"name\":\"t\"},"
		 "\"income\":{},%s}",
		 body);
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(&audit, 0, sizeof audit);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, &audit), 0);
	mock_submission_free(&ms);
	for (size_t i = 0; i < audit.n; i++)
		fprintf(stderr, "  %s %s: %s\n", audit.items[i].rule,
			audit.items[i].path, audit.items[i].message);
	return &audit;
}

#define LINES                                                                  \
	"\"expenditure\":[{\"function\":\"2010301\",\"basic\":{\"wages\":"     \
	"\"90\",\"goods\":\"10\"}}]"
#define PROJECT(total, value)                                                  \
	LINES                                                                  \
	",\"projects\":[{\"name\":\"p\",\"total\":\"" total                    \
	"\",\"indicators\":["                                                  \
	"{\"category\":\"cost\",\"name\":\"项目支出\",\"value\":\"" value      \
	"\"}]}]"

static void test_cost_indicators(void **state)
{
	(void)state;
	struct bd_audit *a = audit_doc(PROJECT("8.00", ">10 万元"));
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].rule, "plausibility.cost_indicator");
	assert_int_equal(a->items[0].severity, BD_SEVERITY_WARNING);
	assert_int_equal(a->items[0].expected.fen, 10000000);
	assert_int_equal(a->items[0].actual.fen, 8000000);
	assert_int_equal(audit_doc(PROJECT("7", "≤5 万元"))->n, 1);
	/* At the precision printed: whole 万元 stand for ±0.5 万元 each, so
	 * 6 may be 5.5 and ≤5 may be 5.5. */
	assert_int_equal(audit_doc(PROJECT("6", "≤5 万元"))->n, 0);
	/* 0.73 万元 (two decimals) covers 7,250 to 7,350 元. */
	assert_int_equal(audit_doc(PROJECT("0.73", "7315 元"))->n, 0);
	assert_int_equal(audit_doc(PROJECT("0.73", "7349 元"))->n, 0);
	assert_int_equal(audit_doc(PROJECT("0.73", "7351 元"))->n, 1);
	assert_int_equal(audit_doc(PROJECT("0.73", "≤7249 元"))->n, 1);
	assert_int_equal(audit_doc(PROJECT("16.82", "≤16. 82 万元"))->n, 0);
	/* Units are converted: 408 000 元 is 40.80 万元. */
	assert_int_equal(audit_doc(PROJECT("40.80", "≥408 000 元"))->n, 0);
	assert_int_equal(audit_doc(PROJECT("40.79", "≥408 000 元"))->n, 1);
	assert_int_equal(audit_doc(PROJECT("5", "5 万元"))->n, 0);
	assert_int_equal(audit_doc(PROJECT("7", "<5 万元"))->n, 1);
	/* Not about money: ignored. */
	assert_int_equal(audit_doc(PROJECT("5", "≤200 吨"))->n, 0);
	assert_int_equal(audit_doc(PROJECT("5", "0 无"))->n, 0);
}

static void test_year_on_year(void **state)
{
	(void)state;
	assert_int_equal(
	    audit_doc(LINES ",\"previous_year\":{\"total\":\"80\"}")->n, 0);
	struct bd_audit *a =
	    audit_doc(LINES ",\"previous_year\":{\"total\":\"70\"}");
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].rule, "plausibility.total_change");
	assert_non_null(strstr(a->items[0].message, "+42.8%"));
	/* The printed total is compared, not the sum of the lines: a wrong
	 * cell (the lines add up to 100, the department printed 80) is
	 * arith's finding, and is not carried into this one. */
	assert_int_equal(audit_doc(LINES ",\"stated\":{\"expenditure_total\":"
					 "\"80\"},\"previous_year\":{\"total\":"
					 "\"70\"}")
			     ->n,
			 0);
	a = audit_doc(
	    LINES ",\"three_public\":{\"reception\":\"1.1\",\"total\":\"1.1\"},"
		  "\"previous_year\":{\"three_public\":\"1\"}");
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].rule,
			    "plausibility.three_public_growth");
	assert_int_equal(audit_doc(LINES
				   ",\"three_public\":{\"reception\":\"0.9\"},"
				   "\"previous_year\":{\"three_public\":\"1\"}")
			     ->n,
			 0);
}

static void test_economic_table(void **state)
{
	(void)state;
	assert_int_equal(
	    audit_doc(LINES
		      ",\"economic\":[{\"code\":\"30101\",\"amount\":\"50\"},"
		      "{\"code\":\"30102\",\"amount\":\"40\"},"
		      "{\"code\":\"302\",\"amount\":\"10\"}]")
		->n,
	    0);
	struct bd_audit *a = audit_doc(
	    LINES ",\"economic\":[{\"code\":\"301\",\"amount\":\"80\"},"
		  "{\"code\":\"302\",\"amount\":\"10\"}]");
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].rule, "plausibility.economic_columns");
	assert_int_equal(a->items[0].expected.fen, 90000000);
	assert_int_equal(a->items[0].actual.fen, 80000000);
	/* Unsplit lines: the table against the basic total. */
	a = audit_doc("\"expenditure\":[{\"function\":\"2010301\",\"basic\":{"
		      "\"total\":\"100\"}}],"
		      "\"economic\":[{\"code\":\"30101\",\"amount\":\"99\"}]");
	assert_int_equal(a->n, 1);
}

static void test_shifted_rows(void **state)
{
	(void)state;
	struct bd_audit *a =
	    audit_doc("\"expenditure\":[{\"function\":\"2010301\",\"basic\":{"
		      "\"wages\":\"90\"}},"
		      "{\"function\":\"2210201\",\"name\":\"住房公积金\","
		      "\"basic\":{\"goods\":\"8\"}}]");
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].rule, "plausibility.shifted_row");
	assert_string_equal(a->items[0].path, "expenditure[1]");
	a = audit_doc("\"expenditure\":[{\"function\":\"2010301\",\"basic\":{"
		      "\"goods\":\"90\"}},"
		      "{\"function\":\"2080505\",\"basic\":{\"wages\":\"0\","
		      "\"goods\":\"8\"}}]");
	assert_non_null(mock_find(a, "plausibility.no_personnel", NULL));
}

static void test_samples(void **state)
{
	struct mock_submission ms;
	struct bd_audit *a = calloc(1, sizeof *a);
	(void)state;
	assert_int_equal(mock_submission_load(&ms, "fengquan-116001-2023.json"),
			 0);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, a), 0);
	mock_submission_free(&ms);
	/* The sample: one project whose indicator contradicts its amount. */
	assert_int_equal(a->n, 1);
	assert_string_equal(a->items[0].path,
			    "projects[3].indicators[0].value");
	memset(a, 0, sizeof *a);
	assert_int_equal(mock_submission_load(&ms, "putuo-wanli-2025.json"), 0);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, a), 0);
	mock_submission_free(&ms);
	assert_int_equal(a->n, 0);
	free(a);
}

static void test_config(void **state)
{
	static const char *const bad[] = {"total_change_percent=much", NULL};
	static const char *const tight[] = {"total_change_percent=5", NULL};
	(void)state;
	mock_plugin_unload(&plugin);
	assert_true(mock_plugin_load(&plugin, "plausibility", bad) < 0);
	mock_plugin_unload(&plugin);
	assert_int_equal(mock_plugin_load(&plugin, "plausibility", tight), 0);
	assert_int_equal(
	    audit_doc(LINES ",\"previous_year\":{\"total\":\"90\"}")->n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cost_indicators, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_year_on_year, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_economic_table, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_shifted_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
