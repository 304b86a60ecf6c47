/* Arrays that grow by doubling (lib/grow.h): the first size, doubling,
 * a need beyond twice the capacity, contents kept, and a size that
 * size_t cannot hold refused with the array left as it was (a size
 * that merely cannot be had is not tried: AddressSanitizer aborts on
 * it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "grow.h"

struct row {
	int64_t amount;
	char code[12];
};

static void test_first_then_doubling(void **state)
{
	(void)state;
	struct row *rows = NULL;
	size_t cap = 0;
	assert_int_equal(GROW(rows, cap, 1, 8), 0);
	assert_non_null(rows);
	assert_int_equal(cap, 8);
	for (size_t i = 0; i < 8; i++)
		rows[i] = (struct row){.amount = (int64_t)i * 100};
	struct row *before = rows;
	assert_int_equal(GROW(rows, cap, 8, 8), 0); /* room already */
	assert_ptr_equal(rows, before);
	assert_int_equal(cap, 8);
	assert_int_equal(GROW(rows, cap, 9, 8), 0);
	assert_int_equal(cap, 16);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(rows[i].amount, (int64_t)i * 100);
	assert_int_equal(GROW(rows, cap, 100, 8), 0); /* 16 -> 128 at once */
	assert_int_equal(cap, 128);
	rows[99].amount = -1;
	assert_int_equal(rows[7].amount, 700);
	free(rows);
}

static void test_first_of_zero_starts_at_one(void **state)
{
	(void)state;
	char *bytes = NULL;
	size_t cap = 0;
	assert_int_equal(GROW(bytes, cap, 1, 0), 0);
	assert_int_equal(cap, 1);
	assert_int_equal(GROW(bytes, cap, 3, 0), 0);
	assert_int_equal(cap, 4);
	free(bytes);
}

static void test_too_large_leaves_the_array(void **state)
{
	(void)state;
	struct row *rows = NULL;
	size_t cap = 0;
	assert_int_equal(GROW(rows, cap, 4, 4), 0);
	rows[3].amount = 42;
	struct row *before = rows;
	/* More elements than size_t can count in bytes. */
	assert_int_equal(GROW(rows, cap, SIZE_MAX / sizeof *rows + 1, 4),
			 -ENOMEM);
	assert_ptr_equal(rows, before);
	assert_int_equal(cap, 4);
	/* Doubling past SIZE_MAX. */
	assert_int_equal(GROW(rows, cap, SIZE_MAX, 4), -ENOMEM);
	assert_int_equal(cap, 4);
	assert_ptr_equal(rows, before);
	assert_int_equal(rows[3].amount, 42);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_then_doubling),
	    cmocka_unit_test(test_first_of_zero_starts_at_one),
	    cmocka_unit_test(test_too_large_leaves_the_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
