/*
 * verify: proves the district totals from the store.  It re-reads the
 * latest accepted revision of every department from SQLite, checks that
 * the in-memory registry holds exactly those, recomputes every
 * single-dimension total with code of its own (not the totals plugin's),
 * and compares each one, to the 分, with what the totals plugin answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "hash.h"
#include "log.h"
#include "model.h"
#include "money.h"
#include "verify.h"

#define VERIFY_MAX_CELLS    200000
#define VERIFY_MAX_REPORTED 50

/* The dimensions recomputed here; economic cuts use the departments' own
 * economic tables and are checked by the plugin's tests instead. */
static const char *const dimensions[] = {
    "year",   "function:class", "function:section", "function:item",
    "source", "kind",		"department",	    "parent",
};
#define N_DIMENSIONS (sizeof dimensions / sizeof dimensions[0])

struct cell {
	char key[40]; /* "year|value" */
	bd_fen amount;
};

/* Cells of one dimension, and an open-addressing index over their keys:
 * a district has thousands of departments, each line touches every
 * dimension, so a linear search here was quadratic. */
struct cell_index {
	int32_t *slots; /* cell number + 1; 0: empty */
	size_t n_slots;
};

struct recount {
	struct daemon *d;
	struct cell *cells[N_DIMENSIONS];
	size_t n[N_DIMENSIONS];
	struct cell_index index[N_DIMENSIONS];
	size_t departments;
	size_t revisions_mismatched;
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

/* The slot of key in a dimension's index: its cell, or the empty slot
 * where it goes. */
static int32_t *slot_of(const struct recount *r, size_t dim, const char *key)
{
	const struct cell_index *x = &r->index[dim];
	size_t mask = x->n_slots - 1;
	for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask)
		if (x->slots[i] == 0 ||
		    strcmp(r->cells[dim][x->slots[i] - 1].key, key) == 0)
			return &x->slots[i];
}

static int reindex(struct recount *r, size_t dim)
{
	struct cell_index *x = &r->index[dim];
	size_t n = x->n_slots ? x->n_slots * 2 : 1024;
	free(x->slots);
	x->slots = calloc(n, sizeof *x->slots);
	x->n_slots = n;
	if (x->slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->n[dim]; i++)
		*slot_of(r, dim, r->cells[dim][i].key) = (int32_t)i + 1;
	return 0;
}

/* The cell of a key, or NULL. */
static struct cell *find(const struct recount *r, size_t dim, const char *key)
{
	if (r->index[dim].n_slots == 0)
		return NULL;
	int32_t s = *slot_of(r, dim, key);
	return s ? &r->cells[dim][s - 1] : NULL;
}

static int add(struct recount *r, size_t dim, const char *key, bd_fen amount)
{
	struct cell *c = find(r, dim, key);
	if (c != NULL) {
		c->amount += amount;
		return 0;
	}
	if (r->n[dim] >= VERIFY_MAX_CELLS)
		return -E2BIG;
	if (r->n[dim] % 256 == 0) {
		void *grown = realloc(r->cells[dim], (r->n[dim] + 256) *
							 sizeof *r->cells[dim]);
		if (grown == NULL)
			return -ENOMEM;
		r->cells[dim] = grown;
	}
	/* Keep the index at most half full. */
	if ((r->n[dim] + 1) * 2 > r->index[dim].n_slots && reindex(r, dim) < 0)
		return -ENOMEM;
	c = &r->cells[dim][r->n[dim]];
	snprintf(c->key, sizeof c->key, "%s", key);
	c->amount = amount;
	*slot_of(r, dim, key) = (int32_t)++r->n[dim];
	return 0;
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

static int recount_one(void *ctx, const struct store_revision_row *row)
{
	struct recount *r = ctx;
	struct arena arena;
	struct bd_submission *s = NULL;
	char key[40], value[24], why[512];
	int rc = -ENOMEM;

	arena_init(&arena);
	if (model_parse_json(row->body, row->body_len, &arena, &s, why,
			     sizeof why) < 0) {
		difference(
		    r, "stored revision %lld of %s/%d does not parse: %s",
		    (long long)row->revision, row->department, row->year, why);
		rc = 0;
		goto out;
	}
	r->departments++;
	struct registry_entry *e =
	    registry_find(&r->d->registry, row->year, row->department);
	if (e == NULL || e->revision.number != row->revision) {
		r->revisions_mismatched++;
		difference(r,
			   "%s/%d: the store's latest revision is %lld, memory "
			   "has %lld",
			   row->department, row->year, (long long)row->revision,
			   e ? (long long)e->revision.number : 0LL);
	}
	for (size_t i = 0; i < s->n_lines; i++) {
		for (int c = 0; c < BD_COL_COUNT; c++) {
			bd_fen amount = s->lines[i].column[c];
			if (amount == 0)
				continue;
			for (size_t dim = 0; dim < N_DIMENSIONS; dim++) {
				value_of(dim, s, &s->lines[i],
					 (enum bd_column)c, value,
					 sizeof value);
				snprintf(key, sizeof key, "%d|%s", s->year,
					 value);
				if ((rc = add(r, dim, key, amount)) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	arena_release(&arena);
	return rc;
}

/* Asks the totals plugin for one dimension by year and compares. */
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
	bool *seen = calloc(r->n[dim] + 1, sizeof *seen);
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
		bd_fen expected = 0;
		struct cell *c = find(r, dim, key);
		if (c != NULL) {
			expected = c->amount;
			seen[c - r->cells[dim]] = true;
		}
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
	for (size_t i = 0; i < r->n[dim]; i++) {
		if (!seen[i] && r->cells[dim][i].amount != 0) {
			char b[40];
			money_format(r->cells[dim][i].amount, BD_UNIT_YUAN, b,
				     sizeof b);
			difference(r,
				   "%s %s: missing from the totals; the store "
				   "has %s 元",
				   dimensions[dim], r->cells[dim][i].key, b);
			(*cells)++;
		}
	}
	free(seen);
	cJSON_Delete(q.reply);
	return 0;
}

cJSON *verify_run(struct daemon *d)
{
	struct recount r = {.d = d, .differences = cJSON_CreateArray()};
	size_t cells = 0;
	int rc = store_each_latest(&d->store, recount_one, &r);
	if (rc == 0 && r.departments != d->registry.n_entries)
		difference(&r, "the store has %zu latest revisions, memory %zu",
			   r.departments, d->registry.n_entries);
	for (size_t dim = 0; rc == 0 && dim < N_DIMENSIONS; dim++)
		rc = compare_dimension(&r, dim, &cells);
	cJSON *reply = cJSON_CreateObject();
	if (rc < 0) {
		cJSON_AddFalseToObject(reply, "ok");
		cJSON *err = cJSON_AddObjectToObject(reply, "error");
		cJSON_AddStringToObject(
		    err, "code", rc == -ENOENT ? "unknown_op" : "internal");
		cJSON_AddStringToObject(
		    err, "message",
		    rc == -ENOENT ? "no loaded plugin answers \"totals\""
				  : "verify could not finish; see the log");
		cJSON_Delete(r.differences);
	} else {
		bool consistent = cJSON_GetArraySize(r.differences) == 0;
		cJSON_AddTrueToObject(reply, "ok");
		cJSON_AddBoolToObject(reply, "consistent", consistent);
		cJSON_AddNumberToObject(reply, "departments",
					(double)r.departments);
		cJSON_AddNumberToObject(reply, "cells_compared", (double)cells);
		cJSON_AddItemToObject(reply, "differences", r.differences);
		if (!consistent)
			log_error("verify: %d differences between the totals "
				  "and the store",
				  cJSON_GetArraySize(r.differences));
	}
	for (size_t dim = 0; dim < N_DIMENSIONS; dim++) {
		free(r.cells[dim]);
		free(r.index[dim].slots);
	}
	return reply;
}
