/* A bump allocator: one parsed submission lives in one arena, freed at once. */
#ifndef BUDGETD_ARENA_H
#define BUDGETD_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t bytes;	    /* total allocated, for memory accounting */
	size_t first_chunk; /* the size of the first chunk, at least */
};

void arena_init(struct arena *arena);
/* An arena whose first chunk holds first_chunk bytes: for a known need
 * (fewer chunks to allocate and to search in arena_owns). */
void arena_init_sized(struct arena *arena, size_t first_chunk);
void arena_release(struct arena *arena);
/* Zeroed, max-aligned memory; NULL when out of memory. */
void *arena_alloc(struct arena *arena, size_t size);
void *arena_calloc(struct arena *arena, size_t count, size_t size);
/* The same, not zeroed: for callers that write it all (cJSON's). */
void *arena_alloc_raw(struct arena *arena, size_t size);
char *arena_strdup(struct arena *arena, const char *text);
/* Whether p points into memory of the arena. */
bool arena_owns(const struct arena *arena, const void *p);

#endif
