/* The narrative plugin through the host mock: each check with a statement
 * that agrees with the tables and one that does not. */
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
	return mock_plugin_load(&plugin, "narrative", NULL);
}

static int teardown(void **state)
{
	(void)state;
	mock_plugin_unload(&plugin);
	return 0;
}

/* A 万元 budget of 232.31: basic 110.21 (personnel 106.60, public 3.61),
 * project 122.10, last year 252.97, with one statement of the text. */
static struct bd_audit *audit_statement(const char *figures, const char *years)
{
	static struct bd_audit audit;
	char json[4096];
	struct mock_submission ms;
	snprintf(json, sizeof json,
		 "{\"format\":\"budget-submission/1\",\"year\":2023,"
		 "\"unit\":\"万元\",\"department\":{\"code\":\"900001\","
		 "\"name\":\"t\"},\"income\":{\"general_budget\":\"232.31\"},"
		 "\"expenditure\":[{\"function\":\"2010301\",\"basic\":{"
		 "\"wages\":\"106.60\",\"goods\":\"3.61\"},\"project\":{"
		 "\"operating\":\"122.10\"},\"total\":\"232.31\"}],"
		 "\"stated\":{\"expenditure_total\":\"232.31\","
		 "\"basic_total\":\"110.21\"},"
		 "\"previous_year\":{\"total\":\"252.97\"},"
		 "\"narrative\":[{\"page\":3,\"line\":82,\"text\":\"一句话。\","
		 "\"figures\":[%s],\"years\":[%s]}]}",
		 figures, years);
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(&audit, 0, sizeof audit);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, &audit), 0);
	mock_submission_free(&ms);
	for (size_t i = 0; i < audit.n; i++)
		fprintf(stderr, "  %s %s: %s\n", audit.items[i].rule,
			audit.items[i].path, audit.items[i].message);
	return &audit;
}

static const struct mock_finding *only(const struct bd_audit *a,
				       const char *rule)
{
	if (a->n != 1 || strcmp(a->items[0].rule, rule) != 0)
		fail_msg("expected exactly one %s finding, got %zu", rule,
			 a->n);
	return &a->items[0];
}

static void test_amounts(void **state)
{
	(void)state;
	assert_int_equal(
	    audit_statement("{\"quantity\":\"expenditure_grand\",\"amount\":"
			    "\"232.31\",\"unit\":\"万元\"},{\"quantity\":"
			    "\"basic_total\",\"amount\":\"110.21\"}",
			    "")
		->n,
	    0);
	/* The text's own total wrong: an error naming both figures. */
	const struct mock_finding *f =
	    only(audit_statement("{\"quantity\":\"expenditure_grand\","
				 "\"amount\":\"240.00\"}",
				 ""),
		 "narrative.amount");
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	assert_non_null(strstr(f->message, "240.00"));
	assert_non_null(strstr(f->message, "232.31"));
	assert_non_null(strstr(f->message, "page 3, line 82"));
	/* Another figure wrong: a warning. */
	assert_int_equal(only(audit_statement("{\"quantity\":\"public_total\","
					      "\"amount\":\"3.71\"}",
					      ""),
			      "narrative.amount")
			     ->severity,
			 BD_SEVERITY_WARNING);
	/* At the precision printed: 2,323,100 元 is 232.31 万元, and 232 万元
	 * (whole 万元) covers it; 7,315 元 is not 0.73 万元 of wages. */
	assert_int_equal(
	    audit_statement("{\"quantity\":\"expenditure_year\",\"amount\":"
			    "\"2323100\",\"unit\":\"元\"},{\"quantity\":"
			    "\"expenditure_year\",\"amount\":\"232\"}",
			    "")
		->n,
	    0);
	assert_int_equal(audit_statement("{\"quantity\":\"expenditure_year\","
					 "\"amount\":\"231\"}",
					 "")
			     ->n,
			 1);
	/* Cut off after the last digit, as many texts print: 232.3 for
	 * 232.31; but not 232.2. */
	assert_int_equal(audit_statement("{\"quantity\":\"expenditure_year\","
					 "\"amount\":\"232.3\"}",
					 "")
			     ->n,
			 0);
	assert_int_equal(audit_statement("{\"quantity\":\"expenditure_year\","
					 "\"amount\":\"232.2\"}",
					 "")
			     ->n,
			 1);
}

/* A sentence longer than a finding quotes is cut at a whole character. */
static void test_long_sentence_quoted_whole(void **state)
{
	(void)state;
	static struct bd_audit audit;
	char text[1200] = "", json[4096];
	for (int i = 0; i < 120; i++)
		strcat(text, i % 4 < 2 ? "a" : "年"); /* 700 is mid-年 */
	snprintf(json, sizeof json,
		 "{\"format\":\"budget-submission/1\",\"year\":2023,"
		 "\"unit\":\"万元\",\"department\":{\"code\":\"900001\","
		 "\"name\":\"t\"},\"income\":{},\"expenditure\":[],"
		 "\"narrative\":[{\"text\":\"%s%s%s\",\"years\":[{"
		 "\"year\":2021,\"role\":\"stated\"}]}]}",
		 text, text, text);
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(&audit, 0, sizeof audit);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, &audit), 0);
	mock_submission_free(&ms);
	assert_int_equal(audit.n, 1);
	const unsigned char *m = (const unsigned char *)audit.items[0].message;
	/* Every multi-byte character whole: a lead byte and its
	 * continuations. */
	for (size_t k = 0; m[k];) {
		size_t len = m[k] < 0x80    ? 1
			     : m[k] >= 0xf0 ? 4
			     : m[k] >= 0xe0 ? 3
					    : 2;
		for (size_t j = 1; j < len; j++)
			assert_int_equal(m[k + j] & 0xc0, 0x80);
		k += len;
	}
	assert_non_null(strstr(audit.items[0].message, "…"));
}

static void test_shares_and_changes(void **state)
{
	(void)state;
	/* 110.21 / 232.31 = 47.441…%: 47.44 agrees, 47.45 does not. */
	assert_int_equal(
	    audit_statement("{\"quantity\":\"basic_total\",\"amount\":"
			    "\"110.21\",\"share\":\"47.44\",\"of\":"
			    "\"expenditure_year\"}",
			    "")
		->n,
	    0);
	only(audit_statement("{\"quantity\":\"basic_total\",\"amount\":"
			     "\"110.21\",\"share\":\"47.46\",\"of\":"
			     "\"expenditure_year\"}",
			     ""),
	     "narrative.share");
	/* 232.31 − 252.97 = −20.66, −8.167%. */
	assert_int_equal(
	    audit_statement("{\"quantity\":\"expenditure_year\",\"change\":"
			    "\"-20.66\",\"percent\":\"-8.17\"}",
			    "")
		->n,
	    0);
	only(audit_statement("{\"quantity\":\"expenditure_year\",\"change\":"
			     "\"-21.66\"}",
			     ""),
	     "narrative.change");
	only(audit_statement("{\"quantity\":\"expenditure_year\",\"change\":"
			     "\"-20.66\",\"percent\":\"-9.17\"}",
			     ""),
	     "narrative.change_percent");
	/* A fund budget of 0 cannot have grown by 1421.25 (上海 2023). */
	only(audit_statement("{\"quantity\":\"fund_expenditure\",\"change\":"
			     "\"1421.25\"}",
			     ""),
	     "narrative.change");
}

static void test_years(void **state)
{
	(void)state;
	assert_int_equal(
	    audit_statement("", "{\"year\":2023,\"role\":\"stated\"},{"
				"\"year\":2022,\"role\":\"compared\"},{"
				"\"year\":2022,\"role\":\"period_end\"}")
		->n,
	    0);
	/* The sample's fund-budget note: 2022 in a 2023 budget. */
	const struct mock_finding *f =
	    only(audit_statement("", "{\"year\":2022,\"role\":\"stated\"}"),
		 "narrative.year");
	assert_non_null(strstr(f->message, "2022"));
	/* A budget compared with its own year. */
	only(audit_statement("", "{\"year\":2023,\"role\":\"compared\"}"),
	     "narrative.year_compared");
}

static void test_three_public_parts(void **state)
{
	(void)state;
	static const char parts[] =
	    "{\"quantity\":\"three_public.total\",\"amount\":\"%s\"},"
	    "{\"quantity\":\"three_public.overseas\",\"amount\":\"0\"},"
	    "{\"quantity\":\"three_public.reception\",\"amount\":\"1.35\"},"
	    "{\"quantity\":\"three_public.vehicles\",\"amount\":\"21.56\"}";
	char figures[512];
	snprintf(figures, sizeof figures, parts, "22.91");
	assert_int_equal(audit_statement(figures, "")->n, 0);
	snprintf(figures, sizeof figures, parts, "23.91");
	only(audit_statement(figures, ""), "narrative.three_public_parts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_amounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shares_and_changes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_years, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_sentence_quoted_whole,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_three_public_parts, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
