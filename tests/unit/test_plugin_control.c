/* The control plugin through the host mock: over a control number is an
 * error with the numbers, under one a warning, proposals unchecked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_mock.h"
#include "money.h"

#define SAMPLE "fengquan-116001-2023.json"

/* The sample's figures summed from its JSON, not through the model. */
static bd_fen sum_lines(const char *field, const char *value)
{
	char *text = mock_read_data(SAMPLE);
	cJSON *doc = cJSON_Parse(text);
	free(text);
	assert_non_null(doc);
	enum bd_unit unit;
	assert_int_equal(
	    money_unit_parse(cJSON_GetObjectItem(doc, "unit")->valuestring,
			     &unit),
	    0);
	bd_fen sum = 0;
	const cJSON *line;
	cJSON_ArrayForEach(line, cJSON_GetObjectItem(doc, "expenditure"))
	{
		const cJSON *v = cJSON_GetObjectItem(line, field);
		if (field && value &&
		    (v == NULL ||
		     strncmp(v->valuestring, value, strlen(value)) != 0))
			continue;
		bd_fen fen;
		const char *why;
		assert_int_equal(
		    money_parse(cJSON_GetObjectItem(line, "total")->valuestring,
				unit, &fen, &why),
		    0);
		sum += fen;
	}
	cJSON_Delete(doc);
	return sum;
}

struct fixture {
	struct mock_plugin m;
	struct mock_submission ms;
	struct bd_control_item items[4];
	struct bd_control control;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_int_equal(mock_plugin_load(&f->m, "control", NULL), 0);
	assert_int_equal(mock_submission_load(&f->ms, SAMPLE), 0);
	f->control = (struct bd_control){.year = f->ms.s->year,
					 .department = f->ms.s->department.code,
					 .version = 3,
					 .items = f->items};
	f->m.control = &f->control;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	mock_submission_free(&f->ms);
	mock_plugin_unload(&f->m);
	free(f);
	return 0;
}

static void audit(struct fixture *f, struct bd_audit *a, enum bd_stage stage)
{
	memset(a, 0, sizeof *a);
	a->stage = stage;
	assert_int_equal(f->m.desc->validate(f->m.state, f->ms.s, a), 0);
}

static void over_is_an_error_with_the_numbers(void **state)
{
	struct fixture *f = *state;
	bd_fen total = sum_lines(NULL, NULL);
	f->items[0] = (struct bd_control_item){"total", total - 1};
	f->control.n_items = 1;
	struct bd_audit a;
	audit(f, &a, BD_STAGE_BUDGET);
	const struct mock_finding *over = mock_find(&a, "control.over", NULL);
	assert_non_null(over);
	assert_int_equal(over->severity, BD_SEVERITY_ERROR);
	assert_int_equal(over->expected.fen, total - 1);
	assert_int_equal(over->actual.fen, total);
	/* Which number, which amount, the difference, the version. */
	char want[200], limit[40];
	money_format(total - 1, BD_UNIT_YUAN, limit, sizeof limit);
	snprintf(want, sizeof want,
		 "its control number %s 元 (version 3) by "
		 "0.01 元",
		 limit);
	assert_non_null(strstr(over->message, want));
	assert_non_null(strstr(over->message, "total is"));
	/* Adjustments are held to them too. */
	audit(f, &a, BD_STAGE_ADJUSTMENT);
	assert_non_null(mock_find(&a, "control.over", NULL));
}

static void at_the_number_is_clean_under_warns(void **state)
{
	struct fixture *f = *state;
	bd_fen total = sum_lines(NULL, NULL);
	f->items[0] = (struct bd_control_item){"total", total};
	f->control.n_items = 1;
	struct bd_audit a;
	audit(f, &a, BD_STAGE_BUDGET);
	assert_int_equal(a.n, 0);
	f->items[0].amount = total + 12345;
	audit(f, &a, BD_STAGE_BUDGET);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.items[0].rule, "control.under");
	assert_int_equal(a.items[0].severity, BD_SEVERITY_WARNING);
	assert_non_null(strstr(a.items[0].message, "by 123.45 元"));
}

static void sources_classes_and_projects(void **state)
{
	struct fixture *f = *state;
	bd_fen general = sum_lines("source", "general_budget");
	bd_fen class201 = sum_lines("function", "201");
	assert_true(general > 0 && class201 > 0);
	const struct bd_project *p = &f->ms.s->projects[0];
	f->items[0] =
	    (struct bd_control_item){"source:general_budget", general - 100};
	f->items[1] = (struct bd_control_item){"class:201", class201};
	char key[64];
	snprintf(key, sizeof key, "project:%s", p->code);
	f->items[2] =
	    (struct bd_control_item){key, p->total.fen - 1}; /* over by 1 分 */
	f->control.n_items = 3;
	struct bd_audit a;
	audit(f, &a, BD_STAGE_BUDGET);
	assert_int_equal(a.n, 2);
	const struct mock_finding *src =
	    mock_find(&a, "control.over", "expenditure");
	assert_non_null(src);
	assert_int_equal(src->actual.fen, general);
	const struct mock_finding *proj =
	    mock_find(&a, "control.over", "projects[0].total");
	assert_non_null(proj);
	assert_int_equal(proj->actual.fen - proj->expected.fen, 1);
}

static void proposals_and_other_departments_unchecked(void **state)
{
	struct fixture *f = *state;
	f->items[0] = (struct bd_control_item){"total", 1};
	f->control.n_items = 1;
	struct bd_audit a;
	audit(f, &a, BD_STAGE_PROPOSAL);
	assert_int_equal(a.n, 0);
	audit(f, &a, BD_STAGE_NONE);
	assert_int_equal(a.n, 0);
	f->control.year++;
	audit(f, &a, BD_STAGE_BUDGET);
	assert_int_equal(a.n, 0);
	f->control.year--;
	audit(f, &a, BD_STAGE_BUDGET);
	assert_int_equal(a.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(over_is_an_error_with_the_numbers,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(at_the_number_is_clean_under_warns,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(sources_classes_and_projects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		proposals_and_other_departments_unchecked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
