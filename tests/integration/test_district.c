/*
 * A seeded random district through the real daemon and its audit pool, at
 * several sizes and pool sizes: departments submitted concurrently, then
 * revisions that drop lines and change amounts, and one department revised
 * by every client at once; random drilldowns and cuts must equal, to the
 * 分, sums computed here from the same documents — before and after a
 * restart — and verify must be clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "money.h"
#include "test_json.h"

#define MAX_DEPARTMENTS 400
#define MAX_LINES	40
#define MAX_CLIENTS	8

/* The size of the run under way (test_district_at). */
static int DEPARTMENTS, CLIENTS;

static struct harness h;

static const char *const codes[] = {
    "2010301", "2010350", "2010399", "2010601", "2013202", "2040607",
    "2050205", "2060702", "2070308", "2080501", "2080505", "2080506",
    "2080705", "2089999", "2101101", "2101102", "2120101", "2120104",
    "2129999", "2210201", "2210203"};
#define N_CODES (sizeof codes / sizeof codes[0])
static const char *const sources[] = {"general_budget", "fund_budget",
				      "business"};
static const char *const kinds[] = {"basic.personnel", "basic.public",
				    "project.operating", "project.targeted"};

struct line {
	int code, source;
	long long wages, goods, operating, targeted; /* 分 */
};

struct department {
	char code[8], parent[4];
	int year;
	struct line lines[MAX_LINES];
	int n;
};

static struct department district[MAX_DEPARTMENTS];

static void make(struct department *d, int i, unsigned *rs)
{
	snprintf(d->parent, sizeof d->parent, "%03d", 300 + i % 7);
	snprintf(d->code, sizeof d->code, "%s%03d", d->parent, i % 1000);
	d->year = 2024 + i % 2;
	d->n = 5 + (int)(rand_r(rs) % (MAX_LINES - 5));
	unsigned start = rand_r(rs) % N_CODES;
	for (int k = 0; k < d->n; k++) {
		struct line *l = &d->lines[k];
		l->code = (int)((start + (unsigned)k) % N_CODES);
		l->source =
		    (k / (int)N_CODES) % 3; /* distinct (code, source) */
		l->wages = (long long)(rand_r(rs) % 1000000) * (rand_r(rs) % 2);
		l->goods = (long long)(rand_r(rs) % 300000);
		l->operating =
		    (long long)(rand_r(rs) % 2000000) * (rand_r(rs) % 3 == 0);
		l->targeted =
		    (long long)(rand_r(rs) % 900000) * (rand_r(rs) % 4 == 0);
	}
}

static char *render(const struct department *d)
{
	size_t cap = 512 + (size_t)d->n * 260, n = 0;
	char *buf = malloc(cap);
	long long income[3] = {0, 0, 0};
	for (int k = 0; k < d->n; k++) {
		const struct line *l = &d->lines[k];
		income[l->source] +=
		    l->wages + l->goods + l->operating + l->targeted;
	}
	n += (size_t)snprintf(
	    buf + n, cap - n,
	    "{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	    "1\","
	    "\"year\":%d,\"unit\":\"元\",\"department\":{\"code\":\"%s\","
	    "\"name\":"
	    "\"d\",\"parent\":\"%s\"},\"income\":{\"general_budget\":\"%lld.%"
	    "02lld\","
	    "\"fund_budget\":\"%lld.%02lld\",\"business\":\"%lld.%02lld\"},"
	    "\"expenditure\":[",
	    d->year, d->code, d->parent, income[0] / 100, income[0] % 100,
	    income[1] / 100, income[1] % 100, income[2] / 100, income[2] % 100);
	for (int k = 0; k < d->n; k++) {
		const struct line *l = &d->lines[k];
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "%s{\"function\":\"%s\",\"source\":\"%s\",\"basic\":{"
		    "\"wages\":\"%lld.%02lld\","
		    "\"goods\":\"%lld.%02lld\"},\"project\":{\"operating\":\"%"
		    "lld.%02lld\","
		    "\"targeted\":\"%lld.%02lld\"}}",
		    k ? "," : "", codes[l->code], sources[l->source],
		    l->wages / 100, l->wages % 100, l->goods / 100,
		    l->goods % 100, l->operating / 100, l->operating % 100,
		    l->targeted / 100, l->targeted % 100);
	}
	snprintf(buf + n, cap - n, "]}}");
	return buf;
}

static int failures;

static void submit(const struct department *d)
{
	char *request = render(d);
	cJSON *r = harness_call(&h, request, strlen(request), 20000);
	if (r == NULL || !cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
		char *t = r ? cJSON_PrintUnformatted(r) : NULL;
		fprintf(stderr, "  %s not accepted: %.300s\n", d->code,
			t ? t : "no reply");
		free(t);
		__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
	}
	cJSON_Delete(r);
	free(request);
}

static void *client_main(void *arg)
{
	int c = (int)(intptr_t)arg;
	for (int i = c; i < DEPARTMENTS; i += CLIENTS)
		submit(&district[i]);
	return NULL;
}

/* Verifies, over and over, while the clients submit: each must find the
 * totals consistent with the store, whatever moved while it counted. */
static int verifying, verifies, verifies_inconsistent;
static long recounted;

static void *verifier_main(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&verifying, __ATOMIC_SEQ_CST)) {
		cJSON *r = harness_call_text(&h, "{\"op\":\"verify\"}");
		if (r == NULL || !cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
			cJSON_Delete(r);
			continue; /* "busy" cannot be: one verifier */
		}
		verifies++;
		if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent"))) {
			char *t = cJSON_PrintUnformatted(r);
			fprintf(stderr, "  verify while submitting: %.600s\n",
				t);
			free(t);
			verifies_inconsistent++;
		}
		recounted +=
		    (long)cJSON_GetObjectItem(r, "recounted")->valuedouble;
		cJSON_Delete(r);
	}
	return NULL;
}

/* The value of a fact of this test along a dimension. */
static void value(const char *dim, const struct department *d,
		  const struct line *l, int kind, char *buf, size_t size)
{
	if (strcmp(dim, "function:class") == 0)
		snprintf(buf, size, "%.3s", codes[l->code]);
	else if (strcmp(dim, "function:section") == 0)
		snprintf(buf, size, "%.5s", codes[l->code]);
	else if (strcmp(dim, "function:item") == 0)
		snprintf(buf, size, "%s", codes[l->code]);
	else if (strcmp(dim, "source") == 0)
		snprintf(buf, size, "%s", sources[l->source]);
	else if (strcmp(dim, "kind") == 0)
		snprintf(buf, size, "%s", kinds[kind]);
	else if (strcmp(dim, "department") == 0)
		snprintf(buf, size, "%s", d->code);
	else if (strcmp(dim, "parent") == 0)
		snprintf(buf, size, "%s", d->parent);
	else
		snprintf(buf, size, "%d", d->year);
}

static long long kind_amount(const struct line *l, int kind)
{
	return kind == 0   ? l->wages
	       : kind == 1 ? l->goods
	       : kind == 2 ? l->operating
			   : l->targeted;
}

static const char *const dims[] = {
    "function:class", "function:section", "function:item", "source",
    "kind",	      "department",	  "parent",	   "year"};

/* One random drilldown with a random cut, checked row by row. */
static int check_query(unsigned *rs)
{
	const char *by = dims[rand_r(rs) % 8];
	const char *cut_dim = NULL;
	char cut_value[16] = "";
	int cut = rand_r(rs) % 3;
	if (cut == 1) {
		cut_dim = "function";
		snprintf(cut_value, sizeof cut_value, "%.3s",
			 codes[rand_r(rs) % N_CODES]);
	} else if (cut == 2) {
		cut_dim = "parent";
		snprintf(cut_value, sizeof cut_value, "%03d",
			 300 + (int)(rand_r(rs) % 7));
	}
	char request[256];
	snprintf(
	    request, sizeof request,
	    "{\"op\":\"totals\",\"by\":[\"%s\"],\"unit\":\"元\"%s%s%s%s%s}", by,
	    cut_dim ? ",\"where\":[\"" : "", cut_dim ? cut_dim : "",
	    cut_dim ? ":" : "", cut_dim ? cut_value : "",
	    cut_dim ? (cut == 1 ? "*\"]" : "\"]") : "");
	cJSON *r = harness_call_text(&h, request);
	assert_non_null(r);
	int rows = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(r, "rows"))
	{
		const char *key =
		    cJSON_GetObjectItem(cJSON_GetObjectItem(row, "key"), by)
			->valuestring;
		long long expect = 0;
		char v[32];
		for (int i = 0; i < DEPARTMENTS; i++) {
			const struct department *d = &district[i];
			if (cut == 2 && strcmp(d->parent, cut_value) != 0)
				continue;
			for (int k = 0; k < d->n; k++) {
				const struct line *l = &d->lines[k];
				if (cut == 1 &&
				    strncmp(codes[l->code], cut_value, 3) != 0)
					continue;
				for (int kind = 0; kind < 4; kind++) {
					value(by, d, l, kind, v, sizeof v);
					if (strcmp(v, key) == 0)
						expect += kind_amount(l, kind);
				}
			}
		}
		bd_fen got;
		const char *why;
		assert_int_equal(money_parse(json_str(row, "amount"),
					     BD_UNIT_YUAN, &got, &why),
				 0);
		if (got != expect)
			fail_msg("%s: row %s = %lld, expected %lld", request,
				 key, (long long)got, expect);
		rows++;
	}
	cJSON_Delete(r);
	return rows;
}

/* Every client sends the same revision of one department at once: each is
 * acknowledged, with its own revision number, the numbers one run. */
static void *contend_main(void *arg)
{
	long long *numbers = arg;
	char *request = render(&district[0]);
	for (int i = 0; i < 4; i++) {
		cJSON *r = harness_call(&h, request, strlen(request), 20000);
		const cJSON *n = cJSON_GetObjectItem(r, "revision");
		numbers[i] = cJSON_IsNumber(n) ? (long long)n->valuedouble : -1;
		cJSON_Delete(r);
	}
	free(request);
	return NULL;
}

static int compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static void test_district_at(int departments, int clients, int workers,
			     unsigned seed)
{
	pthread_t threads[MAX_CLIENTS];
	unsigned rs = seed;
	char config[64];
	DEPARTMENTS = departments;
	CLIENTS = clients;
	failures = 0;
	assert_int_equal(harness_init(&h, "district"), 0);
	snprintf(config, sizeof config, "[daemon]\naudit_workers = %d\n",
		 workers);
	assert_int_equal(harness_write_config(&h, config), 0);
	assert_int_equal(harness_start(&h), 0);
	for (int i = 0; i < DEPARTMENTS; i++)
		make(&district[i], i, &rs);
	pthread_t verifier;
	verifying = 1;
	verifies = verifies_inconsistent = 0;
	recounted = 0;
	pthread_create(&verifier, NULL, verifier_main, NULL);
	for (int c = 0; c < CLIENTS; c++)
		pthread_create(&threads[c], NULL, client_main,
			       (void *)(intptr_t)c);
	for (int c = 0; c < CLIENTS; c++)
		pthread_join(threads[c], NULL);
	assert_int_equal(failures, 0);

	/* Revisions: a third of the departments drop lines and change amounts.
	 */
	for (int i = 0; i < DEPARTMENTS; i += 3) {
		struct department *d = &district[i];
		int drop = 1 + (int)(rand_r(&rs) % 4);
		d->n = d->n > drop + 1 ? d->n - drop : d->n;
		d->lines[0].goods += 12345;
		submit(d);
	}
	assert_int_equal(failures, 0);
	__atomic_store_n(&verifying, 0, __ATOMIC_SEQ_CST);
	pthread_join(verifier, NULL);
	assert_int_equal(verifies_inconsistent, 0);
	assert_true(verifies > 0);

	/* One department from every client at once (revision 2 so far). */
	long long numbers[MAX_CLIENTS * 4];
	for (int c = 0; c < CLIENTS; c++)
		pthread_create(&threads[c], NULL, contend_main,
			       numbers + 4 * c);
	for (int c = 0; c < CLIENTS; c++)
		pthread_join(threads[c], NULL);
	qsort(numbers, (size_t)CLIENTS * 4, sizeof *numbers, compare_ll);
	for (int i = 0; i < CLIENTS * 4; i++)
		assert_int_equal(numbers[i], 3 + i);

	cJSON *status = harness_call_text(&h, "{\"op\":\"status\"}");
	assert_int_equal(cJSON_GetObjectItem(status, "audit_workers")->valueint,
			 workers);
	double audits = cJSON_GetObjectItem(status, "audits_run")->valuedouble;
	assert_true(audits >= DEPARTMENTS + DEPARTMENTS / 3 + CLIENTS * 4);
	cJSON_Delete(status);

	int rows = 0;
	for (int q = 0; q < 60; q++)
		rows += check_query(&rs);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	for (int q = 0; q < 40; q++)
		rows += check_query(&rs);
	cJSON *r = harness_call_text(&h, "{\"op\":\"verify\"}");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent")));
	fprintf(stderr,
		"  %d departments, %d clients, %d audit workers: %d "
		"revisions, %d at once of one department, 100 random "
		"drilldowns (%d rows) exact, before and after a restart; "
		"verify: %d cells consistent; %d verifies while "
		"submitting, all consistent, %ld departments counted again\n",
		DEPARTMENTS, CLIENTS, workers, DEPARTMENTS / 3, CLIENTS * 4,
		rows, cJSON_GetObjectItem(r, "cells_compared")->valueint,
		verifies, recounted);
	cJSON_Delete(r);
	assert_true(rows > 200);
}

static void test_small_one_worker(void **state)
{
	(void)state;
	test_district_at(30, 4, 1, 20251128);
}

static void test_medium_two_workers(void **state)
{
	(void)state;
	test_district_at(120, 8, 2, 20261207);
}

static void test_large_four_workers(void **state)
{
	(void)state;
	test_district_at(MAX_DEPARTMENTS, 8, 4, 7);
}

/* The loop thread alone, as audit_workers = 0 asks. */
static void test_without_workers(void **state)
{
	(void)state;
	test_district_at(60, 4, 0, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HARNESS_TEST(test_small_one_worker, &h),
	    HARNESS_TEST(test_medium_two_workers, &h),
	    HARNESS_TEST(test_large_four_workers, &h),
	    HARNESS_TEST(test_without_workers, &h),
	};
	return harness_run("test_district", tests,
			   sizeof tests / sizeof tests[0]);
}
