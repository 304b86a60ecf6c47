/*
 * An integer-keyed hash map of totals: each cell holds an amount and a
 * count (how many departments contribute to it).  Open addressing with
 * linear probing; no allocation per key, so a cell costs its 24 bytes.
 */
#ifndef BUDGETD_CELLMAP_H
#define BUDGETD_CELLMAP_H

#include <budgetd/plugin.h>

/* The one key no cell can have: it marks an empty slot. */
#define CELLMAP_EMPTY UINT64_MAX

struct cellmap_cell {
	uint64_t key;
	bd_fen amount;
	int64_t count;
};

struct cellmap {
	struct cellmap_cell *cells;
	size_t n_slots; /* a power of two */
	size_t n_used;
	/* Moves on whenever a key is added, the keys cleared or the cells
	 * moved: a pointer to a cell kept while it stays the same still
	 * points at that cell (the rows the totals plugin keeps rendered). */
	uint64_t layout;
};

int cellmap_init(struct cellmap *map);
void cellmap_free(struct cellmap *map);
/* Empties the map and keeps its slots: for a map reused per call. */
void cellmap_clear(struct cellmap *map);
/* The cell of key, or NULL when absent. */
struct cellmap_cell *cellmap_find(const struct cellmap *map, uint64_t key);
/* The cell of key, created at zero if absent; NULL when out of memory
 * (or for CELLMAP_EMPTY).  Another insert may move it: use it at once. */
struct cellmap_cell *cellmap_get(struct cellmap *map, uint64_t key);
/* Room for `more` keys beyond those held: after it, that many inserts
 * move no cell, so pointers taken meanwhile stay good.  0 or -ENOMEM. */
int cellmap_reserve(struct cellmap *map, size_t more);
/* Adds delta to key's amount (creating the cell); -EOVERFLOW refused,
 * -ENOMEM. */
int cellmap_add(struct cellmap *map, uint64_t key, bd_fen delta);

/* for (c = cellmap_first(m); c; c = cellmap_next(m, c)) visits every cell
 * in no particular order. */
struct cellmap_cell *cellmap_first(const struct cellmap *map);
struct cellmap_cell *cellmap_next(const struct cellmap *map,
				  struct cellmap_cell *cell);

#endif
