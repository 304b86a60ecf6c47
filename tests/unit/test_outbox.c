#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "outbox.h"

struct pubsub {
	nng_socket pub, sub;
};

/* A PUB socket and a subscriber to everything it sends, connected: PUB
 * drops what it sends before the subscription has reached it, so probes
 * go out until one arrives, and the rest are read away. */
static void pubsub_open(struct pubsub *ps, const char *url)
{
	assert_int_equal(nng_pub0_open(&ps->pub), 0);
	assert_int_equal(nng_sub0_open(&ps->sub), 0);
	assert_int_equal(nng_socket_set(ps->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0),
			 0);
	/* Room for every test's burst on both sides: PUB drops the oldest
	 * of a full queue, which would look like a reordering. */
	assert_int_equal(nng_socket_set_int(ps->pub, NNG_OPT_SENDBUF, 256), 0);
	assert_int_equal(nng_socket_set_int(ps->sub, NNG_OPT_RECVBUF, 256), 0);
	assert_int_equal(nng_socket_set_ms(ps->sub, NNG_OPT_RECVTIMEO, 20), 0);
	assert_int_equal(nng_listen(ps->pub, url, NULL, 0), 0);
	assert_int_equal(nng_dial(ps->sub, url, NULL, 0), 0);
	char buf[16];
	size_t len = sizeof buf;
	int tries = 0;
	do {
		assert_true(++tries < 500);
		assert_int_equal(nng_send(ps->pub, "probe", 5, 0), 0);
		len = sizeof buf;
	} while (nng_recv(ps->sub, buf, &len, 0) != 0);
	while (len = sizeof buf, nng_recv(ps->sub, buf, &len, 0) == 0)
		assert_memory_equal(buf, "probe", 5);
	assert_int_equal(nng_socket_set_ms(ps->sub, NNG_OPT_RECVTIMEO, 5000),
			 0);
}

static nng_msg *message(const char *text)
{
	nng_msg *msg;
	assert_int_equal(nng_msg_alloc(&msg, 0), 0);
	assert_int_equal(nng_msg_append(msg, text, strlen(text)), 0);
	return msg;
}

static void expect(nng_socket sub, const char *text)
{
	char buf[32];
	size_t len = sizeof buf;
	assert_int_equal(nng_recv(sub, buf, &len, 0), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
}

static void expect_nothing(nng_socket sub)
{
	char buf[32];
	size_t len = sizeof buf;
	assert_int_equal(nng_recv(sub, buf, &len, NNG_FLAG_NONBLOCK),
			 NNG_EAGAIN);
}

/* Publications go out in order; past the bound they are dropped and
 * counted, not queued; the sender starts with what waited for it. */
static void test_publications_in_order_and_bounded(void **state)
{
	(void)state;
	struct pubsub ps;
	pubsub_open(&ps, "inproc://outbox-order");
	struct outbox ob;
	outbox_init(&ob, 8);
	char text[16];
	for (int i = 0; i < 10; i++) {
		snprintf(text, sizeof text, "m%d", i);
		assert_int_equal(outbox_publish(&ob, ps.pub, message(text)),
				 i < 8 ? 0 : -ENOBUFS);
	}
	uint64_t dropped, failed;
	outbox_counts(&ob, &dropped, &failed);
	assert_int_equal(dropped, 2);
	assert_int_equal(failed, 0);
	expect_nothing(ps.sub); /* queued, not sent before the start */
	assert_int_equal(outbox_start(&ob, "test:send"), 0);
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof text, "m%d", i);
		expect(ps.sub, text);
	}
	/* Room again once sent. */
	for (int i = 10; i < 40; i++) {
		snprintf(text, sizeof text, "m%d", i);
		assert_int_equal(outbox_publish(&ob, ps.pub, message(text)), 0);
		expect(ps.sub, text);
	}
	outbox_stop(&ob);
	/* Stopped: sent on the caller's thread, still in order. */
	assert_int_equal(outbox_publish(&ob, ps.pub, message("after")), 0);
	expect(ps.sub, "after");
	outbox_counts(&ob, &dropped, &failed);
	assert_int_equal(dropped, 2);
	nng_close(ps.sub);
	nng_close(ps.pub);
}

/* Stopping sends everything queued first, whether or not the thread ever
 * ran. */
static void test_stop_sends_what_waits(void **state)
{
	(void)state;
	struct pubsub ps;
	pubsub_open(&ps, "inproc://outbox-stop");
	for (int started = 0; started < 2; started++) {
		struct outbox ob;
		outbox_init(&ob, 64);
		if (started)
			assert_int_equal(outbox_start(&ob, "test:send"), 0);
		char text[16];
		for (int i = 0; i < 20; i++) {
			snprintf(text, sizeof text, "s%d.%d", started, i);
			assert_int_equal(
			    outbox_publish(&ob, ps.pub, message(text)), 0);
		}
		outbox_stop(&ob);
		for (int i = 0; i < 20; i++) {
			snprintf(text, sizeof text, "s%d.%d", started, i);
			expect(ps.sub, text);
		}
		expect_nothing(ps.sub);
	}
	/* Never initialised, all zero: everything goes out at once, on the
	 * caller's thread, and stopping is a no-op. */
	struct outbox zero;
	memset(&zero, 0, sizeof zero);
	assert_int_equal(outbox_publish(&zero, ps.pub, message("at once")), 0);
	expect(ps.sub, "at once");
	outbox_stop(&zero);
	nng_close(ps.sub);
	nng_close(ps.pub);
}

/* A REP context with its aio, and a requester connected to it. */
struct reqrep {
	nng_socket rep, req;
	nng_ctx ctx;
	nng_aio *aio;
};

static void reqrep_open(struct reqrep *rr, const char *url)
{
	assert_int_equal(nng_rep0_open(&rr->rep), 0);
	assert_int_equal(nng_req0_open(&rr->req), 0);
	assert_int_equal(nng_socket_set_ms(rr->req, NNG_OPT_RECVTIMEO, 5000),
			 0);
	assert_int_equal(nng_listen(rr->rep, url, NULL, 0), 0);
	assert_int_equal(nng_dial(rr->req, url, NULL, 0), 0);
	assert_int_equal(nng_ctx_open(&rr->ctx, rr->rep), 0);
	assert_int_equal(nng_aio_alloc(&rr->aio, NULL, NULL), 0);
}

static void reqrep_close(struct reqrep *rr)
{
	nng_aio_free(rr->aio);
	nng_close(rr->req);
	nng_close(rr->rep);
}

/* A reply queued on its context reaches the requester. */
static void test_reply_reaches_requester(void **state)
{
	(void)state;
	struct reqrep rr;
	reqrep_open(&rr, "inproc://outbox-reply");
	struct outbox ob;
	outbox_init(&ob, 8);
	assert_int_equal(outbox_start(&ob, "test:send"), 0);
	for (int i = 0; i < 5; i++) {
		char text[16];
		snprintf(text, sizeof text, "q%d", i);
		assert_int_equal(nng_send(rr.req, text, strlen(text), 0), 0);
		nng_ctx_recv(rr.ctx, rr.aio);
		nng_aio_wait(rr.aio);
		assert_int_equal(nng_aio_result(rr.aio), 0);
		nng_msg *msg = nng_aio_get_msg(rr.aio);
		assert_int_equal(nng_msg_len(msg), strlen(text));
		assert_memory_equal(nng_msg_body(msg), text, strlen(text));
		nng_msg_clear(msg);
		text[0] = 'a';
		assert_int_equal(nng_msg_append(msg, text, strlen(text)), 0);
		nng_aio_set_msg(rr.aio, msg);
		outbox_reply(&ob, rr.ctx, rr.aio);
		expect(rr.req, text);
		nng_aio_wait(rr.aio);
		assert_int_equal(nng_aio_result(rr.aio), 0);
	}
	outbox_stop(&ob);
	reqrep_close(&rr);
}

struct task {
	struct outbox *ob;
	nng_socket pub;
	const char *text;
	pthread_mutex_t *gate; /* held by the test until it lets it run */
	int *ran;
};

/* Waits at its gate, then publishes through the same outbox, as a
 * publication's task does on the sender thread. */
static void run_task(void *arg)
{
	struct task *t = arg;
	if (t->gate) {
		pthread_mutex_lock(t->gate);
		pthread_mutex_unlock(t->gate);
	}
	assert_int_equal(outbox_publish(t->ob, t->pub, message(t->text)), 0);
	(*t->ran)++;
}

/* A task runs in its place in the queue, and what it publishes goes out
 * there too, ahead of what was queued while it waited (a revision's event
 * before the workflow's event of the same seq); drain waits for it. */
static void test_tasks_in_order(void **state)
{
	(void)state;
	struct pubsub ps;
	pubsub_open(&ps, "inproc://outbox-tasks");
	struct outbox ob;
	outbox_init(&ob, 64);
	assert_int_equal(outbox_start(&ob, "test:send"), 0);
	pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
	int ran = 0;
	struct task first = {&ob, ps.pub, "from the task", &gate, &ran};
	pthread_mutex_lock(&gate);
	outbox_run(&ob, run_task, &first);
	assert_int_equal(outbox_publish(&ob, ps.pub, message("queued after")),
			 0);
	expect_nothing(ps.sub);
	pthread_mutex_unlock(&gate);
	expect(ps.sub, "from the task");
	expect(ps.sub, "queued after");
	struct task second = {&ob, ps.pub, "drained", NULL, &ran};
	outbox_run(&ob, run_task, &second);
	outbox_drain(&ob);
	assert_int_equal(ran, 2);
	expect(ps.sub, "drained");
	outbox_stop(&ob);
	/* Stopped: run on the caller's thread. */
	struct task third = {&ob, ps.pub, "inline", NULL, &ran};
	outbox_run(&ob, run_task, &third);
	assert_int_equal(ran, 3);
	expect(ps.sub, "inline");
	nng_close(ps.sub);
	nng_close(ps.pub);
}

static void wait_at_gate(void *arg)
{
	pthread_mutex_t *gate = arg;
	pthread_mutex_lock(gate);
	pthread_mutex_unlock(gate);
}

/* A reply goes before the publications and tasks queued ahead of it: an
 * ack does not wait for events being built.  Here the sender is held by a
 * task, a task that will hold it again is queued, then the reply: the
 * reply must arrive while the second task holds the sender. */
static void test_replies_first(void **state)
{
	(void)state;
	struct reqrep rr;
	reqrep_open(&rr, "inproc://outbox-first");
	assert_int_equal(nng_send(rr.req, "q", 1, 0), 0);
	nng_ctx_recv(rr.ctx, rr.aio);
	nng_aio_wait(rr.aio);
	assert_int_equal(nng_aio_result(rr.aio), 0);

	struct outbox ob;
	outbox_init(&ob, 8);
	assert_int_equal(outbox_start(&ob, "test:send"), 0);
	pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER,
			second = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&first);
	pthread_mutex_lock(&second);
	outbox_run(&ob, wait_at_gate, &first);
	outbox_run(&ob, wait_at_gate, &second);
	nng_msg *msg = nng_aio_get_msg(rr.aio);
	nng_msg_clear(msg);
	assert_int_equal(nng_msg_append(msg, "a", 1), 0);
	nng_aio_set_msg(rr.aio, msg);
	outbox_reply(&ob, rr.ctx, rr.aio);
	pthread_mutex_unlock(&first);
	expect(rr.req, "a"); /* FIFO would hold it behind the second task */
	pthread_mutex_unlock(&second);
	nng_aio_wait(rr.aio);
	outbox_stop(&ob);
	reqrep_close(&rr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publications_in_order_and_bounded),
	    cmocka_unit_test(test_stop_sends_what_waits),
	    cmocka_unit_test(test_reply_reaches_requester),
	    cmocka_unit_test(test_tasks_in_order),
	    cmocka_unit_test(test_replies_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
