#include "cellmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Keys are packed fields, mostly small numbers in the low bits: mix them
 * all into the bits the mask keeps (the splitmix64 finaliser). */
static inline uint64_t mix(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	return k ^ (k >> 31);
}

static struct cellmap_cell *alloc_cells(size_t n)
{
	struct cellmap_cell *cells = malloc(n * sizeof *cells);
	for (size_t i = 0; cells && i < n; i++)
		cells[i].key = CELLMAP_EMPTY;
	return cells;
}

int cellmap_init(struct cellmap *map)
{
	map->n_slots = 64;
	map->n_used = 0;
	map->layout = 0;
	map->cells = alloc_cells(map->n_slots);
	return map->cells ? 0 : -ENOMEM;
}

void cellmap_free(struct cellmap *map)
{
	free(map->cells);
	memset(map, 0, sizeof *map);
}

void cellmap_clear(struct cellmap *map)
{
	for (size_t i = 0; i < map->n_slots; i++)
		map->cells[i].key = CELLMAP_EMPTY;
	map->n_used = 0;
	map->layout++;
}

/* The cell holding key, or the empty slot where it would go. */
static struct cellmap_cell *probe(const struct cellmap *map, uint64_t key)
{
	size_t mask = map->n_slots - 1;
	for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
		struct cellmap_cell *c = &map->cells[i];
		if (c->key == key || c->key == CELLMAP_EMPTY)
			return c;
	}
}

static int grow(struct cellmap *map)
{
	struct cellmap bigger = {alloc_cells(map->n_slots * 2),
				 map->n_slots * 2, map->n_used,
				 map->layout + 1};
	if (bigger.cells == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < map->n_slots; i++)
		if (map->cells[i].key != CELLMAP_EMPTY)
			*probe(&bigger, map->cells[i].key) = map->cells[i];
	free(map->cells);
	*map = bigger;
	return 0;
}

/* The load stays under 1/2, so that probes stay short. */
static bool fits(const struct cellmap *map, size_t keys)
{
	return keys * 2 <= map->n_slots;
}

int cellmap_reserve(struct cellmap *map, size_t more)
{
	while (!fits(map, map->n_used + more))
		if (grow(map) < 0)
			return -ENOMEM;
	return 0;
}

struct cellmap_cell *cellmap_find(const struct cellmap *map, uint64_t key)
{
	if (key == CELLMAP_EMPTY)
		return NULL;
	struct cellmap_cell *c = probe(map, key);
	return c->key == key ? c : NULL;
}

struct cellmap_cell *cellmap_get(struct cellmap *map, uint64_t key)
{
	if (key == CELLMAP_EMPTY)
		return NULL;
	struct cellmap_cell *c = probe(map, key);
	if (c->key == key)
		return c;
	if (!fits(map, map->n_used + 1)) {
		if (grow(map) < 0)
			return NULL;
		c = probe(map, key);
	}
	*c = (struct cellmap_cell){.key = key};
	map->n_used++;
	map->layout++;
	return c;
}

int cellmap_add(struct cellmap *map, uint64_t key, bd_fen delta)
{
	struct cellmap_cell *c = cellmap_get(map, key);
	if (c == NULL)
		return -ENOMEM;
	return bd_fen_add(&c->amount, delta) ? 0 : -EOVERFLOW;
}

static struct cellmap_cell *from(const struct cellmap *map, size_t i)
{
	for (; i < map->n_slots; i++)
		if (map->cells[i].key != CELLMAP_EMPTY)
			return &map->cells[i];
	return NULL;
}

struct cellmap_cell *cellmap_first(const struct cellmap *map)
{
	return map->cells ? from(map, 0) : NULL;
}

struct cellmap_cell *cellmap_next(const struct cellmap *map,
				  struct cellmap_cell *cell)
{
	return from(map, (size_t)(cell - map->cells) + 1);
}
