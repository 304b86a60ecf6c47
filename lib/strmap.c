#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

int strmap_init(struct strmap *map)
{
	map->n_slots = 64;
	map->n_used = 0;
	map->slots = calloc(map->n_slots, sizeof *map->slots);
	return map->slots ? 0 : -ENOMEM;
}

void strmap_free(struct strmap *map)
{
	for (size_t i = 0; map->slots && i < map->n_slots; i++)
		free(map->slots[i].key);
	free(map->slots);
	memset(map, 0, sizeof *map);
}

static struct strmap_slot *find_slot(const struct strmap *map, const char *key,
				     uint64_t hash)
{
	size_t mask = map->n_slots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &map->slots[i];
		if (s->key == NULL ||
		    (s->hash == hash && strcmp(s->key, key) == 0))
			return s;
	}
}

static int grow(struct strmap *map)
{
	struct strmap bigger = {calloc(map->n_slots * 2, sizeof *map->slots),
				map->n_slots * 2, map->n_used};
	if (bigger.slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < map->n_slots; i++) {
		struct strmap_slot *s = &map->slots[i];
		if (s->key != NULL)
			*find_slot(&bigger, s->key, s->hash) = *s;
	}
	free(map->slots);
	*map = bigger;
	return 0;
}

bool strmap_contains(const struct strmap *map, const char *key)
{
	return find_slot(map, key, hash_str(key))->key != NULL;
}

bd_fen strmap_get(const struct strmap *map, const char *key)
{
	return find_slot(map, key, hash_str(key))->value;
}

const bd_fen *strmap_find(const struct strmap *map, const char *key)
{
	if (map->n_slots == 0) /* never initialised: nothing in it */
		return NULL;
	const struct strmap_slot *s = find_slot(map, key, hash_str(key));
	return s->key != NULL ? &s->value : NULL;
}

static struct strmap_slot *slot_for_write(struct strmap *map, const char *key)
{
	uint64_t hash = hash_str(key);
	struct strmap_slot *s = find_slot(map, key, hash);
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

int strmap_set(struct strmap *map, const char *key, bd_fen value)
{
	struct strmap_slot *s = slot_for_write(map, key);
	if (s == NULL)
		return -ENOMEM;
	s->value = value;
	return 0;
}

int strmap_add(struct strmap *map, const char *key, bd_fen delta)
{
	struct strmap_slot *s = slot_for_write(map, key);
	if (s == NULL)
		return -ENOMEM;
	if (!bd_fen_add(&s->value, delta))
		return -EOVERFLOW;
	return 0;
}

void strmap_each(const struct strmap *map,
		 void (*each)(void *ctx, const char *key, bd_fen value),
		 void *ctx)
{
	for (size_t i = 0; i < map->n_slots; i++)
		if (map->slots[i].key != NULL)
			each(ctx, map->slots[i].key, map->slots[i].value);
}

bd_fen *strmap_slot(struct strmap *map, const char *key, bd_fen fresh,
		    bool *created)
{
	uint64_t hash = hash_str(key);
	struct strmap_slot *s = find_slot(map, key, hash);
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
