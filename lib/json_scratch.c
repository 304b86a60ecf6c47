#include "json_scratch.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static _Thread_local struct arena *scratch_arena;

static void *scratch_malloc(size_t size)
{
	/* Not zeroed: cJSON clears its items and writes its strings. */
	return scratch_arena ? arena_alloc_raw(scratch_arena, size)
			     : malloc(size);
}

/* A value of the scratch arena goes when the arena does. */
static void scratch_free(void *p)
{
	if (scratch_arena == NULL || !arena_owns(scratch_arena, p))
		free(p);
}

void json_scratch_install(void)
{
	cJSON_Hooks hooks = {.malloc_fn = scratch_malloc,
			     .free_fn = scratch_free};
	cJSON_InitHooks(&hooks);
}

void json_scratch_begin(struct arena *scratch)
{
	scratch_arena = scratch;
}

void json_scratch_end(void)
{
	scratch_arena = NULL;
}

void json_scratch_delete(cJSON *tree)
{
	/* A tree of the scratch arena is all of it (the whole parse ran
	 * between begin and end): the arena frees it at once. */
	if (tree != NULL && scratch_arena != NULL &&
	    arena_owns(scratch_arena, tree))
		return;
	cJSON_Delete(tree);
}

void json_scratch_release(cJSON *tree, struct arena *arena)
{
	if (arena == NULL) {
		cJSON_Delete(tree);
		return;
	}
	arena_release(arena);
	free(arena);
}
