/*
 * Crash safety: many concurrent submitters, the daemon killed with SIGKILL
 * at random moments, restarted each time.  Every acknowledged submission
 * must be there afterwards, nothing unacknowledged half there, the totals
 * equal to a recomputation from the stored revisions, and the event
 * sequence free of gaps and duplicates.  A reviewer returns budgets
 * (退回) meanwhile: every acknowledged transition must be there too, and
 * each department's transitions must chain (none half-applied).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "money.h"
#include "test_json.h"

#define CLIENTS	 6
#define KILLS	 12
#define MAX_ACKS 20000

static struct harness h;
static char *template;

struct ack {
	char department[8];
	int revision;
	long long seq;
	long long marker_fen; /* what this revision says, to check it back */
};

static struct ack acks[MAX_ACKS];
static size_t n_acks;
static pthread_mutex_t acks_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_clients; /* set by the main thread, read by clients */

/* Acknowledged returns: department and seq. */
struct return_ack {
	char department[8];
	long long seq;
};
static struct return_ack returns[MAX_ACKS];
static size_t n_returns;

struct client {
	int index;
	int sent;
};

/* A department's document whose last-year total (which no rule ties to
 * this year's figures) carries a marker, to recognise the revision. */
static char *document_for(const char *department, long long marker_fen)
{
	char *doc = strdup(template);
	memcpy(strstr(doc, "116001"), department, 6);
	char marker_text[48];
	snprintf(marker_text, sizeof marker_text, "\"total\": \"%lld.%06lld\"",
		 marker_fen / 1000000, marker_fen % 1000000);
	const char *old = "\"total\": \"252.97\"";
	char *at = strstr(doc, old);
	size_t n = strlen(doc) + strlen(marker_text) + 1;
	char *out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - doc), doc, marker_text,
		 at + strlen(old));
	free(doc);
	return out;
}

static void *client_main(void *p)
{
	struct client *c = p;
	unsigned seed = (unsigned)c->index * 7919u;
	while (!stop_clients) {
		char department[8];
		snprintf(department, sizeof department, "9%02d%03d", c->index,
			 rand_r(&seed) % 5);
		long long marker = 232310000 + rand_r(&seed) % 1000000;
		char *doc = document_for(department, marker);
		size_t n = strlen(doc) + 64;
		char *request = malloc(n);
		snprintf(request, n, "{\"op\":\"submit\",\"document\":%s}",
			 doc);
		free(doc);
		cJSON *r = harness_call(&h, request, strlen(request), 2000);
		free(request);
		c->sent++;
		if (r && cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
			pthread_mutex_lock(&acks_lock);
			if (n_acks < MAX_ACKS) {
				struct ack *a = &acks[n_acks++];
				snprintf(a->department, sizeof a->department,
					 "%s", department);
				a->revision = cJSON_GetObjectItem(r, "revision")
						  ->valueint;
				a->seq =
				    (long long)cJSON_GetObjectItem(r, "seq")
					->valuedouble;
				a->marker_fen = marker;
			}
			pthread_mutex_unlock(&acks_lock);
		}
		cJSON_Delete(r);
		if (r == NULL)
			usleep(20000); /* the daemon is down: wait for the
					  restart */
	}
	return NULL;
}

/* The reviewer: returns whatever it finds submitted. */
static void *reviewer_main(void *p)
{
	unsigned seed = 4241;
	(void)p;
	while (!stop_clients) {
		char request[200];
		char department[8];
		snprintf(department, sizeof department, "9%02d%03d",
			 (int)(rand_r(&seed) % CLIENTS), rand_r(&seed) % 5);
		snprintf(request, sizeof request,
			 "{\"op\":\"review\",\"action\":\"return\","
			 "\"department\":\"%s\",\"year\":2023,"
			 "\"reason\":\"crash test\"}",
			 department);
		cJSON *r = harness_call(&h, request, strlen(request), 2000);
		if (r && cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")) &&
		    n_returns < MAX_ACKS) {
			struct return_ack *a = &returns[n_returns++];
			snprintf(a->department, sizeof a->department, "%s",
				 department);
			a->seq = (long long)cJSON_GetObjectItem(r, "seq")
				     ->valuedouble;
		}
		if (r == NULL)
			usleep(20000);
		else
			usleep(5000);
		cJSON_Delete(r);
	}
	return NULL;
}

/* One department's transitions chain from nothing, each from the state
 * the one before left, the case stands where the last one went, every
 * submit is a stored revision with the same seq, and every acknowledged
 * return is there.  Returns how many transitions it has. */
static int check_department_chain(const char *department)
{
	char request[160];
	snprintf(request, sizeof request,
		 "{\"op\":\"history\",\"department\":\"%s\",\"year\":2023}",
		 department);
	cJSON *r = harness_call_text(&h, request);
	const char *state = "none";
	int n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(r, "transitions"))
	{
		if (strcmp(json_str(t, "from"), state) != 0)
			fail_msg("%s: transition seq %lld from %s, but the one "
				 "before went to %s",
				 department,
				 (long long)cJSON_GetObjectItem(t, "seq")
				     ->valuedouble,
				 json_str(t, "from"), state);
		state = json_str(t, "to");
		if (strcmp(json_str(t, "action"), "submit") == 0) {
			bool found = false;
			const cJSON *doc;
			cJSON_ArrayForEach(
			    doc, cJSON_GetObjectItem(r, "history")) found =
			    found ||
			    (cJSON_GetObjectItem(doc, "seq")->valuedouble ==
				 cJSON_GetObjectItem(t, "seq")->valuedouble &&
			     cJSON_GetObjectItem(doc, "revision")
				     ->valuedouble ==
				 cJSON_GetObjectItem(t, "revision")
				     ->valuedouble);
			if (!found)
				fail_msg("%s: submit transition without its "
					 "revision",
					 department);
		}
		n++;
	}
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "cases"), 0);
	if (n > 0)
		assert_string_equal(json_str(c, "state"), state);
	/* Every accepted revision moved the case. */
	const cJSON *doc;
	int accepted = 0, submits = 0;
	cJSON_ArrayForEach(doc, cJSON_GetObjectItem(r, "history")) accepted +=
	    strcmp(json_str(doc, "outcome"), "accepted") == 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(r, "transitions")) submits +=
	    strcmp(json_str(t, "action"), "submit") == 0;
	assert_int_equal(accepted, submits);
	for (size_t i = 0; i < n_returns; i++) {
		if (strcmp(returns[i].department, department) != 0)
			continue;
		bool found = false;
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(r, "transitions"))
		    found =
			found || (cJSON_GetObjectItem(t, "seq")->valuedouble ==
				      (double)returns[i].seq &&
				  strcmp(json_str(t, "action"), "return") == 0);
		if (!found)
			fail_msg("%s: acknowledged return (seq %lld) lost",
				 department, returns[i].seq);
	}
	cJSON_Delete(r);
	return n;
}

static void kill_daemon(void)
{
	int status;
	kill(h.pid, SIGKILL);
	waitpid(h.pid, &status, 0);
	h.pid = 0;
}

/* The wage cell of a stored revision, or -1. */
static long long stored_marker(const char *department, int revision)
{
	char request[160];
	snprintf(request, sizeof request,
		 "{\"op\":\"show\",\"department\":\"%s\",\"year\":2023,"
		 "\"revision\":%d}",
		 department, revision);
	cJSON *r = harness_call_text(&h, request);
	long long fen = -1;
	const cJSON *doc = cJSON_GetObjectItem(r, "document");
	const cJSON *marker = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "previous_year"), "total");
	const char *why;
	bd_fen v;
	if (cJSON_IsString(marker) &&
	    money_parse(marker->valuestring, BD_UNIT_WANYUAN, &v, &why) == 0)
		fen = v;
	cJSON_Delete(r);
	return fen;
}

static void test_sigkill_loses_nothing_acknowledged(void **state)
{
	pthread_t threads[CLIENTS], reviewer;
	struct client clients[CLIENTS];
	(void)state;
	template = harness_read_data("fengquan-116001-2023-corrected.json");
	assert_int_equal(harness_init(&h, "crash"), 0);
	assert_int_equal(harness_start(&h), 0);
	for (int i = 0; i < CLIENTS; i++) {
		clients[i] = (struct client){i, 0};
		pthread_create(&threads[i], NULL, client_main, &clients[i]);
	}
	pthread_create(&reviewer, NULL, reviewer_main, NULL);
	srand(99);
	for (int k = 0; k < KILLS; k++) {
		usleep(100000 + (useconds_t)(rand() % 400000));
		kill_daemon();
		assert_int_equal(harness_start(&h), 0);
	}
	usleep(200000);
	stop_clients = 1;
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(threads[i], NULL);
	pthread_join(reviewer, NULL);
	kill_daemon();
	assert_int_equal(harness_start(&h), 0);

	/* Every acknowledged revision is there, with what was sent. */
	int sent = 0;
	for (int i = 0; i < CLIENTS; i++)
		sent += clients[i].sent;
	for (size_t i = 0; i < n_acks; i++) {
		long long fen =
		    stored_marker(acks[i].department, acks[i].revision);
		if (fen != acks[i].marker_fen)
			fail_msg(
			    "ack %zu (%s rev %d) lost or changed: %lld != %lld",
			    i, acks[i].department, acks[i].revision, fen,
			    acks[i].marker_fen);
	}

	/* The event sequence is 1..N without gaps or duplicates, and each
	 * acknowledged seq is in it with its department. */
	cJSON *r = harness_call_text(&h, "{\"op\":\"status\"}");
	long long last =
	    (long long)cJSON_GetObjectItem(r, "last_seq")->valuedouble;
	int revisions =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "stored"), "revisions")
		->valueint;
	cJSON_Delete(r);
	long long expect = 1;
	while (expect <= last) {
		char request[96];
		snprintf(request, sizeof request,
			 "{\"op\":\"events\",\"since\":%lld}", expect - 1);
		r = harness_call_text(&h, request);
		const cJSON *ev;
		cJSON_ArrayForEach(ev, cJSON_GetObjectItem(r, "events"))
		{
			assert_int_equal(
			    (long long)cJSON_GetObjectItem(ev, "seq")
				->valuedouble,
			    expect);
			expect++;
		}
		cJSON_Delete(r);
	}
	assert_int_equal(expect - 1, last);
	/* Only acknowledged or unanswered submissions can be stored; each
	 * stored revision is whole (its document parses and shows). */
	assert_true((size_t)revisions >= n_acks);
	assert_true(revisions <= sent);

	/* Totals equal the latest revisions' own sums. */
	r = harness_call_text(&h, "{\"op\":\"departments\"}");
	bd_fen sum = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(r, "departments"))
	{
		bd_fen v;
		const char *why;
		assert_int_equal(money_parse(json_str(d, "expenditure_total"),
					     BD_UNIT_YUAN, &v, &why),
				 0);
		sum += v;
		long long marker =
		    stored_marker(json_str(d, "code"),
				  cJSON_GetObjectItem(d, "revision")->valueint);
		assert_true(marker > 0);
	}
	cJSON_Delete(r);
	r = harness_call_text(&h, "{\"op\":\"totals\",\"unit\":\"元\"}");
	bd_fen total;
	const char *why;
	assert_int_equal(
	    money_parse(json_str(r, "total"), BD_UNIT_YUAN, &total, &why), 0);
	cJSON_Delete(r);
	assert_int_equal(total, sum);
	r = harness_call_text(&h, "{\"op\":\"verify\"}");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent")));
	cJSON_Delete(r);
	int transitions = 0;
	for (int i = 0; i < CLIENTS; i++)
		for (int k = 0; k < 5; k++) {
			char department[8];
			snprintf(department, sizeof department, "9%02d%03d", i,
				 k);
			transitions += check_department_chain(department);
		}
	fprintf(stderr,
		"  %d kills, %d submissions sent, %zu acknowledged, %d stored, "
		"%lld events, %d transitions (%zu returns acknowledged): none "
		"lost\n",
		KILLS, sent, n_acks, revisions, last, transitions, n_returns);
	assert_true(n_returns > 5);
	assert_true(n_acks > 50);
	free(template);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HARNESS_TEST(test_sigkill_loses_nothing_acknowledged, &h),
	};
	return harness_run("test_crash", tests, sizeof tests / sizeof tests[0]);
}
