/* Decimal digits two at a time (lib/digits.h) against printf: every
 * number below 100,000, each power of ten and its neighbours, and the
 * largest 64-bit value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>

#include "digits.h"

static void assert_digits(uint64_t v)
{
	char buf[32], want[32];
	char *end = buf + sizeof buf - 1;
	*end = '\0';
	char *start = digits_before(end, v);
	snprintf(want, sizeof want, "%" PRIu64, v);
	assert_string_equal(start, want);
}

static void test_small_numbers(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 100000; v++)
		assert_digits(v);
}

static void test_powers_of_ten_and_the_top(void **state)
{
	(void)state;
	for (uint64_t p = 10; p <= UINT64_C(10000000000000000000); p *= 10) {
		assert_digits(p - 1);
		assert_digits(p);
		assert_digits(p + 1);
		if (p > UINT64_MAX / 10)
			break;
	}
	assert_digits(UINT64_MAX);
	assert_digits(UINT64_MAX - 1);
	assert_digits((uint64_t)INT64_MAX + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_numbers),
	    cmocka_unit_test(test_powers_of_ten_and_the_top),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
