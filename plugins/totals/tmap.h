/* A string-keyed hash map of amounts (open addressing, linear probing). */
#ifndef BUDGETD_TMAP_H
#define BUDGETD_TMAP_H

#include <budgetd/plugin.h>

struct tmap_slot {
	char *key; /* NULL: empty */
	bd_fen value;
	uint64_t hash;
};

struct tmap {
	struct tmap_slot *slots;
	size_t n_slots; /* a power of two */
	size_t n_used;
};

int tmap_init(struct tmap *map);
void tmap_free(struct tmap *map);
bool tmap_contains(const struct tmap *map, const char *key);
/* 0 when absent. */
bd_fen tmap_get(const struct tmap *map, const char *key);
int tmap_set(struct tmap *map, const char *key, bd_fen value);
/* The value slot of a key, created at `fresh` if absent (*created says
 * so); NULL when out of memory.  One probe: for hot loops. */
bd_fen *tmap_slot(struct tmap *map, const char *key, bd_fen fresh,
		  bool *created);
/* Adds delta to the key's value (creating it at 0); -EOVERFLOW refused. */
int tmap_add(struct tmap *map, const char *key, bd_fen delta);
void tmap_each(const struct tmap *map,
	       void (*each)(void *ctx, const char *key, bd_fen value),
	       void *ctx);

#endif
