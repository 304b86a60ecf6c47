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
	/* A known code printed with a name only a code of another 类 has. */
	const struct mock_finding *f =
	    only(audit_line(2023, "2010505", "机关事业单位基本养老保险缴费支出",
			    NULL),
		 "catalog.function.name_of_other_code");
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	assert_non_null(strstr(f->message, "did you mean 2080505?"));
	/* A known code printed with the name of its neighbour in the same
	 * 款: a plain mismatch, which names the neighbour. */
	f = only(audit_line(2023, "2210201", "购房补贴", NULL),
		 "catalog.function.name_mismatch");
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	assert_non_null(strstr(f->message, "2210203"));
	assert_null(strstr(f->message, "did you mean"));
	/* A different name that belongs to nobody. */
	f = only(audit_line(2023, "2210201", "完全不同的名字", NULL),
		 "catalog.function.name_mismatch");
	assert_string_equal(f->path, "expenditure[0].name");
	/* 类 that do not exist, and 款 the partial catalogue does not know. */
	assert_int_equal(only(audit_line(2023, "2990101", "x", NULL),
			      "catalog.function.unknown_class")
			     ->severity,
			 BD_SEVERITY_ERROR);
	f = only(audit_line(2023, "2019998", "不知道", NULL),
		 "catalog.function.unknown");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "partial"));
	/* Economic codes too: there a name has one owner. */
	f = only(
	    audit_line(
		2023, "2010301", "行政运行",
		"{\"code\":\"30299\",\"name\":\"办公费\",\"amount\":\"1\"}"),
	    "catalog.economic.name_of_other_code");
	assert_non_null(strstr(f->message, "30201"));
	/* Within a 类 that may be a province's own numbering (上海 numbers
	 * 302 款 differently): a warning.  A name of another 类 is an
	 * error. */
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	f = only(
	    audit_line(
		2023, "2010301", "行政运行",
		"{\"code\":\"30299\",\"name\":\"基本工资\",\"amount\":\"1\"}"),
	    "catalog.economic.name_of_other_code");
	assert_int_equal(f->severity, BD_SEVERITY_ERROR);
	f = only(
	    audit_line(2023, "2010301", "行政运行",
		       "{\"code\":\"30211\",\"name\":\"事业单位离退休人员福"
		       "利费\",\"amount\":\"1\"}"),
	    "catalog.economic.name_mismatch");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
}

/*
 * Valid codes printed with their standard names, which recur under many
 * 款: never a "did you mean" (each of these was once rejected).
 */
static void test_shared_names_are_no_evidence(void **state)
{
	(void)state;
	static const char *const valid[][2] = {
	    {"2010302", "一般行政管理事务"},
	    {"2040601", "行政运行"},
	    {"2040613", "信息化建设"},
	    {"2013603", "机关服务"},
	    {"2080150", "事业运行"},
	    {"2012999", "其他群众团体事务支出"},
	};
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		struct bd_audit *a =
		    audit_line(2023, valid[i][0], valid[i][1], NULL);
		if (a->n != 0) {
			dump(a);
			fail_msg("%s %s: expected no finding", valid[i][0],
				 valid[i][1]);
		}
	}
	/* A code the partial catalogue lacks, printed with a shared name:
	 * "unknown", a warning, and no guess at another code. */
	const struct mock_finding *f =
	    only(audit_line(2023, "2040498", "行政运行", NULL),
		 "catalog.function.unknown");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_null(strstr(f->message, "did you mean"));
	/* A row of the regular structure (trust K) only warns. */
	f = only(audit_line(2023, "2010302", "行政运行", NULL),
		 "catalog.function.name_mismatch");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "other codes carry"));
	/* An unknown code whose name belongs only to another 类's code: in a
	 * partial catalogue a warning that still names the code. */
	f = only(audit_line(2023, "2040498", "机关事业单位基本养老保险缴费支出",
			    NULL),
		 "catalog.function.name_of_other_code");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "did you mean 2080505?"));
}

/* 上海's own numbering of the 302 款 (from its published unit budgets):
 * one warning for the table, none per row, and rows of the national
 * numbering in it still checked. */
static void test_provincial_economic_numbering(void **state)
{
	(void)state;
	const char *rows =
	    "{\"code\":\"30202\",\"name\":\"咨询费\",\"amount\":\"1\"},"
	    "{\"code\":\"30203\",\"name\":\"水费\",\"amount\":\"1\"},"
	    "{\"code\":\"30204\",\"name\":\"电费\",\"amount\":\"1\"},"
	    "{\"code\":\"30210\",\"name\":\"车辆运行费\",\"amount\":\"1\"},"
	    "{\"code\":\"30201\",\"name\":\"办公费\",\"amount\":\"1\"}";
	const struct mock_finding *f =
	    only(audit_line(2024, "2010301", "行政运行", rows),
		 "catalog.economic.local_numbering");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "30202 咨询费 (nationally 印刷费)"));
	/* Two such rows are no numbering: each is reported. */
	struct bd_audit *a = audit_line(
	    2024, "2010301", "行政运行",
	    "{\"code\":\"30202\",\"name\":\"咨询费\",\"amount\":\"1\"},"
	    "{\"code\":\"30203\",\"name\":\"水费\",\"amount\":\"1\"}");
	assert_int_equal(a->n, 2);
	assert_null(mock_find(a, "catalog.economic.local_numbering", NULL));
}

/* A 项 renamed for 2021 (扶贫 became 巩固脱贫攻坚成果衔接乡村振兴): the old
 * name is right until 2020, a warning after. */
static void test_renamed_codes(void **state)
{
	(void)state;
	const struct mock_finding *f =
	    only(audit_line(2023, "2130599", "其他扶贫支出", NULL),
		 "catalog.function.old_name");
	assert_int_equal(f->severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(f->message, "since 2021"));
	assert_int_equal(audit_line(2020, "2130599", "其他扶贫支出", NULL)->n,
			 0);
	assert_int_equal(audit_line(2023, "2130599",
				    "其他巩固脱贫攻坚成果衔接乡村振兴支出",
				    NULL)
			     ->n,
			 0);
}

static void test_year_fallback(void **state)
{
	(void)state;
	const struct mock_finding *f =
	    only(audit_line(2031, "2019998", "不知道", NULL),
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
	assert_int_equal(only(audit_line(2024, "2019998", "不知道", NULL),
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
	    cmocka_unit_test_setup_teardown(test_shared_names_are_no_evidence,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_provincial_economic_numbering,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renamed_codes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_year_fallback, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_complete_catalogue_makes_unknown_an_error, setup,
		teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
