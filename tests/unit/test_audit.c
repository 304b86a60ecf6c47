#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "audit.h"
#include "test_json.h"

static void test_policy_and_json(void **state)
{
	struct config c;
	struct bd_audit audit;
	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	/* A [severity] entry as the file loader would record it. */
	struct config_entry entries[] = {
	    {"severity", "arith.balance", "warning", 1},
	    {"severity", "noise.*", "off", 2},
	};
	c.entries = entries;
	c.n_entries = 2;
	audit_init(&audit, &c);
	audit.plugin = "arith";
	struct bd_finding f = {.rule = "arith.balance",
			       .severity = BD_SEVERITY_ERROR,
			       .path = "income",
			       .message = "does not balance",
			       .expected = {100, true},
			       .actual = {150, true}};
	assert_int_equal(audit_add(&audit, &f), 0);
	f.rule = "noise.anything";
	assert_int_equal(audit_add(&audit, &f), 0);
	f.rule = "arith.line.total";
	assert_int_equal(audit_add(&audit, &f), 0);
	assert_int_equal(audit.n, 2);
	assert_int_equal(audit.n_warnings, 1);
	assert_int_equal(audit.n_errors, 1);

	cJSON *json = audit_to_json(&audit, BD_UNIT_YUAN);
	assert_int_equal(cJSON_GetArraySize(json), 2);
	cJSON *first = cJSON_GetArrayItem(json, 0);
	assert_string_equal(json_str(first, "severity"), "warning");
	assert_string_equal(json_str(first, "expected"), "1.00");
	assert_string_equal(json_str(first, "actual"), "1.50");
	assert_string_equal(json_str(first, "difference"), "0.50");
	assert_string_equal(json_str(first, "plugin"), "arith");
	cJSON_Delete(json);
	audit_free(&audit);
	c.entries = NULL;
	c.n_entries = 0;
	config_free(&c);
}

static void test_message_cut_mid_character(void **state)
{
	struct bd_audit audit;
	(void)state;
	audit_init(&audit, NULL);
	/* "类" is 3 bytes; keep only 2 of them. */
	char message[] = "总计 类";
	message[strlen(message) - 1] = '\0';
	struct bd_finding f = {.rule = "r",
			       .severity = BD_SEVERITY_ERROR,
			       .path = "$",
			       .message = message};
	assert_int_equal(audit_add(&audit, &f), 0);
	assert_string_equal(audit.items[0].message, "总计 ");
	audit_free(&audit);
}

static void test_changes(void **state)
{
	struct bd_apply apply;
	(void)state;
	apply_init(&apply);
	for (int i = 0; i < 100; i++) {
		struct bd_total_change c = {2023, "function:class", "201", i,
					    i + 1};
		assert_int_equal(apply_add(&apply, &c), 0);
	}
	assert_int_equal(apply.n, 100);
	assert_string_equal(apply.items[99].key, "201");
	assert_int_equal(apply.items[99].after, 100);
	apply_free(&apply);
	/* Changes nobody reads are taken and dropped, nothing kept. */
	apply_init(&apply);
	apply.discard = true;
	struct bd_total_change c = {2023, "source", "business", 0, 1};
	assert_int_equal(apply_add(&apply, &c), 0);
	assert_int_equal(apply.n, 0);
	assert_null(apply.items);
	apply_free(&apply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_and_json),
	    cmocka_unit_test(test_message_cut_mid_character),
	    cmocka_unit_test(test_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
