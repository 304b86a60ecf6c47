#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_mock.h"

static struct mock_plugin plugin;

static int setup(void **state)
{
	(void)state;
	return mock_plugin_load(&plugin, "catalog", NULL);
}

static int teardown(void **state)
{
	(void)state;
	mock_plugin_unload(&plugin);
	return 0;
}

static struct bd_audit *audit_text(const char *json)
{
	static struct bd_audit audit;
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, json), 0);
	memset(&audit, 0, sizeof audit);
	assert_int_equal(plugin.desc->validate(plugin.state, ms.s, &audit), 0);
	mock_submission_free(&ms);
	return &audit;
}

static void dump(const struct bd_audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, "  %s %s: %s\n", a->items[i].rule,
			a->items[i].path, a->items[i].message);
}

/* One line (and optionally an economic row) in an otherwise empty document. */
static struct bd_audit *audit_line(int year, const char *function,
				   const char *name, const char *economic)
{
	char json[2048];
	snprintf(
	    json, sizeof json,
	    "{\"format\":\"budget-submission/1\",\"year\":%d,\"unit\":\"元\","
	    "\"department\":{\"code\":\"900001\",\"name\":\"t\"},\"income\":{},"
	    "\"expenditure\":[{\"function\":\"%s\",\"name\":\"%s\",\"basic\":{"
	    "\"wages\":\"1\"}}]"
	    "%s%s%s}",
	    year, function, name, economic ? ",\"economic\":[" : "",
	    economic ? economic : "", economic ? "]" : "");
	return audit_text(json);
}

static const struct mock_finding *only(const struct bd_audit *a,
				       const char *rule)
{
	if (a->n != 1 || strcmp(a->items[0].rule, rule) != 0) {
		dump(a);
		fail_msg("expected exactly one %s finding", rule);
	}
	return &a->items[0];
}

static void test_sample(void **state)
{
	(void)state;
	char *text = mock_read_data("fengquan-116001-2023.json");
	struct bd_audit *a = audit_text(text);
	free(text);
	dump(a);
	assert_int_equal(a->n, 2);
	/* The one only a catalogue can see: the pension line's code. */
	const struct mock_finding *f =
	    mock_find(a, "catalog.function.name_of_other_code",
		      "expenditure[3].function");
	assert_non_null(f);
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	assert_non_null(strstr(f->message, "did you mean 2080505?"));
	f = mock_find(a, "catalog.function.name_variant",
		      "expenditure[4].name");
	assert_non_null(f);
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
}

static void test_clean_documents(void **state)
{
	(void)state;
	char *text = mock_read_data("putuo-wanli-2025.json");
	struct bd_audit *a = audit_text(text);
	free(text);
	dump(a);
	assert_int_equal(a->n, 0);
}

static void test_damage_is_tolerated(void **state)
{
	(void)state;
	/* Wrapped, spaced, half-width brackets: the same names. */
	assert_int_equal(
	    audit_line(2023, "2080505", "机关事业单位基本养老保险缴", NULL)->n,
	    0);
	assert_int_equal(audit_line(2023, "2210201", "住房 公积金", NULL)->n,
			 0);
	assert_int_equal(audit_line(2023, "2010399",
				    "其他政府办公厅(室)及相关机构事务支出",
				    NULL)
			     ->n,
			 0);
	assert_int_equal(audit_line(2023, "2010301", "", NULL)->n, 0);
	assert_int_equal(
	    audit_line(
		2023, "2010301", "行政运行",
		"{\"code\":\"30213\",\"name\":\"维修(护)费\",\"amount\":\"1\"}")
		->n,
	    0);
}

static void test_wrong_codes(void **state)
{
	(void)state;
	/* A neighbouring code that is not in the catalogue, with the name of
	 * the code it should be. */
	const struct mock_finding *f =
	    only(audit_line(2023, "2010302", "行政运行", NULL),
		 "catalog.function.name_of_other_code");
	assert_non_null(strstr(f->message, "did you mean 2010301?"));
	/* A known code printed with another known code's name. */
	f = only(audit_line(2023, "2210201", "购房补贴", NULL),
		 "catalog.function.name_of_other_code");
	assert_non_null(strstr(f->message, "2210203"));
	/* A different name that belongs to nobody. */
	f = only(audit_line(2023, "2210201", "完全不同的名字", NULL),
		 "catalog.function.name_mismatch");
	assert_string_equal(f->path, "expenditure[0].name");
	/* 类 that do not exist, and 款 the partial catalogue does not know. */
	assert_int_equal(only(audit_line(2023, "2990101", "x", NULL),
			      "catalog.function.unknown_class")
			     ->severity,
			 BD_SEVERITY_ERROR);
	f = only(audit_line(2023, "2019901", "不知道", NULL),
		 "catalog.function.unknown");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "partial"));
	/* Economic codes too. */
	f = only(
	    audit_line(
		2023, "2010301", "行政运行",
		"{\"code\":\"30299\",\"name\":\"办公费\",\"amount\":\"1\"}"),
	    "catalog.economic.name_of_other_code");
	assert_non_null(strstr(f->message, "30201"));
}

static void test_year_fallback(void **state)
{
	(void)state;
	const struct mock_finding *f =
	    only(audit_line(2031, "2019901", "不知道", NULL),
		 "catalog.function.unknown");
	assert_non_null(strstr(f->message, "(catalogue 2023 used for 2031)"));
}

static void test_complete_catalogue_makes_unknown_an_error(void **state)
{
	char dir[128], cmd[2048];
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/budgetd-catalog-%d", getpid());
	snprintf(cmd, sizeof cmd,
		 "rm -rf %s && mkdir -p %s/2024 && cp %s/catalog/2023/*.csv "
		 "%s/2024/ && "
		 "touch %s/2024/COMPLETE",
		 dir, dir, BUDGETD_TEST_CONF_DIR, dir, dir);
	assert_int_equal(system(cmd), 0);
	char setting[160];
	snprintf(setting, sizeof setting, "dir=%s", dir);
	const char *config[] = {setting, NULL};
	mock_plugin_unload(&plugin);
	assert_int_equal(mock_plugin_load(&plugin, "catalog", config), 0);
	assert_int_equal(only(audit_line(2024, "2019901", "不知道", NULL),
			      "catalog.function.unknown")
			     ->severity,
			 BD_SEVERITY_ERROR);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	/* A directory without catalogues refuses to load. */
	mock_plugin_unload(&plugin);
	const char *missing[] = {"dir=/nonexistent", NULL};
	assert_true(mock_plugin_load(&plugin, "catalog", missing) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sample, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clean_documents, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_damage_is_tolerated, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_year_fallback, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_complete_catalogue_makes_unknown_an_error, setup,
		teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
