#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "strmap.h"

static void sum_values(void *ctx, const char *key, bd_fen value)
{
	(void)key;
	*(bd_fen *)ctx += value;
}

static void test_set_get_add_grow(void **state)
{
	struct strmap m;
	char key[32];
	(void)state;
	assert_int_equal(strmap_init(&m), 0);
	assert_null(strmap_find(&m, "201"));
	assert_false(strmap_contains(&m, "201"));
	assert_int_equal(strmap_get(&m, "201"), 0);
	assert_int_equal(strmap_set(&m, "201", 22338), 0);
	assert_int_equal(strmap_add(&m, "201", -38), 0);
	assert_int_equal(strmap_get(&m, "201"), 22300);
	/* A value of 0 is there, not absent; a map never initialised has
	 * nothing. */
	assert_int_equal(strmap_set(&m, "0", 0), 0);
	assert_non_null(strmap_find(&m, "0"));
	assert_int_equal(*strmap_find(&m, "0"), 0);
	assert_int_equal(*strmap_find(&m, "201"), 22300);
	struct strmap never = {0};
	assert_null(strmap_find(&never, "201"));
	/* Ten thousand keys: the map grows and loses none. */
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof key,
			 "2023\x1f"
			 "department\x1f%06d",
			 i);
		assert_int_equal(strmap_add(&m, key, i), 0);
	}
	assert_int_equal(m.n_used, 10002);
	bd_fen sum = 0;
	strmap_each(&m, sum_values, &sum);
	assert_int_equal(sum, 22300 + 9999LL * 10000 / 2); /* and "0" */
	snprintf(key, sizeof key,
		 "2023\x1f"
		 "department\x1f%06d",
		 4321);
	assert_int_equal(strmap_get(&m, key), 4321);
	/* Sums that would overflow are refused and change nothing. */
	assert_int_equal(strmap_set(&m, "big", INT64_MAX - 1), 0);
	assert_int_equal(strmap_add(&m, "big", 2), -EOVERFLOW);
	assert_int_equal(strmap_get(&m, "big"), INT64_MAX - 1);
	bool created;
	bd_fen *slot = strmap_slot(&m, "fresh", 7, &created);
	assert_true(created);
	assert_int_equal(*slot, 7);
	slot = strmap_slot(&m, "fresh", 9, &created);
	assert_false(created);
	assert_int_equal(*slot, 7);
	strmap_free(&m);
}

static void test_hash_is_fnv1a(void **state)
{
	(void)state;
	/* The published FNV-1a test vectors. */
	assert_true(hash_str("") == 0xcbf29ce484222325ULL);
	assert_true(hash_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_str("foobar") == 0x85944171f73967e8ULL);
}

/* The document hash: every length's tail counts, every byte position
 * of a word counts, and the same bytes hash the same wherever they sit. */
static void test_hash_bytes(void **state)
{
	(void)state;
	char a[64], b[64 + 3];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (char)('a' + i % 26);
	memcpy(b + 3, a, sizeof a); /* unaligned */
	for (size_t n = 0; n <= sizeof a; n++) {
		assert_true(hash_bytes(a, n) == hash_bytes(b + 3, n));
		if (n > 0)
			assert_true(hash_bytes(a, n) != hash_bytes(a, n - 1));
	}
	for (size_t i = 0; i < 16; i++) {
		char c[16];
		memcpy(c, a, sizeof c);
		c[i] ^= 1;
		assert_true(hash_bytes(c, sizeof c) != hash_bytes(a, sizeof c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_get_add_grow),
	    cmocka_unit_test(test_hash_is_fnv1a),
	    cmocka_unit_test(test_hash_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
