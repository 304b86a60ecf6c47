#include "registry.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

static uint64_t entry_hash(int year, const char *department)
{
	return hash_step(hash_str(department), (uint64_t)year);
}

static bool entry_matches(const struct registry_entry *e, int year,
			  const char *department)
{
	return e->revision.submission->year == year &&
	       strcmp(e->revision.submission->department.code, department) == 0;
}

int registry_init(struct registry *r)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->lock, NULL);
	r->n_buckets = 256;
	r->buckets = calloc(r->n_buckets, sizeof *r->buckets);
	return r->buckets ? 0 : -ENOMEM;
}

void registry_entry_free(struct registry_entry *e)
{
	if (e == NULL)
		return;
	arena_release(&e->arena);
	free(e);
}

void registry_free(struct registry *r)
{
	for (size_t i = 0; i < r->n_buckets; i++) {
		struct registry_entry *e = r->buckets[i];
		while (e) {
			struct registry_entry *next = e->next_in_bucket;
			registry_entry_free(e);
			e = next;
		}
	}
	free(r->buckets);
	memset(r, 0, sizeof *r);
}

struct registry_entry *registry_find(struct registry *r, int year,
				     const char *department)
{
	size_t b = entry_hash(year, department) & (r->n_buckets - 1);
	for (struct registry_entry *e = r->buckets[b]; e; e = e->next_in_bucket)
		if (entry_matches(e, year, department))
			return e;
	return NULL;
}

static int grow(struct registry *r)
{
	size_t n = r->n_buckets * 2;
	struct registry_entry **buckets = calloc(n, sizeof *buckets);
	if (buckets == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_buckets; i++) {
		struct registry_entry *e = r->buckets[i];
		while (e) {
			struct registry_entry *next = e->next_in_bucket;
			const struct bd_submission *s = e->revision.submission;
			size_t b =
			    entry_hash(s->year, s->department.code) & (n - 1);
			e->next_in_bucket = buckets[b];
			buckets[b] = e;
			e = next;
		}
	}
	free(r->buckets);
	r->buckets = buckets;
	r->n_buckets = n;
	return 0;
}

struct registry_entry *registry_find_shared(struct registry *r, int year,
					    const char *department)
{
	pthread_mutex_lock(&r->lock);
	struct registry_entry *e = registry_find(r, year, department);
	pthread_mutex_unlock(&r->lock);
	return e;
}

static int replace_locked(struct registry *r, struct registry_entry *entry,
			  struct registry_entry **replaced)
{
	const struct bd_submission *s = entry->revision.submission;
	*replaced = NULL;
	if (r->n_entries >= r->n_buckets && grow(r) < 0)
		return -ENOMEM;
	size_t b = entry_hash(s->year, s->department.code) & (r->n_buckets - 1);
	for (struct registry_entry **pp = &r->buckets[b]; *pp;
	     pp = &(*pp)->next_in_bucket) {
		if (entry_matches(*pp, s->year, s->department.code)) {
			*replaced = *pp;
			entry->next_in_bucket = (*pp)->next_in_bucket;
			*pp = entry;
			r->bytes += entry->arena.bytes;
			r->bytes -= (*replaced)->arena.bytes;
			return 0;
		}
	}
	entry->next_in_bucket = r->buckets[b];
	r->buckets[b] = entry;
	r->n_entries++;
	r->bytes += entry->arena.bytes;
	return 0;
}

int registry_replace(struct registry *r, struct registry_entry *entry,
		     struct registry_entry **replaced)
{
	pthread_mutex_lock(&r->lock);
	int rc = replace_locked(r, entry, replaced);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void registry_each(struct registry *r,
		   void (*each)(void *ctx, const struct registry_entry *entry),
		   void *ctx)
{
	for (size_t i = 0; i < r->n_buckets; i++)
		for (struct registry_entry *e = r->buckets[i]; e;
		     e = e->next_in_bucket)
			each(ctx, e);
}
