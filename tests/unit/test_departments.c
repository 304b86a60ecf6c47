/* The departments op's list indexed by code (export/departments.c): each
 * code finds its own object, the first of a repeated code wins as a
 * search would, a code not listed and an entry without a code are
 * nothing, and 10,000 entries are all found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "departments.h"

static const char *name_of(const struct departments *ds, const char *code)
{
	const cJSON *d = departments_get(ds, code);
	return d ? cJSON_GetStringValue(cJSON_GetObjectItem(d, "name")) : NULL;
}

static void test_codes_find_their_entries(void **state)
{
	(void)state;
	cJSON *list = cJSON_Parse(
	    "[{\"code\":\"116001\",\"name\":\"丰泉\",\"parent\":\"116\"},"
	    "{\"name\":\"no code\"},"
	    "{\"code\":\"215001\",\"name\":\"万里\"},"
	    "{\"code\":\"116001\",\"name\":\"a later copy\"}]");
	struct departments ds;
	assert_int_equal(departments_index(&ds, list), 0);
	assert_int_equal(ds.n, 2);
	assert_string_equal(name_of(&ds, "116001"), "丰泉");
	assert_string_equal(name_of(&ds, "215001"), "万里");
	assert_null(departments_get(&ds, "999999"));
	assert_null(departments_get(&ds, ""));
	departments_free(&ds);
	cJSON_Delete(list);
}

static void test_ten_thousand(void **state)
{
	(void)state;
	cJSON *list = cJSON_CreateArray();
	char code[16];
	for (int i = 0; i < 10000; i++) {
		cJSON *d = cJSON_CreateObject();
		snprintf(code, sizeof code, "%d", 300000 + i);
		cJSON_AddStringToObject(d, "code", code);
		cJSON_AddStringToObject(d, "name", code);
		cJSON_AddItemToArray(list, d);
	}
	struct departments ds;
	assert_int_equal(departments_index(&ds, list), 0);
	for (int i = 0; i < 10000; i++) {
		snprintf(code, sizeof code, "%d", 300000 + i);
		assert_string_equal(name_of(&ds, code), code);
	}
	departments_free(&ds);
	cJSON_Delete(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_codes_find_their_entries),
	    cmocka_unit_test(test_ten_thousand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
