/*
 * The rows of a one-dimension answer of one year (by department, by 类 in
 * 2025), kept as their JSON text between questions.
 *
 * Such an answer reads every maintained total of its dimension; at 10,000
 * departments writing its 10,000 rows (the key's text, the amount in its
 * unit, the punctuation) and sorting them took three quarters of its
 * time.  A revision moves one department's totals, so most rows read the
 * same at the next question: apply marks the rows of the totals it moved
 * (district_rendered_moved), and only those are read and written again.
 * The others are not even read from their totals, which lie in hash order
 * and would cost a cache miss each once another question (a scan of every
 * fact) has pushed them out.  The rows are listed and sorted again only
 * when the dimension's map gained a key or moved its cells (its layout).
 * Everything runs on the loop thread, as apply and every query do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "json_text.h"

/* A key's text: a code of at most 15 digits or a name (keys.c). */
#define KEY_TEXT_MAX 32

struct listed {
	char key[KEY_TEXT_MAX];
	const struct cellmap_cell *total;
};

static int compare_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->key,
		      ((const struct listed *)b)->key);
}

/* Every row to be read again, the text started over. */
static void forget_text(struct district_rendered *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		r->rows[i].stale = true;
		r->rows[i].len = 0;
	}
	r->text.len = 0;
	r->live = 0;
}

/* The totals of r's dimension and year as rows in key order (those no
 * department has any more among them: their count may come back). */
static int list_rows(const struct totals *t, struct district_rendered *r)
{
	const struct cellmap *map = &t->aggregates[r->dim];
	size_t n = 0;
	for (struct cellmap_cell *c = cellmap_first(map); c;
	     c = cellmap_next(map, c))
		n += district_key_year(c->key) == r->year;
	struct listed *listed = malloc((n ? n : 1) * sizeof *listed);
	struct district_rendered_row *rows =
	    realloc(r->rows, (n ? n : 1) * sizeof *rows);
	if (rows != NULL)
		r->rows = rows;
	if (listed == NULL || rows == NULL ||
	    (r->row_of.cells == NULL && cellmap_init(&r->row_of) < 0)) {
		free(listed);
		return -ENOMEM;
	}
	cellmap_clear(&r->row_of);
	size_t i = 0;
	for (struct cellmap_cell *c = cellmap_first(map); c;
	     c = cellmap_next(map, c)) {
		if (district_key_year(c->key) != r->year)
			continue;
		district_dim_text(r->dim, district_key_value(c->key),
				  listed[i].key, KEY_TEXT_MAX);
		listed[i++].total = c;
	}
	qsort(listed, n, sizeof *listed, compare_listed);
	int rc = 0;
	for (i = 0; i < n && rc == 0; i++) {
		rows[i] = (struct district_rendered_row){
		    .total = listed[i].total, .stale = true};
		struct cellmap_cell *at =
		    cellmap_get(&r->row_of, listed[i].total->key);
		if (at == NULL)
			rc = -ENOMEM;
		else
			at->amount = (bd_fen)i;
	}
	free(listed);
	r->n_rows = n;
	forget_text(r);
	r->layout = map->layout;
	return rc;
}

/* Reads a moved row's total again and writes its text after the others:
 * the old text stays in the buffer, unread, until it is started over. */
static void refresh_row(const struct totals *t, struct district_rendered *r,
			struct district_rendered_row *row)
{
	row->amount = row->total->amount;
	row->count = row->total->count;
	row->stale = false;
	r->live -= row->len;
	row->len = 0;
	if (row->count <= 0)
		return; /* no department has it: not a row */
	char key[KEY_TEXT_MAX];
	size_t len = district_dim_text(
	    r->dim, district_key_value(row->total->key), key, sizeof key);
	size_t at = r->text.len;
	json_text_raw(&r->text, "{");
	district_put_row(t, &r->dim, 1, r->unit, key, len, row->amount,
			 (size_t)row->count, &r->text);
	row->at = (uint32_t)at;
	row->len = (uint32_t)(r->text.len - at);
	r->live += row->len;
}

/* The slot kept for these rows, listed afresh when its map changed
 * layout; the least recently used slot is taken for new ones. */
static struct district_rendered *slot_for(struct totals *t, enum dim dim,
					  int year, enum bd_unit unit)
{
	struct district_rendered *r = NULL, *oldest = &t->rendered[0];
	for (size_t i = 0; i < DISTRICT_RENDERED_SLOTS; i++) {
		struct district_rendered *s = &t->rendered[i];
		if (s->in_use && s->dim == dim && s->year == year &&
		    s->unit == unit)
			r = s;
		if (s->last_used < oldest->last_used)
			oldest = s;
	}
	if (r == NULL) {
		r = oldest;
		r->in_use = false;
	}
	r->last_used = ++t->rendered_clock;
	const struct cellmap *map = &t->aggregates[dim];
	if (r->in_use && r->layout == map->layout)
		return r;
	r->in_use = false;
	r->dim = dim;
	r->year = year;
	r->unit = unit;
	if (list_rows(t, r) < 0)
		return NULL;
	r->in_use = true;
	return r;
}

void district_rendered_moved(struct totals *t, uint64_t key)
{
	unsigned dim = district_key_slot(key);
	int year = district_key_year(key);
	for (size_t i = 0; i < DISTRICT_RENDERED_SLOTS; i++) {
		struct district_rendered *r = &t->rendered[i];
		if (!r->in_use || r->dim != dim || r->year != year)
			continue;
		const struct cellmap_cell *at = cellmap_find(&r->row_of, key);
		if (at != NULL)
			r->rows[at->amount].stale = true;
	}
}

int district_rendered_rows(struct totals *t, enum dim dim, int year,
			   enum bd_unit unit, long offset, long limit,
			   struct json_text *out, bd_fen *grand, size_t *n_rows)
{
	struct district_rendered *r = slot_for(t, dim, year, unit);
	if (r == NULL)
		return -ENOMEM;
	/* Rewritten rows leave their old text behind: past twice what is
	 * read, every row is written again into a buffer started over. */
	if (r->text.len > 2 * r->live + 65536)
		forget_text(r);
	*grand = 0;
	*n_rows = 0;
	json_text_reserve(out, r->live + r->n_rows + 2);
	json_text_raw(out, "[");
	long shown = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		struct district_rendered_row *row = &r->rows[i];
		if (row->stale)
			refresh_row(t, r, row);
		if (r->text.failed) {
			/* The rows kept are wrong now: list them afresh. */
			json_text_free(&r->text);
			r->in_use = false;
			return -ENOMEM;
		}
		if (row->count <= 0)
			continue;
		*grand += row->amount;
		if ((long)(*n_rows)++ < offset ||
		    (limit >= 0 && shown >= limit))
			continue;
		char *start = json_text_claim(out, row->len + 1), *o = start;
		if (start == NULL)
			return -ENOMEM;
		if (shown++)
			*o++ = ',';
		memcpy(o, r->text.buf + row->at, row->len);
		json_text_commit(out, (size_t)(o - start) + row->len);
	}
	json_text_raw(out, "]");
	return out->failed ? -ENOMEM : 0;
}

void district_rendered_free(struct totals *t)
{
	for (size_t i = 0; i < DISTRICT_RENDERED_SLOTS; i++) {
		free(t->rendered[i].rows);
		cellmap_free(&t->rendered[i].row_of);
		json_text_free(&t->rendered[i].text);
	}
}
