#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static int load_text(const char *text, struct config *c, char *err, size_t n)
{
	snprintf(path, sizeof path, "/tmp/budgetd-test-config-%d.conf",
		 getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	assert_int_equal(config_defaults(c), 0);
	int rc = config_load(path, c, err, n);
	unlink(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct config c;
	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.n_listen, 1);
	assert_string_equal(c.listen[0], CONFIG_DEFAULT_LISTEN);
	assert_int_equal(c.n_plugins, 6);
	assert_string_equal(c.plugins[1], "catalog");
	assert_int_equal(c.max_message_size, 4u << 20);
	config_free(&c);
}

static void test_file(void **state)
{
	struct config c;
	char err[256];
	(void)state;
	assert_int_equal(
	    load_text("# comment\n"
		      "[daemon]\n"
		      "listen = tcp://127.0.0.1:7450, ipc:///tmp/x.sock\n"
		      "max_message_size = 512K\n"
		      "plugins = arith totals\n"
		      "; another comment\n"
		      "[plugin.arith]\n"
		      "tolerance_fen = 1\n"
		      "[severity]\n"
		      "arith.* = warning\n"
		      "arith.balance = off\n",
		      &c, err, sizeof err),
	    0);
	assert_int_equal(c.n_listen, 2);
	assert_string_equal(c.listen[1], "ipc:///tmp/x.sock");
	assert_int_equal(c.max_message_size, 512 * 1024);
	assert_int_equal(c.n_plugins, 2);
	assert_string_equal(config_get(&c, "plugin.arith", "tolerance_fen"),
			    "1");
	assert_null(config_get(&c, "plugin.arith", "nope"));
	/* Exact ids beat prefixes; unmatched rules keep their default. */
	assert_int_equal(
	    config_severity(&c, "arith.balance", BD_SEVERITY_ERROR),
	    BD_SEVERITY_OFF);
	assert_int_equal(
	    config_severity(&c, "arith.line.total", BD_SEVERITY_ERROR),
	    BD_SEVERITY_WARNING);
	assert_int_equal(config_severity(&c, "catalog.x", BD_SEVERITY_ERROR),
			 BD_SEVERITY_ERROR);
	config_free(&c);
}

static void expect_refusal(const char *text, const char *words)
{
	struct config c;
	char err[256] = "";
	assert_int_equal(load_text(text, &c, err, sizeof err), -EINVAL);
	if (strstr(err, words) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, words);
	config_free(&c);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	expect_refusal("[daemon]\nlisten = x\nbogus = 1\n",
		       ":3: [daemon] bogus = 1: unknown key");
	expect_refusal("[daemon]\nmax_message_size = lots\n", ":2:");
	expect_refusal("[daemon]\nrequest_contexts = 0\n", "1..1024");
	expect_refusal("[severity]\narith.x = fatal\n", ":2:");
	expect_refusal("[nonsense]\na = b\n", "unknown section");
	expect_refusal("listen = x\n", ":1: key outside of any [section]");
	expect_refusal("[daemon\n", "malformed section header");
	expect_refusal("[daemon]\njust words\n",
		       ":2: expected \"key = value\"");
	expect_refusal("[daemon]\nlog_level = loud\n", "log_level");
}

static void test_missing_file(void **state)
{
	struct config c;
	char err[256];
	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(
	    config_load("/nonexistent/budgetd.conf", &c, err, sizeof err),
	    -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	config_free(&c);
}

static void test_list_limit(void **state)
{
	char *list[CONFIG_MAX_LIST];
	size_t n = 0;
	char big[CONFIG_MAX_LIST * 4 + 16] = "";
	(void)state;
	for (int i = 0; i <= CONFIG_MAX_LIST; i++)
		strcat(big, "a, ");
	assert_int_equal(config_set_list(list, &n, big), -E2BIG);
	for (size_t i = 0; i < n; i++)
		free(list[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_list_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
