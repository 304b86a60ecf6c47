#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_mock.h"
#include "model.h"

/* A minimal valid document; tests splice one key into it. */
#define HEAD                                                                   \
	"{\"format\":\"budget-submission/1\",\"year\":2024,\"unit\":\"元\","
#define DEPT                                                                     \
	"\"department\":{\"code\":\"116001\",\"name\":\"测试局\",\"parent\":" \
	"\"116\"},"
#define INCOME "\"income\":{\"general_budget\":\"100\"},"
#define LINE                                                                   \
	"{\"function\":\"2010301\",\"name\":\"行政运行\",\"basic\":{"      \
	"\"wages\":\"60\",\"goods\":\"40\"},\"total\":\"100\"}"
#define EXPENDITURE "\"expenditure\":[" LINE "]"

struct parsed {
	struct arena arena;
	struct bd_submission *s;
	struct model_problems problems;
	int rc;
};

static void parse(struct parsed *p, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	if (doc == NULL)
		fail_msg("test JSON does not parse: %s", json);
	arena_init(&p->arena);
	p->rc = model_parse(doc, &p->arena, &p->s, &p->problems);
	cJSON_Delete(doc);
}

static void release(struct parsed *p)
{
	arena_release(&p->arena);
}

/* Asserts one error at `path` whose message contains `words`. */
static void expect_error(const char *json, const char *path, const char *words)
{
	struct parsed p;
	parse(&p, json);
	assert_int_equal(p.rc, -EINVAL);
	assert_null(p.s);
	for (size_t i = 0; i < p.problems.n; i++) {
		const struct model_problem *pr = &p.problems.items[i];
		if (pr->is_error && strcmp(pr->path, path) == 0 &&
		    strstr(pr->message, words) != NULL) {
			release(&p);
			return;
		}
	}
	for (size_t i = 0; i < p.problems.n; i++)
		fprintf(stderr, "  got %s: %s\n", p.problems.items[i].path,
			p.problems.items[i].message);
	release(&p);
	fail_msg("no error at %s mentioning \"%s\"", path, words);
}

static void test_sample_parses(void **state)
{
	struct mock_submission ms;
	(void)state;
	assert_int_equal(mock_submission_load(&ms, "fengquan-116001-2023.json"),
			 0);
	const struct bd_submission *s = ms.s;
	assert_int_equal(s->year, 2023);
	assert_int_equal(s->unit, BD_UNIT_WANYUAN);
	assert_string_equal(s->department.code, "116001");
	assert_string_equal(s->department.parent, "116");
	assert_int_equal(s->income[BD_SOURCE_GENERAL_BUDGET].fen, 232310000LL);
	assert_int_equal(s->n_lines, 6);
	assert_string_equal(s->lines[0].function, "2010301");
	assert_int_equal(s->lines[0].column[BD_COL_WAGES], 62540000LL);
	assert_int_equal(s->lines[0].column[BD_COL_GOODS], 2600000LL);
	assert_true(s->lines[0].basic_split);
	assert_int_equal(s->lines[2].column[BD_COL_OPERATING], 65620000LL);
	assert_int_equal(s->lines[2].column[BD_COL_TARGETED], 56480000LL);
	assert_int_equal(s->n_projects, 7);
	assert_int_equal(s->projects[5].total.fen, 40800000LL);
	assert_int_equal(s->projects[5].n_indicators, 4);
	assert_int_equal(s->projects[5].indicators[0].category,
			 BD_INDICATOR_COST);
	assert_true(s->three_public.present);
	assert_int_equal(s->stated.n_expenditure_by_class, 3);
	assert_int_equal(s->stated.appropriation.income_total.fen, 235930000LL);
	assert_int_equal(s->previous_year_total.fen, 252970000LL);
	bd_fen total = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		total += bd_line_total(&s->lines[i]);
	assert_int_equal(total, 232310000LL);
	mock_submission_free(&ms);
}

static void test_unsplit_subtotals(void **state)
{
	struct mock_submission ms;
	(void)state;
	assert_int_equal(mock_submission_load(&ms, "putuo-wanli-2025.json"), 0);
	const struct bd_line *l = &ms.s->lines[0];
	assert_false(l->basic_split);
	assert_int_equal(l->column[BD_COL_BASIC_UNSPLIT] +
			     l->column[BD_COL_PROJECT_UNSPLIT],
			 bd_line_total(l));
	assert_int_equal(ms.s->n_lines, 33);
	assert_int_equal(ms.s->three_public.total.fen, 37910000LL);
	mock_submission_free(&ms);
}

static void test_blank_cells(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, HEAD DEPT INCOME "\"expenditure\":[{\"function\":\"2010301\","
				   "\"basic\":{\"wages\":\"\",\"goods\":null,"
				   "\"family\":5},\"total\":\"5\"}]}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s->lines[0].column[BD_COL_WAGES], 0);
	assert_int_equal(p.s->lines[0].column[BD_COL_FAMILY], 500);
	assert_int_equal(p.s->lines[0].source, BD_SOURCE_GENERAL_BUDGET);
	release(&p);
}

/* The printed precision: the finest decimals of the document's amounts,
 * and the 三公 table's own, in its own unit where it has one. */
static void test_printed_precision(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, HEAD DEPT INCOME EXPENDITURE "}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s->amount_step, 100); /* whole 元 */
	assert_int_equal(p.s->three_public_step, 100);
	release(&p);
	parse(&p, HEAD DEPT
	      "\"income\":{\"general_budget\":\"100.50\"}," EXPENDITURE
	      ",\"three_public\":{\"unit\":\"万元\","
	      "\"reception\":\"0.73\",\"total\":\"0.73\"}}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s->amount_step, 1);
	assert_int_equal(p.s->three_public_step, 10000); /* 0.01 万元 */
	assert_int_equal(p.s->three_public.reception.fen, 730000);
	release(&p);
	/* A JSON number has no printed form: its own fewest decimals. */
	parse(&p, "{\"format\":\"budget-submission/1\",\"year\":2024,"
		  "\"unit\":\"万元\"," DEPT INCOME EXPENDITURE
		  ",\"three_public\":{\"reception\":6.4}}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s->amount_step, 1000000); /* whole 万元 */
	assert_int_equal(p.s->three_public_step, 100000);
	release(&p);
	expect_error(HEAD DEPT INCOME EXPENDITURE
		     ",\"three_public\":{\"unit\":\"千元\"}}",
		     "three_public.unit", "元");
	/* The balance rows. */
	parse(&p, HEAD DEPT INCOME EXPENDITURE
	      ",\"stated\":{\"balance_used\":\"5\",\"carry_forward\":\"7\"}}");
	assert_int_equal(p.rc, 0);
	assert_true(p.s->balance_used.present);
	assert_int_equal(p.s->balance_used.fen, 500);
	assert_int_equal(p.s->carry_forward.fen, 700);
	release(&p);
}

static void test_format_errors(void **state)
{
	(void)state;
	expect_error("{\"year\":2024}", "format",
		     "required \"format\" is missing");
	expect_error("{\"format\":\"budget-submission/2\"}", "format",
		     "unsupported format \"budget-submission/2\"");
	expect_error("{\"format\":1}", "format", "unsupported format a number");
	expect_error("[1,2]", "$", "expected a budget-submission/1 document");
}

static void test_header_errors(void **state)
{
	(void)state;
	expect_error(
	    "{\"format\":\"budget-submission/1\",\"unit\":\"元\"," DEPT INCOME
		EXPENDITURE "}",
	    "year", "required integer \"year\" is missing");
	expect_error(
	    "{\"format\":\"budget-submission/"
	    "1\",\"year\":1999,\"unit\":\"元\"," DEPT INCOME EXPENDITURE "}",
	    "year", "between 2000 and 2100, got 1999");
	expect_error(
	    "{\"format\":\"budget-submission/"
	    "1\",\"year\":\"2024\",\"unit\":\"元\"," DEPT INCOME EXPENDITURE
	    "}",
	    "year", "expected an integer fiscal year, got a string");
	expect_error(
	    "{\"format\":\"budget-submission/"
	    "1\",\"year\":2024.5,\"unit\":\"元\"," DEPT INCOME EXPENDITURE "}",
	    "year", "integer");
	expect_error(
	    "{\"format\":\"budget-submission/"
	    "1\",\"year\":2024,\"unit\":\"千元\"," DEPT INCOME EXPENDITURE "}",
	    "unit", "unit must be \"元\" or \"万元\", got \"千元\"");
	expect_error(HEAD
		     "\"department\":{\"code\":\"12\",\"name\":\"x\"}," INCOME
			 EXPENDITURE "}",
		     "department.code", "3 to 12 digits, got \"12\"");
	expect_error(
	    HEAD "\"department\":{\"code\":116001,\"name\":\"x\"}," INCOME
		EXPENDITURE "}",
	    "department.code", "must be a string of digits, got a number");
	expect_error(
	    HEAD "\"department\":{\"code\":\"116001\"}," INCOME EXPENDITURE "}",
	    "department.name", "required string \"name\" is missing");
	expect_error(HEAD DEPT EXPENDITURE "}", "income",
		     "required object \"income\"");
	expect_error(HEAD DEPT "\"income\":{}}", "expenditure",
		     "required array \"expenditure\" is missing");
	expect_error(HEAD DEPT INCOME "\"expenditure\":{}}", "expenditure",
		     "expected an array, got an object");
}

/* Lines of many functions and sources: a pair seen twice, however far
 * apart and among however many others, is named with its first place;
 * the same function under another source is no duplicate. */
static void test_duplicate_lines_among_many(void **state)
{
	static const char *const sources[] = {"general_budget", "fund_budget",
					      "business"};
	(void)state;
	size_t size = 64 * 1024, len = 0;
	char *json = malloc(size);
	assert_non_null(json);
	len += (size_t)snprintf(json + len, size - len, "%s",
				HEAD DEPT INCOME "\"expenditure\":[");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(
		    json + len, size - len,
		    "%s{\"function\":\"2%02d%02d%02d\",\"source\":\"%s\","
		    "\"basic\":{\"wages\":\"1\"},\"total\":\"1\"}",
		    i ? "," : "", 1 + i / 100 % 30, i / 3 % 100, i % 7,
		    sources[i % 3]);
	/* Line 300 repeats line 37's function and source. */
	len += (size_t)snprintf(
	    json + len, size - len,
	    ",{\"function\":\"2%02d%02d%02d\",\"source\":\"%s\","
	    "\"basic\":{\"wages\":\"1\"},\"total\":\"1\"}]}",
	    1 + 37 / 100 % 30, 37 / 3 % 100, 37 % 7, sources[37 % 3]);
	assert_true(len < size);
	expect_error(json, "expenditure[300]",
		     "already appears at expenditure[37]");
	/* Without the repeat, no line is a duplicate. */
	char *end = strstr(json, ",{\"function\":\"201120");
	while (end != NULL && strstr(end + 1, ",{\"function\":\"201120"))
		end = strstr(end + 1, ",{\"function\":\"201120");
	assert_non_null(end);
	memcpy(end, "]}", 3);
	struct parsed p;
	parse(&p, json);
	for (size_t i = 0; i < p.problems.n; i++)
		assert_null(
		    strstr(p.problems.items[i].message, "already appears"));
	assert_int_equal(p.s->n_lines, 300);
	release(&p);
	free(json);
}

static void test_amount_errors(void **state)
{
	(void)state;
	expect_error(HEAD DEPT
		     "\"income\":{\"general_budget\":\"1.234\"}," EXPENDITURE
		     "}",
		     "income.general_budget", "more than 2 decimals for 元");
	expect_error(HEAD DEPT
		     "\"income\":{\"general_budget\":\"-1\"}," EXPENDITURE "}",
		     "income.general_budget", "must not be negative");
	expect_error(HEAD DEPT
		     "\"income\":{\"general_budget\":true}," EXPENDITURE "}",
		     "income.general_budget", "got a boolean");
	expect_error(HEAD DEPT
		     "\"income\":{\"general_budget\":\"1 234.50\"}," EXPENDITURE
		     "}",
		     "income.general_budget", "not a plain decimal");
	expect_error(HEAD DEPT "\"income\":{\"salary\":\"1\"}," EXPENDITURE "}",
		     "income.salary", "unknown source \"salary\"");
	expect_error(HEAD DEPT INCOME "\"expenditure\":[" LINE
				      ",{\"function\":\"2010302\","
				      "\"basic\":{\"wages\":\"1.001\"}}]}",
		     "expenditure[1].basic.wages", "more than 2 decimals");
	expect_error(
	    HEAD DEPT INCOME "\"expenditure\":[{\"function\":\"201030\"}]}",
	    "expenditure[0].function", "must be 7 digits, got \"201030\"");
	expect_error(HEAD DEPT INCOME
		     "\"expenditure\":[{\"function\":\"2010301\","
		     "\"source\":\"carryover\"}]}",
		     "expenditure[0].source", "income source only");
	expect_error(HEAD DEPT INCOME "\"expenditure\":[" LINE "," LINE "]}",
		     "expenditure[1]", "already appears at expenditure[0]");
	expect_error(HEAD DEPT INCOME "\"expenditure\":[7]}", "expenditure[0]",
		     "expected an expenditure line (an object), got a number");
	expect_error(HEAD DEPT INCOME EXPENDITURE
		     ",\"projects\":[{\"name\":\"p\","
		     "\"kind\":\"capital\"}]}",
		     "projects[0].kind", "unknown project kind \"capital\"");
	expect_error(HEAD DEPT INCOME EXPENDITURE
		     ",\"projects\":[{\"name\":\"p\","
		     "\"indicators\":[{\"category\":\"quality\"}]}]}",
		     "projects[0].indicators[0].category",
		     "unknown indicator category");
	expect_error(HEAD DEPT INCOME EXPENDITURE
		     ",\"economic\":[{\"code\":\"3010\","
		     "\"amount\":\"1\"}]}",
		     "economic[0].code", "3 (类) or 5 (款) digits");
	expect_error(HEAD DEPT INCOME EXPENDITURE
		     ",\"stated\":{\"expenditure_by_class\":"
		     "{\"2010\":\"1\"}}}",
		     "stated.expenditure_by_class.2010", "3-digit");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error(HEAD DEPT "\"income\":{\"general_budget\":\"1\",\"general_"
			       "budget\":\"2\"}," EXPENDITURE "}",
		     "income.general_budget", "duplicate key");
}

static void test_unknown_key_is_warning(void **state)
{
	struct parsed p;
	(void)state;
	parse(&p, HEAD DEPT INCOME EXPENDITURE ",\"remarks\":\"x\"}");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.problems.n_errors, 0);
	assert_int_equal(p.problems.n, 1);
	assert_false(p.problems.items[0].is_error);
	assert_string_equal(p.problems.items[0].path, "remarks");
	release(&p);
}

static void test_sum_overflow(void **state)
{
	/* Each amount is legal; together they would overflow bd_fen. */
	char json[8192];
	size_t n = (size_t)snprintf(json, sizeof json,
				    HEAD DEPT INCOME "\"expenditure\":[");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(
		    json + n, sizeof json - n,
		    "%s{\"function\":\"20103%02d\",\"basic\":{\"wages\":"
		    "\"9000000000000000\"}}",
		    i ? "," : "", i + 1);
	snprintf(json + n, sizeof json - n, "]}");
	(void)state;
	expect_error(json, "$", "add up to more than can be represented");
}

static void test_problem_cap(void **state)
{
	char *json = malloc(200000);
	size_t n = (size_t)sprintf(json, HEAD DEPT INCOME "\"expenditure\":[");
	(void)state;
	for (int i = 0; i < 500; i++)
		n += (size_t)sprintf(json + n, "%s{\"function\":\"x\"}",
				     i ? "," : "");
	sprintf(json + n, "]}");
	struct parsed p;
	parse(&p, json);
	assert_int_equal(p.rc, -EINVAL);
	assert_int_equal(p.problems.n, MODEL_MAX_PROBLEMS);
	assert_int_equal(p.problems.n_errors, 500);
	assert_int_equal(p.problems.n_dropped, 500 - MODEL_MAX_PROBLEMS);
	release(&p);
	free(json);
}

/* model_parse_json / model_parse_brief: the verdict and the first error,
 * for the callers that do not list every problem. */
static void test_brief_verdicts(void **state)
{
	(void)state;
	struct arena arena;
	struct bd_submission *s = (struct bd_submission *)1;
	char why[200];
	arena_init(&arena);
	const char *not_json = "{\"format\":";
	assert_int_equal(model_parse_json(not_json, strlen(not_json), &arena,
					  &s, why, sizeof why),
			 -EINVAL);
	assert_null(s);
	assert_string_equal(why, "not valid JSON");
	/* The first error, with its path; a warning before it is passed. */
	const char *bad =
	    HEAD DEPT "\"colour\":1," INCOME
		      "\"expenditure\":[{\"function\":\"20103\"}]}";
	assert_int_equal(
	    model_parse_json(bad, strlen(bad), &arena, &s, why, sizeof why),
	    -EINVAL);
	assert_non_null(strstr(why, "expenditure[0].function: "));
	const char *good = HEAD DEPT INCOME EXPENDITURE "}";
	assert_int_equal(
	    model_parse_json(good, strlen(good), &arena, &s, NULL, 0), 0);
	assert_non_null(s);
	assert_int_equal(s->n_lines, 1);
	/* A stored document's members are not checked again: a duplicate
	 * key refuses it from a sender, not from the store (which could not
	 * hold it), and reads the same otherwise. */
	const char *twice =
	    HEAD DEPT INCOME "\"colour\":1," EXPENDITURE ",\"year\":2024}";
	cJSON *doc = cJSON_Parse(twice);
	assert_non_null(doc);
	assert_int_equal(model_parse_brief(doc, &arena, &s, why, sizeof why),
			 -EINVAL);
	assert_non_null(strstr(why, "duplicate key \"year\""));
	cJSON_Delete(doc);
	assert_int_equal(
	    model_parse_json(twice, strlen(twice), &arena, &s, why, sizeof why),
	    0);
	assert_int_equal(s->year, 2024);
	assert_int_equal(s->n_lines, 1);
	assert_int_equal(s->lines[0].column[BD_COL_WAGES], 6000);
	arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_parses),
	    cmocka_unit_test(test_unsplit_subtotals),
	    cmocka_unit_test(test_blank_cells),
	    cmocka_unit_test(test_printed_precision),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_amount_errors),
	    cmocka_unit_test(test_duplicate_lines_among_many),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_unknown_key_is_warning),
	    cmocka_unit_test(test_sum_overflow),
	    cmocka_unit_test(test_problem_cap),
	    cmocka_unit_test(test_brief_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
