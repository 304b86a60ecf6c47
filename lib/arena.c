#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_MIN 4096

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char bytes[];
};

void arena_init(struct arena *arena)
{
	arena->head = NULL;
	arena->bytes = 0;
	arena->first_chunk = 0;
}

void arena_init_sized(struct arena *arena, size_t first_chunk)
{
	arena_init(arena);
	arena->first_chunk = first_chunk;
}

void arena_release(struct arena *arena)
{
	struct arena_chunk *c = arena->head;
	while (c != NULL) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	size_t first_chunk = arena->first_chunk;
	arena_init_sized(arena, first_chunk);
}

void *arena_alloc_raw(struct arena *arena, size_t size)
{
	const size_t align = alignof(max_align_t);
	size = (size + align - 1) & ~(align - 1);
	if (size == 0)
		size = align;

	struct arena_chunk *c = arena->head;
	if (c == NULL || c->size - c->used < size) {
		size_t chunk = size > ARENA_CHUNK_MIN ? size : ARENA_CHUNK_MIN;
		if (arena->head == NULL && chunk < arena->first_chunk)
			chunk = arena->first_chunk;
		if (arena->head != NULL && chunk < arena->head->size * 2 &&
		    arena->head->size < (1u << 20))
			chunk = arena->head->size * 2;
		c = malloc(sizeof *c + chunk);
		if (c == NULL)
			return NULL;
		c->next = arena->head;
		c->used = 0;
		c->size = chunk;
		arena->head = c;
		arena->bytes += sizeof *c + chunk;
	}
	void *p = c->bytes + c->used;
	c->used += size;
	return p;
}

void *arena_alloc(struct arena *arena, size_t size)
{
	void *p = arena_alloc_raw(arena, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *arena_calloc(struct arena *arena, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return arena_alloc(arena, count * size);
}

char *arena_strdup(struct arena *arena, const char *text)
{
	size_t n = strlen(text) + 1;
	char *copy = arena_alloc(arena, n);
	if (copy != NULL)
		memcpy(copy, text, n);
	return copy;
}

bool arena_owns(const struct arena *arena, const void *p)
{
	const unsigned char *byte = p;
	for (const struct arena_chunk *c = arena->head; c; c = c->next)
		if (byte >= c->bytes && byte < c->bytes + c->size)
			return true;
	return false;
}
