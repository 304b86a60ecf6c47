#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "host.h"

static int load(const char *plugins, struct config_entry *entries, size_t n,
		char *err, size_t err_size)
{
	struct config c;
	struct host h = {0};
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_set_list(c.plugins, &c.n_plugins, plugins), 0);
	c.entries = entries;
	c.n_entries = n;
	int rc = host_load(&h, &c, BUDGETD_TEST_ABI_DIR, err, err_size);
	if (rc == 0)
		host_unload(&h);
	c.entries = NULL;
	c.n_entries = 0;
	config_free(&c);
	return rc;
}

static void expect_refused(const char *plugins, const char *words)
{
	char err[512] = "";
	int rc = load(plugins, NULL, 0, err, sizeof err);
	assert_true(rc < 0);
	if (strstr(err, words) == NULL)
		fail_msg("refusal \"%s\" lacks \"%s\"", err, words);
}

static void test_good_plugin_loads(void **state)
{
	char err[512] = "";
	struct config_entry colour = {"plugin.abi_good", "colour", "red", 3};
	(void)state;
	assert_int_equal(load("abi_good", &colour, 1, err, sizeof err), 0);
}

static void test_abi_refusals(void **state)
{
	(void)state;
	expect_refused("abi_major", "major versions must match");
	expect_refused("abi_minor", "newer than this daemon");
	expect_refused("abi_small", "was built against a different header");
	expect_refused("abi_nosym", "exports no \"budgetd_plugin\" symbol");
	expect_refused("abi_badname", "calls itself \"someone_else\"");
	expect_refused("abi_missing", "cannot load");
	/* One bad plugin sinks the whole list: no half-loaded daemon. */
	expect_refused("abi_good,abi_major", "abi_major refused");
	expect_refused("abi_good,abi_good", "listed twice");
}

static void test_config_keys_checked(void **state)
{
	char err[512] = "";
	struct config_entry unknown = {"plugin.abi_good", "flavour", "x", 7};
	struct config_entry orphan = {"plugin.nobody", "x", "y", 9};
	(void)state;
	assert_int_equal(load("abi_good", &unknown, 1, err, sizeof err),
			 -EINVAL);
	assert_non_null(
	    strstr(err, ":7: plugin abi_good has no config key \"flavour\""));
	assert_int_equal(load("abi_good", &orphan, 1, err, sizeof err),
			 -EINVAL);
	assert_non_null(
	    strstr(err, "[plugin.nobody] names a plugin that is not"));
}

static void test_check_abi_directly(void **state)
{
	char err[256];
	struct bd_plugin d = {.abi_major = BD_ABI_MAJOR,
			      .abi_minor = BD_ABI_MINOR,
			      .struct_size = sizeof d,
			      .name = "x"};
	(void)state;
	assert_int_equal(abi_check(&d, err, sizeof err), -EPROTO); /* no init */
	d.init = (int (*)(const struct bd_host *, struct bd_plugin_handle *,
			  void **))1;
	assert_int_equal(abi_check(&d, err, sizeof err), 0);
	d.struct_size = sizeof d - sizeof(void *);
	assert_int_equal(abi_check(&d, err, sizeof err), -EPROTO);
}

/* A host kept loaded, for the tests that call through it. */
static struct config loaded_config;
static struct host loaded;

static void load_kept(const char *plugins, struct config_entry *entries,
		      size_t n)
{
	char err[512] = "";
	memset(&loaded, 0, sizeof loaded);
	assert_int_equal(config_defaults(&loaded_config), 0);
	assert_int_equal(config_set_list(loaded_config.plugins,
					 &loaded_config.n_plugins, plugins),
			 0);
	loaded_config.entries = entries;
	loaded_config.n_entries = n;
	if (host_load(&loaded, &loaded_config, BUDGETD_TEST_ABI_DIR, err,
		      sizeof err) < 0)
		fail_msg("load %s: %s", plugins, err);
}

static void unload_kept(void)
{
	host_unload(&loaded);
	loaded_config.entries = NULL;
	loaded_config.n_entries = 0;
	config_free(&loaded_config);
}

static void test_config_types_enforced(void **state)
{
	char err[512] = "";
	(void)state;
	struct config_entry deep = {"plugin.abi_good", "depth", "12", 4};
	assert_int_equal(load("abi_good", &deep, 1, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, ":4: [plugin.abi_good] \"depth\" must be "
				    "an integer from 1 to 9, not \"12\""));
	struct config_entry word = {"plugin.abi_good", "depth", "three", 5};
	assert_int_equal(load("abi_good", &word, 1, err, sizeof err), -EINVAL);
	struct config_entry size = {"plugin.abi_good", "buffer", "lots", 6};
	assert_int_equal(load("abi_good", &size, 1, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "a size in bytes"));
	struct config_entry loud = {"plugin.abi_good", "loud", "maybe", 7};
	assert_int_equal(load("abi_good", &loud, 1, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "must be true or false"));
	expect_refused("abi_badrange", "min exceeds its max");
	expect_refused("abi_badflags", "flags 0x80 this host does not know");

	/* What the plugin reads is the typed value, not text to re-parse. */
	struct config_entry good[] = {
	    {"plugin.abi_good", "depth", "7", 1},
	    {"plugin.abi_good", "buffer", "4M", 2},
	    {"plugin.abi_good", "loud", "on", 3},
	};
	load_kept("abi_good", good, 3);
	const struct bd_host *t = &loaded.table;
	struct bd_plugin_handle *self = &loaded.plugins[0];
	assert_int_equal(t->config_int(self, "depth"), 7);
	assert_int_equal(t->config_int(self, "buffer"), 4 << 20);
	assert_true(t->config_bool(self, "loud"));
	assert_string_equal(t->config_string(self, "colour"), "blue");
	assert_null(t->config_string(self, "flavour"));
	unload_kept();
	load_kept("abi_good", NULL, 0);
	assert_int_equal(loaded.table.config_int(&loaded.plugins[0], "buffer"),
			 64 << 10);
	assert_false(loaded.table.config_bool(&loaded.plugins[0], "loud"));
	unload_kept();
}

static void test_scope_enforced_by_host(void **state)
{
	(void)state;
	const struct bd_scope operator_scope = {.restricted = false};
	const struct bd_scope department = {.restricted = true,
					    .department = "116001"};
	load_kept("careless,abi_good", NULL, 0);
	struct bd_query q = {.reply = cJSON_CreateObject()};
	/* The careless plugin ignores the scope, so it is never asked on
	 * behalf of a department. */
	assert_int_equal(
	    host_query(&loaded, "careless.totals", &department, &q), -EACCES);
	assert_null(cJSON_GetObjectItem(q.reply, "rows"));
	assert_int_equal(
	    host_query(&loaded, "careless.totals", &operator_scope, &q), 0);
	assert_non_null(cJSON_GetObjectItem(q.reply, "rows"));
	/* An op declared scoped is handed the scope. */
	assert_int_equal(host_query(&loaded, "abi.echo", &department, &q), 0);
	assert_int_equal(host_query(&loaded, "abi.nothing", &department, &q),
			 -ENOENT);
	cJSON_Delete(q.reply);
	/* A raw member that is not JSON: for the wire it goes as written
	 * (the plugin answers for it), but a reader in process is told. */
	q = (struct bd_query){.reply = cJSON_CreateObject()};
	assert_int_equal(host_query_view(&loaded, HOST_VIEW_LATEST,
					 "careless.broken", &operator_scope,
					 &q),
			 0);
	assert_true(cJSON_IsRaw(cJSON_GetObjectItem(q.reply, "rows")));
	cJSON_Delete(q.reply);
	q = (struct bd_query){.reply = cJSON_CreateObject()};
	assert_int_equal(
	    host_query(&loaded, "careless.broken", &operator_scope, &q),
	    -EINVAL);
	assert_true(q.failed);
	assert_string_equal(q.error_code, "internal");
	assert_non_null(strstr(q.error_message, "careless.broken"));
	assert_non_null(strstr(q.error_message, "not JSON"));
	cJSON_Delete(q.reply);
	unload_kept();
}

static void test_scope_covers(void **state)
{
	(void)state;
	const struct bd_scope dept = {.restricted = true,
				      .department = "116001"};
	const struct bd_scope parent = {.restricted = true, .parent = "116"};
	const struct bd_scope years = {.restricted = true,
				       .parent = "116",
				       .first_year = 2024,
				       .last_year = 2025};
	const struct bd_scope nothing = {.restricted = true};
	assert_true(bd_scope_covers(NULL, 2023, "1", ""));
	assert_true(bd_scope_covers(&dept, 2023, "116001", "116"));
	assert_false(bd_scope_covers(&dept, 2023, "116002", "116"));
	assert_false(bd_scope_covers(&dept, 2023, NULL, NULL));
	assert_true(bd_scope_covers(&parent, 2023, "116", ""));
	assert_true(bd_scope_covers(&parent, 2023, "116007", "116"));
	assert_false(bd_scope_covers(&parent, 2023, "215001", "215"));
	assert_false(bd_scope_covers(&years, 2023, "116007", "116"));
	assert_true(bd_scope_covers(&years, 2025, "116007", "116"));
	assert_false(bd_scope_covers(&years, 2026, "116007", "116"));
	assert_false(bd_scope_covers(&nothing, 2023, "116001", "116"));
}

static void test_host_has_and_sizes(void **state)
{
	(void)state;
	struct bd_host full = {.struct_size = sizeof full,
			       .latest_revision = NULL,
			       .config_int = NULL};
	assert_false(BD_HOST_HAS(&full, config_int)); /* present but NULL */
	load_kept("abi_good", NULL, 0);
	assert_true(BD_HOST_HAS(&loaded.table, latest_revision));
	assert_true(BD_HOST_HAS(&loaded.table, config_bool));
	assert_true(BD_HOST_HAS(&loaded.table, subscribers)); /* 2.1 */
	/* A table from an older host ends before the function. */
	struct bd_host old = loaded.table;
	old.struct_size = (uint32_t)offsetof(struct bd_host, latest_revision);
	assert_false(BD_HOST_HAS(&old, latest_revision));
	assert_true(BD_HOST_HAS(&old, log));
	unload_kept();
	assert_int_equal(abi_plugin_size(BD_ABI_MINOR),
			 sizeof(struct bd_plugin));
	assert_int_equal(abi_plugin_size(BD_ABI_MINOR + 1), 0);
}

static int record_publish(void *state, const struct bd_event *event)
{
	int *calls = state;
	(void)event;
	(*calls)++;
	return 0;
}

/* host_publish calls each plugin's publish on its side of the loop: on
 * the sender thread only those that set BD_PLUGIN_PUBLISH_OFF_LOOP in ABI
 * 2.5 or later (the bit meant nothing before; a 2.4 plugin stays on the
 * loop). */
static void test_publish_on_its_thread(void **state)
{
	(void)state;
	struct bd_plugin on_loop = {.abi_major = BD_ABI_MAJOR,
				    .abi_minor = BD_ABI_MINOR,
				    .publish = record_publish};
	struct bd_plugin off_loop = on_loop, older = on_loop;
	off_loop.flags = BD_PLUGIN_PUBLISH_OFF_LOOP;
	older.abi_minor = 4;
	older.flags = BD_PLUGIN_PUBLISH_OFF_LOOP;
	int calls[3] = {0};
	struct bd_plugin_handle handles[3] = {
	    {.desc = &on_loop, .state = &calls[0], .name = "on"},
	    {.desc = &off_loop, .state = &calls[1], .name = "off"},
	    {.desc = &older, .state = &calls[2], .name = "older"},
	};
	struct host h = {.plugins = handles, .n_plugins = 3};
	struct bd_event ev = {.seq = 1, .kind = "revision.accepted"};
	host_publish(&h, &ev, HOST_PUBLISH_ON_LOOP);
	assert_int_equal(calls[0], 1);
	assert_int_equal(calls[1], 0);
	assert_int_equal(calls[2], 1);
	host_publish(&h, &ev, HOST_PUBLISH_OFF_LOOP);
	assert_int_equal(calls[0], 1);
	assert_int_equal(calls[1], 1);
	assert_int_equal(calls[2], 1);
}

/* What apply was handed, and whether reporting through it worked. */
struct apply_seen {
	bool null;
	int report_rc;
};

static int record_apply(void *state, const struct bd_revision *prev,
			const struct bd_revision *next, struct bd_apply *apply)
{
	struct apply_seen *seen = state;
	(void)prev, (void)next;
	seen->null = apply == NULL;
	const struct bd_total_change change = {
	    .year = 2025, .dimension = "year", .key = "", .after = 100};
	seen->report_rc = apply_add(apply, &change);
	return 0;
}

/* Where nobody reads what an apply moved (host_apply with NULL, a stage
 * view), a 2.6 plugin is handed NULL and an older one a collector that
 * drops its reports: a 2.5 plugin may not expect NULL.  Where the changes
 * are read, both report into the same collector. */
static void test_apply_collector_by_minor(void **state)
{
	(void)state;
	struct bd_plugin current = {.abi_major = BD_ABI_MAJOR,
				    .abi_minor = BD_ABI_MINOR,
				    .apply = record_apply};
	struct bd_plugin older = current;
	older.abi_minor = 5;
	struct apply_seen seen[2] = {{0}};
	struct bd_plugin_handle handles[2] = {
	    {.desc = &current, .state = &seen[0], .name = "current"},
	    {.desc = &older, .state = &seen[1], .name = "older"},
	};
	struct host h = {.plugins = handles, .n_plugins = 2};
	struct bd_submission sub = {.year = 2025};
	struct bd_revision next = {.number = 1, .submission = &sub};

	assert_int_equal(host_apply(&h, NULL, &next, NULL), 0);
	assert_true(seen[0].null);
	assert_false(seen[1].null);
	assert_int_equal(seen[0].report_rc, 0);
	assert_int_equal(seen[1].report_rc, 0);

	struct bd_apply collected;
	apply_init(&collected);
	assert_int_equal(host_apply(&h, NULL, &next, &collected), 0);
	assert_false(seen[0].null);
	assert_false(seen[1].null);
	assert_int_equal(collected.n, 2); /* one report from each */
	assert_int_equal(collected.items[0].after, 100);
	apply_free(&collected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_plugin_loads),
	    cmocka_unit_test(test_apply_collector_by_minor),
	    cmocka_unit_test(test_abi_refusals),
	    cmocka_unit_test(test_config_keys_checked),
	    cmocka_unit_test(test_check_abi_directly),
	    cmocka_unit_test(test_config_types_enforced),
	    cmocka_unit_test(test_scope_enforced_by_host),
	    cmocka_unit_test(test_scope_covers),
	    cmocka_unit_test(test_host_has_and_sizes),
	    cmocka_unit_test(test_publish_on_its_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
