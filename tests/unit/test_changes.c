#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"

static const char *member(const cJSON *change, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(change, name);
	assert_true(cJSON_IsString(m));
	return m->valuestring;
}

/* Written and read back: every change, in order, with its delta, in the
 * unit asked; runs of a year and dimension share one group. */
static void test_round_trip(void **state)
{
	(void)state;
	const struct bd_total_change moved[] = {
	    {2025, "total", "", 0, 232310000},
	    {2025, "function:class", "201", 0, 123450},
	    {2025, "function:class", "208", 10000, 9960000},
	    {2025, "department", "116001", 232310000, 232300000},
	    {2024, "department", "116001", 5, -5},
	    {2025, "function:class", "221", 100, 0},
	};
	size_t n = sizeof moved / sizeof moved[0];
	char *stored = changes_encode(moved, n);
	assert_non_null(stored);
	assert_string_equal(
	    stored, "[[2025,\"total\",\"\",\"0\",\"232310000\"],"
		    "[2025,\"function:class\",\"201\",\"0\",\"123450\","
		    "\"208\",\"10000\",\"9960000\"],"
		    "[2025,\"department\",\"116001\",\"232310000\","
		    "\"232300000\"],[2024,\"department\",\"116001\",\"5\","
		    "\"-5\"],[2025,\"function:class\",\"221\",\"100\",\"0\"]]");
	const char *why = NULL;
	cJSON *out = changes_decode(stored, BD_UNIT_YUAN, &why);
	assert_non_null(out);
	assert_int_equal(cJSON_GetArraySize(out), (int)n);
	for (size_t i = 0; i < n; i++) {
		const cJSON *c = cJSON_GetArrayItem(out, (int)i);
		assert_int_equal(
		    cJSON_GetObjectItemCaseSensitive(c, "year")->valueint,
		    moved[i].year);
		assert_string_equal(member(c, "dimension"), moved[i].dimension);
		assert_string_equal(member(c, "key"), moved[i].key);
	}
	const cJSON *c = cJSON_GetArrayItem(out, 3);
	assert_string_equal(member(c, "before"), "2323100.00");
	assert_string_equal(member(c, "after"), "2323000.00");
	assert_string_equal(member(c, "delta"), "-100.00");
	c = cJSON_GetArrayItem(out, 4);
	assert_string_equal(member(c, "after"), "-0.05");
	assert_string_equal(member(c, "delta"), "-0.10");
	cJSON_Delete(out);
	/* In 万元, as the publisher sends by default. */
	out = changes_decode(stored, BD_UNIT_WANYUAN, &why);
	assert_string_equal(member(cJSON_GetArrayItem(out, 0), "after"),
			    "232.31");
	cJSON_Delete(out);
	free(stored);
	/* Nothing moved. */
	stored = changes_encode(NULL, 0);
	assert_string_equal(stored, "[]");
	out = changes_decode(stored, BD_UNIT_YUAN, &why);
	assert_int_equal(cJSON_GetArraySize(out), 0);
	cJSON_Delete(out);
	free(stored);
}

/* The largest amount budgetd holds, and its negative, exactly: a JSON
 * number would have come back through a double. */
static void test_amounts_at_the_edges(void **state)
{
	(void)state;
	const struct bd_total_change moved[] = {
	    {2025, "total", "", -BD_FEN_LIMIT, BD_FEN_LIMIT},
	    {2025, "total", "", 9007199254740993LL, 9007199254740992LL},
	};
	char *stored = changes_encode(moved, 2);
	const char *why = NULL;
	cJSON *out = changes_decode(stored, BD_UNIT_YUAN, &why);
	assert_non_null(out);
	const cJSON *c = cJSON_GetArrayItem(out, 0);
	assert_string_equal(member(c, "before"), "-9000000000000000.00");
	assert_string_equal(member(c, "after"), "9000000000000000.00");
	c = cJSON_GetArrayItem(out, 1);
	assert_string_equal(member(c, "before"), "90071992547409.93");
	assert_string_equal(member(c, "after"), "90071992547409.92");
	assert_string_equal(member(c, "delta"), "-0.01");
	cJSON_Delete(out);
	free(stored);
	/* Past the limit, or not whole 分: left out, not guessed. */
	out = changes_decode("[[2025,\"total\",\"\",\"0\","
			     "\"9000000000000000001\",\"x\",\"1.5\",\"2\","
			     "\"y\",\"1\",\"2\"]]",
			     BD_UNIT_YUAN, &why);
	assert_int_equal(cJSON_GetArraySize(out), 1);
	assert_string_equal(member(cJSON_GetArrayItem(out, 0), "key"), "y");
	cJSON_Delete(out);
}

/* Keys and dimensions are JSON strings: quotes and backslashes survive. */
static void test_strings_escaped(void **state)
{
	(void)state;
	const struct bd_total_change moved[] = {
	    {2025, "source", "a \"quoted\" \\ key", 1, 2},
	};
	char *stored = changes_encode(moved, 1);
	const char *why = NULL;
	cJSON *out = changes_decode(stored, BD_UNIT_YUAN, &why);
	assert_string_equal(member(cJSON_GetArrayItem(out, 0), "key"),
			    "a \"quoted\" \\ key");
	cJSON_Delete(out);
	free(stored);
}

/* Rows written before the compact form (objects, amounts in 元) read the
 * same; text budgetd did not write is refused with a reason. */
static void test_first_form_and_refusals(void **state)
{
	(void)state;
	const char *why = NULL;
	cJSON *out = changes_decode(
	    "[{\"year\":2023,\"dimension\":\"function:class\",\"key\":\"201\","
	    "\"before\":\"0.00\",\"after\":\"22338.00\"},{\"year\":2023}]",
	    BD_UNIT_WANYUAN, &why);
	assert_non_null(out);
	assert_int_equal(cJSON_GetArraySize(out), 1);
	const cJSON *c = cJSON_GetArrayItem(out, 0);
	assert_string_equal(member(c, "after"), "2.2338");
	assert_string_equal(member(c, "delta"), "2.2338");
	cJSON_Delete(out);
	assert_null(changes_decode("{}", BD_UNIT_YUAN, &why));
	assert_string_equal(why, "not an array");
	assert_null(changes_decode("[", BD_UNIT_YUAN, &why));
	assert_string_equal(why, "not JSON");
	assert_null(changes_decode(NULL, BD_UNIT_YUAN, &why));
	/* In a compact group, a change whose amounts are not whole 分 as
	 * budgetd writes them is left out, not read as some amount. */
	out = changes_decode("[[2025,\"source\",\"a\",\"-\",\"5\",\"b\",\"\","
			     "\"5\",\"c\",\"1x\",\"5\",\"d\",\"5\","
			     "\"999999999999999999999\",\"e\",5,\"5\","
			     "\"f\",\"-7\",\"5\"]]",
			     BD_UNIT_YUAN, &why);
	assert_non_null(out);
	assert_int_equal(cJSON_GetArraySize(out), 1);
	c = cJSON_GetArrayItem(out, 0);
	assert_string_equal(member(c, "key"), "f");
	assert_string_equal(member(c, "before"), "-0.07");
	assert_string_equal(member(c, "delta"), "0.12");
	cJSON_Delete(out);
}

/* A revision moving a few hundred totals: the compact form is well under
 * half the first form's size. */
static void test_compact(void **state)
{
	(void)state;
	enum { N = 300 };
	struct bd_total_change moved[N];
	char keys[N][16];
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof keys[i], "%07d", 2010101 + i);
		moved[i] = (struct bd_total_change){
		    2025, i < 100 ? "function:item" : "economic:section",
		    keys[i], 12345600 + i, 22345600 + i};
	}
	char *stored = changes_encode(moved, N);
	size_t first_form = 0;
	for (int i = 0; i < N; i++)
		first_form +=
		    strlen(
			"{\"year\":2025,\"dimension\":\"\",\"key\":\"\","
			"\"before\":\"123456.00\",\"after\":\"223456.00\"},") +
		    strlen(moved[i].dimension) + strlen(moved[i].key);
	fprintf(stderr, "  %d changes: %zu bytes, %zu in the first form\n", N,
		strlen(stored), first_form);
	assert_true(strlen(stored) * 2 < first_form);
	free(stored);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_amounts_at_the_edges),
	    cmocka_unit_test(test_strings_escaped),
	    cmocka_unit_test(test_first_form_and_refusals),
	    cmocka_unit_test(test_compact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
