#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "host_mock.h"
#include "test_json.h"

static void test_event_topic_and_body(void **state)
{
	struct mock_plugin p;
	static const char *const per_total[] = {"per_total_topics=true", NULL};
	(void)state;
	assert_int_equal(mock_plugin_load(&p, "publisher", per_total), 0);
	struct bd_total_change changes[] = {
	    {2023, "function:class", "201", 0, 213780000},
	    {2023, "total", "", 100, 50},
	};
	struct bd_event ev = {.seq = 41,
			      .kind = "revision.accepted",
			      .year = 2023,
			      .department = "116001",
			      .parent = "116",
			      .revision = 3,
			      .changes = changes,
			      .n_changes = 2};
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	/* The event, then one message per moved total. */
	assert_int_equal(p.n_published, 3);
	assert_string_equal(p.published[0].topic,
			    "budgetd.revision.accepted.2023.116.116001");
	assert_string_equal(p.published[1].topic,
			    "budgetd.total.2023.function:class.201");
	assert_string_equal(p.published[2].topic,
			    "budgetd.total.2023.total.all");
	assert_non_null(strstr(p.published[1].body, "\"after\":\"213.78\""));
	assert_non_null(strstr(p.published[1].body, "\"seq\":41"));
	cJSON *body = cJSON_Parse(p.published[0].body);
	assert_non_null(body);
	assert_int_equal(cJSON_GetObjectItem(body, "seq")->valueint, 41);
	assert_int_equal(cJSON_GetObjectItem(body, "revision")->valueint, 3);
	cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "changes"), 0);
	assert_string_equal(json_str(c0, "after"), "213.78");
	assert_string_equal(json_str(c0, "delta"), "213.78");
	cJSON *c1 = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "changes"), 1);
	assert_string_equal(json_str(c1, "delta"), "-0.00005");
	cJSON_Delete(body);
	/* Every per-total message is JSON and says which total it is. */
	for (int i = 1; i < 3; i++) {
		cJSON *one = cJSON_Parse(p.published[i].body);
		assert_non_null(one);
		assert_int_equal(cJSON_GetObjectItem(one, "seq")->valueint, 41);
		assert_string_equal(json_str(one, "dimension"),
				    changes[i - 1].dimension);
		assert_string_equal(json_str(one, "unit"), "万元");
		cJSON_Delete(one);
	}
	mock_plugin_unload(&p);
}

/* By default one message per submission; text that needs escaping comes
 * out as JSON that reads back to the same strings. */
static void test_one_message_and_escaping(void **state)
{
	struct mock_plugin p;
	(void)state;
	assert_int_equal(mock_plugin_load(&p, "publisher", NULL), 0);
	struct bd_total_change changes[] = {
	    {2024, "department", "a\"b\\c\n\x01", 0, 1},
	    {2024, "function:class", "201", -9007199254740993LL,
	     9007199254740993LL},
	};
	struct bd_event ev = {.seq = 18446744073709ULL,
			      .kind = "revision.accepted",
			      .year = 2024,
			      .department = "单位\"1\"",
			      .revision = 7,
			      .changes = changes,
			      .n_changes = 2};
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	assert_int_equal(p.n_published, 1);
	cJSON *body = cJSON_Parse(p.published[0].body);
	assert_non_null(body);
	assert_string_equal(json_str(body, "department"), "单位\"1\"");
	assert_null(cJSON_GetObjectItem(body, "parent"));
	assert_int_equal(cJSON_GetObjectItem(body, "changed")->valueint, 2);
	assert_true(cJSON_GetObjectItem(body, "seq")->valuedouble ==
		    18446744073709.0);
	cJSON *list = cJSON_GetObjectItem(body, "changes");
	assert_string_equal(json_str(cJSON_GetArrayItem(list, 0), "key"),
			    "a\"b\\c\n\x01");
	/* Amounts past 2^53 stay exact: they travel as decimal text. */
	assert_string_equal(json_str(cJSON_GetArrayItem(list, 1), "delta"),
			    "18014398509.481986");
	cJSON_Delete(body);
	mock_plugin_unload(&p);
}

static int nobody(const struct bd_plugin_handle *self)
{
	(void)self;
	return 0;
}

static int someone(const struct bd_plugin_handle *self)
{
	(void)self;
	return 1;
}

/* With no subscriber connected nothing is built (PUB would drop it);
 * a host of ABI 2.0, without the function, gets every message. */
static void test_nobody_listening(void **state)
{
	struct mock_plugin p;
	(void)state;
	assert_int_equal(mock_plugin_load(&p, "publisher", NULL), 0);
	struct bd_total_change change = {2023, "total", "", 0, 100};
	struct bd_event ev = {.seq = 1,
			      .kind = "revision.accepted",
			      .year = 2023,
			      .department = "116001",
			      .changes = &change,
			      .n_changes = 1};
	p.host.subscribers = nobody;
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	assert_int_equal(p.n_published, 0);
	p.host.subscribers = someone;
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	assert_int_equal(p.n_published, 1);
	p.host.subscribers = NULL;
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	assert_int_equal(p.n_published, 2);
	mock_plugin_unload(&p);
}

static void test_config(void **state)
{
	struct mock_plugin p;
	static const char *const yuan[] = {"topic_prefix=district", "unit=元",
					   "include_changes=false", NULL};
	static const char *const bad_unit[] = {"unit=两", NULL};
	static const char *const bad_prefix[] = {"topic_prefix=a b", NULL};
	(void)state;
	assert_int_equal(mock_plugin_load(&p, "publisher", yuan), 0);
	struct bd_event ev = {.seq = 1,
			      .kind = "submission.rejected",
			      .year = 2024,
			      .department = "9",
			      .parent = ""};
	assert_int_equal(p.desc->publish(p.state, &ev), 0);
	assert_string_equal(p.published[0].topic,
			    "district.submission.rejected.2024.-.9");
	assert_null(strstr(p.published[0].body, "changes\""));
	mock_plugin_unload(&p);
	assert_true(mock_plugin_load(&p, "publisher", bad_unit) < 0);
	mock_plugin_unload(&p);
	assert_true(mock_plugin_load(&p, "publisher", bad_prefix) < 0);
	mock_plugin_unload(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_topic_and_body),
	    cmocka_unit_test(test_one_message_and_escaping),
	    cmocka_unit_test(test_nobody_listening),
	    cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
