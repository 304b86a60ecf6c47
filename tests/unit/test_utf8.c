#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static long at(const char *s, size_t n)
{
	return utf8_invalid_at((const unsigned char *)s, n);
}

static void test_valid(void **state)
{
	(void)state;
	const char *ok = "部门预算 budget ≤16.82 万元 𠀀";
	assert_int_equal(at(ok, strlen(ok)), -1);
	assert_int_equal(at("", 0), -1);
}

static void test_invalid(void **state)
{
	(void)state;
	assert_int_equal(at("ab\xff", 3), 2);
	assert_int_equal(at("\xc0\xaf", 2), 0);		/* overlong '/' */
	assert_int_equal(at("\xed\xa0\x80", 3), 0);	/* surrogate */
	assert_int_equal(at("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
	assert_int_equal(at("x\xe9\x83", 3), 1);	/* truncated */
	assert_int_equal(at("\x80", 1), 0);		/* lone continuation */
}

static void test_trim(void **state)
{
	(void)state;
	char a[] = "预算";
	a[4] = '\0'; /* cut the second character after one byte of three... */
	utf8_trim_partial(a);
	assert_string_equal(a, "预");
	char b[] = "预算";
	utf8_trim_partial(b);
	assert_string_equal(b, "预算");
	char c[] = "abc";
	utf8_trim_partial(c);
	assert_string_equal(c, "abc");
}

static void test_display_width(void **state)
{
	(void)state;
	assert_int_equal(utf8_display_width("abc"), 3);
	assert_int_equal(utf8_display_width("行政运行"), 8);
	assert_int_equal(utf8_display_width("其他政府办公厅（室）"), 20);
	assert_int_equal(utf8_display_width("232.31 万元"), 11);
	assert_int_equal(utf8_display_width(""), 0);
	/* Combining marks take no column; a fullwidth digit takes two; a
	 * broken sequence counts as one column per lead byte. */
	assert_int_equal(utf8_display_width("e\xcc\x81"), 1);
	assert_int_equal(utf8_display_width("\xef\xbc\x91"), 2);
	assert_int_equal(utf8_display_width("\xe8\xa1"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_trim),
	    cmocka_unit_test(test_display_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
