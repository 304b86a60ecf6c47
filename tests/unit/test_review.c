/*
 * The budget year in the daemon, in process: cases moved by submissions
 * and reviews, control numbers kept in memory and handed to plugins, the
 * stage views brought up to date only when asked, everything back after
 * a restart, and a store from before the workflow migrated seq for seq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inproc.h"
#include "review.h"
#include "test_files.h"
#include "test_json.h"

static struct inproc p;

static cJSON *call(const char *request)
{
	cJSON *r = inproc_call(&p, request, 0);
	assert_non_null(r);
	return r;
}

static void ok(const char *request)
{
	cJSON *r = call(request);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
		char *text = cJSON_PrintUnformatted(r);
		fail_msg("%s → %s", request, text);
	}
	cJSON_Delete(r);
}

static void submit(const char *stage)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof path, "%s/fengquan-116001-2023-corrected.json",
		 BUDGETD_TEST_DATA_DIR);
	char *doc = test_read_file(path, &len);
	assert_non_null(doc);
	char *request = malloc(len + 96);
	snprintf(request, len + 96,
		 "{\"op\":\"submit\",\"stage\":\"%s\",\"document\":%s}", stage,
		 doc);
	ok(request);
	free(request);
	free(doc);
}

static const char *total(const char *stage)
{
	static char text[64];
	char request[160];
	snprintf(request, sizeof request,
		 "{\"op\":\"totals\",\"year\":2023,\"unit\":\"元\","
		 "\"stage\":\"%s\"}",
		 stage);
	cJSON *r = call(request);
	snprintf(text, sizeof text, "%s", json_str(r, "total"));
	cJSON_Delete(r);
	return text;
}

static void start(void)
{
	assert_int_equal(inproc_start(&p, BUDGETD_TEST_PLUGIN_DIR,
				      BUDGETD_TEST_CONF_DIR, NULL),
			 0);
}

static void a_case_moves_and_views_wait_to_be_asked(void **state)
{
	(void)state;
	start();
	submit("proposal");
	struct review_case *c = review_find(&p.d.review, 2023, "116001");
	assert_non_null(c);
	assert_int_equal(c->at.stage, WF_STAGE_PROPOSAL);
	assert_int_equal(c->at.state, WF_STATE_SUBMITTED);
	assert_string_equal(c->parent, "116");
	ok("{\"op\":\"control.set\",\"year\":2023,\"departments\":[{"
	   "\"department\":\"116001\",\"items\":{\"total\":\"2323100.00\"}}]}");
	submit("budget");
	assert_int_equal(c->at.stage, WF_STAGE_BUDGET);
	assert_int_equal(c->revision, 2);
	ok("{\"op\":\"review\",\"action\":\"approve\",\"department\":"
	   "\"116001\",\"year\":2023,\"revision\":2,\"approval_number\":"
	   "\"凤财预〔2023〕11号\",\"approval_date\":\"2023-01-20\"}");
	assert_int_equal(c->at.state, WF_STATE_APPROVED);
	assert_int_equal(c->approved, 2);
	assert_int_equal(c->original, 2);
	/* Nothing applied to the views yet: nobody asked. */
	assert_true(c->views_pending);
	assert_true(p.d.review.n_stale > 0);
	assert_int_equal(c->view_revision[HOST_VIEW_APPROVED], 0);
	char latest[64];
	snprintf(latest, sizeof latest, "%s", total("latest"));
	assert_string_equal(latest, "2323100.00");
	/* Asking the latest does not bring them up... */
	assert_true(c->views_pending);
	/* ...asking a stage does. */
	assert_string_equal(total("approved"), latest);
	assert_false(c->views_pending);
	assert_int_equal(p.d.review.n_stale, 0);
	assert_int_equal(c->view_revision[HOST_VIEW_APPROVED], 2);
	assert_string_equal(total("original"), latest);
	assert_string_equal(total("submitted"), latest);
	assert_string_equal(total("adjusted"), latest);
	inproc_stop(&p);
	inproc_remove(&p);
}

static void control_numbers_reach_plugins_and_survive_a_restart(void **state)
{
	(void)state;
	start();
	assert_null(review_control_numbers(&p.d, 2023, "116001"));
	ok("{\"op\":\"control.set\",\"year\":2023,\"unit\":\"万元\","
	   "\"departments\":[{\"department\":\"116001\",\"items\":{"
	   "\"total\":\"232.31\",\"class:201\":\"213.78\"}},{\"department\":"
	   "\"116002\",\"items\":{\"total\":\"1\"}}]}");
	ok("{\"op\":\"control.set\",\"year\":2023,\"departments\":[{"
	   "\"department\":\"116001\",\"items\":{\"total\":\"2400000\"}}]}");
	const struct bd_control *c =
	    review_control_numbers(&p.d, 2023, "116001");
	assert_non_null(c);
	assert_int_equal(c->version, 2);
	assert_int_equal(c->n_items, 1);
	assert_string_equal(c->items[0].key, "total");
	assert_int_equal(c->items[0].amount, 240000000);
	assert_null(review_control_numbers(&p.d, 2024, "116001"));
	/* A bad set changes nothing. */
	cJSON *r = call("{\"op\":\"control.set\",\"year\":2023,\"departments\":"
			"[{\"department\":\"116001\",\"items\":{\"total\":"
			"\"12.345\"}}]}");
	assert_string_equal(json_str(cJSON_GetObjectItem(r, "error"), "code"),
			    "bad_request");
	cJSON_Delete(r);
	assert_int_equal(review_control_numbers(&p.d, 2023, "116001")->version,
			 2);
	submit("proposal");
	inproc_stop(&p);

	assert_int_equal(
	    inproc_restart(&p, BUDGETD_TEST_PLUGIN_DIR, BUDGETD_TEST_CONF_DIR),
	    0);
	c = review_control_numbers(&p.d, 2023, "116001");
	assert_non_null(c);
	assert_int_equal(c->version, 2);
	assert_int_equal(c->items[0].amount, 240000000);
	assert_int_equal(review_control_numbers(&p.d, 2023, "116002")->version,
			 1);
	const struct review_case *rc = review_find(&p.d.review, 2023, "116001");
	assert_non_null(rc);
	assert_int_equal(rc->at.state, WF_STATE_SUBMITTED);
	assert_int_equal(rc->revision, 1);
	inproc_stop(&p);
	inproc_remove(&p);
}

/* The error code and message of a refused request. */
static void refused(const char *request, const char *code, const char *words)
{
	cJSON *r = call(request);
	const cJSON *error = cJSON_GetObjectItem(r, "error");
	if (error == NULL || strcmp(json_str(error, "code"), code) != 0 ||
	    strstr(json_str(error, "message"), words) == NULL) {
		char *text = cJSON_PrintUnformatted(r);
		fail_msg("%s → %s (wanted %s: %s)", request, text, code, words);
	}
	cJSON_Delete(r);
}

static void bad_requests_name_what_is_wrong(void **state)
{
	(void)state;
	start();
	submit("proposal");
	const struct review_case *c = review_find(&p.d.review, 2023, "116001");
	assert_non_null(c);
	struct wf_position before = c->at;
	/* A revision that is not a number is refused, not ignored. */
	refused("{\"op\":\"review\",\"action\":\"return\",\"department\":"
		"\"116001\",\"year\":2023,\"revision\":\"1\",\"reason\":\"x\"}",
		"bad_request", "\"revision\" must be an integer");
	refused("{\"op\":\"review\",\"action\":\"return\",\"department\":"
		"\"116001\",\"reason\":\"x\"}",
		"bad_request", "\"year\" is required");
	refused("{\"op\":\"review\",\"action\":\"return\",\"department\":"
		"\"116001\",\"year\":2023,\"reason\":\"x\",\"concerns\":"
		"\"expenditure[0]\"}",
		"bad_request", "\"concerns\" must be an array of strings");
	refused("{\"op\":\"review\",\"action\":\"reject\",\"department\":"
		"\"116001\",\"year\":2023}",
		"bad_request", "\"action\" is \"reject\"");
	refused("{\"op\":\"submit\",\"stage\":\"final\",\"document\":{}}",
		"bad_request", "\"stage\" is \"final\"");
	refused("{\"op\":\"deadline\",\"year\":2023,\"stage\":\"budget\"}",
		"bad_request", "or null to remove");
	/* A key twice in one department, a department twice: each named. */
	refused("{\"op\":\"control.set\",\"year\":2023,\"departments\":[{"
		"\"department\":\"116001\",\"items\":{\"total\":\"1\","
		"\"total\":\"2\"}}]}",
		"bad_request",
		"departments[0] (116001).items.total is given twice");
	refused("{\"op\":\"control.set\",\"year\":2023,\"departments\":["
		"{\"department\":\"116001\",\"items\":{\"total\":\"1\"}},"
		"{\"department\":\"116002\",\"items\":{\"total\":\"1\"}},"
		"{\"department\":\"116001\",\"items\":{\"total\":\"2\"}}]}",
		"bad_request",
		"departments[2]: 116001 is listed twice (first as "
		"departments[0])");
	/* Nothing moved, nothing was set. */
	assert_memory_equal(&c->at, &before, sizeof before);
	assert_null(review_control_numbers(&p.d, 2023, "116001"));
	inproc_stop(&p);
	inproc_remove(&p);
}

/* A store as schema 1 wrote it: events need a document. */
static void a_schema_1_store_is_migrated(void **state)
{
	(void)state;
	char dir[] = "/tmp/budgetd-schema1-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/budgetd.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
		db,
		"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		"INSERT INTO meta VALUES ('schema', '1');"
		"CREATE TABLE documents (id INTEGER PRIMARY KEY, received_at "
		"TEXT NOT NULL, sender TEXT, department TEXT, year INTEGER, "
		"outcome TEXT NOT NULL, findings TEXT NOT NULL, body TEXT NOT "
		"NULL);"
		"CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
		"at TEXT NOT NULL, kind TEXT NOT NULL, department TEXT, year "
		"INTEGER, revision INTEGER, document_id INTEGER NOT NULL "
		"REFERENCES documents (id), changes TEXT);"
		"INSERT INTO documents VALUES (1, 'then', 'x', '116001', 2023, "
		"'invalid', '[]', '{}');"
		"INSERT INTO events VALUES (1, 'then', 'submission.invalid', "
		"'116001', 2023, NULL, 1, NULL);"
		"INSERT INTO events VALUES (2, 'then', 'submission.invalid', "
		"'116001', 2023, NULL, 1, NULL);",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	struct store s;
	char err[256];
	assert_int_equal(store_open(&s, dir, 8, err, sizeof err), 0);
	assert_int_equal(s.counted.last_seq, 2);
	/* An event without a document now commits, and takes seq 3. */
	struct store_job job = {.kind = STORE_JOB_RECORD,
				.event_kind = "control.set",
				.year = 2023};
	assert_int_equal(store_start(&s, NULL, NULL), 0);
	store_submit(&s, &job);
	store_stop(&s);
	assert_int_equal(job.rc, 0);
	assert_int_equal(job.seq, 3);
	cJSON *events = cJSON_CreateArray();
	assert_int_equal(store_events_since(&s, 0, 10, events), 0);
	assert_int_equal(cJSON_GetArraySize(events), 3);
	assert_null(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(events, 2), "document_id"));
	cJSON_Delete(events);
	store_close(&s);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_case_moves_and_views_wait_to_be_asked),
	    cmocka_unit_test(
		control_numbers_reach_plugins_and_survive_a_restart),
	    cmocka_unit_test(bad_requests_name_what_is_wrong),
	    cmocka_unit_test(a_schema_1_store_is_migrated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
