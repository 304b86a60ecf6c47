#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "json_scratch.h"

static const char doc[] =
    "{\"department\":{\"code\":\"116001\",\"name\":\"丰泉区财政局\"},"
    "\"expenditure\":[{\"function\":\"2010301\",\"total\":\"12.30\"},"
    "{\"function\":\"2010302\",\"total\":\"4.56\"}]}";

/* Inside begin/end a tree comes from the arena and its delete frees
 * nothing; outside, trees are the heap's, also while a scratch is open. */
static void test_trees_from_the_arena(void **state)
{
	(void)state;
	cJSON *before = cJSON_Parse(doc); /* the heap's */
	assert_non_null(before);

	struct arena scratch;
	arena_init(&scratch);
	json_scratch_begin(&scratch);
	cJSON *tree = cJSON_Parse(doc);
	assert_non_null(tree);
	assert_true(arena_owns(&scratch, tree));
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(tree, "department"), "name");
	assert_true(arena_owns(&scratch, name->valuestring));
	assert_string_equal(name->valuestring, "丰泉区财政局");
	assert_false(arena_owns(&scratch, before));
	size_t used = scratch.bytes;
	assert_true(used > 0);
	cJSON_Delete(tree);
	/* json_scratch_delete leaves a scratch tree to its arena, and frees
	 * a heap tree as the heap's (LeakSanitizer would say otherwise). */
	cJSON *second = cJSON_Parse(doc);
	assert_true(arena_owns(&scratch, second));
	json_scratch_delete(second);
	json_scratch_delete(NULL);
	used = scratch.bytes;
	/* A heap tree made before the scratch is freed as the heap's
	 * (LeakSanitizer and ASan would say otherwise). */
	cJSON_Delete(before);
	assert_int_equal(scratch.bytes, used);
	json_scratch_end();

	cJSON *after = cJSON_Parse(doc);
	assert_non_null(after);
	assert_false(arena_owns(&scratch, after));
	json_scratch_delete(after);
	arena_release(&scratch);
	assert_int_equal(scratch.bytes, 0);
}

/* The arena's ownership test sees every chunk, not only the newest. */
static void test_arena_owns(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char *first = arena_alloc(&a, 16);
	for (int i = 0; i < 100; i++)
		assert_non_null(arena_alloc(&a, 4000));
	assert_true(arena_owns(&a, first));
	assert_true(arena_owns(&a, first + 15));
	int local;
	assert_false(arena_owns(&a, &local));
	char *heap = malloc(8);
	assert_false(arena_owns(&a, heap));
	free(heap);
	arena_release(&a);
	assert_false(arena_owns(&a, first));
}

int main(void)
{
	json_scratch_install();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trees_from_the_arena),
	    cmocka_unit_test(test_arena_owns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
