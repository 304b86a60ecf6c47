#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "throttle.h"

static void test_rate_per_peer(void **state)
{
	struct throttle t;
	unsigned retry = 0;
	(void)state;
	/* 10 a second, bursts of 3. */
	assert_int_equal(throttle_init(&t, 10, 3, 0), 0);
	uint64_t now = 1000000;
	for (int i = 0; i < 3; i++)
		assert_true(throttle_take(&t, "a", now, &retry));
	assert_false(throttle_take(&t, "a", now, &retry));
	assert_true(retry >= 99 && retry <= 101);
	/* Another peer has a bucket of its own. */
	assert_true(throttle_take(&t, "b", now, &retry));
	/* 100 ms later one more token. */
	assert_true(throttle_take(&t, "a", now + 100, &retry));
	assert_false(throttle_take(&t, "a", now + 100, &retry));
	/* Long idle refills to the burst, not beyond. */
	now += 60000;
	for (int i = 0; i < 3; i++)
		assert_true(throttle_take(&t, "a", now, &retry));
	assert_false(throttle_take(&t, "a", now, &retry));
	throttle_free(&t);
	/* Rate 0 is unlimited. */
	assert_int_equal(throttle_init(&t, 0, 0, 0), 0);
	for (int i = 0; i < 1000; i++)
		assert_true(throttle_take(&t, "a", now, &retry));
	throttle_free(&t);
}

static void test_in_flight_per_peer(void **state)
{
	struct throttle t;
	(void)state;
	assert_int_equal(throttle_init(&t, 0, 0, 2), 0);
	assert_true(throttle_submission_start(&t, "a", 1));
	assert_true(throttle_submission_start(&t, "a", 1));
	assert_false(throttle_submission_start(&t, "a", 1));
	assert_true(throttle_submission_start(&t, "b", 1));
	throttle_submission_done(&t, "a");
	assert_true(throttle_submission_start(&t, "a", 2));
	/* Done for a peer never seen, or twice, changes nothing. */
	throttle_submission_done(&t, "zz");
	throttle_free(&t);
}

static void test_many_short_connections(void **state)
{
	struct throttle t;
	char peer[32];
	unsigned retry;
	(void)state;
	assert_int_equal(throttle_init(&t, 5, 5, 4), 0);
	/* 100 000 connections that come once: the table keeps what is
	 * recent or busy, not everyone ever seen. */
	for (uint64_t i = 0; i < 100000; i++) {
		snprintf(peer, sizeof peer, "%llu", (unsigned long long)i);
		assert_true(throttle_take(&t, peer, i * 10, &retry));
	}
	assert_true(t.n_slots < 100000);
	/* A peer with a submission in flight is never forgotten. */
	assert_true(throttle_submission_start(&t, "busy", 0));
	assert_true(throttle_submission_start(&t, "busy", 0));
	assert_true(throttle_submission_start(&t, "busy", 0));
	assert_true(throttle_submission_start(&t, "busy", 0));
	for (uint64_t i = 0; i < 50000; i++) {
		snprintf(peer, sizeof peer, "x%llu", (unsigned long long)i);
		throttle_take(&t, peer, 2000000 + i * 10, &retry);
	}
	assert_false(throttle_submission_start(&t, "busy", 3000000));
	throttle_free(&t);
	assert_true(throttle_now_ms() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_per_peer),
	    cmocka_unit_test(test_in_flight_per_peer),
	    cmocka_unit_test(test_many_short_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
