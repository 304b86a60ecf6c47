/*
 * Who may do what, over a real TCP listener that requires credentials,
 * next to the local ipc listener that trusts its peers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "daemon_harness.h"
#include "model.h"
#include "test_json.h"

static struct harness h;
static char tcp[64];

/* Issues a credential through the trusted listener; returns its token. */
static char *issue(const char *name, const char *role, const char *department)
{
	char request[256];
	snprintf(
	    request, sizeof request,
	    "{\"op\":\"credential.add\",\"name\":\"%s\",\"role\":\"%s\"%s%s%s}",
	    name, role, department ? ",\"department\":\"" : "",
	    department ? department : "", department ? "\"" : "");
	cJSON *r = harness_call_text(&h, request);
	assert_string_equal(harness_outcome(r), "ok");
	char *token = strdup(json_str(r, "token"));
	cJSON_Delete(r);
	return token;
}

/* One request over TCP as `token` (NULL: none); returns the outcome code. */
static char outcome[64];
static const char *as(const char *token, const char *op, const char *rest)
{
	size_t n = strlen(rest) + 256;
	char *request = malloc(n);
	snprintf(request, n, "{\"op\":\"%s\"%s%s%s%s}", op,
		 token ? ",\"token\":\"" : "", token ? token : "",
		 token ? "\"" : "", rest);
	cJSON *r = harness_call_url(tcp, request, 10000);
	free(request);
	assert_non_null(r);
	snprintf(outcome, sizeof outcome, "%s", harness_outcome(r));
	cJSON_Delete(r);
	return outcome;
}

static char *document(const char *file)
{
	char *doc = harness_read_data(file);
	size_t n = strlen(doc) + 32;
	char *rest = malloc(n);
	snprintf(rest, n, ",\"document\":%s", doc);
	free(doc);
	return rest;
}

static void test_policies(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "access"), 0);
	int port = harness_tcp_port(7);
	assert_true(port > 0);
	snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
	snprintf(h.extra_listen, sizeof h.extra_listen, "%s", tcp);
	assert_int_equal(harness_start(&h), 0);

	cJSON *r = harness_call_text(&h, "{\"op\":\"status\"}");
	cJSON *listen = cJSON_GetObjectItem(r, "listen");
	assert_string_equal(json_row_str(listen, 0, "policy"), "trust");
	assert_string_equal(json_row_str(listen, 1, "policy"), "credentials");
	cJSON_Delete(r);

	char *dept = issue("fengquan", "department", "116001");
	char *parent = issue("district116", "parent", "116");
	char *op = issue("analyst", "operator", NULL);
	char *admin = issue("root", "admin", NULL);
	char *wanli_token = issue("wanli", "department", "215001");
	char *fengquan = document("fengquan-116001-2023-corrected.json");
	char *wanli = document("putuo-wanli-2025.json");

	/* No credential, or a wrong one: refused before anything else. */
	assert_string_equal(as(NULL, "status", ""), "unauthenticated");
	assert_string_equal(
	    as("fengquan.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "status",
	       ""),
	    "unauthenticated");
	assert_string_equal(
	    as("nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "status",
	       ""),
	    "unauthenticated");
	assert_string_equal(as(NULL, "submit", fengquan), "unauthenticated");

	/* A department: its own budget only. */
	assert_string_equal(as(dept, "submit", fengquan), "ok");
	assert_string_equal(as(dept, "submit", wanli), "forbidden");
	assert_string_equal(as(dept, "show", ",\"department\":\"116001\""),
			    "ok");
	/* Wanli arrives through the trusted socket. */
	r = harness_send_document(&h, "submit", strstr(wanli, ":") + 1);
	assert_string_equal(harness_outcome(r), "ok");
	cJSON_Delete(r);
	assert_string_equal(as(dept, "show", ",\"department\":\"215001\""),
			    "forbidden");
	assert_string_equal(as(dept, "history", ",\"department\":\"215001\""),
			    "forbidden");
	assert_string_equal(as(dept, "events", ""), "forbidden");
	assert_string_equal(as(dept, "reload", ""), "forbidden");
	assert_string_equal(as(dept, "credential.list", ""), "forbidden");
	/* Its totals are its own, whatever it asks for. */
	char request[256];
	snprintf(request, sizeof request,
		 "{\"op\":\"totals\",\"token\":\"%s\",\"unit\":\"元\"}", dept);
	r = harness_call_url(tcp, request, 5000);
	assert_string_equal(json_str(r, "total"), "2323100.00");
	cJSON_Delete(r);
	snprintf(request, sizeof request,
		 "{\"op\":\"departments\",\"token\":\"%s\"}", dept);
	r = harness_call_url(tcp, request, 5000);
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r, "departments")), 1);
	cJSON_Delete(r);

	/* Every district query is cut to the department, lists included. */
	snprintf(request, sizeof request,
		 "{\"op\":\"projects\",\"token\":\"%s\"}", wanli_token);
	r = harness_call_url(tcp, request, 5000);
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 0);
	cJSON_Delete(r);
	snprintf(request, sizeof request,
		 "{\"op\":\"projects\",\"token\":\"%s\"}", dept);
	r = harness_call_url(tcp, request, 5000);
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 7);
	cJSON_Delete(r);
	snprintf(
	    request, sizeof request,
	    "{\"op\":\"three_public\",\"by\":\"department\",\"token\":\"%s\"}",
	    wanli_token);
	r = harness_call_url(tcp, request, 5000);
	cJSON *rows = cJSON_GetObjectItem(r, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 1);
	assert_string_equal(json_row_str(rows, 0, "department"), "215001");
	cJSON_Delete(r);

	/* The export op: a department reads its own publication tables,
	 * not another's, and not the district's. */
	assert_string_equal(
	    as(dept, "export",
	       ",\"table\":\"department\",\"department\":\"116001\","
	       "\"format\":\"text\""),
	    "ok");
	assert_string_equal(
	    as(dept, "export",
	       ",\"table\":\"department\",\"department\":\"215001\""),
	    "forbidden");
	assert_string_equal(
	    as(dept, "export", ",\"table\":\"district\",\"year\":2023"),
	    "forbidden");

	/* A 主管部门: its units. */
	assert_string_equal(as(parent, "submit", fengquan), "ok");
	assert_string_equal(as(parent, "submit", wanli), "forbidden");
	assert_string_equal(as(parent, "show", ",\"department\":\"116001\""),
			    "ok");

	/* An operator reads everything and submits nothing. */
	assert_string_equal(as(op, "submit", fengquan), "forbidden");
	assert_string_equal(as(op, "validate", wanli), "ok");
	assert_string_equal(as(op, "show", ",\"department\":\"215001\""), "ok");
	assert_string_equal(as(op, "events", ""), "ok");
	assert_string_equal(as(op, "reload", ""), "forbidden");
	assert_string_equal(
	    as(op, "export", ",\"table\":\"district\",\"year\":2025"), "ok");
	assert_string_equal(
	    as(op, "export",
	       ",\"table\":\"department\",\"department\":\"215001\""),
	    "ok");

	/* An admin does everything, credentials included. */
	assert_string_equal(as(admin, "reload", ""), "ok");
	snprintf(request, sizeof request,
		 "{\"op\":\"credential.list\",\"token\":\"%s\"}", admin);
	r = harness_call_url(tcp, request, 5000);
	cJSON *list = cJSON_GetObjectItem(r, "credentials");
	assert_int_equal(cJSON_GetArraySize(list), 5);
	char *printed = cJSON_PrintUnformatted(list);
	assert_null(strstr(printed, "token"));
	free(printed);
	cJSON_Delete(r);
	assert_string_equal(
	    as(admin, "credential.remove", ",\"name\":\"fengquan\""), "ok");
	assert_string_equal(as(dept, "status", ""), "unauthenticated");

	/* Only a salted hash is stored: the secret is nowhere in the store. */
	char path[300];
	snprintf(path, sizeof path, "%s/state/budgetd.db", h.dir);
	assert_int_equal(harness_stop(&h), 0);
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *db = malloc((size_t)size);
	assert_int_equal(fread(db, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	const char *secret = strchr(admin, '.') + 1;
	assert_null(memmem(db, (size_t)size, secret, strlen(secret)));
	assert_non_null(memmem(db, (size_t)size, "district116", 11));
	free(db);
	/* After a restart the credentials still work. */
	assert_int_equal(harness_start(&h), 0);
	assert_string_equal(as(admin, "status", ""), "ok");

	free(dept), free(parent), free(op), free(admin), free(fengquan),
	    free(wanli);
	free(wanli_token);
}

/* A plugin that ignores where and scope answers operators only: the host
 * refuses its op to a department before the plugin runs. */
static void test_careless_plugin_cannot_leak(void **state)
{
	char dir[300], cmd[1200], config[600];
	(void)state;
	assert_int_equal(harness_init(&h, "careless"), 0);
	int port = harness_tcp_port(11);
	assert_true(port > 0);
	snprintf(tcp, sizeof tcp, "tcp://127.0.0.1:%d", port);
	snprintf(h.extra_listen, sizeof h.extra_listen, "%s", tcp);
	snprintf(dir, sizeof dir, "%s/plugins", h.dir);
	snprintf(
	    cmd, sizeof cmd,
	    "mkdir -p %s && ln -s %s/totals.so %s/ && ln -s %s/careless.so "
	    "%s/",
	    dir, BUDGETD_TEST_PLUGIN_DIR, dir, BUDGETD_TEST_ABI_DIR, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(config, sizeof config,
		 "[daemon]\ntrust = ipc\nplugins = totals, careless\n"
		 "plugin_dir = %s\n",
		 dir);
	assert_int_equal(harness_write_config(&h, config), 0);
	assert_int_equal(harness_start(&h), 0);

	char *wanli_token = issue("wanli", "department", "215001");
	char *parent = issue("district116", "parent", "116");
	char *op = issue("analyst", "operator", NULL);
	char *fengquan =
	    harness_read_data("fengquan-116001-2023-corrected.json");
	char *wanli = harness_read_data("putuo-wanli-2025.json");
	cJSON *r = harness_send_document(&h, "submit", fengquan);
	assert_string_equal(harness_outcome(r), "ok");
	cJSON_Delete(r);
	r = harness_send_document(&h, "submit", wanli);
	assert_string_equal(harness_outcome(r), "ok");
	cJSON_Delete(r);

	/* The careless op holds both departments' totals, ignoring every
	 * cut: an operator sees both, a department and a 主管部门 nothing. */
	assert_string_equal(as(wanli_token, "careless.totals", ""),
			    "forbidden");
	assert_string_equal(as(wanli_token, "careless.totals",
			       ",\"where\":[\"department:215001\"]"),
			    "forbidden");
	assert_string_equal(as(parent, "careless.totals", ""), "forbidden");
	char request[256];
	snprintf(request, sizeof request,
		 "{\"op\":\"careless.totals\",\"token\":\"%s\"}", op);
	r = harness_call_url(tcp, request, 5000);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")), 2);
	cJSON_Delete(r);
	snprintf(request, sizeof request,
		 "{\"op\":\"careless.totals\",\"token\":\"%s\"}", wanli_token);
	r = harness_call_url(tcp, request, 5000);
	assert_null(cJSON_GetObjectItem(r, "rows"));
	assert_non_null(strstr(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "message")
		->valuestring,
	    "operators only"));
	cJSON_Delete(r);
	/* The scoped op of the other plugin still answers within the scope. */
	snprintf(request, sizeof request,
		 "{\"op\":\"totals\",\"by\":\"department\",\"token\":"
		 "\"%s\"}",
		 wanli_token);
	r = harness_call_url(tcp, request, 5000);
	const cJSON *rows = cJSON_GetObjectItem(r, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 1);
	cJSON_Delete(r);
	free(wanli_token), free(parent), free(op), free(fengquan), free(wanli);
}

/* latest_revision() from the audit workers: with the totals plugin alone
 * the registry keeps only summaries, so the previous revision is read back
 * from the store, whole; with the careless plugin (an apply without
 * BD_PLUGIN_APPLY_WITHOUT_PREV) it is kept in memory.  Both say the same. */
static void latest_revision_seen(const char *plugins)
{
	char dir[300], cmd[2400], config[600], expect[160], why[256];
	assert_int_equal(harness_init(&h, "previous"), 0);
	snprintf(dir, sizeof dir, "%s/plugins", h.dir);
	snprintf(
	    cmd, sizeof cmd,
	    "mkdir -p %s && ln -s %s/totals.so %s/ && ln -s %s/careless.so "
	    "%s/ && ln -s %s/previous.so %s/",
	    dir, BUDGETD_TEST_PLUGIN_DIR, dir, BUDGETD_TEST_ABI_DIR, dir,
	    BUDGETD_TEST_ABI_DIR, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(config, sizeof config,
		 "[daemon]\ntrust = ipc\naudit_workers = 2\nplugins = %s\n"
		 "plugin_dir = %s\n",
		 plugins, dir);
	assert_int_equal(harness_write_config(&h, config), 0);
	assert_int_equal(harness_start(&h), 0);
	char *fengquan =
	    harness_read_data("fengquan-116001-2023-corrected.json");
	/* What the plugin should find: the document as the model reads it. */
	struct arena arena;
	struct bd_submission *sub;
	arena_init(&arena);
	assert_int_equal(model_parse_json(fengquan, strlen(fengquan), &arena,
					  &sub, why, sizeof why),
			 0);
	bd_fen total = 0;
	for (size_t i = 0; i < sub->n_lines; i++)
		total += bd_line_total(&sub->lines[i]);
	snprintf(expect, sizeof expect, "revision 1: %zu lines, total %lld",
		 sub->n_lines, (long long)total);
	assert_true(sub->n_lines > 0 && total > 0);
	arena_release(&arena);
	const char *seen[2] = {"none", expect};
	for (int round = 0; round < 2; round++) {
		cJSON *r = harness_send_document(&h, "submit", fengquan);
		assert_string_equal(harness_outcome(r), "ok");
		const cJSON *f;
		const char *message = NULL;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(r, "findings"))
		{
			if (strcmp(json_str(f, "rule"), "previous.seen") == 0)
				message = json_str(f, "message");
		}
		assert_non_null(message);
		assert_string_equal(message, seen[round]);
		cJSON_Delete(r);
	}
	/* After a restart the rebuilt registry answers the same. */
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	cJSON *r = harness_send_document(&h, "validate", fengquan);
	char *text = cJSON_PrintUnformatted(r);
	assert_non_null(strstr(text, "revision 2: "));
	free(text);
	cJSON_Delete(r);
	free(fengquan);
	harness_cleanup(&h);
}

static void test_latest_revision_compact(void **state)
{
	(void)state;
	latest_revision_seen("totals, previous");
}

static void test_latest_revision_kept(void **state)
{
	(void)state;
	latest_revision_seen("totals, careless, previous");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HARNESS_TEST(test_policies, &h),
	    HARNESS_TEST(test_careless_plugin_cannot_leak, &h),
	    HARNESS_TEST(test_latest_revision_compact, &h),
	    HARNESS_TEST(test_latest_revision_kept, &h),
	};
	return harness_run("test_access", tests,
			   sizeof tests / sizeof tests[0]);
}
