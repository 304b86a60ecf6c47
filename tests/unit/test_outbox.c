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
	/* Never initialised, all zero: stopping is a no-op. */
	struct outbox zero;
	memset(&zero, 0, sizeof zero);
	outbox_stop(&zero);
	nng_close(ps.sub);
	nng_close(ps.pub);
}

/* A reply queued on its context reaches the requester. */
static void test_reply_reaches_requester(void **state)
{
	(void)state;
	nng_socket rep, req;
	nng_ctx ctx;
	nng_aio *aio;
	assert_int_equal(nng_rep0_open(&rep), 0);
	assert_int_equal(nng_req0_open(&req), 0);
	assert_int_equal(nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 5000), 0);
	assert_int_equal(nng_listen(rep, "inproc://outbox-reply", NULL, 0), 0);
	assert_int_equal(nng_dial(req, "inproc://outbox-reply", NULL, 0), 0);
	assert_int_equal(nng_ctx_open(&ctx, rep), 0);
	assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
	struct outbox ob;
	outbox_init(&ob, 8);
	assert_int_equal(outbox_start(&ob, "test:send"), 0);
	for (int i = 0; i < 5; i++) {
		char text[16];
		snprintf(text, sizeof text, "q%d", i);
		assert_int_equal(nng_send(req, text, strlen(text), 0), 0);
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		assert_int_equal(nng_aio_result(aio), 0);
		nng_msg *msg = nng_aio_get_msg(aio);
		assert_int_equal(nng_msg_len(msg), strlen(text));
		assert_memory_equal(nng_msg_body(msg), text, strlen(text));
		nng_msg_clear(msg);
		text[0] = 'a';
		assert_int_equal(nng_msg_append(msg, text, strlen(text)), 0);
		nng_aio_set_msg(aio, msg);
		outbox_reply(&ob, ctx, aio);
		expect(req, text);
		nng_aio_wait(aio);
		assert_int_equal(nng_aio_result(aio), 0);
	}
	outbox_stop(&ob);
	nng_aio_free(aio);
	nng_close(req);
	nng_close(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publications_in_order_and_bounded),
	    cmocka_unit_test(test_stop_sends_what_waits),
	    cmocka_unit_test(test_reply_reaches_requester),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
