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
#include "config_value.h"

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
	assert_int_equal(c.n_plugins, 8);
	assert_string_equal(c.plugins[5], "control");
	assert_true(c.require_control_numbers);
	assert_string_equal(c.plugins[1], "catalog");
	assert_string_equal(c.plugins[3], "narrative");
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

/* Typed plugin config values, as the host checks them. */
static void test_typed_values(void **state)
{
	const struct bd_config_key depth = {"depth", BD_CONFIG_INT, "3",
					    "",	     .min = -5,	    .max = 9};
	const struct bd_config_key any = {"any", BD_CONFIG_INT, "0", ""};
	const struct bd_config_key size = {"buffer", BD_CONFIG_SIZE,
					   "4k",     "",
					   .min = 0, .max = (int64_t)1 << 40};
	const struct bd_config_key flag = {"loud", BD_CONFIG_BOOL, "no", ""};
	const struct bd_config_key text = {"name", BD_CONFIG_STRING, "x", ""};
	char why[200];
	int64_t n;
	(void)state;
	assert_int_equal(config_value_parse(&depth, "-5", &n, why, sizeof why),
			 0);
	assert_int_equal(n, -5);
	assert_int_equal(config_value_parse(&depth, "10", &n, why, sizeof why),
			 -EINVAL);
	assert_string_equal(why, "\"depth\" must be an integer from -5 to 9, "
				 "not \"10\"");
	assert_int_equal(config_value_parse(&depth, "3.0", &n, why, sizeof why),
			 -EINVAL);
	assert_int_equal(config_value_parse(&depth, "", &n, why, sizeof why),
			 -EINVAL);
	assert_int_equal(config_value_parse(&any, "-9223372036854775808", &n,
					    why, sizeof why),
			 0);
	assert_true(n == INT64_MIN);
	assert_int_equal(config_value_parse(&any, "9223372036854775808", &n,
					    why, sizeof why),
			 -EINVAL);
	const struct {
		const char *text;
		int64_t bytes;
	} sizes[] = {{"0", 0},
		     {"4096", 4096},
		     {"64k", 64 << 10},
		     {"4M", 4 << 20},
		     {"4MiB", 4 << 20},
		     {"2G", (int64_t)2 << 30},
		     {"1GB", (int64_t)1 << 30}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(config_value_parse(&size, sizes[i].text, &n,
						    why, sizeof why),
				 0);
		assert_true(n == sizes[i].bytes);
	}
	const char *bad_sizes[] = {"-1k", "4X", "4 M",
				   "k",	  "2T", "9223372036854775807k"};
	for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++)
		assert_int_equal(config_value_parse(&size, bad_sizes[i], &n,
						    why, sizeof why),
				 -EINVAL);
	assert_non_null(strstr(why, "a size in bytes (k, M, G allowed)"));
	const char *yes[] = {"true", "YES", "on", "1"};
	const char *no[] = {"false", "No", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(
		    config_value_parse(&flag, yes[i], &n, why, sizeof why), 0);
		assert_int_equal(n, 1);
		assert_int_equal(
		    config_value_parse(&flag, no[i], &n, why, sizeof why), 0);
		assert_int_equal(n, 0);
	}
	assert_int_equal(
	    config_value_parse(&flag, "maybe", &n, why, sizeof why), -EINVAL);
	assert_int_equal(
	    config_value_parse(&text, "any text", &n, why, sizeof why), 0);
	assert_int_equal(config_value_parse(&text, NULL, &n, why, sizeof why),
			 -EINVAL);
	assert_string_equal(why, "\"name\" has no value and no default");
	const struct bd_config_key table[] = {depth, flag, {0}};
	assert_ptr_equal(config_value_key(table, "loud"), &table[1]);
	assert_null(config_value_key(table, "quiet"));
	assert_null(config_value_key(NULL, "loud"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_errors_name_the_line),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_list_limit),
	    cmocka_unit_test(test_typed_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
