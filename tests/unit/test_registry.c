#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

static struct registry_entry *make_entry(int year, const char *code,
					 int64_t number)
{
	struct registry_entry *e = calloc(1, sizeof *e);
	arena_init(&e->arena);
	struct bd_submission *s = arena_calloc(&e->arena, 1, sizeof *s);
	s->year = year;
	snprintf(s->department.code, sizeof s->department.code, "%.12s", code);
	e->revision.submission = s;
	e->revision.number = number;
	assert_int_equal(registry_entry_summarise(e), 0);
	return e;
}

static void count(void *ctx, const struct registry_entry *e)
{
	(void)e;
	(*(size_t *)ctx)++;
}

static void test_replace_and_find(void **state)
{
	struct registry r;
	struct registry_entry *replaced;
	char code[16];
	(void)state;
	assert_int_equal(registry_init(&r), 0);
	/* Enough entries to make the table grow a few times. */
	for (int i = 0; i < 3000; i++) {
		snprintf(code, sizeof code, "%06d", i);
		assert_int_equal(
		    registry_replace(&r, make_entry(2023 + i % 2, code, 1),
				     &replaced),
		    0);
		assert_null(replaced);
	}
	assert_int_equal(r.n_entries, 3000);
	assert_int_equal(
	    registry_replace(&r, make_entry(2023, "000010", 2), &replaced), 0);
	assert_non_null(replaced);
	assert_int_equal(replaced->revision.number, 1);
	registry_entry_free(replaced);
	assert_int_equal(r.n_entries, 3000);
	assert_int_equal(registry_find(&r, 2023, "000010")->revision.number, 2);
	assert_null(registry_find(&r, 2024, "000010"));
	assert_non_null(registry_find(&r, 2024, "000011"));
	size_t n = 0;
	registry_each(&r, count, &n);
	assert_int_equal(n, 3000);
	registry_free(&r);
}

/* A compact entry keeps its summary and place; its document is gone and
 * its bytes no longer counted. */
static void test_compact_keeps_the_summary(void **state)
{
	struct registry r;
	struct registry_entry *replaced;
	(void)state;
	assert_int_equal(registry_init(&r), 0);
	struct registry_entry *e = calloc(1, sizeof *e);
	arena_init(&e->arena);
	struct bd_submission *s = arena_calloc(&e->arena, 1, sizeof *s);
	s->year = 2025;
	snprintf(s->department.code, sizeof s->department.code, "116001");
	s->department.name = "凤泉区政务服务和大数据管理局";
	snprintf(s->department.parent, sizeof s->department.parent, "116");
	struct bd_line *lines = arena_calloc(&e->arena, 2, sizeof *lines);
	lines[0].column[BD_COL_WAGES] = 150;
	lines[1].column[BD_COL_GOODS] = -50;
	s->lines = lines;
	s->n_lines = 2;
	e->revision = (struct bd_revision){.submission = s, .number = 3};
	assert_int_equal(registry_entry_summarise(e), 0);
	assert_int_equal(registry_replace(&r, e, &replaced), 0);
	assert_true(r.bytes > 0);
	registry_compact(&r, e);
	assert_null(e->revision.submission);
	assert_int_equal(r.bytes, 0);
	const struct registry_entry *found = registry_find(&r, 2025, "116001");
	assert_ptr_equal(found, e);
	assert_string_equal(found->summary.name,
			    "凤泉区政务服务和大数据管理局");
	assert_string_equal(found->summary.parent, "116");
	assert_int_equal(found->summary.n_lines, 2);
	assert_int_equal(found->summary.expenditure_total, 100);
	struct bd_revision copy;
	assert_true(registry_latest_copy(&r, 2025, "116001", &copy));
	assert_int_equal(copy.number, 3);
	assert_null(copy.submission);
	assert_false(registry_latest_copy(&r, 2024, "116001", &copy));
	registry_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replace_and_find),
	    cmocka_unit_test(test_compact_keeps_the_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
