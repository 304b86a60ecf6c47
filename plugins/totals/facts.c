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
#include "grow.h"
#include "strmap.h"

void district_dept_free(struct dept *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->facts);
	free(d->by_function);
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
		f->economic = district_code_value(e->code, 5);
		/* 一般公共预算基本支出表: the general budget's basic spending.
		 */
		f->source = BD_SOURCE_GENERAL_BUDGET;
		f->column = column_of_economic(e->code);
		f->amount = e->amount;
	}
	return 0;
}

static int compare_by_function(const void *a, const void *b, void *facts)
{
	const struct fact *f = facts;
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	if (f[x].function != f[y].function)
		return f[x].function < f[y].function ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* d->by_function, where the facts are not in function order already; 0
 * or -ENOMEM.  (Sorting facts that are in order cost a tenth of the main
 * thread's cold start.) */
static int index_by_function(struct dept *d)
{
	bool ordered = true;
	for (size_t i = 1; i < d->n_facts && ordered; i++)
		ordered = d->facts[i - 1].function <= d->facts[i].function;
	d->in_function_order = ordered;
	if (ordered || d->n_facts > UINT16_MAX)
		return 0; /* read in place, or read whole */
	d->by_function =
	    malloc((d->n_facts ? d->n_facts : 1) * sizeof *d->by_function);
	if (d->by_function == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_facts; i++)
		d->by_function[i] = (uint16_t)i;
	qsort_r(d->by_function, d->n_facts, sizeof *d->by_function,
		compare_by_function, d->facts);
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
	uint64_t column_economic[BD_COL_COUNT];
	for (int c = 0; c < BD_COL_COUNT; c++)
		column_economic[c] = district_code_value(
		    bd_column_economic_class((enum bd_column)c), 3);
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct bd_line *l = &s->lines[i];
		uint64_t function = district_code_value(l->function, 7);
		for (int c = 0; c < BD_COL_COUNT; c++) {
			if (l->column[c] == 0)
				continue;
			struct fact *f = &d->facts[d->n_facts++];
			f->function = function;
			f->economic = column_economic[c];
			f->source = l->source;
			f->column = (unsigned)c;
			f->amount = l->column[c];
		}
	}
	if (add_economic_facts(d, s) < 0 || lists_capture(d, s) < 0 ||
	    index_by_function(d) < 0) {
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

/* The map of maintained totals of a slot (a dimension, or a pair after
 * DIM_COUNT), and of a key's slot. */
static struct cellmap *aggregates_at(struct totals *t, unsigned slot)
{
	return slot < DIM_COUNT ? &t->aggregates[slot]
				: &t->pair_aggregates[slot - DIM_COUNT];
}

static struct cellmap *aggregates_of(struct totals *t, uint64_t key)
{
	return aggregates_at(t, district_key_slot(key));
}

/* Which revision a cell of t->moved was seen in: the old, the new, both. */
#define IN_OLD 1
#define IN_NEW 2

static int add_moved(struct cellmap *moved, uint64_t key, bd_fen amount,
		     int64_t seen)
{
	struct cellmap_cell *c = cellmap_get(moved, key);
	if (c == NULL)
		return -ENOMEM;
	c->count |= seen;
	return bd_fen_add(&c->amount, amount) ? 0 : -EOVERFLOW;
}

/* Consecutive facts often share a key (a line's cells share its function,
 * its source, often its kind): one add for each run of equal keys. */
struct run {
	uint64_t key;
	bd_fen amount;
	bool open;
};

static int run_flush(struct cellmap *moved, struct run *r, int64_t seen)
{
	if (!r->open)
		return 0;
	r->open = false;
	return add_moved(moved, r->key, r->amount, seen);
}

static int run_add(struct cellmap *moved, struct run *r, uint64_t key,
		   bd_fen amount, int64_t seen)
{
	if (r->open && r->key == key)
		return bd_fen_add(&r->amount, amount) ? 0 : -EOVERFLOW;
	int rc = run_flush(moved, r, seen);
	*r = (struct run){.key = key, .amount = amount, .open = true};
	return rc;
}

/* Adds sign × the department's facts to the map of what moves, each cell
 * marked as seen in this revision.  Runs for every fact in every
 * dimension of every apply: integers only. */
static int collect_moved(struct cellmap *moved, const struct dept *d, int sign,
			 int64_t seen)
{
	const struct fact *f;
	size_t i = 0;
	bd_fen total = 0;
	size_t facts = 0;
	int rc = 0;
	while ((f = district_next_fact(d, false, &i)) != NULL) {
		total += f->amount;
		facts++;
	}
	/* One add for what is the same for all the department's facts. */
	if (facts > 0)
		rc = add_moved(moved, district_key(DIM_YEAR, d->year, 0),
			       sign * total, seen);
	for (size_t k = 0; k < district_n_maintained && rc == 0; k++) {
		enum dim dim = district_maintained[k];
		if (district_dim_is_departmental(dim)) {
			if (facts > 0)
				rc = add_moved(moved,
					       district_key(dim, d->year,
							    district_dim_code(
								dim, d, NULL)),
					       sign * total, seen);
			continue;
		}
		struct run run = {0};
		i = 0;
		while (rc == 0 &&
		       (f = district_next_fact(d, district_dim_is_economic(dim),
					       &i)) != NULL)
			rc = run_add(moved, &run,
				     district_key(dim, d->year,
						  district_dim_code(dim, d, f)),
				     sign * f->amount, seen);
		if (rc == 0)
			rc = run_flush(moved, &run, seen);
	}
	for (size_t p = 0; p < DISTRICT_N_PAIRS && rc == 0; p++) {
		const struct district_pair *pair = &district_pairs[p];
		struct run run = {0};
		i = 0;
		while (rc == 0 &&
		       (f = district_next_fact(d, false, &i)) != NULL) {
			uint64_t value = district_pair_value(
			    pair, district_dim_code(pair->first, d, f),
			    district_dim_code(pair->second, d, f));
			rc = run_add(moved, &run,
				     district_key(DIM_COUNT + (unsigned)p,
						  d->year, value),
				     sign * f->amount, seen);
		}
		if (rc == 0)
			rc = run_flush(moved, &run, seen);
	}
	return rc;
}

/* How a cell of t->moved changes its total's count of departments. */
static int64_t count_change(const struct cellmap_cell *c)
{
	return c->count == IN_NEW ? 1 : c->count == IN_OLD ? -1 : 0;
}

/* A single-dimension total that moved, as events report it. */
struct moved_total {
	uint64_t key;
	uint32_t order; /* year, then the dimension's name's rank */
	bd_fen before, delta;
	const char *dimension;
	char value[24];
};

/* Events read the same way every time: by year, dimension, value. */
static int compare_moved(const void *a, const void *b)
{
	const struct moved_total *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* Whether a cell of t->moved changes its total at all. */
static bool moves_total(const struct cellmap_cell *c)
{
	return c->amount != 0 || count_change(c) != 0;
}

/*
 * Makes the cells of every total t->moved touches and checks its sums,
 * before any total changes: running out of memory or an overflow then
 * changes nothing.  Each map first makes room for all its new cells, so
 * that no insert moves a cell found before it: each total is then looked
 * up once, here, and t->moved_totals keeps it for commit_moved.  *list
 * gets room for the totals to report, when they are (reporting: the host
 * collects them), else stays NULL.
 */
static int prepare_moved(struct totals *t, bool reporting,
			 struct moved_total **list)
{
	struct cellmap_cell *c;
	size_t per_map[DIM_COUNT + DISTRICT_N_PAIRS] = {0};
	size_t n_moved = t->moved.n_used;
	for (c = cellmap_first(&t->moved); c; c = cellmap_next(&t->moved, c))
		per_map[district_key_slot(c->key)] += moves_total(c);
	for (unsigned slot = 0; slot < DIM_COUNT + DISTRICT_N_PAIRS; slot++)
		if (per_map[slot] > 0 &&
		    cellmap_reserve(aggregates_at(t, slot), per_map[slot]) < 0)
			return -ENOMEM;
	if (GROW(t->moved_totals, t->cap_moved_totals, n_moved, 64) < 0)
		return -ENOMEM;
	size_t i = 0, n_reported = 0;
	for (c = cellmap_first(&t->moved); c;
	     c = cellmap_next(&t->moved, c), i++) {
		t->moved_totals[i] = NULL;
		if (!moves_total(c))
			continue;
		struct cellmap_cell *total =
		    cellmap_get(aggregates_of(t, c->key), c->key);
		if (total == NULL)
			return -ENOMEM;
		bd_fen sum = total->amount;
		if (!bd_fen_add(&sum, c->amount))
			return -EOVERFLOW;
		t->moved_totals[i] = total;
		n_reported +=
		    c->amount != 0 && district_key_slot(c->key) < DIM_COUNT;
	}
	if (!reporting)
		return 0;
	*list = calloc(n_reported ? n_reported : 1, sizeof **list);
	return *list ? 0 : -ENOMEM;
}

/* Moves the maintained totals by t->moved and reports each
 * single-dimension total that moved, in order, when apply collects them
 * (else list is NULL: a rebuild's moves are named and sorted for
 * nobody); frees list. */
static int commit_moved(struct totals *t, struct moved_total *list,
			struct bd_apply *apply)
{
	size_t n = 0, at = 0;
	for (struct cellmap_cell *c = cellmap_first(&t->moved); c;
	     c = cellmap_next(&t->moved, c), at++) {
		struct cellmap_cell *total = t->moved_totals[at];
		if (total == NULL)
			continue; /* neither amount nor count moves */
		bd_fen before = total->amount;
		total->amount += c->amount;
		total->count += count_change(c);
		unsigned slot = district_key_slot(c->key);
		if (slot < DIM_COUNT)
			district_rendered_moved(t, c->key);
		if (apply == NULL || c->amount == 0 || slot >= DIM_COUNT)
			continue; /* pairs are for queries */
		struct moved_total *m = &list[n++];
		m->key = c->key;
		m->before = before;
		m->delta = c->amount;
		m->dimension = district_total_name((enum dim)slot);
		m->order = (uint32_t)district_key_year(c->key) << 8 |
			   t->dim_rank[slot];
		if (slot == DIM_YEAR)
			m->value[0] = '\0';
		else
			district_dim_text((enum dim)slot,
					  district_key_value(c->key), m->value,
					  sizeof m->value);
	}
	int rc = 0;
	if (apply != NULL) {
		qsort(list, n, sizeof *list, compare_moved);
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct bd_total_change change = {
			    .year = district_key_year(list[i].key),
			    .dimension = list[i].dimension,
			    .key = list[i].value,
			    .before = list[i].before,
			    .after = list[i].before + list[i].delta,
			};
			if (t->host->report_change(apply, &change) < 0)
				rc = -ENOMEM;
		}
	}
	free(list);
	return rc;
}

int district_apply(void *state, const struct bd_revision *prev,
		   const struct bd_revision *next, struct bd_apply *apply)
{
	struct totals *t = state;
	const struct bd_submission *s = next->submission;
	struct moved_total *list = NULL;
	char key[32];

	(void)prev; /* our own facts say what the department had */
	if (!district_year_fits(s->year))
		return -ERANGE; /* the model admits 2000..2100 */
	struct dept *fresh = dept_from_submission(s, next->number);
	if (fresh == NULL)
		return -ENOMEM;
	snprintf(key, sizeof key, "%d/%s", s->year, s->department.code);
	const bd_fen *known = strmap_find(&t->depts, key);
	bool found = known != NULL;
	size_t index = found ? (size_t)*known : t->n_depts;
	struct dept *old = found ? t->dept_list[index] : NULL;

	/* Everything that can fail, before anything changes. */
	cellmap_clear(&t->moved);
	int rc = old ? collect_moved(&t->moved, old, -1, IN_OLD) : 0;
	if (rc == 0)
		rc = collect_moved(&t->moved, fresh, +1, IN_NEW);
	if (rc == 0 && !found)
		rc = GROW(t->dept_list, t->cap_depts, t->n_depts + 1, 64);
	if (rc == 0)
		rc = district_parents_reserve(t, fresh);
	if (rc == 0)
		rc = prepare_moved(t, apply != NULL, &list);
	if (rc == 0 && !found && strmap_set(&t->depts, key, (bd_fen)index) < 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(list);
		district_dept_free(fresh);
		return rc;
	}
	if (!found)
		t->n_depts++;
	t->dept_list[index] = fresh;
	district_parents_move(t, index, old, fresh);
	district_dept_free(old);
	return commit_moved(t, list, apply);
}
