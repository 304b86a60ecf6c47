#include "registry.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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
	return e->summary.year == year &&
	       strcmp(e->summary.code, department) == 0;
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
	free(e->summary.name);
	free(e);
}

int registry_entry_summarise(struct registry_entry *e)
{
	const struct bd_submission *s = e->revision.submission;
	struct registry_summary *sum = &e->summary;
	sum->year = s->year;
	snprintf(sum->code, sizeof sum->code, "%s", s->department.code);
	snprintf(sum->parent, sizeof sum->parent, "%s", s->department.parent);
	free(sum->name);
	sum->name = strdup(s->department.name ? s->department.name : "");
	sum->n_lines = s->n_lines;
	sum->n_projects = s->n_projects;
	sum->expenditure_total = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		sum->expenditure_total += bd_line_total(&s->lines[i]);
	return sum->name ? 0 : -ENOMEM;
}

void registry_compact(struct registry *r, struct registry_entry *e)
{
	if (e->revision.submission == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->bytes -= e->arena.bytes;
	e->revision.submission = NULL;
	arena_release(&e->arena);
	pthread_mutex_unlock(&r->lock);
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
			size_t b =
			    entry_hash(e->summary.year, e->summary.code) &
			    (n - 1);
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

bool registry_latest_copy(struct registry *r, int year, const char *department,
			  struct bd_revision *out)
{
	pthread_mutex_lock(&r->lock);
	struct registry_entry *e = registry_find(r, year, department);
	if (e != NULL)
		*out =
		    (struct bd_revision){.number = e->revision.number,
					 .document_id = e->revision.document_id,
					 .seq = e->revision.seq};
	pthread_mutex_unlock(&r->lock);
	return e != NULL;
}

static int replace_locked(struct registry *r, struct registry_entry *entry,
			  struct registry_entry **replaced)
{
	const struct registry_summary *s = &entry->summary;
	*replaced = NULL;
	if (r->n_entries >= r->n_buckets && grow(r) < 0)
		return -ENOMEM;
	size_t b = entry_hash(s->year, s->code) & (r->n_buckets - 1);
	for (struct registry_entry **pp = &r->buckets[b]; *pp;
	     pp = &(*pp)->next_in_bucket) {
		if (entry_matches(*pp, s->year, s->code)) {
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
