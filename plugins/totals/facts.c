/* Facts: each department's latest revision as cells (function 项,
 * economic code, source, column, amount), and apply, which takes the old
 * cells out of the maintained single-dimension totals, puts the new ones
 * in, and reports every total that moved. */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "strmap.h"

void district_dept_free(struct dept *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->facts);
	free(d->econ_facts);
	lists_release(d);
	free(d);
}

/* Where a 类 has 款 rows, the 类 row is their subtotal and is skipped. */
static bool class_has_sections(const struct bd_submission *s,
			       const char *class_code)
{
	for (size_t i = 0; i < s->n_economic; i++)
		if (strlen(s->economic[i].code) == 5 &&
		    strncmp(s->economic[i].code, class_code, 3) == 0)
			return true;
	return false;
}

static enum bd_column column_of_economic(const char *code)
{
	if (strncmp(code, "301", 3) == 0)
		return BD_COL_WAGES;
	if (strncmp(code, "302", 3) == 0)
		return BD_COL_GOODS;
	if (strncmp(code, "303", 3) == 0)
		return BD_COL_FAMILY;
	if (strncmp(code, "310", 3) == 0)
		return BD_COL_CAPITAL;
	return BD_COL_BASIC_UNSPLIT;
}

static int add_economic_facts(struct dept *d, const struct bd_submission *s)
{
	if (s->n_economic == 0)
		return 0;
	d->econ_facts = calloc(s->n_economic, sizeof *d->econ_facts);
	if (d->econ_facts == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_economic; i++) {
		const struct bd_economic_line *e = &s->economic[i];
		if (e->amount == 0 ||
		    (strlen(e->code) == 3 && class_has_sections(s, e->code)))
			continue;
		struct fact *f = &d->econ_facts[d->n_econ_facts++];
		snprintf(f->economic, sizeof f->economic, "%.5s", e->code);
		/* 一般公共预算基本支出表: the general budget's basic spending.
		 */
		f->source = BD_SOURCE_GENERAL_BUDGET;
		f->column = (uint8_t)column_of_economic(e->code);
		f->amount = e->amount;
	}
	return 0;
}

static struct dept *dept_from_submission(const struct bd_submission *s,
					 int64_t revision)
{
	struct dept *d = calloc(1, sizeof *d);
	size_t n = 0;
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < s->n_lines; i++)
		for (int c = 0; c < BD_COL_COUNT; c++)
			n += s->lines[i].column[c] != 0;
	d->facts = calloc(n ? n : 1, sizeof *d->facts);
	d->name = strdup(s->department.name ? s->department.name : "");
	if (d->facts == NULL || d->name == NULL) {
		district_dept_free(d);
		return NULL;
	}
	d->year = s->year;
	d->revision = revision;
	snprintf(d->code, sizeof d->code, "%s", s->department.code);
	snprintf(d->parent, sizeof d->parent, "%s", s->department.parent);
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		for (int c = 0; c < BD_COL_COUNT; c++) {
			if (l->column[c] == 0)
				continue;
			struct fact *f = &d->facts[d->n_facts++];
			memcpy(f->function, l->function, sizeof f->function);
			snprintf(f->economic, sizeof f->economic, "%s",
				 bd_column_economic_class((enum bd_column)c));
			f->source = (uint8_t)l->source;
			f->column = (uint8_t)c;
			f->amount = l->column[c];
		}
	}
	if (add_economic_facts(d, s) < 0 || lists_capture(d, s) < 0) {
		district_dept_free(d);
		return NULL;
	}
	return d;
}

/*
 * The view a query sees of a department: for economic cuts, its economic
 * table (where given) plus its project cells; otherwise its line cells.
 * Returns the next fact, or NULL; *i is the cursor, start at 0.
 */
const struct fact *district_next_fact(const struct dept *d, bool economic,
				      size_t *i)
{
	bool refined = economic && d->n_econ_facts > 0;
	for (;;) {
		size_t k = (*i)++;
		if (refined && k < d->n_econ_facts)
			return &d->econ_facts[k];
		if (refined)
			k -= d->n_econ_facts;
		if (k >= d->n_facts)
			return NULL;
		const struct fact *f = &d->facts[k];
		if (refined && bd_column_is_basic((enum bd_column)f->column))
			continue;
		return f;
	}
}

/* Adds sign × the department's facts to the delta map. */
/* "year\x1fdimension\x1f" into key; returns its length.  Built by hand:
 * this runs for every fact in every dimension of every apply. */
static size_t key_prefix(char *key, int year, const char *dim)
{
	char digits[12];
	size_t n = 0, len = 0;
	unsigned y = year < 0 ? 0 : (unsigned)year;
	do
		digits[n++] = (char)('0' + y % 10);
	while ((y /= 10) != 0 && n < sizeof digits);
	while (n > 0)
		key[len++] = digits[--n];
	key[len++] = '\x1f';
	size_t dl = strlen(dim);
	memcpy(key + len, dim, dl);
	len += dl;
	key[len++] = '\x1f';
	key[len] = '\0';
	return len;
}

static int collect_delta(struct strmap *delta, const struct dept *d, int sign)
{
	char key[96];
	const struct fact *f;
	size_t i = 0;
	key_prefix(key, d->year, "total");
	bd_fen total = 0;
	size_t facts = 0;
	while ((f = district_next_fact(d, false, &i)) != NULL) {
		total += f->amount;
		facts++;
	}
	/* One add for the department's total, not one per fact. */
	if (facts > 0 && strmap_add(delta, key, sign * total) < 0)
		return -ENOMEM;
	for (size_t k = 0; k < district_n_maintained; k++) {
		enum dim dim = district_maintained[k];
		size_t len = key_prefix(key, d->year, district_dim_names[dim]);
		i = 0;
		while ((f = district_next_fact(d, district_dim_is_economic(dim),
					       &i)) != NULL) {
			district_dim_value(dim, d, f, key + len,
					   sizeof key - len);
			if (strmap_add(delta, key, sign * f->amount) < 0)
				return -ENOMEM;
		}
	}
	for (size_t p = 0; p < DISTRICT_N_PAIRS; p++) {
		const struct district_pair *pair = &district_pairs[p];
		size_t len = key_prefix(key, d->year, pair->name);
		i = 0;
		while ((f = district_next_fact(d, false, &i)) != NULL) {
			district_dim_value(pair->first, d, f, key + len,
					   sizeof key - len);
			size_t at = len + strlen(key + len);
			key[at++] = '\x1e';
			district_dim_value(pair->second, d, f, key + at,
					   sizeof key - at);
			if (strmap_add(delta, key, sign * f->amount) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The aggregates that moved, sorted so that events read the same way
 * every time: by year, dimension, key. */
struct moved {
	char key[96];
	bd_fen delta;
};

struct moved_list {
	struct moved *items;
	size_t n, cap;
	int rc;
};

static void collect_moved(void *arg, const char *key, bd_fen delta)
{
	struct moved_list *list = arg;
	if (delta == 0 || list->rc < 0)
		return;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		void *grown = realloc(list->items, cap * sizeof *list->items);
		if (grown == NULL) {
			list->rc = -ENOMEM;
			return;
		}
		list->items = grown;
		list->cap = cap;
	}
	snprintf(list->items[list->n].key, sizeof list->items[0].key, "%s",
		 key);
	list->items[list->n++].delta = delta;
}

static int compare_moved(const void *a, const void *b)
{
	return strcmp(((const struct moved *)a)->key,
		      ((const struct moved *)b)->key);
}

struct difference {
	struct strmap *delta, *was, *now, *contributors;
	int rc;
};

static void add_now(void *arg, const char *key, bd_fen amount)
{
	struct difference *d = arg;
	bool before = strmap_contains(d->was, key);
	if (d->rc == 0)
		d->rc =
		    strmap_add(d->delta, key, amount - strmap_get(d->was, key));
	/* A department newly under this key: one more contributor. */
	if (d->rc == 0 && !before)
		d->rc = strmap_add(d->contributors, key, 1);
}

static void drop_was(void *arg, const char *key, bd_fen amount)
{
	struct difference *d = arg;
	if (d->rc != 0 || strmap_contains(d->now, key))
		return;
	d->rc = strmap_add(d->delta, key, -amount);
	if (d->rc == 0)
		d->rc = strmap_add(d->contributors, key, -1);
}

/* delta = now - was, key by key; contributors counts each key's
 * departments: +1 where a key appears, -1 where it goes. */
static int difference(struct strmap *delta, struct strmap *was,
		      struct strmap *now, struct strmap *contributors)
{
	struct difference d = {delta, was, now, contributors, 0};
	strmap_each(now, add_now, &d);
	strmap_each(was, drop_was, &d);
	return d.rc;
}

/* The map of aggregates for a dimension named in a key ("total": the
 * grand totals, kept under DIM_YEAR). */
static struct strmap *aggregates_of(struct totals *t, const char *dim,
				    bool *pair)
{
	*pair = false;
	if (strcmp(dim, "total") == 0)
		return &t->aggregates[DIM_YEAR];
	for (size_t p = 0; p < DISTRICT_N_PAIRS; p++)
		if (strcmp(dim, district_pairs[p].name) == 0) {
			*pair = true;
			return &t->pair_aggregates[p];
		}
	int d = district_dim_from_name(dim, strlen(dim));
	return d < 0 ? NULL : &t->aggregates[d];
}

/* Applies the deltas to the aggregates and reports each change. */
static int apply_deltas(struct totals *t, struct strmap *delta,
			struct bd_apply *apply)
{
	struct moved_list list = {0};
	strmap_each(delta, collect_moved, &list);
	if (list.rc < 0) {
		free(list.items);
		return list.rc;
	}
	if (list.n > 0)
		qsort(list.items, list.n, sizeof *list.items, compare_moved);
	int rc = 0;
	for (size_t i = 0; i < list.n && rc == 0; i++) {
		const char *key = list.items[i].key;
		/* key is "year\x1fdim\x1fvalue": split once, in a copy. */
		char copy[sizeof list.items[i].key];
		memcpy(copy, key, sizeof copy);
		char *dim = strchr(copy, '\x1f');
		char *value = dim ? strchr(dim + 1, '\x1f') : NULL;
		if (value != NULL) {
			*dim++ = '\0';
			*value++ = '\0';
		}
		bool pair;
		struct strmap *aggregates =
		    value ? aggregates_of(t, dim, &pair) : NULL;
		if (aggregates == NULL) {
			/* Keys are made in this file: a bug, not input. */
			rc = -EINVAL;
			break;
		}
		bd_fen before = strmap_get(aggregates, key);
		if (strmap_add(aggregates, key, list.items[i].delta) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (apply == NULL || pair) /* pairs are for queries */
			continue;
		struct bd_total_change change = {
		    .year = atoi(copy),
		    .dimension = dim,
		    .key = value,
		    .before = before,
		    .after = before + list.items[i].delta,
		};
		if (t->host->report_change(apply, &change) < 0)
			rc = -ENOMEM;
	}
	free(list.items);
	return rc;
}

int district_apply(void *state, const struct bd_revision *prev,
		   const struct bd_revision *next, struct bd_apply *apply)
{
	struct totals *t = state;
	const struct bd_submission *s = next->submission;
	char key[32];
	struct strmap delta;
	int rc;

	(void)prev; /* our own facts say what the department had */
	struct dept *fresh = dept_from_submission(s, next->number);
	if (fresh == NULL)
		return -ENOMEM;
	snprintf(key, sizeof key, "%d/%s", s->year, s->department.code);
	bool found = strmap_contains(&t->depts, key);
	size_t index = found ? (size_t)strmap_get(&t->depts, key) : t->n_depts;
	struct dept *old = found ? t->dept_list[index] : NULL;

	struct strmap was, now;
	int mrc = strmap_init(&delta);
	if (mrc == 0)
		mrc = strmap_init(&was);
	if (mrc == 0 && (mrc = strmap_init(&now)) < 0)
		strmap_free(&was);
	if (mrc < 0 || (old && collect_delta(&was, old, +1) < 0) ||
	    collect_delta(&now, fresh, +1) < 0 ||
	    difference(&delta, &was, &now, &t->contributors) < 0) {
		if (mrc == 0) {
			strmap_free(&was);
			strmap_free(&now);
		}
		strmap_free(&delta);
		district_dept_free(fresh);
		return -ENOMEM;
	}
	strmap_free(&was);
	strmap_free(&now);
	if (!found) {
		if (t->n_depts == t->cap_depts) {
			size_t cap = t->cap_depts ? t->cap_depts * 2 : 64;
			void *grown =
			    realloc(t->dept_list, cap * sizeof *t->dept_list);
			if (grown == NULL) {
				strmap_free(&delta);
				district_dept_free(fresh);
				return -ENOMEM;
			}
			t->dept_list = grown;
			t->cap_depts = cap;
		}
		if (strmap_set(&t->depts, key, (bd_fen)index) < 0) {
			strmap_free(&delta);
			district_dept_free(fresh);
			return -ENOMEM;
		}
		t->n_depts++;
	}
	t->dept_list[index] = fresh;
	district_dept_free(old);

	rc = apply_deltas(t, &delta, apply);
	strmap_free(&delta);
	return rc;
}
