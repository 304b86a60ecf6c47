/* Work on a thread of its own that ends on the loop (daemon/offloop.c):
 * run() off the loop's thread, done() on it after the join, a second
 * run started from done(), the count of runs a stopping daemon waits
 * for, and no thread without a loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>

#include "offloop.h"

struct job {
	struct offloop thread;
	struct event_base *base;
	pthread_t loop_thread;
	int runs, dones;
	int runs_off_loop, dones_on_loop;
};

static void job_run(void *arg)
{
	struct job *j = arg;
	j->runs++;
	j->runs_off_loop += !pthread_equal(pthread_self(), j->loop_thread);
}

static void job_done(void *arg)
{
	struct job *j = arg;
	j->dones++;
	j->dones_on_loop += pthread_equal(pthread_self(), j->loop_thread) != 0;
	assert_int_equal(offloop_running(), 0); /* joined before done() */
	/* A second round from done(), as verify's rounds go. */
	if (j->dones < 2) {
		assert_int_equal(offloop_start(&j->thread, "test:offloop"), 0);
		assert_int_equal(offloop_running(), 1);
	} else
		event_base_loopbreak(j->base);
}

static void on_too_long(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	fail_msg("done() was not called within 10 s");
}

static void test_runs_off_the_loop_and_ends_on_it(void **state)
{
	(void)state;
	/* As the daemon's loop: locked for other threads' event_active, and
	 * kept running (here by a timer) until done() breaks it. */
	assert_int_equal(evthread_use_pthreads(), 0);
	struct job j = {.base = event_base_new(),
			.loop_thread = pthread_self()};
	assert_non_null(j.base);
	struct event *too_long = evtimer_new(j.base, on_too_long, NULL);
	struct timeval ten_s = {10, 0};
	evtimer_add(too_long, &ten_s);
	assert_int_equal(offloop_init(&j.thread, j.base, job_run, job_done, &j),
			 0);
	assert_int_equal(offloop_start(&j.thread, "test:offloop"), 0);
	/* What a stopping daemon waits for. */
	assert_int_equal(offloop_running(), 1);
	assert_int_equal(event_base_dispatch(j.base), 0);
	assert_int_equal(offloop_running(), 0);
	assert_int_equal(j.runs, 2);
	assert_int_equal(j.runs_off_loop, 2);
	assert_int_equal(j.dones, 2);
	assert_int_equal(j.dones_on_loop, 2);
	offloop_free(&j.thread);
	event_free(too_long);
	event_base_free(j.base);
}

static void test_no_loop_no_thread(void **state)
{
	(void)state;
	struct job j = {0};
	assert_int_equal(offloop_init(&j.thread, NULL, job_run, job_done, &j),
			 -EINVAL);
	assert_null(j.thread.ended);
	offloop_free(&j.thread); /* harmless */
	assert_int_equal(j.runs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_off_the_loop_and_ends_on_it),
	    cmocka_unit_test(test_no_loop_no_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
