#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <pthread.h>
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

struct parsed {
	cJSON *tree;
	struct arena *arena;
};

static void *parse_into_arena(void *arg)
{
	struct parsed *out = arg;
	out->arena = malloc(sizeof *out->arena);
	arena_init(out->arena);
	json_scratch_begin(out->arena);
	out->tree = cJSON_Parse(doc);
	json_scratch_end();
	return NULL;
}

/* A tree parsed on one thread into an arena of its own is released whole
 * on another (a request decoded on an nng thread, its document released
 * on a worker): no value is freed as the heap's (ASan would report a
 * free of memory malloc never gave), and the arena goes (LeakSanitizer
 * would report it).  A heap tree given no arena is deleted as before. */
static void test_release_on_another_thread(void **state)
{
	(void)state;
	struct parsed parsed;
	pthread_t parser;
	assert_int_equal(
	    pthread_create(&parser, NULL, parse_into_arena, &parsed), 0);
	assert_int_equal(pthread_join(parser, NULL), 0);
	assert_non_null(parsed.tree);
	assert_true(arena_owns(parsed.arena, parsed.tree));
	cJSON *department =
	    cJSON_DetachItemFromObjectCaseSensitive(parsed.tree, "department");
	assert_true(arena_owns(parsed.arena, department));
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(department, "code")->valuestring,
	    "116001");
	json_scratch_release(department, parsed.arena); /* tree goes too */
	json_scratch_release(cJSON_Parse(doc), NULL);
	json_scratch_release(NULL, NULL);
}

int main(void)
{
	json_scratch_install();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trees_from_the_arena),
	    cmocka_unit_test(test_arena_owns),
	    cmocka_unit_test(test_release_on_another_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
