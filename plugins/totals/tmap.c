#include "tmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_key(const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

int tmap_init(struct tmap *map)
{
	map->n_slots = 64;
	map->n_used = 0;
	map->slots = calloc(map->n_slots, sizeof *map->slots);
	return map->slots ? 0 : -ENOMEM;
}

void tmap_free(struct tmap *map)
{
	for (size_t i = 0; map->slots && i < map->n_slots; i++)
		free(map->slots[i].key);
	free(map->slots);
	memset(map, 0, sizeof *map);
}

static struct tmap_slot *find_slot(const struct tmap *map, const char *key,
				   uint64_t hash)
{
	size_t mask = map->n_slots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct tmap_slot *s = &map->slots[i];
		if (s->key == NULL ||
		    (s->hash == hash && strcmp(s->key, key) == 0))
			return s;
	}
}

static int grow(struct tmap *map)
{
	struct tmap bigger = {calloc(map->n_slots * 2, sizeof *map->slots),
			      map->n_slots * 2, map->n_used};
	if (bigger.slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < map->n_slots; i++) {
		struct tmap_slot *s = &map->slots[i];
		if (s->key != NULL)
			*find_slot(&bigger, s->key, s->hash) = *s;
	}
	free(map->slots);
	*map = bigger;
	return 0;
}

bool tmap_contains(const struct tmap *map, const char *key)
{
	return find_slot(map, key, hash_key(key))->key != NULL;
}

bd_fen tmap_get(const struct tmap *map, const char *key)
{
	return find_slot(map, key, hash_key(key))->value;
}

static struct tmap_slot *slot_for_write(struct tmap *map, const char *key)
{
	uint64_t hash = hash_key(key);
	struct tmap_slot *s = find_slot(map, key, hash);
	if (s->key != NULL)
		return s;
	/* Keep the load under 1/2 so probes stay short. */
	if ((map->n_used + 1) * 2 > map->n_slots) {
		if (grow(map) < 0)
			return NULL;
		s = find_slot(map, key, hash);
	}
	s->key = strdup(key);
	if (s->key == NULL)
		return NULL;
	s->hash = hash;
	s->value = 0;
	map->n_used++;
	return s;
}

int tmap_set(struct tmap *map, const char *key, bd_fen value)
{
	struct tmap_slot *s = slot_for_write(map, key);
	if (s == NULL)
		return -ENOMEM;
	s->value = value;
	return 0;
}

int tmap_add(struct tmap *map, const char *key, bd_fen delta)
{
	struct tmap_slot *s = slot_for_write(map, key);
	if (s == NULL)
		return -ENOMEM;
	if (!bd_fen_add(&s->value, delta))
		return -EOVERFLOW;
	return 0;
}

void tmap_each(const struct tmap *map,
	       void (*each)(void *ctx, const char *key, bd_fen value),
	       void *ctx)
{
	for (size_t i = 0; i < map->n_slots; i++)
		if (map->slots[i].key != NULL)
			each(ctx, map->slots[i].key, map->slots[i].value);
}

bd_fen *tmap_slot(struct tmap *map, const char *key, bd_fen fresh,
		  bool *created)
{
	uint64_t hash = hash_key(key);
	struct tmap_slot *s = find_slot(map, key, hash);
	*created = false;
	if (s->key != NULL)
		return &s->value;
	s = slot_for_write(map, key);
	if (s == NULL)
		return NULL;
	s->value = fresh;
	*created = true;
	return &s->value;
}
