/*
 * verify: proves the district totals from the store.  It re-reads the
 * latest accepted revision of every department from SQLite, checks that
 * the in-memory registry holds exactly those, recomputes every
 * single-dimension total with code of its own (not the totals plugin's),
 * and compares each one, to the 分, with what the totals plugin answers.
 *
 * Reading and recounting the whole store takes most of a second at
 * 10,000 departments, and on the loop thread every request waited for
 * it.  So the count runs on a thread of its own, in a snapshot of the
 * store (a read transaction: submissions go on committing meanwhile),
 * and the loop then reconciles it with memory.  A department whose
 * revision moved since the snapshot, or whose commit the loop has not
 * applied yet, is recounted at memory's revision: a few on the loop at
 * once, many on the thread again, until the count stands for exactly
 * what memory holds.  Only then, in one loop turn, are the totals
 * compared.  Memory and the store disagreeing for any other reason is a
 * difference, as it always was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "grow.h"
#include "log.h"
#include "model.h"
#include "money.h"
#include "offloop.h"
#include "reply.h"
#include "strmap.h"
#include "verify.h"

#define VERIFY_MAX_REPORTED 50

/* The dimensions recomputed here; economic cuts use the departments' own
 * economic tables and are checked by the plugin's tests instead. */
static const char *const dimensions[] = {
    "year",   "function:class", "function:section", "function:item",
    "source", "kind",		"department",	    "parent",
};
#define N_DIMENSIONS (sizeof dimensions / sizeof dimensions[0])

/* A department's revision as the count holds it. */
struct counted {
	int year;
	char department[13];
	int64_t revision; /* 0: not counted (none, or taken out) */
	uint64_t seq;	  /* the event that accepted it */
	/* The last event of what it stands for: the first snapshot, or,
	 * once counted again, memory as the loop had applied it. */
	uint64_t read_at;
	bool unparsed; /* counted as nothing: its body did not parse */
};

/* A department to count again at memory's revision (0: none), as
 * memory stood with every event up to read_at applied. */
struct fixup {
	size_t counted;
	int64_t revision;
	uint64_t seq, read_at;
};

struct recount {
	struct daemon *d;
	struct rpc_request *req; /* answered when done; NULL: verify_run */
	struct offloop thread;	 /* its rounds (ended NULL: no loop) */
	/* The count, a map a dimension: "year|value" -> 分. */
	struct strmap cells[N_DIMENSIONS];
	struct counted *counted;
	size_t n_counted, cap_counted;
	struct strmap counted_index; /* "year|department" -> counted */
	struct fixup *fixups;
	size_t n_fixups, cap_fixups;
	uint64_t first_read_at; /* the first snapshot's last event */
	int rounds;
	size_t recounted; /* departments counted again, moved meanwhile */
	size_t recounted_on_loop; /* of those, on the loop itself */

	cJSON *differences;
	int rc;
};

static void value_of(size_t dim, const struct bd_submission *s,
		     const struct bd_line *l, enum bd_column c, char *buf,
		     size_t size)
{
	switch (dim) {
	case 0:
		snprintf(buf, size, "%d", s->year);
		break;
	case 1:
		snprintf(buf, size, "%.3s", l->function);
		break;
	case 2:
		snprintf(buf, size, "%.5s", l->function);
		break;
	case 3:
		snprintf(buf, size, "%s", l->function);
		break;
	case 4:
		snprintf(buf, size, "%s", bd_source_key(l->source));
		break;
	case 5:
		snprintf(buf, size, "%s", bd_column_kind(c));
		break;
	case 6:
		snprintf(buf, size, "%s", s->department.code);
		break;
	default:
		snprintf(buf, size, "%s",
			 s->department.parent[0] ? s->department.parent : "-");
	}
}

BD_PRINTF(2, 3)
static void difference(struct recount *r, const char *fmt, ...)
{
	char text[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (cJSON_GetArraySize(r->differences) < VERIFY_MAX_REPORTED)
		cJSON_AddItemToArray(r->differences, cJSON_CreateString(text));
	else if (cJSON_GetArraySize(r->differences) == VERIFY_MAX_REPORTED)
		cJSON_AddItemToArray(r->differences,
				     cJSON_CreateString("… and more"));
}

/* Adds (sign +1) or takes out (-1) a stored document's amounts: 0, or
 * -errno.  A body that does not parse is a difference (said here) and
 * counts as nothing. */
static int count_document(struct recount *r, struct counted *c,
			  const char *body, size_t len, int sign)
{
	struct arena arena;
	struct bd_submission *s = NULL;
	char key[40], value[24], why[512];
	int rc = 0;

	arena_init(&arena);
	if (model_parse_json(body, len, &arena, &s, why, sizeof why) < 0) {
		difference(r,
			   "stored revision %lld of %s/%d does not parse: %s",
			   (long long)c->revision, c->department, c->year, why);
		c->unparsed = true;
		goto out;
	}
	for (size_t i = 0; i < s->n_lines; i++) {
		for (int col = 0; col < BD_COL_COUNT; col++) {
			bd_fen amount = s->lines[i].column[col];
			if (amount == 0)
				continue;
			for (size_t dim = 0; dim < N_DIMENSIONS; dim++) {
				value_of(dim, s, &s->lines[i],
					 (enum bd_column)col, value,
					 sizeof value);
				snprintf(key, sizeof key, "%d|%s", s->year,
					 value);
				if ((rc = strmap_add(&r->cells[dim], key,
						     sign * amount)) < 0)
					goto out;
			}
		}
	}
out:
	arena_release(&arena);
	return rc;
}

static void counted_key(char *key, size_t size, int year,
			const char *department)
{
	snprintf(key, size, "%d|%s", year, department);
}

/* The count's entry of a department, made (revision 0) when absent;
 * NULL when out of memory. */
static struct counted *counted_of(struct recount *r, int year,
				  const char *department)
{
	char key[32];
	counted_key(key, sizeof key, year, department);
	const bd_fen *known = strmap_find(&r->counted_index, key);
	if (known != NULL)
		return &r->counted[*known];
	if (GROW(r->counted, r->cap_counted, r->n_counted + 1, 1024) < 0 ||
	    strmap_set(&r->counted_index, key, (bd_fen)r->n_counted) < 0)
		return NULL;
	struct counted *c = &r->counted[r->n_counted++];
	*c = (struct counted){.year = year};
	snprintf(c->department, sizeof c->department, "%s", department);
	return c;
}

struct first_count {
	struct recount *r;
	uint64_t read_at;
};

static int count_latest(void *ctx, const struct store_revision_row *row)
{
	struct first_count *fc = ctx;
	struct counted *c = counted_of(fc->r, row->year, row->department);
	if (c == NULL)
		return -ENOMEM;
	c->revision = row->revision;
	c->seq = row->seq;
	c->read_at = fc->read_at;
	return count_document(fc->r, c, row->body, row->body_len, +1);
}

/* Counts (or takes out) the stored body of c's revision; a revision the
 * store does not have is a difference, counted as nothing. */
static int count_stored(struct recount *r, struct store_snapshot *snap,
			struct counted *c, int sign)
{
	char *body = NULL;
	int rc = store_snapshot_document(snap, c->department, c->year,
					 c->revision, &body);
	if (rc == -ENOENT) {
		difference(r,
			   sign > 0 ? "%s/%d: memory has revision %lld, the "
				      "store not"
				    : "%s/%d: revision %lld left the store "
				      "while verify counted",
			   c->department, c->year, (long long)c->revision);
		c->unparsed = true;
		return 0;
	}
	if (rc == 0)
		rc = count_document(r, c, body, strlen(body), sign);
	free(body);
	return rc;
}

/* One round in a snapshot of the store: the first counts every latest
 * revision, the others count the fix-ups' departments again.  Any
 * thread; touches nothing of the daemon's but the store's path. */
static int count_round(struct recount *r)
{
	struct store_snapshot snap;
	int rc = store_snapshot_open(&r->d->store, &snap);
	if (rc < 0)
		return rc;
	if (r->rounds == 0) {
		struct first_count fc = {r, snap.last_seq};
		r->first_read_at = snap.last_seq;
		rc = store_snapshot_each_latest(&snap, count_latest, &fc);
	}
	for (size_t i = 0; rc == 0 && i < r->n_fixups; i++) {
		const struct fixup *f = &r->fixups[i];
		struct counted *c = &r->counted[f->counted];
		if (c->revision != 0 && !c->unparsed)
			rc = count_stored(r, &snap, c, -1);
		c->revision = f->revision;
		c->seq = f->seq;
		c->read_at = f->read_at;
		c->unparsed = false;
		if (rc == 0 && c->revision != 0)
			rc = count_stored(r, &snap, c, +1);
	}
	r->recounted += r->n_fixups;
	r->n_fixups = 0;
	r->rounds++;
	store_snapshot_close(&snap);
	return rc;
}

struct reconcile {
	struct recount *r;
	uint64_t answered; /* every event up to it is applied in memory */
	bool *seen;	   /* of the counted, those memory holds */
	bool report;	   /* say the differences (the last pass) */
	int rc;
};

static void want(struct reconcile *x, struct counted *c,
		 const struct bd_revision *to)
{
	struct recount *r = x->r;
	if (GROW(r->fixups, r->cap_fixups, r->n_fixups + 1, 64) < 0) {
		x->rc = -ENOMEM;
		return;
	}
	r->fixups[r->n_fixups++] =
	    (struct fixup){.counted = (size_t)(c - r->counted),
			   .revision = to ? to->number : 0,
			   .seq = to ? to->seq : 0,
			   .read_at = x->answered};
}

static void reconcile_entry(void *ctx, const struct registry_entry *e)
{
	struct reconcile *x = ctx;
	struct recount *r = x->r;
	const struct registry_summary *m = &e->summary;
	char key[32];
	counted_key(key, sizeof key, m->year, m->code);
	const bd_fen *known = strmap_find(&r->counted_index, key);
	struct counted *c = known ? &r->counted[*known] : NULL;
	if (c == NULL) {
		/* Accepted after the first snapshot: count it at memory's. */
		if (e->revision.seq > r->first_read_at) {
			if ((c = counted_of(r, m->year, m->code)) == NULL)
				x->rc = -ENOMEM;
			else
				want(x, c, &e->revision);
		} else if (x->report) {
			difference(r,
				   "%s/%d: memory has revision %lld, the "
				   "store none",
				   m->code, m->year,
				   (long long)e->revision.number);
		}
		return;
	}
	x->seen[c - r->counted] = true;
	if (c->revision == e->revision.number)
		return;
	/* The count is behind memory (accepted after its snapshot), or ahead
	 * of it (committed, the loop not yet told): count memory's.
	 * Otherwise the two disagree. */
	bool behind =
	    c->revision < e->revision.number && e->revision.seq > c->read_at;
	bool ahead = c->revision > e->revision.number && c->seq > x->answered;
	if (behind || ahead)
		want(x, c, &e->revision);
	else if (x->report)
		difference(r,
			   "%s/%d: the store's latest revision is %lld, memory "
			   "has %lld",
			   c->department, c->year, (long long)c->revision,
			   (long long)e->revision.number);
}

/* Compares the count's revisions with memory's: the fix-ups that would
 * make them one, or (report) the differences where none can. */
static int reconcile(struct recount *r, bool report)
{
	struct reconcile x = {.r = r,
			      .answered = r->d->answered_seq,
			      .seen = calloc(r->n_counted + 1, sizeof(bool)),
			      .report = report};
	if (x.seen == NULL)
		return -ENOMEM;
	size_t n_before = r->n_counted;
	registry_each(&r->d->registry, reconcile_entry, &x);
	for (size_t i = 0; x.rc == 0 && i < n_before; i++) {
		struct counted *c = &r->counted[i];
		if (x.seen[i] || c->revision == 0)
			continue;
		if (c->seq > x.answered) /* committed, not yet applied */
			want(&x, c, NULL);
		else if (report)
			difference(r,
				   "%s/%d: the store's latest revision is "
				   "%lld, memory has none",
				   c->department, c->year,
				   (long long)c->revision);
	}
	free(x.seen);
	return x.rc;
}

struct missing {
	struct recount *r;
	size_t dim, *cells;
};

static void missing_from_totals(void *ctx, const char *key, bd_fen amount)
{
	struct missing *m = ctx;
	if (amount == 0)
		return;
	char b[40];
	money_format(amount, BD_UNIT_YUAN, b, sizeof b);
	difference(m->r, "%s %s: missing from the totals; the store has %s 元",
		   dimensions[m->dim], key, b);
	(*m->cells)++;
}

/* Asks the totals plugin for one dimension by year and compares, using
 * the count of it up (the last thing a verify does with it). */
static int compare_dimension(struct recount *r, size_t dim, size_t *cells)
{
	cJSON *request = cJSON_CreateObject();
	cJSON *by = cJSON_AddArrayToObject(request, "by");
	cJSON_AddItemToArray(by, cJSON_CreateString("year"));
	if (dim != 0)
		cJSON_AddItemToArray(by, cJSON_CreateString(dimensions[dim]));
	cJSON_AddStringToObject(request, "unit", "元");
	struct bd_query q = {.request = request, .reply = cJSON_CreateObject()};
	/* Verify runs for operators: the whole district. */
	const struct bd_scope everything = {.restricted = false};
	int rc = host_query(&r->d->host, "totals", &everything, &q);
	cJSON_Delete(request);
	if (rc < 0 || q.failed) {
		cJSON_Delete(q.reply);
		return rc == -ENOENT ? -ENOENT : -EIO;
	}
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(q.reply, "rows"))
	{
		const cJSON *k = cJSON_GetObjectItem(row, "key");
		char key[40];
		snprintf(key, sizeof key, "%s|%s",
			 cJSON_GetObjectItem(k, "year")->valuestring,
			 cJSON_GetObjectItem(k, dimensions[dim])->valuestring);
		bd_fen amount;
		const char *why;
		if (money_parse(cJSON_GetObjectItem(row, "amount")->valuestring,
				BD_UNIT_YUAN, &amount, &why) < 0)
			amount = -1;
		const bd_fen *counted = strmap_find(&r->cells[dim], key);
		bd_fen expected = counted ? *counted : 0;
		/* Compared: what stays non-zero, the totals do not have. */
		if (counted != NULL && strmap_set(&r->cells[dim], key, 0) < 0)
			rc = -ENOMEM;
		(*cells)++;
		if (amount != expected) {
			char a[40], b[40];
			money_format(amount, BD_UNIT_YUAN, a, sizeof a);
			money_format(expected, BD_UNIT_YUAN, b, sizeof b);
			difference(
			    r, "%s %s: the totals say %s 元, the store %s 元",
			    dimensions[dim], key, a, b);
		}
	}
	struct missing m = {r, dim, cells};
	strmap_each(&r->cells[dim], missing_from_totals, &m);
	cJSON_Delete(q.reply);
	return rc;
}

static void recount_free(struct recount *r)
{
	for (size_t dim = 0; dim < N_DIMENSIONS; dim++)
		strmap_free(&r->cells[dim]);
	free(r->counted);
	free(r->fixups);
	strmap_free(&r->counted_index);
	cJSON_Delete(r->differences);
	offloop_free(&r->thread);
	free(r);
}

static struct recount *recount_new(struct daemon *d, struct rpc_request *req)
{
	struct recount *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->d = d;
	r->req = req;
	r->differences = cJSON_CreateArray();
	bool ok = r->differences != NULL && strmap_init(&r->counted_index) == 0;
	for (size_t dim = 0; ok && dim < N_DIMENSIONS; dim++)
		ok = strmap_init(&r->cells[dim]) == 0;
	if (!ok) {
		recount_free(r);
		return NULL;
	}
	return r;
}

/* The reply, once the count stands for what memory holds (loop). */
static cJSON *compare_all(struct recount *r)
{
	size_t cells = 0;
	int rc = r->rc;
	for (size_t dim = 0; rc == 0 && dim < N_DIMENSIONS; dim++)
		rc = compare_dimension(r, dim, &cells);
	cJSON *reply = cJSON_CreateObject();
	if (rc < 0) {
		log_error("verify could not finish: %s", strerror(-rc));
		cJSON_AddFalseToObject(reply, "ok");
		cJSON *err = cJSON_AddObjectToObject(reply, "error");
		cJSON_AddStringToObject(
		    err, "code", rc == -ENOENT ? "unknown_op" : "internal");
		cJSON_AddStringToObject(
		    err, "message",
		    rc == -ENOENT ? "no loaded plugin answers \"totals\""
				  : "verify could not finish; see the log");
		return reply;
	}
	bool consistent = cJSON_GetArraySize(r->differences) == 0;
	cJSON_AddTrueToObject(reply, "ok");
	cJSON_AddBoolToObject(reply, "consistent", consistent);
	cJSON_AddNumberToObject(reply, "departments",
				(double)r->d->registry.n_entries);
	cJSON_AddNumberToObject(reply, "cells_compared", (double)cells);
	cJSON_AddNumberToObject(reply, "rounds", r->rounds);
	cJSON_AddNumberToObject(reply, "recounted", (double)r->recounted);
	cJSON_AddItemToObject(reply, "differences", r->differences);
	r->differences = NULL;
	if (!consistent)
		log_error("verify: %d differences between the totals and the "
			  "store",
			  cJSON_GetArraySize(
			      cJSON_GetObjectItem(reply, "differences")));
	log_info("verify: %zu departments, %zu cells, counted in %d rounds "
		 "(%zu departments again, moved meanwhile; %zu of them on the "
		 "loop)",
		 r->d->registry.n_entries, cells, r->rounds, r->recounted,
		 r->recounted_on_loop);
	return reply;
}

/* Up to this many departments are counted again on the loop itself (a
 * few milliseconds); more go back to the thread, at most this many
 * times, after which the loop counts whatever is left. */
#define VERIFY_FIXUPS_ON_LOOP 32
#define VERIFY_MAX_ROUNDS     8

/* After a round (loop thread): the reply when the count is reconciled,
 * NULL when another round went to the thread. */
static cJSON *advance(struct recount *r)
{
	while (r->rc == 0) {
		if ((r->rc = reconcile(r, false)) < 0)
			break;
		if (r->n_fixups == 0) {
			r->rc = reconcile(r, true);
			break;
		}
		bool here = r->thread.ended == NULL ||
			    r->n_fixups <= VERIFY_FIXUPS_ON_LOOP ||
			    r->rounds >= VERIFY_MAX_ROUNDS;
		if (!here && offloop_start(&r->thread, "budgetd:verify") == 0)
			return NULL;
		r->recounted_on_loop += r->n_fixups;
		r->rc = count_round(r);
	}
	return compare_all(r);
}

static void round_run(void *arg)
{
	struct recount *r = arg;
	r->rc = count_round(r);
}

static void round_done(void *arg)
{
	struct recount *r = arg;
	cJSON *reply = advance(r);
	if (reply == NULL)
		return;
	r->d->verify_running = false;
	reply_send(r->d, r->req, reply);
	recount_free(r);
}

void verify_start(struct daemon *d, struct rpc_request *req)
{
	if (d->verify_running) {
		reply_fail(d, req, "busy",
			   "a verify is running; send again when it is done");
		return;
	}
	struct recount *r = recount_new(d, req);
	if (r == NULL) {
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	d->verify_running = true;
	/* Without a loop (tests driving requests in process) it runs here. */
	if (offloop_init(&r->thread, d->base, round_run, round_done, r) == 0 &&
	    offloop_start(&r->thread, "budgetd:verify") == 0)
		return;
	offloop_free(&r->thread); /* and so its rounds run here too */
	r->rc = count_round(r);
	cJSON *reply = advance(r);
	d->verify_running = false;
	reply_send(d, req, reply);
	recount_free(r);
}

cJSON *verify_run_between(struct daemon *d, void (*between)(void *ctx),
			  void *ctx)
{
	struct recount *r = recount_new(d, NULL);
	if (r == NULL)
		return NULL;
	r->rc = count_round(r);
	if (between != NULL)
		between(ctx);
	cJSON *reply = advance(r);
	recount_free(r);
	return reply;
}

cJSON *verify_run(struct daemon *d)
{
	return verify_run_between(d, NULL, NULL);
}
