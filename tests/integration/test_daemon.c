/*
 * The real daemon over real sockets: submissions, audit, totals, revisions,
 * restart, notifications, bad input, reload and concurrent clients.  One
 * program of about 1000 lines: each test starts its own daemon, and
 * starting them in one process keeps the suite fast on two cores.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "money.h"
#include "test_json.h"
#include <sqlite3.h>

/* One daemon per test, stopped by the teardown even when a test fails
 * half-way: a failed assertion must not leave a daemon behind. */
static struct harness h;

static const char *error_message(const cJSON *reply)
{
	const cJSON *e = cJSON_GetObjectItem(reply, "error");
	const cJSON *m = cJSON_GetObjectItem(e, "message");
	return cJSON_IsString(m) ? m->valuestring : "";
}

/* The 类 totals of a totals reply, in 分, keyed by class index 200..299. */
static void class_totals(const cJSON *reply, bd_fen out[100])
{
	const cJSON *row;
	const char *why;
	enum bd_unit unit;
	memset(out, 0, 100 * sizeof *out);
	assert_int_equal(money_unit_parse(json_str(reply, "unit"), &unit), 0);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(reply, "rows"))
	{
		const char *k =
		    cJSON_GetObjectItem(cJSON_GetObjectItem(row, "key"),
					"function:class")
			->valuestring;
		bd_fen fen;
		assert_int_equal(
		    money_parse(json_str(row, "amount"), unit, &fen, &why), 0);
		out[atoi(k) - 200] = fen;
	}
}

/* Independent sums of a document's lines by 类, straight from its JSON. */
static void document_class_sums(const char *json, bd_fen out[100])
{
	cJSON *doc = cJSON_Parse(json);
	enum bd_unit unit;
	const char *why;
	memset(out, 0, 100 * sizeof *out);
	money_unit_parse(json_str(doc, "unit"), &unit);
	const cJSON *line;
	cJSON_ArrayForEach(line, cJSON_GetObjectItem(doc, "expenditure"))
	{
		char cls[4];
		snprintf(cls, sizeof cls, "%.3s", json_str(line, "function"));
		const char *parts[] = {"basic", "project"};
		for (int p = 0; p < 2; p++) {
			const cJSON *obj = cJSON_GetObjectItem(line, parts[p]);
			const cJSON *cell;
			bool split = false;
			cJSON_ArrayForEach(cell, obj) split |=
			    strcmp(cell->string, "total") != 0;
			cJSON_ArrayForEach(cell, obj)
			{
				if (split ==
				    (strcmp(cell->string, "total") == 0))
					continue;
				bd_fen fen = 0;
				if (cJSON_IsString(cell) && *cell->valuestring)
					assert_int_equal(
					    money_parse(cell->valuestring, unit,
							&fen, &why),
					    0);
				out[atoi(cls) - 200] += fen;
			}
		}
	}
	cJSON_Delete(doc);
}

static char *wanli_as_2023(void)
{
	char *text = harness_read_data("putuo-wanli-2025.json");
	char *p = strstr(text, "\"year\": 2025");
	memcpy(p, "\"year\": 2023", 12);
	return text;
}

static char *fengquan_revision_2(void)
{
	/* Drops the 2089999 line (0.36 万元) and moves its amount nowhere. */
	char *text = harness_read_data("fengquan-116001-2023-corrected.json");
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(doc, "expenditure"), 4);
	cJSON_DeleteItemFromObject(doc, "stated");
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(doc, "income"),
				  "general_budget",
				  cJSON_CreateString("231.95"));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

static cJSON *totals_by_class(const struct harness *daemon)
{
	cJSON *r = harness_call_text(
	    daemon, "{\"op\":\"totals\",\"by\":[\"function:class\"],"
		    "\"year\":2023,\"unit\":\"元\"}");
	assert_non_null(r);
	assert_true(harness_ok(r));
	return r;
}

static void test_end_to_end(void **state)
{
	bd_fen got[100], a[100], b[100], a2[100];
	(void)state;
	assert_int_equal(harness_init(&h, "e2e"), 0);
	assert_int_equal(harness_start(&h), 0);

	/* A subscriber from the start sees every event. */
	nng_socket sub;
	assert_int_equal(nng_sub0_open(&sub), 0);
	/* Events only: per-total messages have their own topics. */
	assert_int_equal(
	    nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "budgetd.revision.", 17),
	    0);
	assert_int_equal(nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE,
					"budgetd.submission.", 19),
			 0);
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 3000);
	assert_int_equal(nng_dial(sub, h.publish_url, NULL, 0), 0);
	usleep(200000); /* let the subscription reach the publisher */

	/* The published sample is rejected, naming each inconsistency. */
	char *sample = harness_read_data("fengquan-116001-2023.json");
	cJSON *r = harness_send_document(&h, "submit", sample);
	assert_non_null(r);
	assert_false(harness_ok(r));
	assert_string_equal(harness_error_code(r), "rejected");
	const cJSON *findings = cJSON_GetObjectItem(r, "findings");
	/* Six arithmetic errors, the misfiled code, a name variant, a cost
	 * indicator that contradicts its project. */
	assert_int_equal(cJSON_GetArraySize(findings), 9);
	const cJSON *f0 = cJSON_GetArrayItem(findings, 0);
	assert_string_equal(json_str(f0, "path"),
			    "stated.expenditure_by_class.201");
	assert_string_equal(json_str(f0, "expected"), "223.38");
	assert_string_equal(json_str(f0, "actual"), "213.78");
	cJSON_Delete(r);
	free(sample);

	/* Nothing of it counts. */
	r = totals_by_class(&h);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")), 0);
	cJSON_Delete(r);

	/* Corrected, it is accepted and the 类 totals are exact. */
	char *corrected =
	    harness_read_data("fengquan-116001-2023-corrected.json");
	r = harness_send_document(&h, "submit", corrected);
	assert_true(harness_ok(r));
	assert_int_equal(cJSON_GetObjectItem(r, "revision")->valueint, 1);
	cJSON_Delete(r);
	r = totals_by_class(&h);
	class_totals(r, got);
	cJSON_Delete(r);
	document_class_sums(corrected, a);
	assert_int_equal(got[1], 213780000);
	assert_int_equal(got[8], 9960000);
	assert_int_equal(got[21], 8570000);
	assert_memory_equal(got, a, sizeof a);

	/* A second department moves every 类 by exactly its own lines. */
	char *wanli = wanli_as_2023();
	r = harness_send_document(&h, "submit", wanli);
	assert_true(harness_ok(r));
	cJSON_Delete(r);
	document_class_sums(wanli, b);
	r = totals_by_class(&h);
	class_totals(r, got);
	cJSON_Delete(r);
	for (int c = 0; c < 100; c++)
		assert_int_equal(got[c], a[c] + b[c]);

	/* A revision of the first replaces it: lines it dropped disappear. */
	char *rev2 = fengquan_revision_2();
	r = harness_send_document(&h, "submit", rev2);
	assert_true(harness_ok(r));
	assert_int_equal(cJSON_GetObjectItem(r, "revision")->valueint, 2);
	cJSON_Delete(r);
	document_class_sums(rev2, a2);
	assert_int_equal(a[8] - a2[8], 360000);
	r = totals_by_class(&h);
	class_totals(r, got);
	char *before_restart = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	for (int c = 0; c < 100; c++)
		assert_int_equal(got[c], a2[c] + b[c]);

	/* show returns the stored bytes of a revision, verbatim. */
	r = harness_call_text(&h, "{\"op\":\"show\",\"department\":\"116001\","
				  "\"year\":2023,\"revision\":1}");
	assert_true(harness_ok(r));
	char *shown =
	    cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "document"));
	cJSON *orig = cJSON_Parse(corrected);
	char *orig_text = cJSON_PrintUnformatted(orig);
	assert_string_equal(shown, orig_text);
	free(shown);
	free(orig_text);
	cJSON_Delete(orig);
	cJSON_Delete(r);

	/* Every event once, in order, gap-free: rejected, then three revisions.
	 */
	static const char *const kinds[] = {
	    "submission.rejected", "revision.accepted", "revision.accepted",
	    "revision.accepted"};
	for (int i = 0; i < 4; i++) {
		nng_msg *msg;
		assert_int_equal(nng_recvmsg(sub, &msg, 0), 0);
		const char *body =
		    memchr(nng_msg_body(msg), ' ', nng_msg_len(msg));
		assert_non_null(body);
		cJSON *ev = cJSON_ParseWithLength(
		    body + 1,
		    nng_msg_len(msg) -
			(size_t)(body + 1 - (char *)nng_msg_body(msg)));
		assert_non_null(ev);
		assert_int_equal(cJSON_GetObjectItem(ev, "seq")->valueint,
				 i + 1);
		assert_string_equal(json_str(ev, "kind"), kinds[i]);
		if (i == 1) {
			static const char topic[] =
			    "budgetd.revision.accepted.2023.116.116001 ";
			if (strncmp(nng_msg_body(msg), topic,
				    sizeof topic - 1) != 0)
				fail_msg("topic: %.60s",
					 (char *)nng_msg_body(msg));
		}
		cJSON_Delete(ev);
		nng_msg_free(msg);
	}
	nng_close(sub);

	/* A restart rebuilds the same totals from the store. */
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	r = totals_by_class(&h);
	char *after_restart = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	assert_string_equal(before_restart, after_restart);
	r = harness_call_text(&h, "{\"op\":\"departments\"}");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r, "departments")), 2);
	cJSON_Delete(r);
	r = harness_call_text(&h, "{\"op\":\"events\",\"since\":2}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "events")),
			 2);
	/* The store remembers what each accepted revision moved. */
	const cJSON *ev3 =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r, "events"), 0);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(ev3, "changes")) >
		    10);
	cJSON_Delete(r);

	/* verify recomputes every total from the store: consistent ... */
	r = harness_call_text(&h, "{\"op\":\"verify\"}");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent")));
	assert_int_equal(cJSON_GetObjectItem(r, "departments")->valueint, 2);
	assert_true(cJSON_GetObjectItem(r, "cells_compared")->valueint > 50);
	cJSON_Delete(r);
	/* ... and it notices a stored document changed behind its back. */
	char db_path[300];
	snprintf(db_path, sizeof db_path, "%s/state/budgetd.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(
	    sqlite3_exec(
		db,
		"UPDATE documents SET body = replace(body, "
		"'\"wages\":\"62.54\"',"
		" '\"wages\":\"62.55\"') WHERE id = (SELECT document_id FROM"
		" revisions WHERE department = '116001' ORDER BY number DESC"
		" LIMIT 1)",
		NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	r = harness_call_text(&h, "{\"op\":\"verify\"}");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent")));
	char *differences =
	    cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "differences"));
	assert_non_null(
	    strstr(differences, "function:item 2023|2010301: the totals say"));
	free(differences);
	cJSON_Delete(r);

	free(before_restart);
	free(after_restart);
	free(corrected);
	free(wanli);
	free(rev2);
	assert_int_equal(harness_stop(&h), 0);
	harness_cleanup(&h);
}

/* ---- bad input --------------------------------------------------------------
 */

struct bad_case {
	const char *request;
	const char *code;
	const char *words;
};

static void test_bad_input_changes_nothing(void **state)
{
	static const struct bad_case cases[] = {
	    {"garbage", "bad_json", "syntax error"},
	    {"{\"op\":\"submit\",\"document\":{\"format\":", "bad_json",
	     "truncated"},
	    {"", "bad_request", "empty request"},
	    {"[1,2,3]", "bad_request", "JSON object"},
	    {"{}", "bad_request", "has no \"op\""},
	    {"{\"op\":42}", "bad_request", "\"op\" must be a string"},
	    {"{\"op\":\"launch\"}", "unknown_op", "expected one of"},
	    {"{\"op\":\"submit\"}", "bad_request", "\"document\" is required"},
	    {"{\"op\":\"submit\",\"document\":\"{}\"}", "bad_request",
	     "must be a JSON object"},
	    {"{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	     "9\"}}",
	     "invalid_document", "unsupported format"},
	    {"{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	     "1\",\"year\":"
	     "\"2023\",\"unit\":\"元\",\"department\":{\"code\":\"1\",\"name\":"
	     "2},"
	     "\"income\":[],\"expenditure\":{}}}",
	     "invalid_document", "year"},
	    {"{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	     "1\",\"year\":2023,"
	     "\"unit\":\"元\",\"department\":{\"code\":\"116001\",\"name\":"
	     "\"x\"},"
	     "\"income\":{\"general_budget\":\"1.001\"},\"expenditure\":[]}}",
	     "invalid_document", "income.general_budget"},
	    {"{\"op\":\"show\"}", "bad_request", "\"department\" is required"},
	    {"{\"op\":\"show\",\"department\":\"999\"}", "not_found",
	     "no accepted revision"},
	    {"{\"op\":\"history\",\"department\":7}", "bad_request",
	     "must be a string"},
	    {"{\"op\":\"events\",\"since\":-1}", "bad_request",
	     "integer from 0"},
	    {"{\"op\":\"totals\",\"by\":[\"colour\"]}", "bad_request",
	     "unknown dimension"},
	    {"{\"op\":\"status\",\"x\":\"\xff\xfe\"}", "bad_encoding",
	     "not valid UTF-8 at byte"},
	};
	(void)state;
	assert_int_equal(harness_init(&h, "bad"), 0);
	assert_int_equal(
	    harness_write_config(&h, "[daemon]\nmax_message_size = 64K\n"), 0);
	assert_int_equal(harness_start(&h), 0);
	char *corrected =
	    harness_read_data("fengquan-116001-2023-corrected.json");
	cJSON *r = harness_send_document(&h, "submit", corrected);
	assert_true(harness_ok(r));
	cJSON_Delete(r);
	free(corrected);
	cJSON *before = totals_by_class(&h);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = harness_call_text(&h, cases[i].request);
		if (r == NULL)
			fail_msg("no reply to case %zu", i);
		assert_false(harness_ok(r));
		if (strcmp(harness_error_code(r), cases[i].code) != 0 ||
		    strstr(error_message(r), cases[i].words) == NULL)
			fail_msg("case %zu: got %s: %s", i,
				 harness_error_code(r), error_message(r));
		cJSON_Delete(r);
	}
	/* A NUL byte inside the request. */
	r = harness_call(&h, "{\"op\":\0\"status\"}", 17, 5000);
	assert_string_equal(harness_error_code(r), "bad_encoding");
	cJSON_Delete(r);

	/* Over the limit: a precise refusal.  Far over it: dropped unread. */
	size_t big = 100 * 1024;
	char *huge = malloc(400 * 1024);
	memset(huge, ' ', 400 * 1024);
	memcpy(huge, "{\"op\":\"status\"}", 15);
	r = harness_call(&h, huge, big, 5000);
	assert_non_null(r);
	assert_string_equal(harness_error_code(r), "message_too_large");
	assert_non_null(strstr(error_message(r), "102400 bytes"));
	assert_non_null(strstr(error_message(r), "at most 65536"));
	cJSON_Delete(r);
	/* Far over the limit, sent by nngcat in a process of its own: nng 1.5's
	 * client can hang in nng_close() after the server dropped a message
	 * mid-send, and nng cannot be used in a forked child.  The daemon must
	 * answer nothing and go on serving. */
	char big_path[300], out_path[300];
	snprintf(big_path, sizeof big_path, "%s/big.json", h.dir);
	snprintf(out_path, sizeof out_path, "%s/big.out", h.dir);
	FILE *big_file = fopen(big_path, "wb");
	assert_int_equal(fwrite(huge, 1, 400 * 1024, big_file), 400 * 1024);
	fclose(big_file);
	pid_t child = fork();
	if (child == 0) {
		if (freopen(out_path, "w", stdout) == NULL)
			_exit(126);
		execlp("nngcat", "nngcat", "--req", "--dial", h.request_url,
		       "--file", big_path, "--recv-timeout", "2", "--format",
		       "raw", (char *)NULL);
		_exit(127);
	}
	int child_status = 0;
	bool exited = false;
	for (int i = 0; i < 50 && !exited; i++) {
		exited = waitpid(child, &child_status, WNOHANG) == child;
		if (!exited)
			usleep(100000);
	}
	if (!exited) {
		kill(child, SIGKILL);
		waitpid(child, &child_status, 0);
	}
	assert_false(WIFEXITED(child_status) &&
		     WEXITSTATUS(child_status) == 127); /* nngcat ran */
	struct stat out_stat;
	assert_int_equal(stat(out_path, &out_stat), 0);
	assert_int_equal(out_stat.st_size, 0); /* no reply */
	free(huge);

	/* Still serving, and nothing counted changed. */
	cJSON *after = totals_by_class(&h);
	char *a = cJSON_PrintUnformatted(before),
	     *b = cJSON_PrintUnformatted(after);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cJSON_Delete(before);
	cJSON_Delete(after);
	r = harness_call_text(&h, "{\"op\":\"status\"}");
	assert_true(harness_ok(r));
	const cJSON *stored = cJSON_GetObjectItem(r, "stored");
	assert_int_equal(cJSON_GetObjectItem(stored, "revisions")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(stored, "accepted")->valueint, 1);
	cJSON_Delete(r);
	assert_int_equal(harness_stop(&h), 0);
	harness_cleanup(&h);
}

/* ---- reload ---- */

static void test_reload_changes_policy(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "reload"), 0);
	assert_int_equal(
	    harness_write_config(&h, "[daemon]\nlog_level = info\n"), 0);
	assert_int_equal(harness_start(&h), 0);
	char *sample = harness_read_data("fengquan-116001-2023.json");
	cJSON *r = harness_send_document(&h, "validate", sample);
	assert_false(harness_ok(r));
	cJSON_Delete(r);

	/* The operator decides these rules only warn. */
	static const char warn_only[] =
	    "[daemon]\nlog_level = info\n"
	    "[severity]\narith.stated.* = warning\n"
	    "arith.balance.appropriation = warning\n"
	    "catalog.function.name_of_other_code = warning\n";
	assert_int_equal(harness_write_config(&h, warn_only), 0);
	/* budgetd --reload (systemd's ExecReload) asks through the socket
	 * and says whether the new config was taken. */
	char reload[900];
	snprintf(reload, sizeof reload,
		 "%s/budgetd --config %s --listen %s --reload >/dev/null 2>&1",
		 BUDGETD_TEST_BIN_DIR, h.config_path, h.request_url);
	assert_int_equal(system(reload), 0);
	r = harness_send_document(&h, "validate", sample);
	assert_true(harness_ok(r));
	const cJSON *f0 =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r, "findings"), 0);
	assert_string_equal(json_str(f0, "severity"), "warning");
	cJSON_Delete(r);

	/* An operator's own rule takes effect on reload, no restart. */
	char rules_dir[256], rules_file[300];
	snprintf(rules_dir, sizeof rules_dir, "%s/rules", h.dir);
	snprintf(rules_file, sizeof rules_file, "%s/local.rules", rules_dir);
	assert_int_equal(mkdir(rules_dir, 0755), 0);
	FILE *f = fopen(rules_file, "w");
	fputs(
	    "rule local.project_cap error \"project spending above 100 万元\"\n"
	    "    expenditure.project <= 100 万元\n",
	    f);
	fclose(f);
	r = harness_call_text(&h, "{\"op\":\"reload\"}");
	assert_true(harness_ok(r));
	cJSON_Delete(r);
	r = harness_send_document(&h, "validate", sample);
	assert_false(harness_ok(r));
	/* A config the daemon refuses makes --reload exit 1 (systemctl
	 * reload fails), and the running one stays. */
	assert_int_equal(
	    harness_write_config(&h, "[daemon]\nlog_level = info\n"
				     "[plugin.arith]\ntolerance_fen = lots\n"),
	    0);
	int refused = system(reload);
	assert_true(WIFEXITED(refused) && WEXITSTATUS(refused) == 1);
	assert_int_equal(harness_write_config(&h, warn_only), 0);
	cJSON_Delete(r);
	r = harness_send_document(&h, "validate", sample);
	assert_false(harness_ok(r));
	const cJSON *fi;
	bool seen = false;
	cJSON_ArrayForEach(fi, cJSON_GetObjectItem(r, "findings")) seen |=
	    strcmp(json_str(fi, "rule"), "local.project_cap") == 0;
	assert_true(seen);
	cJSON_Delete(r);
	/* A rule file with a syntax error is refused with file:line:column,
	 * and the rules in force stay. */
	f = fopen(rules_file, "w");
	fputs(
	    "rule local.project_cap error \"x\"\n    expenditure.project <= \n",
	    f);
	fclose(f);
	r = harness_call_text(&h, "{\"op\":\"reload\"}");
	assert_string_equal(harness_error_code(r), "reload_failed");
	assert_non_null(strstr(error_message(r), "local.rules:2:28"));
	cJSON_Delete(r);
	r = harness_send_document(&h, "validate", sample);
	assert_false(harness_ok(r));
	cJSON_Delete(r);
	unlink(rules_file);
	r = harness_call_text(&h, "{\"op\":\"reload\"}");
	assert_true(harness_ok(r));
	cJSON_Delete(r);

	/* A broken config is refused and the running one stays. */
	assert_int_equal(harness_write_config(&h, "[daemon]\nlisten_on = x\n"),
			 0);
	r = harness_call_text(&h, "{\"op\":\"reload\"}");
	assert_string_equal(harness_error_code(r), "reload_failed");
	assert_non_null(strstr(error_message(r), "budgetd.conf:2"));
	cJSON_Delete(r);
	r = harness_send_document(&h, "validate", sample);
	assert_true(harness_ok(r));
	cJSON_Delete(r);
	free(sample);
	assert_int_equal(harness_stop(&h), 0);
	harness_cleanup(&h);
}

static void test_broken_plugin_list_refuses_to_start(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "noplugin"), 0);
	assert_int_equal(
	    harness_write_config(&h, "[daemon]\nplugins = arith, nosuch\n"), 0);
	assert_int_equal(harness_start(&h), -1);
	char log[4096];
	harness_read_log(&h, log, sizeof log);
	assert_non_null(strstr(log, "plugin nosuch: cannot load"));
	harness_cleanup(&h);
}

/* ---- concurrent clients ---- */

struct client_arg {
	const struct harness *h;
	int index;
	int accepted;
	long long max_seq;
};

static void *client_main(void *p)
{
	struct client_arg *arg = p;
	char *text = harness_read_data("fengquan-116001-2023-corrected.json");
	for (int k = 0; k < 10; k++) {
		char code[16], *doc = strdup(text);
		snprintf(code, sizeof code, "9%02d%03d", arg->index, k);
		memcpy(strstr(doc, "116001"), code, 6); /* department.code */
		cJSON *r = harness_send_document(arg->h, "submit", doc);
		if (r && harness_ok(r)) {
			arg->accepted++;
			long long seq = (long long)cJSON_GetObjectItem(r, "seq")
					    ->valuedouble;
			if (seq > arg->max_seq)
				arg->max_seq = seq;
		}
		cJSON_Delete(r);
		free(doc);
	}
	free(text);
	return NULL;
}

static void test_concurrent_submissions(void **state)
{
	enum { CLIENTS = 8 };
	pthread_t threads[CLIENTS];
	struct client_arg args[CLIENTS];
	(void)state;
	assert_int_equal(harness_init(&h, "conc"), 0);
	assert_int_equal(harness_start(&h), 0);
	struct timespec began, ended;
	clock_gettime(CLOCK_MONOTONIC, &began);
	for (int i = 0; i < CLIENTS; i++) {
		args[i] = (struct client_arg){&h, i, 0, 0};
		pthread_create(&threads[i], NULL, client_main, &args[i]);
	}
	int accepted = 0;
	long long max_seq = 0;
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(threads[i], NULL);
		accepted += args[i].accepted;
		if (args[i].max_seq > max_seq)
			max_seq = args[i].max_seq;
	}
	clock_gettime(CLOCK_MONOTONIC, &ended);
	double wall_ms = (double)(ended.tv_sec - began.tv_sec) * 1e3 +
			 (double)(ended.tv_nsec - began.tv_nsec) / 1e6;
	assert_int_equal(accepted, CLIENTS * 10);
	assert_int_equal(max_seq, CLIENTS * 10);
	cJSON *r = harness_call_text(
	    &h, "{\"op\":\"totals\",\"by\":[\"year\"],\"unit\":\"元\"}");
	const cJSON *row =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r, "rows"), 0);
	char expect[32];
	snprintf(expect, sizeof expect, "%d.00", 2323100 * CLIENTS * 10);
	assert_string_equal(json_str(row, "amount"), expect);
	assert_int_equal(cJSON_GetObjectItem(row, "departments")->valueint,
			 CLIENTS * 10);
	cJSON_Delete(r);
	r = harness_call_text(&h, "{\"op\":\"status\"}");
	fprintf(stderr, "  %d submissions in %d transactions\n", CLIENTS * 10,
		cJSON_GetObjectItem(r, "submission_commits")->valueint);
	assert_true(cJSON_GetObjectItem(r, "submission_commits")->valueint <=
		    CLIENTS * 10);
	assert_int_equal(
	    cJSON_GetObjectItem(r, "submissions_committed")->valueint,
	    CLIENTS * 10);
	/* Where the round trips went: every accepted submission timed, the
	 * stages in their order, each taking time where work is done, and
	 * together no more than the clients waited. */
	static const char *const stages[] = {
	    "to_loop",	  "audit_wait", "audit",      "from_audit",
	    "store_wait", "commit",	"from_store", "apply_reply"};
	assert_int_equal(cJSON_GetObjectItem(r, "submissions_timed")->valueint,
			 CLIENTS * 10);
	const cJSON *timing = cJSON_GetObjectItem(r, "submission_stage_ms");
	assert_int_equal(cJSON_GetArraySize(timing), 8);
	double sum_ms = 0;
	for (int i = 0; i < 8; i++) {
		const cJSON *stage = cJSON_GetArrayItem(timing, i);
		assert_string_equal(stage->string, stages[i]);
		assert_true(stage->valuedouble >= 0);
		sum_ms += stage->valuedouble;
	}
	assert_true(cJSON_GetObjectItem(timing, "audit")->valuedouble > 0);
	assert_true(cJSON_GetObjectItem(timing, "commit")->valuedouble > 0);
	assert_true(cJSON_GetObjectItem(timing, "apply_reply")->valuedouble >
		    0);
	fprintf(stderr, "  stages: %.1f ms in all, clients waited %.1f ms\n",
		sum_ms, wall_ms * CLIENTS);
	assert_true(sum_ms <= wall_ms * CLIENTS);
	cJSON_Delete(r);
	assert_int_equal(harness_stop(&h), 0);
	harness_cleanup(&h);
}

/* ---- errors injected at random are each reported by the right rule ---- */

static bool has_finding(const cJSON *reply, const char *rule_prefix,
			const char *path_prefix)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(reply, "findings"))
	{
		const char *rule = json_str(f, "rule");
		const char *path = json_str(f, "path");
		if (strncmp(rule, rule_prefix, strlen(rule_prefix)) == 0 &&
		    (path_prefix == NULL ||
		     strncmp(path, path_prefix, strlen(path_prefix)) == 0))
			return true;
	}
	return false;
}

static size_t errors_in(const cJSON *reply)
{
	size_t n = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItem(reply, "findings")) n +=
	    strcmp(json_str(f, "severity"), "error") == 0;
	return n;
}

static void set_amount(cJSON *obj, const char *key, const char *value)
{
	if (cJSON_GetObjectItem(obj, key))
		cJSON_ReplaceItemInObject(obj, key, cJSON_CreateString(value));
	else
		cJSON_AddStringToObject(obj, key, value);
}

static void test_injected_errors(void **state)
{
	static const char *const kinds[] = {
	    "amount", "code", "shift", "unit", "three_public", "indicator"};
	int caught[6] = {0}, tried[6] = {0};
	(void)state;
	assert_int_equal(harness_init(&h, "inject"), 0);
	assert_int_equal(harness_start(&h), 0);
	char *texts[2] = {
	    harness_read_data("fengquan-116001-2023-corrected.json"),
	    harness_read_data("putuo-wanli-2025.json")};
	/* Clean documents: no error. */
	for (int d = 0; d < 2; d++) {
		cJSON *r = harness_send_document(&h, "validate", texts[d]);
		assert_true(harness_ok(r));
		assert_int_equal(errors_in(r), 0);
		cJSON_Delete(r);
	}
	srand(2023);
	for (int round = 0; round < 120; round++) {
		int d = rand() % 2, kind = rand() % 6;
		if (kind == 5 && d == 1)
			d = 0; /* only the Henan sample has cost indicators */
		cJSON *doc = cJSON_Parse(texts[d]);
		cJSON *lines = cJSON_GetObjectItem(doc, "expenditure");
		int n = cJSON_GetArraySize(lines), i = rand() % n;
		cJSON *line = cJSON_GetArrayItem(lines, i);
		char path[64], *rule = NULL;
		snprintf(path, sizeof path, "expenditure[%d]", i);
		switch (kind) {
		case 0: { /* an amount changed: the row no longer adds up */
			cJSON *part = cJSON_GetObjectItem(line, "basic");
			if (part == NULL)
				part = cJSON_GetObjectItem(line, "project");
			cJSON *cell = part->child;
			char v[32];
			snprintf(v, sizeof v, "%s1", cell->valuestring);
			if (strchr(cell->valuestring, '.') == NULL)
				snprintf(v, sizeof v, "%s.5",
					 cell->valuestring);
			cJSON_SetValuestring(cell, v);
			/* The 合计 and the column totals still agree: the
			 * audit names the cell. */
			rule = "arith.line.cell";
			snprintf(path, sizeof path, "expenditure[%d].%s.%s", i,
				 part->string, cell->string);
			break;
		}
		case 1: { /* a code swapped to its neighbour */
			char code[8];
			snprintf(code, sizeof code, "%s",
				 json_str(line, "function"));
			code[6] = code[6] == '9' ? '8' : (char)(code[6] + 1);
			cJSON_ReplaceItemInObject(line, "function",
						  cJSON_CreateString(code));
			rule = "catalog.function.";
			break;
		}
		case 2: /* a column or a row shifted */
			if (d == 0) {
				/* wages printed under goods: 人员经费 no longer
				 * agrees */
				cJSON *basic =
				    cJSON_GetObjectItem(line, "basic");
				if (basic == NULL ||
				    cJSON_GetObjectItem(basic, "wages") ==
					NULL) {
					line = cJSON_GetArrayItem(lines, 0);
					basic =
					    cJSON_GetObjectItem(line, "basic");
				}
				char *wages = strdup(json_str(basic, "wages"));
				cJSON_DeleteItemFromObject(basic, "wages");
				cJSON_DeleteItemFromObject(basic, "goods");
				set_amount(basic, "goods", wages);
				free(wages);
				rule = "arith.stated.personnel_total";
				snprintf(path, sizeof path,
					 "stated.personnel_total");
			} else {
				/* two rows' figures swapped under their printed
				 * totals */
				int j = (i + 1) % n;
				cJSON *other = cJSON_GetArrayItem(lines, j);
				cJSON *a =
				    cJSON_DetachItemFromObject(line, "basic");
				cJSON *b =
				    cJSON_DetachItemFromObject(other, "basic");
				cJSON *pa =
				    cJSON_DetachItemFromObject(line, "project");
				cJSON *pb = cJSON_DetachItemFromObject(
				    other, "project");
				if (b)
					cJSON_AddItemToObject(line, "basic", b);
				if (a)
					cJSON_AddItemToObject(other, "basic",
							      a);
				if (pb)
					cJSON_AddItemToObject(line, "project",
							      pb);
				if (pa)
					cJSON_AddItemToObject(other, "project",
							      pa);
				rule = "arith.line.total";
				snprintf(path, sizeof path, "expenditure[");
			}
			break;
		case 3: /* units confused */
			cJSON_ReplaceItemInObject(
			    doc, "unit",
			    cJSON_CreateString(d == 0 ? "元" : "万元"));
			rule = "plausibility.magnitude";
			snprintf(path, sizeof path, "unit");
			break;
		case 4: /* 三公 parts that do not add up */
			set_amount(cJSON_GetObjectItem(doc, "three_public"),
				   "reception", "1");
			rule = "arith.three_public.total";
			snprintf(path, sizeof path, "three_public.total");
			break;
		case 5: { /* a cost indicator that contradicts the amount */
			cJSON *project = cJSON_GetArrayItem(
			    cJSON_GetObjectItem(doc, "projects"), 0);
			cJSON *ind = cJSON_GetArrayItem(
			    cJSON_GetObjectItem(project, "indicators"), 0);
			cJSON_ReplaceItemInObject(
			    ind, "value", cJSON_CreateString("≤1 万元"));
			rule = "plausibility.cost_indicator";
			snprintf(path, sizeof path,
				 "projects[0].indicators[0].value");
			break;
		}
		}
		char *json = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		cJSON *r = harness_send_document(&h, "validate", json);
		free(json);
		assert_non_null(r);
		tried[kind]++;
		if (has_finding(r, rule, path)) {
			caught[kind]++;
		} else {
			char *t =
			    cJSON_Print(cJSON_GetObjectItem(r, "findings"));
			fprintf(stderr,
				"  round %d: %s injected into doc %d, no %s at "
				"%s: %s\n",
				round, kinds[kind], d, rule, path, t);
			free(t);
		}
		cJSON_Delete(r);
	}
	for (int k = 0; k < 6; k++) {
		fprintf(stderr, "  %-13s %d/%d caught\n", kinds[k], caught[k],
			tried[k]);
		assert_int_equal(caught[k], tried[k]);
	}
	free(texts[0]);
	free(texts[1]);
}

/* ---- limits ---- */

#include <nng/protocol/reqrep0/req.h>

static void test_rate_limit_per_connection(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "rate"), 0);
	assert_int_equal(harness_write_config(
			     &h, "[daemon]\nrate_limit = 20\nrate_burst = 5\n"),
			 0);
	assert_int_equal(harness_start(&h), 0);
	nng_socket sock;
	assert_int_equal(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	assert_int_equal(nng_dial(sock, h.request_url, NULL, 0), 0);
	int limited = 0, served = 0;
	char message[256] = "";
	/* 40 requests as fast as one connection can: the burst of 5 passes,
	 * then about 20 a second. */
	for (int i = 0; i < 40; i++) {
		nng_msg *msg;
		assert_int_equal(nng_send(sock, "{\"op\":\"status\"}", 15, 0),
				 0);
		assert_int_equal(nng_recvmsg(sock, &msg, 0), 0);
		cJSON *r =
		    cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
		if (harness_ok(r))
			served++;
		else if (strcmp(harness_error_code(r), "rate_limited") == 0) {
			limited++;
			snprintf(message, sizeof message, "%s",
				 error_message(r));
		}
		cJSON_Delete(r);
	}
	nng_close(sock);
	fprintf(stderr,
		"  40 requests at once: %d served, %d rate-limited (\"%s\")\n",
		served, limited, message);
	assert_true(served >= 5);
	assert_true(limited >= 20);
	assert_non_null(strstr(message, "retry in"));
	/* Another connection has its own allowance. */
	cJSON *r = harness_call_text(&h, "{\"op\":\"status\"}");
	assert_true(harness_ok(r));
	cJSON_Delete(r);

	/* Requests of 4 KiB or more are decoded on the nng thread that
	 * received them: the rate is checked there first, as strictly. */
	char big[5000];
	int n = snprintf(big, sizeof big, "{\"op\":\"status\",\"note\":\"");
	memset(big + n, 'x', 4500);
	n += 4500;
	n += snprintf(big + n, sizeof big - (size_t)n, "\"}");
	assert_int_equal(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	assert_int_equal(nng_dial(sock, h.request_url, NULL, 0), 0);
	limited = served = 0;
	for (int i = 0; i < 40; i++) {
		nng_msg *msg;
		assert_int_equal(nng_send(sock, big, (size_t)n, 0), 0);
		assert_int_equal(nng_recvmsg(sock, &msg, 0), 0);
		r = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
		served += harness_ok(r);
		limited += !harness_ok(r) &&
			   strcmp(harness_error_code(r), "rate_limited") == 0;
		cJSON_Delete(r);
	}
	nng_close(sock);
	fprintf(stderr,
		"  40 requests of %d bytes at once: %d served, %d "
		"rate-limited\n",
		n, served, limited);
	assert_true(served >= 5);
	assert_true(limited >= 20);
	assert_int_equal(served + limited, 40);
}

/* ---- systemd notification ---- */

#include <sys/socket.h>
#include <sys/un.h>

static void test_sd_notify(void **state)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[512], seen[2048] = "";
	(void)state;
	assert_int_equal(harness_init(&h, "notify"), 0);
	if (snprintf(addr.sun_path, sizeof addr.sun_path, "%s/notify.sock",
		     h.dir) >= (int)sizeof addr.sun_path)
		fail_msg("scratch path too long for a unix socket");
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setenv("NOTIFY_SOCKET", addr.sun_path, 1);
	setenv("WATCHDOG_USEC", "200000", 1); /* a kick every 100 ms */
	int rc = harness_start(&h);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(rc, 0);
	for (int i = 0; i < 20 && !strstr(seen, "WATCHDOG=1"); i++) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			strncat(seen, buf, sizeof seen - strlen(seen) - 2);
			strcat(seen, "\n");
		}
	}
	kill(h.pid, SIGHUP);
	usleep(200000);
	assert_int_equal(harness_stop(&h), 0);
	for (int i = 0; i < 10; i++) {
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			strncat(seen, buf, sizeof seen - strlen(seen) - 2);
			strcat(seen, "\n");
		}
	}
	close(fd);
	assert_non_null(strstr(seen, "READY=1"));
	assert_non_null(strstr(seen, "WATCHDOG=1"));
	assert_non_null(strstr(seen, "RELOADING=1"));
	assert_non_null(strstr(seen, "STOPPING=1"));
	assert_non_null(strstr(seen, "STATUS=serving 0 departments"));
	assert_non_null(strstr(seen, "STATUS=stopping:"));
	/* READY only once the sockets answer: it comes before any STOPPING. */
	assert_true(strstr(seen, "READY=1") < strstr(seen, "STOPPING=1"));
}

/* A client whose request arrives while the daemon stops is told so:
 * "unavailable", not a dropped connection. */
static void test_stop_answers_unavailable(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "stop"), 0);
	assert_int_equal(harness_start(&h), 0);
	kill(h.pid, SIGTERM);
	int unavailable = 0, ok = 0, lost = 0;
	for (int i = 0; i < 40 && unavailable == 0 && lost == 0; i++) {
		cJSON *r = harness_call_text(&h, "{\"op\":\"status\"}");
		if (r == NULL)
			lost++;
		else if (harness_ok(r))
			ok++; /* the signal not yet seen */
		else if (strcmp(harness_error_code(r), "unavailable") == 0)
			unavailable++;
		cJSON_Delete(r);
		usleep(10000);
	}
	fprintf(stderr, "  after SIGTERM: %d served, then %s\n", ok,
		unavailable ? "\"unavailable\"" : "the connection dropped");
	assert_int_equal(unavailable, 1);
	assert_int_equal(lost, 0);
	assert_int_equal(harness_stop(&h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HARNESS_TEST(test_end_to_end, &h),
	    HARNESS_TEST(test_bad_input_changes_nothing, &h),
	    HARNESS_TEST(test_reload_changes_policy, &h),
	    HARNESS_TEST(test_broken_plugin_list_refuses_to_start, &h),
	    HARNESS_TEST(test_concurrent_submissions, &h),
	    HARNESS_TEST(test_sd_notify, &h),
	    HARNESS_TEST(test_stop_answers_unavailable, &h),
	    HARNESS_TEST(test_injected_errors, &h),
	    HARNESS_TEST(test_rate_limit_per_connection, &h),
	};
	return harness_run("test_daemon", tests,
			   sizeof tests / sizeof tests[0]);
}
