/*
 * cJSON trees that live only inside one call (parsed, read, deleted),
 * allocated from an arena: no malloc and free per value, which were a
 * quarter of the instructions of a cold start.  The hooks are cJSON's,
 * so process-wide: installed once, before any thread starts; the arena
 * is per thread, and outside begin/end cJSON allocates as always.
 */
#ifndef BUDGETD_JSON_SCRATCH_H
#define BUDGETD_JSON_SCRATCH_H

#include "arena.h"

/* Installs the hooks (the daemon's main, before its threads). */
void json_scratch_install(void);
/* This thread's cJSON allocations come from scratch until end; nothing
 * allocated in between may be used after it (arena_release frees it). */
void json_scratch_begin(struct arena *scratch);
void json_scratch_end(void);
struct cJSON;
/* Deletes a tree, except one this thread's scratch arena holds, which
 * goes with the arena: walking it to free value by value was 5 % of the
 * instructions of a cold start. */
void json_scratch_delete(struct cJSON *tree);

/* A tree parsed whole between begin and end into a malloc'ed arena of its
 * own goes with that arena, on whichever thread is done with it: one free
 * where value-by-value frees on another thread than the parse's filled
 * its malloc's fast bins and made later allocations consolidate them.
 * arena NULL: the tree was malloc'ed, and is deleted. */
void json_scratch_release(struct cJSON *tree, struct arena *arena);

#endif
