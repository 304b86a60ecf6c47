#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

/* Every byte from 1 to 255 (UTF-8 pieces included) goes in and the
 * parsed JSON gives back exactly the same string. */
static void test_string_round_trip(void **state)
{
	char all[256];
	(void)state;
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	/* cJSON reads bytes >= 0x80 as they are, so the check is exact. */
	struct json_text t = {0};
	json_text_raw(&t, "[");
	json_text_string(&t, all);
	json_text_raw(&t, ",");
	json_text_string(&t, "");
	json_text_raw(&t, ",");
	json_text_string(&t, "单位\"甲\"\\n");
	json_text_raw(&t, "]");
	assert_false(t.failed);
	assert_int_equal(t.len, strlen(t.buf));
	cJSON *a = cJSON_Parse(t.buf);
	assert_non_null(a);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, all);
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "");
	assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring,
			    "单位\"甲\"\\n");
	cJSON_Delete(a);
	/* Controls are written as \u00XX, quotes and backslashes escaped. */
	t.len = 0;
	json_text_string(&t, "\x01\x1f\"\\");
	assert_string_equal(t.buf, "\"\\u0001\\u001f\\\"\\\\\"");
	json_text_free(&t);
	assert_null(t.buf);
	assert_int_equal(t.len, 0);
}

/* A piece of a longer text: exactly its n bytes, a NUL among them
 * escaped rather than ending it. */
static void test_string_of_n_bytes(void **state)
{
	(void)state;
	struct json_text t = {0};
	json_text_string_n(&t, "function:201*,221*", 13);
	json_text_raw(&t, " ");
	json_text_string_n(&t, "a\0b\"", 4);
	json_text_raw(&t, " ");
	json_text_string_n(&t, "xyz", 0);
	assert_false(t.failed);
	assert_string_equal(t.buf, "\"function:201*\" \"a\\u0000b\\\"\" \"\"");
	json_text_free(&t);
}

/* A string longer than the piece json_text_string_n escapes at a time,
 * with escapes on both sides of each piece's end, reads back whole. */
static void test_long_string_in_pieces(void **state)
{
	enum { LEN = 5000 };
	char *s = malloc(LEN + 1);
	(void)state;
	for (int i = 0; i < LEN; i++)
		s[i] = i % 97 == 0    ? '"'
		       : i % 101 == 0 ? '\n'
				      : (char)('a' + i % 26);
	s[1023] = s[1024] = s[2047] = '\\';
	s[LEN] = '\0';
	struct json_text t = {0};
	json_text_string_n(&t, s, LEN);
	assert_false(t.failed);
	assert_int_equal(t.len, strlen(t.buf));
	cJSON *back = cJSON_Parse(t.buf);
	assert_non_null(back);
	assert_string_equal(back->valuestring, s);
	cJSON_Delete(back);
	json_text_free(&t);
	free(s);
}

/* Text written straight into a claimed buffer: what is committed stays,
 * what is not is dropped, and the text stays NUL-terminated. */
static void test_claim_and_commit(void **state)
{
	struct json_text t = {0};
	(void)state;
	json_text_raw(&t, "[");
	char *out = json_text_claim(&t, 6 * 4 + 2);
	assert_non_null(out);
	out[0] = '"';
	size_t n = 1 + json_escape(out + 1, "a\"\x01\\", 4);
	out[n++] = '"';
	assert_int_equal(n, 2 + 1 + 2 + 6 + 2);
	json_text_commit(&t, n);
	out = json_text_claim(&t, 100);
	assert_non_null(out);
	memcpy(out, ",garbage", 8);
	json_text_commit(&t, 0);
	json_text_raw(&t, "]");
	assert_false(t.failed);
	assert_string_equal(t.buf, "[\"a\\\"\\u0001\\\\\"]");
	/* A claim past memory fails the text, as any append does. */
	assert_null(json_text_claim(&t, SIZE_MAX / 2));
	assert_true(t.failed);
	json_text_commit(&t, 5);
	json_text_free(&t);
}

static void test_integers_at_the_edges(void **state)
{
	static const int64_t values[] = {
	    0,	       -1,	  1,	     9,		10,	      -10,
	    INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MIN + 1};
	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct json_text t = {0};
		char expect[32];
		json_text_int(&t, values[i]);
		snprintf(expect, sizeof expect, "%lld", (long long)values[i]);
		assert_string_equal(t.buf, expect);
		json_text_free(&t);
	}
}

/* Appends across the first buffer's end and many doublings keep every
 * byte, in order. */
static void test_growth(void **state)
{
	struct json_text t = {0};
	(void)state;
	for (int i = 0; i < 100000; i++)
		json_text_int(&t, i % 10);
	assert_false(t.failed);
	assert_int_equal(t.len, 100000);
	assert_true(t.cap > t.len);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(t.buf[i], '0' + i % 10);
	assert_int_equal(t.buf[t.len], '\0');
	json_text_free(&t);
}

/* A cJSON tree printed by json_text_cjson reads back equal to itself,
 * and where cJSON's printf would give the same digits the text is
 * byte for byte cJSON's own. */
static void assert_prints_like_cjson(const char *json, bool same_bytes)
{
	cJSON *tree = cJSON_Parse(json);
	assert_non_null(tree);
	struct json_text t = {0};
	json_text_cjson(&t, tree);
	assert_false(t.failed);
	cJSON *back = cJSON_Parse(t.buf);
	if (back == NULL)
		fail_msg("printed text does not parse: %s", t.buf);
	assert_true(cJSON_Compare(tree, back, true));
	char *theirs = cJSON_PrintUnformatted(tree);
	if (same_bytes)
		assert_string_equal(t.buf, theirs);
	free(theirs);
	cJSON_Delete(back);
	cJSON_Delete(tree);
	json_text_free(&t);
}

static void test_cjson_trees(void **state)
{
	(void)state;
	assert_prints_like_cjson("{}", true);
	assert_prints_like_cjson("[]", true);
	assert_prints_like_cjson(
	    "{\"ok\":true,\"rows\":[{\"key\":{\"department\":\"057001\"},"
	    "\"amount\":\"12.30\",\"departments\":3}],\"row_count\":1,"
	    "\"none\":null,\"no\":false,\"nested\":[[1,[2,[]]],{\"a\":{}}]}",
	    true);
	/* Integral numbers as cJSON writes them; at the edges of a double's
	 * exact integers cJSON's 15 digits lose the last ones
	 * (9.00719925474099e+15), which these keep. */
	assert_prints_like_cjson("[0,-1,2024,1e3,-123456789012345]", true);
	assert_prints_like_cjson("[9007199254740991,-9007199254740991]", false);
	assert_prints_like_cjson("[0.1,0.30000000000000004,-2.5,1e-7,"
				 "123456.789,1e300,9007199254740993]",
				 false);
	/* Strings: UTF-8 as it is, quotes and backslashes escaped. */
	assert_prints_like_cjson("{\"名称\":\"丰泉区\\\"财政局\\\"\\\\\"}",
				 true);
	assert_prints_like_cjson("[\"a\\nb\\t\\u0001\"]", false);
	/* A raw item goes out as it is; a NULL tree as null. */
	cJSON *raw = cJSON_CreateObject();
	cJSON_AddRawToObject(raw, "findings", "[{\"rule\":\"x\"}]");
	struct json_text t = {0};
	json_text_cjson(&t, raw);
	assert_string_equal(t.buf, "{\"findings\":[{\"rule\":\"x\"}]}");
	json_text_free(&t);
	json_text_cjson(&t, NULL);
	assert_string_equal(t.buf, "null");
	json_text_free(&t);
	/* The same as a string of its own, what cJSON_PrintUnformatted
	 * returned to the daemon's other printers. */
	char *own = json_text_print(raw);
	assert_string_equal(own, "{\"findings\":[{\"rule\":\"x\"}]}");
	free(own);
	own = json_text_print(NULL);
	assert_string_equal(own, "null");
	free(own);
	cJSON_Delete(raw);
}

/* Raw members become trees for a reader in the same process, in their
 * place; the rest is untouched. */
static void test_expand_raw_members(void **state)
{
	(void)state;
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddStringToObject(reply, "unit", "元");
	cJSON_AddRawToObject(reply, "rows",
			     "[{\"key\":{\"department\":\"057001\"},"
			     "\"amount\":\"12.30\"}]");
	cJSON_AddNumberToObject(reply, "row_count", 1);
	cJSON_AddRawToObject(reply, "empty", "[]");
	char *before = json_text_print(reply);
	assert_int_equal(json_text_expand(reply), 0);
	const cJSON *rows = cJSON_GetObjectItem(reply, "rows");
	assert_true(cJSON_IsArray(rows));
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "amount")
		->valuestring,
	    "12.30");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(reply, "empty")));
	/* Printed again, the same text: the members kept their places. */
	char *after = json_text_print(reply);
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(json_text_expand(NULL), 0);
	cJSON_Delete(reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_string_round_trip),
	    cmocka_unit_test(test_string_of_n_bytes),
	    cmocka_unit_test(test_long_string_in_pieces),
	    cmocka_unit_test(test_claim_and_commit),
	    cmocka_unit_test(test_integers_at_the_edges),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_cjson_trees),
	    cmocka_unit_test(test_expand_raw_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
