/* The nng transport on real ipc sockets: requests queued for the loop,
 * replies matched to their requesters, the size limit, publication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int wakes;

static void wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	wakes++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

/* rpc_take() hands over every request queued since the last call. */
static struct rpc_request *queued;

/* The next queued request (waits for the wake-up). */
static struct rpc_request *next_request(struct rpc *rpc)
{
	for (int i = 0; i < 200; i++) {
		if (queued == NULL)
			queued = rpc_take(rpc);
		if (queued != NULL) {
			struct rpc_request *r = queued;
			queued = r->next;
			return r;
		}
		pthread_mutex_lock(&lock);
		if (wakes == 0) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000000;
			if (ts.tv_nsec >= 1000000000)
				ts.tv_sec++, ts.tv_nsec -= 1000000000;
			pthread_cond_timedwait(&cond, &lock, &ts);
		}
		wakes = 0;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static bool peer_is_ipc_in(const struct rpc_request *r, const char *dir)
{
	return strncmp(r->peer, "ipc ", 4) == 0 && strstr(r->peer, dir);
}

struct client {
	char url[128];
	char request[64];
	char reply[64];
	int rv;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	nng_socket s;
	char *buf = NULL;
	size_t len;
	c->rv = nng_req0_open(&s);
	nng_setopt_ms(s, NNG_OPT_RECVTIMEO, 5000);
	if (c->rv == 0)
		c->rv = nng_dial(s, c->url, NULL, 0);
	if (c->rv == 0)
		c->rv = nng_send(s, c->request, strlen(c->request), 0);
	if (c->rv == 0)
		c->rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC);
	if (c->rv == 0) {
		snprintf(c->reply, sizeof c->reply, "%.*s", (int)len, buf);
		nng_free(buf, len);
	}
	nng_close(s);
	return NULL;
}

/* An rpc on ipc sockets in a fresh directory dir (of the template
 * "/tmp/budgetd-rpc-XXXXXX"); url is its request socket's. */
static void open_in(struct rpc *rpc, char *dir, char *url, size_t url_size,
		    const struct rpc_hooks *hooks)
{
	char err[256], pub_url[128];
	assert_non_null(mkdtemp(dir));
	snprintf(url, url_size, "ipc://%s/req.sock", dir);
	snprintf(pub_url, sizeof pub_url, "ipc://%s/pub.sock", dir);
	char *urls[] = {url};
	assert_int_equal(rpc_open(rpc, urls, 1, pub_url, 1024, 4, NULL, hooks,
				  err, sizeof err),
			 0);
}

/* n clients, each sending "request i" from its own thread. */
static void start_clients(struct client *clients, pthread_t *threads, int n,
			  const char *url)
{
	for (int i = 0; i < n; i++) {
		memset(&clients[i], 0, sizeof clients[i]);
		snprintf(clients[i].url, sizeof clients[i].url, "%s", url);
		snprintf(clients[i].request, sizeof clients[i].request,
			 "request %d", i);
		pthread_create(&threads[i], NULL, client_main, &clients[i]);
	}
}

static void test_requests_and_replies(void **state)
{
	char dir[] = "/tmp/budgetd-rpc-XXXXXX", url[128], pub_url[128];
	struct rpc rpc = {0};
	(void)state;
	const struct rpc_hooks hooks = {.notify = wake};
	open_in(&rpc, dir, url, sizeof url, &hooks);
	snprintf(pub_url, sizeof pub_url, "ipc://%s/pub.sock", dir);

	/* Three clients at once; each gets the reply to its own request,
	 * answered in the reverse order they were taken. */
	struct client clients[3];
	pthread_t threads[3];
	start_clients(clients, threads, 3, url);
	struct rpc_request *taken[3];
	for (int i = 0; i < 3; i++) {
		struct rpc_request *r = next_request(&rpc);
		if (r == NULL)
			fail_msg("request %d never arrived", i);
		/* The peer as logs name it: transport and address. */
		assert_true(peer_is_ipc_in(r, dir));
		assert_int_equal(r->listener_index, 0);
		taken[i] = r;
	}
	for (int i = 2; i >= 0; i--) {
		char reply[64];
		int n = snprintf(reply, sizeof reply, "reply to %.*s",
				 (int)nng_msg_len(taken[i]->msg),
				 (const char *)nng_msg_body(taken[i]->msg));
		rpc_reply(&rpc, taken[i], reply, (size_t)n);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(clients[i].rv, 0);
		char want[64];
		snprintf(want, sizeof want, "reply to request %d", i);
		assert_string_equal(clients[i].reply, want);
	}

	/* Publication reaches a subscriber of the topic. */
	nng_socket sub;
	assert_int_equal(nng_sub0_open(&sub), 0);
	assert_int_equal(nng_setopt(sub, NNG_OPT_SUB_SUBSCRIBE, "budgetd.", 8),
			 0);
	nng_setopt_ms(sub, NNG_OPT_RECVTIMEO, 2000);
	assert_int_equal(nng_dial(sub, pub_url, NULL, 0), 0);
	char *got = NULL;
	size_t got_len = 0;
	for (int i = 0; i < 50 && got == NULL; i++) {
		/* PUB drops until the subscription has arrived: retry. */
		rpc_publish(&rpc, "budgetd.test", "{\"n\":1}", 7);
		nng_setopt_ms(sub, NNG_OPT_RECVTIMEO, 50);
		if (nng_recv(sub, &got, &got_len, NNG_FLAG_ALLOC) != 0)
			got = NULL;
	}
	assert_non_null(got);
	assert_int_equal(got_len, strlen("budgetd.test {\"n\":1}"));
	assert_memory_equal(got, "budgetd.test {\"n\":1}", got_len);
	nng_free(got, got_len);
	nng_close(sub);
	rpc_close(&rpc);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* prepare runs on the nng thread for each request before the loop is
 * woken for it, and what it leaves arrives with the request; forget frees
 * what is left in requests dropped unanswered at close. */
static atomic_int prepared, forgotten;

static void prepare(struct rpc_request *req, size_t max_message_size, void *arg)
{
	if (arg != &prepared)
		return; /* (no cmocka assertion off the test's thread) */
	char *copy = malloc(nng_msg_len(req->msg) + 32);
	sprintf(copy, "%.*s (max %zu)", (int)nng_msg_len(req->msg),
		(const char *)nng_msg_body(req->msg), max_message_size);
	req->prepared = copy;
	atomic_fetch_add(&prepared, 1);
}

static void forget(struct rpc_request *req)
{
	free(req->prepared);
	req->prepared = NULL;
	atomic_fetch_add(&forgotten, 1);
}

static void test_prepare_and_forget(void **state)
{
	char dir[] = "/tmp/budgetd-rpc-XXXXXX", url[128];
	struct rpc rpc = {0};
	(void)state;
	const struct rpc_hooks hooks = {.notify = wake,
					.prepare = prepare,
					.forget = forget,
					.arg = &prepared};
	open_in(&rpc, dir, url, sizeof url, &hooks);
	struct client clients[2];
	pthread_t threads[2];
	start_clients(clients, threads, 2, url);
	/* The first is answered, its preparation taken by the loop; the
	 * second is left queued for close. */
	struct rpc_request *r = next_request(&rpc);
	assert_non_null(r);
	assert_non_null(r->prepared);
	char want[64];
	snprintf(want, sizeof want, "%.*s (max 1024)", (int)nng_msg_len(r->msg),
		 (const char *)nng_msg_body(r->msg));
	assert_string_equal(r->prepared, want);
	free(r->prepared);
	r->prepared = NULL;
	rpc_reply(&rpc, r, "ok", 2);
	for (int i = 0; i < 200 && atomic_load(&prepared) < 2; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&prepared), 2);
	/* Wait until the second is queued, unread. */
	for (int i = 0; i < 200 && queued == NULL; i++) {
		queued = rpc_take(&rpc);
		if (queued == NULL)
			usleep(10000);
	}
	assert_non_null(queued);
	/* Back on the queue so that close finds it. */
	pthread_mutex_lock(&rpc.lock);
	queued->next = rpc.head;
	rpc.head = queued;
	if (rpc.tail == NULL)
		rpc.tail = queued;
	pthread_mutex_unlock(&rpc.lock);
	queued = NULL;
	rpc_close(&rpc);
	assert_int_equal(atomic_load(&forgotten), 1);
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_open_refuses_bad_urls(void **state)
{
	char err[256] = "";
	struct rpc rpc = {0};
	(void)state;
	char *urls[] = {"carrier-pigeon://loft"};
	const struct rpc_hooks hooks = {.notify = wake};
	assert_true(rpc_open(&rpc, urls, 1, "ipc:///tmp/budgetd-rpc-pub.sock",
			     1024, 2, NULL, &hooks, err, sizeof err) < 0);
	assert_non_null(strstr(err, "carrier-pigeon://loft"));
	rpc_close(&rpc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_and_replies),
	    cmocka_unit_test(test_prepare_and_forget),
	    cmocka_unit_test(test_open_refuses_bad_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
