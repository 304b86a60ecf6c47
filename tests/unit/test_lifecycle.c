/*
 * The daemon's life without sockets: its config from flags and file, a
 * reload that is refused and keeps the old config, a rebuild from the
 * store that gives back exactly the state before, and verify, which
 * recomputes the totals from the store and finds a tampered document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inproc.h"
#include "test_files.h"
#include "test_json.h"
#include "verify.h"

static struct inproc p;

/* Submits a data file and returns the reply (caller deletes). */
static cJSON *submit_reply(const char *file)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof path, "%s/%s", BUDGETD_TEST_DATA_DIR, file);
	char *doc = test_read_file(path, &len);
	assert_non_null(doc);
	char *request = malloc(len + 64);
	snprintf(request, len + 64, "{\"op\":\"submit\",\"document\":%s}", doc);
	cJSON *r = inproc_call(&p, request, 0);
	free(request);
	free(doc);
	assert_non_null(r);
	return r;
}

static void submit_file(const char *file)
{
	cJSON *r = submit_reply(file);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	cJSON_Delete(r);
}

/* The text of a reply, for comparing whole answers. */
static char *answer(const char *request)
{
	cJSON *r = inproc_call(&p, request, 0);
	assert_non_null(r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	char *text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return text;
}

/* A daemon in process on a fresh store, with the shipped plugins and
 * config. */
static void start_daemon(void)
{
	assert_int_equal(inproc_start(&p, BUDGETD_TEST_PLUGIN_DIR,
				      BUDGETD_TEST_CONF_DIR, NULL),
			 0);
}

/* SQL run on the daemon's store through a connection of its own, as a
 * tool or a failing disk might change it. */
static void change_the_store_behind_its_back(const char *sql)
{
	char path[128];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/budgetd.db", p.state_dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_config_from_flags(void **state)
{
	char err[512];
	struct config *c = NULL;
	(void)state;
	struct daemon_flags flags = {.listen = "ipc:///tmp/a.sock,"
					       "tcp://127.0.0.1:7001",
				     .log_level = "warning"};
	assert_int_equal(daemon_config_load(&flags, &c, err, sizeof err), 0);
	assert_int_equal(c->n_listen, 2);
	assert_string_equal(c->listen[1], "tcp://127.0.0.1:7001");
	config_free(c);
	free(c);
	flags.log_level = "chatty";
	assert_int_equal(daemon_config_load(&flags, &c, err, sizeof err),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown log level \"chatty\""));
	flags.log_level = NULL;
	flags.config_path = "/nonexistent/budgetd.conf";
	assert_true(daemon_config_load(&flags, &c, err, sizeof err) < 0);
	assert_non_null(strstr(err, "/nonexistent/budgetd.conf"));
}

static void test_rebuild_gives_back_the_same_state(void **state)
{
	(void)state;
	start_daemon();
	submit_file("fengquan-116001-2023-corrected.json");
	submit_file("putuo-wanli-2025.json");
	submit_file("fengquan-116001-2023-corrected.json"); /* revision 2 */
	const char *query = "{\"op\":\"totals\",\"by\":[\"year\","
			    "\"function:item\",\"source\"],\"unit\":\"元\"}";
	char *before = answer(query);
	char *departments = answer("{\"op\":\"departments\"}");
	assert_int_equal(p.d.registry.n_entries, 2);
	inproc_stop(&p);

	assert_int_equal(
	    inproc_restart(&p, BUDGETD_TEST_PLUGIN_DIR, BUDGETD_TEST_CONF_DIR),
	    0);
	assert_int_equal(p.d.registry.n_entries, 2);
	struct registry_entry *e = registry_find(&p.d.registry, 2023, "116001");
	assert_non_null(e);
	assert_int_equal(e->revision.number, 2);
	char *after = answer(query);
	assert_string_equal(before, after);
	char *departments_after = answer("{\"op\":\"departments\"}");
	assert_string_equal(departments, departments_after);
	free(before), free(after), free(departments), free(departments_after);

	/* Verify recomputes every total from the store: consistent. */
	cJSON *v = verify_run(&p.d);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "consistent")));
	assert_true(cJSON_GetObjectItem(v, "cells_compared")->valueint > 20);
	cJSON_Delete(v);

	/* A document changed behind the daemon's back: Wanli's body now
	 * stands for Fengquan's revision too, so the store's sums no longer
	 * match the totals, and verify says which cells. */
	change_the_store_behind_its_back(
	    "UPDATE documents SET body = (SELECT body FROM documents WHERE "
	    "department = '215001') WHERE department = '116001'");
	v = verify_run(&p.d);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(v, "consistent")));
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(v, "differences")) >
		    0);
	cJSON_Delete(v);
	inproc_stop(&p);
	inproc_remove(&p);
}

static void test_identical_resubmission_is_told(void **state)
{
	(void)state;
	start_daemon();
	cJSON *r = submit_reply("fengquan-116001-2023-corrected.json");
	assert_null(cJSON_GetObjectItem(r, "identical_to"));
	cJSON_Delete(r);
	r = submit_reply("fengquan-116001-2023-corrected.json");
	assert_int_equal(cJSON_GetObjectItem(r, "identical_to")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(r, "revision")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(r, "totals_changed")->valueint, 0);
	cJSON_Delete(r);
	/* Another department's document is not the same. */
	r = submit_reply("putuo-wanli-2025.json");
	assert_null(cJSON_GetObjectItem(r, "identical_to"));
	cJSON_Delete(r);
	/* After a rebuild the daemon still knows the stored bytes. */
	inproc_stop(&p);
	assert_int_equal(
	    inproc_restart(&p, BUDGETD_TEST_PLUGIN_DIR, BUDGETD_TEST_CONF_DIR),
	    0);
	r = submit_reply("fengquan-116001-2023-corrected.json");
	assert_int_equal(cJSON_GetObjectItem(r, "identical_to")->valueint, 2);
	cJSON_Delete(r);
	inproc_stop(&p);
	inproc_remove(&p);
}

/* Submits a data file as another department and year. */
static void submit_as(const char *file, const char *code, int year)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof path, "%s/%s", BUDGETD_TEST_DATA_DIR, file);
	char *text = test_read_file(path, &len);
	assert_non_null(text);
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(doc, "department"),
				  "code", cJSON_CreateString(code));
	cJSON_ReplaceItemInObject(doc, "year", cJSON_CreateNumber(year));
	cJSON *request = cJSON_CreateObject();
	cJSON_AddStringToObject(request, "op", "submit");
	cJSON_AddItemToObject(request, "document", doc);
	char *request_text = cJSON_PrintUnformatted(request);
	cJSON_Delete(request);
	cJSON *r = inproc_call(&p, request_text, 0);
	free(request_text);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	cJSON_Delete(r);
}

/* While verify counts the store: Wanli's budget replaced by other
 * amounts (revision 2), and a department that was not there. */
static void revise_while_counting(void *ctx)
{
	(void)ctx;
	submit_as("fengquan-116001-2023-corrected.json", "215001", 2025);
	submit_as("putuo-wanli-2025.json", "215999", 2025);
}

static void assert_difference(const cJSON *v, const char *text)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(v, "differences"))
	{
		if (strstr(d->valuestring, text) != NULL)
			return;
	}
	fail_msg("no difference says \"%s\"", text);
}

/* Verify counts the store while submissions go on: what moved while it
 * counted is counted again at memory's revision, and only what memory
 * and the store really disagree on is a difference. */
static void test_verify_counts_what_moved_again(void **state)
{
	(void)state;
	start_daemon();
	submit_file("fengquan-116001-2023-corrected.json");
	submit_file("putuo-wanli-2025.json");
	cJSON *v = verify_run_between(&p.d, revise_while_counting, NULL);
	assert_non_null(v);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "consistent")));
	assert_int_equal(cJSON_GetObjectItem(v, "departments")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(v, "rounds")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(v, "recounted")->valueint, 2);
	cJSON_Delete(v);
	v = verify_run(&p.d); /* nothing moves: one round */
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "consistent")));
	assert_int_equal(cJSON_GetObjectItem(v, "rounds")->valueint, 1);
	cJSON_Delete(v);

	/* A stored line moved to a 项 no department has: a cell the store
	 * counts and the totals lack, said with its amount. */
	change_the_store_behind_its_back(
	    "UPDATE documents SET body = replace(body, '\"2010301\"', "
	    "'\"2299901\"') WHERE department = '116001'");
	v = verify_run(&p.d);
	assert_difference(v, "function:item 2023|2299901: missing from the "
			     "totals; the store has ");
	cJSON_Delete(v);

	/* Revision 2 gone from the store behind the daemon's back, and a
	 * revision memory never heard of: both differences, and the totals
	 * the store now gives differ too. */
	change_the_store_behind_its_back(
	    "DELETE FROM revisions WHERE department = '215001' AND number = 2; "
	    "UPDATE revisions SET number = 7 WHERE department = '215999'");
	v = verify_run(&p.d);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(v, "consistent")));
	assert_difference(v, "215001/2025: the store's latest revision is 1, "
			     "memory has 2");
	assert_difference(v, "215999/2025: the store's latest revision is 7, "
			     "memory has 1");
	assert_difference(v, "the totals say");
	cJSON_Delete(v);

	inproc_stop(&p);
	inproc_remove(&p);
}

static void test_accept_replaces_the_latest(void **state)
{
	(void)state;
	start_daemon();
	submit_file("fengquan-116001-2023-corrected.json");
	struct registry_entry *first =
	    registry_find(&p.d.registry, 2023, "116001");
	assert_non_null(first);
	size_t bytes = p.d.registry.bytes;
	/* The same document accepted again: one entry, the newer revision,
	 * and the memory of the old one given back. */
	submit_file("fengquan-116001-2023-corrected.json");
	struct registry_entry *second =
	    registry_find(&p.d.registry, 2023, "116001");
	assert_int_equal(second->revision.number, 2);
	assert_int_equal(p.d.registry.n_entries, 1);
	assert_int_equal(p.d.registry.bytes, bytes);
	inproc_stop(&p);
	inproc_remove(&p);
}

static void test_refused_reload_keeps_the_config(void **state)
{
	char err[1024], path[160];
	(void)state;
	start_daemon();
	snprintf(path, sizeof path, "%s/budgetd.conf", p.state_dir);
	FILE *f = fopen(path, "w");
	fputs("[plugin.arith]\ntolerance_fen = 5\n", f);
	fclose(f);
	p.d.flags.config_path = path;
	assert_int_equal(daemon_reload(&p.d, err, sizeof err), 0);
	assert_string_equal(
	    config_get(p.d.config, "plugin.arith", "tolerance_fen"), "5");
	/* A value of the wrong type is refused by the host, the old config
	 * stays in force, and the error says where. */
	f = fopen(path, "w");
	fputs("[plugin.arith]\ntolerance_fen = plenty\n", f);
	fclose(f);
	assert_int_equal(daemon_reload(&p.d, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "budgetd.conf:2: [plugin.arith] "
				    "\"tolerance_fen\" must be an integer"));
	assert_string_equal(
	    config_get(p.d.config, "plugin.arith", "tolerance_fen"), "5");
	/* Settings bound at start are named, and the running ones stay:
	 * status must not list a listener that was never bound. */
	char *listening = strdup(p.d.config->listen[0]);
	f = fopen(path, "w");
	fputs("[daemon]\nlisten = ipc:///tmp/budgetd-never.sock\n"
	      "publish = ipc:///tmp/budgetd-never-pub.sock\n"
	      "rate_limit = 7\n",
	      f);
	fclose(f);
	assert_int_equal(daemon_reload(&p.d, err, sizeof err), 0);
	assert_string_equal(p.d.restart_needed, "listen, publish");
	assert_int_equal(p.d.config->n_listen, 1);
	assert_string_equal(p.d.config->listen[0], listening);
	/* What a reload can apply, it applies. */
	assert_int_equal(p.d.throttle.rate, 7);
	assert_int_equal(p.d.throttle.burst, 7);
	cJSON *r = inproc_call(&p, "{\"op\":\"reload\"}", 0);
	const cJSON *restart = cJSON_GetObjectItem(r, "restart_needed");
	assert_int_equal(cJSON_GetArraySize(restart), 2);
	assert_string_equal(cJSON_GetArrayItem(restart, 0)->valuestring,
			    "listen");
	cJSON_Delete(r);
	r = inproc_call(&p, "{\"op\":\"status\"}", 0);
	assert_string_equal(
	    json_row_str(cJSON_GetObjectItem(r, "listen"), 0, "url"),
	    listening);
	cJSON_Delete(r);
	free(listening);
	p.d.flags.config_path = NULL;
	inproc_stop(&p);
	inproc_remove(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_from_flags),
	    cmocka_unit_test(test_rebuild_gives_back_the_same_state),
	    cmocka_unit_test(test_accept_replaces_the_latest),
	    cmocka_unit_test(test_identical_resubmission_is_told),
	    cmocka_unit_test(test_verify_counts_what_moved_again),
	    cmocka_unit_test(test_refused_reload_keeps_the_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
