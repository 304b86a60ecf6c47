/* A string-keyed hash map of amounts (open addressing, linear probing). */
#ifndef BUDGETD_STRMAP_H
#define BUDGETD_STRMAP_H

#include <budgetd/plugin.h>

struct strmap_slot {
	char *key; /* NULL: empty */
	bd_fen value;
	uint64_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t n_slots; /* a power of two */
	size_t n_used;
};

int strmap_init(struct strmap *map);
void strmap_free(struct strmap *map);
bool strmap_contains(const struct strmap *map, const char *key);
/* 0 when absent. */
bd_fen strmap_get(const struct strmap *map, const char *key);
/* The value of a key, or NULL when absent (or the map never initialised):
 * one probe, and no allocation, for a lookup that must tell absent from 0. */
const bd_fen *strmap_find(const struct strmap *map, const char *key);
int strmap_set(struct strmap *map, const char *key, bd_fen value);
/* The value slot of a key, created at `fresh` if absent (*created says
 * so); NULL when out of memory.  One probe: for hot loops. */
bd_fen *strmap_slot(struct strmap *map, const char *key, bd_fen fresh,
		    bool *created);
/* Adds delta to the key's value (creating it at 0); -EOVERFLOW refused. */
int strmap_add(struct strmap *map, const char *key, bd_fen delta);
void strmap_each(const struct strmap *map,
		 void (*each)(void *ctx, const char *key, bd_fen value),
		 void *ctx);

#endif
