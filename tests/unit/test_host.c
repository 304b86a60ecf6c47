#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	assert_int_equal(host_check_abi(&d, err, sizeof err),
			 -EPROTO); /* no init */
	d.init = (int (*)(const struct bd_host *, struct bd_plugin_handle *,
			  void **))1;
	assert_int_equal(host_check_abi(&d, err, sizeof err), 0);
	d.struct_size = sizeof d - sizeof(void *);
	assert_int_equal(host_check_abi(&d, err, sizeof err), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_plugin_loads),
	    cmocka_unit_test(test_abi_refusals),
	    cmocka_unit_test(test_config_keys_checked),
	    cmocka_unit_test(test_check_abi_directly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
