/* The latest accepted revision of every (department, year), in memory,
 * owned by the loop thread.  Plugins see it through latest_revision(),
 * from audits on worker threads too: those look up under the lock, and
 * the entry they find stays valid while their department's audit runs
 * (ops_submit applies nothing of a department with an audit out). */
#ifndef BUDGETD_REGISTRY_H
#define BUDGETD_REGISTRY_H

#include <budgetd/plugin.h>
#include <pthread.h>

#include "arena.h"

/* What the daemon's own ops need of a department's latest revision, kept
 * when the parsed document is not. */
struct registry_summary {
	int year;
	char code[13], parent[13];
	char *name;
	size_t n_lines, n_projects;
	bd_fen expenditure_total;
};

struct registry_entry {
	/* revision.submission is NULL once the entry is compact: the plugins
	 * keep what they need, and the document is in the store. */
	struct bd_revision revision;
	struct registry_summary summary;
	struct arena arena; /* holds *revision.submission */
	/* The stored document's bytes, known by length and hash, so that a
	 * resubmission of the same bytes can be told. */
	size_t body_len;
	uint64_t body_hash;
	struct registry_entry *next_in_bucket;
};

struct registry {
	struct registry_entry **buckets;
	size_t n_buckets;
	size_t n_entries;
	size_t bytes;	      /* arena bytes held, for status */
	pthread_mutex_t lock; /* the buckets, against registry_latest_copy */
};

int registry_init(struct registry *registry);
void registry_free(struct registry *registry);
struct registry_entry *registry_find(struct registry *registry, int year,
				     const char *department);
/* The latest revision of a department and year without its document,
 * copied, from any thread (the entry itself may be replaced as soon as
 * the lock is let go); false when there is none. */
bool registry_latest_copy(struct registry *registry, int year,
			  const char *department, struct bd_revision *out);
/*
 * Makes `entry` the latest for its (department, year) and hands back the
 * entry it replaces (or NULL) for the caller to release after apply.
 */
int registry_replace(struct registry *registry, struct registry_entry *entry,
		     struct registry_entry **replaced);
void registry_entry_free(struct registry_entry *entry);
/* Fills entry->summary from its parsed submission (before it goes in);
 * 0 or -ENOMEM. */
int registry_entry_summarise(struct registry_entry *entry);
/* Drops the parsed submission of an entry in the registry, keeping its
 * summary. */
void registry_compact(struct registry *registry, struct registry_entry *entry);
/* Calls each() for every entry; order unspecified. */
void registry_each(struct registry *registry,
		   void (*each)(void *ctx, const struct registry_entry *entry),
		   void *ctx);

#endif
