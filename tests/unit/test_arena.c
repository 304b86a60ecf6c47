#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "arena.h"

static void test_aligned_zeroed_and_counted(void **state)
{
	struct arena a;
	(void)state;
	arena_init(&a);
	assert_int_equal(a.bytes, 0);
	for (size_t size = 1; size < 300; size += 7) {
		unsigned char *p = arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, size); /* the next one must not overlap */
	}
	size_t small = a.bytes;
	assert_true(small >= 4096);
	/* Larger than a chunk: a chunk of its own, counted. */
	char *big = arena_alloc(&a, 100000);
	assert_non_null(big);
	big[99999] = 'x';
	assert_true(a.bytes >= small + 100000);
	/* Zero bytes still give a distinct, usable pointer. */
	void *z1 = arena_alloc(&a, 0), *z2 = arena_alloc(&a, 0);
	assert_non_null(z1);
	assert_ptr_not_equal(z1, z2);
	arena_release(&a);
	assert_int_equal(a.bytes, 0);
	assert_null(a.head);
}

static void test_calloc_and_strdup(void **state)
{
	struct arena a;
	(void)state;
	arena_init(&a);
	int *v = arena_calloc(&a, 1000, sizeof *v);
	assert_non_null(v);
	assert_int_equal(v[999], 0);
	/* count × size that overflows is refused, not wrapped. */
	assert_null(arena_calloc(&a, SIZE_MAX / 2, 4));
	char *s = arena_strdup(&a, "行政运行");
	assert_string_equal(s, "行政运行");
	assert_string_equal(arena_strdup(&a, ""), "");
	arena_release(&a);
}

/* A sized arena takes its first chunk at that size, keeps the size over a
 * release, and its raw allocations are aligned like the others. */
static void test_sized_and_raw(void **state)
{
	(void)state;
	struct arena a;
	arena_init_sized(&a, 64 * 1024);
	char *first = arena_alloc_raw(&a, 10);
	assert_non_null(first);
	assert_int_equal((uintptr_t)first % alignof(max_align_t), 0);
	size_t bytes = a.bytes;
	assert_true(bytes >= 64 * 1024);
	/* 60 KiB more fit the first chunk: no second one. */
	for (int i = 0; i < 60; i++) {
		char *p = arena_alloc_raw(&a, 1000);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		memset(p, 0xab, 1000);
		assert_true(arena_owns(&a, p));
	}
	assert_int_equal(a.bytes, bytes);
	arena_release(&a);
	assert_int_equal(a.bytes, 0);
	assert_int_equal(a.first_chunk, 64 * 1024);
	assert_non_null(arena_alloc(&a, 1));
	assert_true(a.bytes >= 64 * 1024);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aligned_zeroed_and_counted),
	    cmocka_unit_test(test_calloc_and_strdup),
	    cmocka_unit_test(test_sized_and_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
