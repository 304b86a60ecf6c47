/*
 * totals: district-wide totals by classification.
 *
 * Each department's latest revision is kept as a list of facts (function
 * 项, source, column, amount).  Single-dimension aggregates per year are
 * maintained incrementally on apply: the department's old facts are taken
 * out and the new ones put in, and every aggregate that moved is reported
 * with its old and new value.  Queries with any drilldown and cuts scan the
 * facts, so they can never disagree with them.
 */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "strmap.h"

#define MAX_BY 6

/* ---- dimensions ---- */

static const char *const dim_names[DIM_COUNT] = {
    "function:class", "function:section", "function:item",
    "economic:class", "economic:section", "source",
    "kind",	      "department",	  "parent",
    "year",
};

/* Dimensions whose single-dimension totals are maintained and notified. */
static const enum dim maintained[] = {
    DIM_FUNCTION_CLASS, DIM_FUNCTION_SECTION, DIM_FUNCTION_ITEM,
    DIM_ECONOMIC_CLASS, DIM_ECONOMIC_SECTION, DIM_SOURCE,
    DIM_KIND,		DIM_DEPARTMENT,	      DIM_PARENT,
};

static bool dim_is_economic(enum dim d)
{
	return d == DIM_ECONOMIC_CLASS || d == DIM_ECONOMIC_SECTION;
}

static int dim_from_name(const char *name, size_t len)
{
	for (int i = 0; i < DIM_COUNT; i++)
		if (strlen(dim_names[i]) == len &&
		    strncmp(dim_names[i], name, len) == 0)
			return i;
	/* Shorthands: "function" is the 项 code, "economic" its 类. */
	if (len == 8 && strncmp(name, "function", 8) == 0)
		return DIM_FUNCTION_ITEM;
	if (len == 8 && strncmp(name, "economic", 8) == 0)
		return DIM_ECONOMIC_CLASS;
	return -1;
}

/* Copies n bytes of src (or "-" when empty) into buf, NUL-terminated. */
static void put(char *buf, size_t size, const char *src, size_t n)
{
	if (n == 0 || src[0] == '\0') {
		src = "-";
		n = 1;
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
}

/* Writes the value of a fact along a dimension.  This runs for every fact
 * of every query: no printf. */
static void dim_value(enum dim d, const struct dept *dep, const struct fact *f,
		      char *buf, size_t size)
{
	switch (d) {
	case DIM_FUNCTION_CLASS:
		put(buf, size, f->function, 3);
		break;
	case DIM_FUNCTION_SECTION:
		put(buf, size, f->function, 5);
		break;
	case DIM_FUNCTION_ITEM:
		put(buf, size, f->function, strlen(f->function));
		break;
	case DIM_ECONOMIC_CLASS:
		put(buf, size, f->economic, f->economic[0] ? 3 : 0);
		break;
	case DIM_ECONOMIC_SECTION:
		put(buf, size, f->economic, strlen(f->economic) == 5 ? 5 : 0);
		break;
	case DIM_SOURCE: {
		const char *v = bd_source_key((enum bd_source)f->source);
		put(buf, size, v, strlen(v));
		break;
	}
	case DIM_KIND: {
		const char *v = bd_column_kind((enum bd_column)f->column);
		put(buf, size, v, strlen(v));
		break;
	}
	case DIM_DEPARTMENT:
		put(buf, size, dep->code, strlen(dep->code));
		break;
	case DIM_PARENT:
		put(buf, size, dep->parent, strlen(dep->parent));
		break;
	case DIM_YEAR:
		snprintf(buf, size, "%d", dep->year);
		break;
	default:
		buf[0] = '\0';
	}
}

/* Dimensions that are the same for every fact of a department. */
bool district_dim_is_departmental(enum dim d)
{
	return d == DIM_DEPARTMENT || d == DIM_PARENT || d == DIM_YEAR;
}

/* ---- departments ---- */

static void dept_free(struct dept *d)
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
		dept_free(d);
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
		dept_free(d);
		return NULL;
	}
	return d;
}

/*
 * The view a query sees of a department: for economic cuts, its economic
 * table (where given) plus its project cells; otherwise its line cells.
 * Returns the next fact, or NULL; *i is the cursor, start at 0.
 */
static const struct fact *next_fact(const struct dept *d, bool economic,
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
static int collect_delta(struct strmap *delta, const struct dept *d, int sign)
{
	char key[96], value[32];
	const struct fact *f;
	size_t i = 0;
	while ((f = next_fact(d, false, &i)) != NULL) {
		snprintf(key, sizeof key, "%d\x1ftotal\x1f", d->year);
		if (strmap_add(delta, key, sign * f->amount) < 0)
			return -ENOMEM;
	}
	for (size_t k = 0; k < sizeof maintained / sizeof maintained[0]; k++) {
		enum dim dim = maintained[k];
		i = 0;
		while ((f = next_fact(d, dim_is_economic(dim), &i)) != NULL) {
			dim_value(dim, d, f, value, sizeof value);
			snprintf(key, sizeof key, "%d\x1f%s\x1f%s", d->year,
				 dim_names[dim], value);
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
		bd_fen before = strmap_get(&t->aggregates, key);
		if (strmap_add(&t->aggregates, key, list.items[i].delta) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (apply == NULL)
			continue;
		/* key is "year\x1fdim\x1fvalue". */
		char copy[96];
		snprintf(copy, sizeof copy, "%s", key);
		char *dim = strchr(copy, '\x1f');
		char *value = dim ? strchr(dim + 1, '\x1f') : NULL;
		if (value == NULL)
			continue;
		*dim++ = '\0';
		*value++ = '\0';
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

static int totals_apply(void *state, const struct bd_revision *prev,
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

	if (strmap_init(&delta) < 0 ||
	    (old && collect_delta(&delta, old, -1) < 0) ||
	    collect_delta(&delta, fresh, +1) < 0) {
		strmap_free(&delta);
		dept_free(fresh);
		return -ENOMEM;
	}
	if (!found) {
		if (t->n_depts == t->cap_depts) {
			size_t cap = t->cap_depts ? t->cap_depts * 2 : 64;
			void *grown =
			    realloc(t->dept_list, cap * sizeof *t->dept_list);
			if (grown == NULL) {
				strmap_free(&delta);
				dept_free(fresh);
				return -ENOMEM;
			}
			t->dept_list = grown;
			t->cap_depts = cap;
		}
		if (strmap_set(&t->depts, key, (bd_fen)index) < 0) {
			strmap_free(&delta);
			dept_free(fresh);
			return -ENOMEM;
		}
		t->n_depts++;
	}
	t->dept_list[index] = fresh;
	dept_free(old);

	rc = apply_deltas(t, &delta, apply);
	strmap_free(&delta);
	return rc;
}

/* ---- queries ---- */

struct query_spec {
	enum dim by[MAX_BY];
	size_t n_by;
	struct district_filter common;
	bool sort_by_amount;
	bool explain; /* list the revisions and line items of each row */
	bool change;  /* against the year before (needs "year") */
	long offset, limit;
};

#define EXPLAIN_MAX 10000

static bool cut_matches(const struct cut *c, const char *value)
{
	for (size_t i = 0; i < c->n_values; i++) {
		size_t n = strlen(c->values[i]);
		if (c->prefix[i] ? strncmp(value, c->values[i], n) == 0
				 : strcmp(value, c->values[i]) == 0)
			return true;
	}
	return false;
}

/* Parses "DIM:VALUE[,VALUE…]" with '*' marking a code prefix. */
static int parse_cut(struct totals *t, struct bd_query *q, const char *text,
		     struct cut *c)
{
	const char *colon = strrchr(text, ':');
	/* "function:class:201" → dim "function:class"; "source:x" → "source".
	 */
	int d = colon ? dim_from_name(text, (size_t)(colon - text)) : -1;
	if (d < 0)
		return t->host->query_error(
		    q, "bad_request",
		    "cut \"%.60s\" must be DIM:VALUE[,VALUE…] with DIM one of "
		    "function:class, function:section, function:item, "
		    "economic:class, economic:section, source, kind, "
		    "department, parent, year",
		    text);
	c->dim = (enum dim)d;
	c->n_values = 0;
	char values[512];
	snprintf(values, sizeof values, "%s", colon + 1);
	char *save = NULL;
	for (char *v = strtok_r(values, ",", &save); v;
	     v = strtok_r(NULL, ",", &save)) {
		if (c->n_values == DISTRICT_MAX_VALUES)
			return t->host->query_error(
			    q, "bad_request", "at most %d values in one cut",
			    DISTRICT_MAX_VALUES);
		size_t n = strlen(v);
		bool prefix = n > 0 && v[n - 1] == '*';
		if (prefix)
			v[--n] = '\0';
		if (n == 0 && !prefix)
			continue;
		if (n >= sizeof c->values[0])
			return t->host->query_error(
			    q, "bad_request", "cut value \"%.40s\" is too long",
			    v);
		memcpy(c->values[c->n_values], v, n + 1);
		c->prefix[c->n_values++] = prefix;
	}
	if (c->n_values == 0)
		return t->host->query_error(q, "bad_request",
					    "cut \"%.60s\" has no value", text);
	return 0;
}

int district_read_common(struct totals *t, struct bd_query *q,
			 const struct bd_scope *scope,
			 struct district_filter *filter)
{
	struct cut *where = filter->where;
	size_t *n_where = &filter->n_where;
	int *year = &filter->year;
	enum bd_unit *unit = &filter->unit;
	filter->scope = scope;
	const cJSON *req = t->host->query_request(q);
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(req, "where");
	*n_where = 0;
	*year = 0;
	*unit = BD_UNIT_WANYUAN;
	if (cJSON_IsString(w) || cJSON_IsArray(w)) {
		const cJSON *item = cJSON_IsString(w) ? w : w->child;
		for (; item; item = cJSON_IsString(w) ? NULL : item->next) {
			if (!cJSON_IsString(item))
				return t->host->query_error(
				    q, "bad_request",
				    "\"where\" lists DIM:VALUE strings");
			if (*n_where == DISTRICT_MAX_WHERE)
				return t->host->query_error(q, "bad_request",
							    "at most %d cuts",
							    DISTRICT_MAX_WHERE);
			if (parse_cut(t, q, item->valuestring,
				      &where[(*n_where)++]) < 0)
				return -EINVAL;
		}
	} else if (w != NULL) {
		return t->host->query_error(
		    q, "bad_request", "\"where\" must be a string or an array");
	}
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(req, "year");
	if (y != NULL) {
		/* Range before the cast: 1e400 is inf. */
		if (!cJSON_IsNumber(y) || !(y->valuedouble >= 2000) ||
		    !(y->valuedouble <= 2100))
			return t->host->query_error(
			    q, "bad_request", "\"year\" must be 2000..2100");
		*year = y->valueint;
	}
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(req, "unit");
	if (u != NULL) {
		if (cJSON_IsString(u) && strcmp(u->valuestring, "元") == 0)
			*unit = BD_UNIT_YUAN;
		else if (!cJSON_IsString(u) ||
			 strcmp(u->valuestring, "万元") != 0)
			return t->host->query_error(
			    q, "bad_request",
			    "\"unit\" must be \"元\" or \"万元\"");
	}
	return 0;
}

bool district_dept_passes(const struct district_filter *filter,
			  const struct dept *d)
{
	char value[32];
	if (!bd_scope_covers(filter->scope, d->year, d->code, d->parent))
		return false;
	if (filter->year && d->year != filter->year)
		return false;
	for (size_t w = 0; w < filter->n_where; w++) {
		const struct cut *cut = &filter->where[w];
		if (!district_dim_is_departmental(cut->dim))
			continue;
		dim_value(cut->dim, d, NULL, value, sizeof value);
		if (!cut_matches(cut, value))
			return false;
	}
	return true;
}

static int parse_query(struct totals *t, const struct bd_scope *scope,
		       struct bd_query *q, struct query_spec *spec)
{
	const cJSON *req = t->host->query_request(q);
	memset(spec, 0, sizeof *spec);
	spec->common.unit = BD_UNIT_WANYUAN;
	spec->limit = -1;

	const cJSON *by = cJSON_GetObjectItemCaseSensitive(req, "by");
	if (cJSON_IsString(by) || cJSON_IsArray(by)) {
		const cJSON *item = cJSON_IsString(by) ? by : by->child;
		for (; item; item = cJSON_IsString(by) ? NULL : item->next) {
			if (!cJSON_IsString(item))
				return t->host->query_error(
				    q, "bad_request",
				    "\"by\" lists dimension names");
			int d = dim_from_name(item->valuestring,
					      strlen(item->valuestring));
			if (d < 0)
				return t->host->query_error(
				    q, "bad_request",
				    "unknown dimension \"%.40s\"; expected "
				    "function:class, function:section, "
				    "function:item, economic:class, "
				    "economic:section, source, kind, "
				    "department, parent or year",
				    item->valuestring);
			if (spec->n_by == MAX_BY)
				return t->host->query_error(
				    q, "bad_request", "at most %d dimensions",
				    MAX_BY);
			spec->by[spec->n_by++] = (enum dim)d;
		}
	} else if (by != NULL) {
		return t->host->query_error(
		    q, "bad_request", "\"by\" must be a string or an array");
	}

	if (district_read_common(t, q, scope, &spec->common) < 0)
		return -EINVAL;
	const cJSON *sort = cJSON_GetObjectItemCaseSensitive(req, "sort");
	if (sort != NULL) {
		if (cJSON_IsString(sort) &&
		    strcmp(sort->valuestring, "amount") == 0)
			spec->sort_by_amount = true;
		else if (!cJSON_IsString(sort) ||
			 strcmp(sort->valuestring, "key") != 0)
			return t->host->query_error(
			    q, "bad_request",
			    "\"sort\" must be \"key\" or \"amount\"");
	}
	spec->explain =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "explain"));
	spec->change =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "change"));
	if (spec->change && spec->common.year == 0)
		return t->host->query_error(
		    q, "bad_request",
		    "\"change\" compares a year with the one before: "
		    "give \"year\"");
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(req, "limit");
	const cJSON *offset = cJSON_GetObjectItemCaseSensitive(req, "offset");
	/* Range before the cast: 1e400 is inf, and casting it is undefined. */
	if (limit != NULL) {
		if (!cJSON_IsNumber(limit) || !(limit->valuedouble >= 0) ||
		    !(limit->valuedouble <= 1e9))
			return t->host->query_error(
			    q, "bad_request",
			    "\"limit\" must be an integer 0..1000000000");
		spec->limit = (long)limit->valuedouble;
	}
	if (offset != NULL) {
		if (!cJSON_IsNumber(offset) || !(offset->valuedouble >= 0) ||
		    !(offset->valuedouble <= 1e9))
			return t->host->query_error(
			    q, "bad_request",
			    "\"offset\" must be an integer 0..1000000000");
		spec->offset = (long)offset->valuedouble;
	}
	return 0;
}

/* One output cell: its key tuple, amount and contributing departments. */
struct cell {
	char *key; /* values joined by \x1f */
	bd_fen amount;
	size_t departments;
	const struct dept *last_dept; /* to count each department once */
};

struct cell_table {
	struct strmap index; /* key → position in cells */
	struct cell *cells;
	size_t n, cap;
};

static struct cell *cell_get(struct cell_table *ct, const char *key)
{
	bool created;
	bd_fen *index = strmap_slot(&ct->index, key, (bd_fen)ct->n, &created);
	if (index == NULL)
		return NULL;
	if (!created)
		return &ct->cells[*index];
	if (ct->n == ct->cap) {
		size_t cap = ct->cap ? ct->cap * 2 : 64;
		void *grown = realloc(ct->cells, cap * sizeof *ct->cells);
		if (grown == NULL)
			return NULL;
		ct->cells = grown;
		ct->cap = cap;
	}
	struct cell *c = &ct->cells[ct->n];
	memset(c, 0, sizeof *c);
	c->key = strdup(key);
	if (c->key == NULL)
		return NULL;
	ct->n++;
	return c;
}

static bool sort_by_amount;

static int compare_cells(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	if (sort_by_amount && x->amount != y->amount)
		return x->amount < y->amount ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Cuts on department, 主管部门 or year decide for all of a department's
 * facts at once: a query about one 主管部门 skips every other department. */
static bool dept_passes(const struct query_spec *spec, const struct dept *d)
{
	return district_dept_passes(&spec->common, d);
}

/* Applies the cuts to a fact of a department that passed dept_passes();
 * when it passes, writes its drilldown key. */
static bool fact_key(const struct query_spec *spec, const struct dept *d,
		     const struct fact *f, char *key, size_t size)
{
	char value[32];
	for (size_t w = 0; w < spec->common.n_where; w++) {
		if (district_dim_is_departmental(spec->common.where[w].dim))
			continue; /* dept_passes() decided those */
		dim_value(spec->common.where[w].dim, d, f, value, sizeof value);
		if (!cut_matches(&spec->common.where[w], value))
			return false;
	}
	size_t len = 0;
	for (size_t b = 0; b < spec->n_by; b++) {
		dim_value(spec->by[b], d, f, value, sizeof value);
		size_t n = strlen(value);
		if (len + n + 2 > size)
			break;
		if (b)
			key[len++] = '\x1f';
		memcpy(key + len, value, n);
		len += n;
	}
	key[len] = '\0';
	return true;
}

/* The revisions and line items that make a row: what a figure is traced to. */
static void explain_row(const struct totals *t, const struct query_spec *spec,
			bool economic, const char *row_key, cJSON *row,
			size_t *budget)
{
	char key[256], text[40];
	cJSON *from = cJSON_AddArrayToObject(row, "from");
	for (size_t i = 0; i<t->n_depts && * budget> 0; i++) {
		const struct dept *d = t->dept_list[i];
		if (!dept_passes(spec, d))
			continue;
		const struct fact *f;
		size_t cursor = 0;
		while ((f = next_fact(d, economic, &cursor)) != NULL &&
		       *budget > 0) {
			if (!fact_key(spec, d, f, key, sizeof key) ||
			    strcmp(key, row_key) != 0)
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "department", d->code);
			cJSON_AddNumberToObject(o, "year", d->year);
			cJSON_AddNumberToObject(o, "revision",
						(double)d->revision);
			if (f->function[0])
				cJSON_AddStringToObject(o, "function",
							f->function);
			if (f->economic[0])
				cJSON_AddStringToObject(o, "economic",
							f->economic);
			cJSON_AddStringToObject(
			    o, "source",
			    bd_source_key((enum bd_source)f->source));
			cJSON_AddStringToObject(
			    o, "kind",
			    bd_column_kind((enum bd_column)f->column));
			t->host->format_amount(f->amount, spec->common.unit,
					       text, sizeof text);
			cJSON_AddStringToObject(o, "amount", text);
			cJSON_AddItemToArray(from, o);
			(*budget)--;
		}
	}
}

static void cell_table_free(struct cell_table *ct)
{
	for (size_t i = 0; i < ct->n; i++)
		free(ct->cells[i].key);
	free(ct->cells);
	strmap_free(&ct->index);
	memset(ct, 0, sizeof *ct);
}

/* Sums the facts that pass the cuts into cells by their drilldown key. */
static int aggregate(const struct totals *t, const struct query_spec *spec,
		     bool economic, struct cell_table *cells, bd_fen *grand)
{
	char key[256];
	struct cell_table *ct = cells;
	for (size_t i = 0; i < t->n_depts; i++) {
		const struct dept *d = t->dept_list[i];
		if (!dept_passes(spec, d))
			continue;
		const struct fact *f;
		size_t cursor = 0;
		while ((f = next_fact(d, economic, &cursor)) != NULL) {
			if (!fact_key(spec, d, f, key, sizeof key))
				continue;
			struct cell *c = cell_get(ct, key);
			if (c == NULL)
				return -ENOMEM;
			c->amount += f->amount;
			*grand += f->amount;
			if (c->last_dept != d) {
				c->departments++;
				c->last_dept = d;
			}
		}
	}
	return 0;
}

static int totals_query(void *state, const struct bd_scope *scope,
			struct bd_query *q)
{
	struct totals *t = state;
	struct query_spec spec;
	struct cell_table ct = {0};
	bd_fen grand = 0;
	int rc;

	if (parse_query(t, scope, q, &spec) < 0)
		return -EINVAL;
	if (strmap_init(&ct.index) < 0)
		return -ENOMEM;

	bool economic = false;
	for (size_t b = 0; b < spec.n_by; b++)
		economic |= dim_is_economic(spec.by[b]);
	for (size_t w = 0; w < spec.common.n_where; w++)
		economic |= dim_is_economic(spec.common.where[w].dim);

	rc = aggregate(t, &spec, economic, &ct, &grand);
	if (rc < 0)
		goto out;
	struct cell_table before = {0};
	bd_fen grand_before = 0;
	if (spec.change) {
		struct query_spec previous = spec;
		previous.common.year = spec.common.year - 1;
		if (strmap_init(&before.index) < 0 ||
		    (rc = aggregate(t, &previous, economic, &before,
				    &grand_before)) < 0) {
			cell_table_free(&before);
			goto out;
		}
	}

	sort_by_amount = spec.sort_by_amount;
	if (ct.n > 0)
		qsort(ct.cells, ct.n, sizeof *ct.cells, compare_cells);

	cJSON *reply = t->host->query_reply(q);
	char text[40];
	cJSON_AddStringToObject(
	    reply, "unit", spec.common.unit == BD_UNIT_YUAN ? "元" : "万元");
	if (spec.common.year)
		cJSON_AddNumberToObject(reply, "year", spec.common.year);
	cJSON *by = cJSON_AddArrayToObject(reply, "by");
	for (size_t b = 0; b < spec.n_by; b++)
		cJSON_AddItemToArray(by,
				     cJSON_CreateString(dim_names[spec.by[b]]));
	cJSON *rows = cJSON_AddArrayToObject(reply, "rows");
	long shown = 0;
	size_t explain_budget = EXPLAIN_MAX;
	for (size_t i = (size_t)spec.offset; i < ct.n; i++) {
		if (spec.limit >= 0 && shown >= spec.limit)
			break;
		struct cell *c = &ct.cells[i];
		cJSON *row = cJSON_CreateObject();
		if (spec.explain)
			explain_row(t, &spec, economic, c->key, row,
				    &explain_budget);
		if (spec.change) {
			bd_fen previous = 0;
			bool created;
			bd_fen *index =
			    strmap_slot(&before.index, c->key, -1, &created);
			if (index != NULL && !created)
				previous = before.cells[*index].amount;
			t->host->format_amount(previous, spec.common.unit, text,
					       sizeof text);
			cJSON_AddStringToObject(row, "previous", text);
			t->host->format_amount(c->amount - previous,
					       spec.common.unit, text,
					       sizeof text);
			cJSON_AddStringToObject(row, "change", text);
			if (previous > 0) {
				/* Per mille, rounded half away from zero: exact
				 * integers. */
				__int128 pm =
				    ((__int128)(c->amount - previous) * 2000 /
				     previous);
				long long tenths =
				    (long long)((pm + (pm >= 0 ? 1 : -1)) / 2);
				snprintf(text, sizeof text, "%s%lld.%lld",
					 tenths < 0 ? "-" : "",
					 (tenths < 0 ? -tenths : tenths) / 10,
					 (tenths < 0 ? -tenths : tenths) % 10);
				cJSON_AddStringToObject(row, "change_percent",
							text);
			}
		}
		cJSON *keyobj = cJSON_AddObjectToObject(row, "key");
		char *save = NULL, *part = strtok_r(c->key, "\x1f", &save);
		for (size_t b = 0; b < spec.n_by; b++) {
			cJSON_AddStringToObject(keyobj, dim_names[spec.by[b]],
						part ? part : "");
			part = strtok_r(NULL, "\x1f", &save);
		}
		t->host->format_amount(c->amount, spec.common.unit, text,
				       sizeof text);
		cJSON_AddStringToObject(row, "amount", text);
		cJSON_AddNumberToObject(row, "departments",
					(double)c->departments);
		cJSON_AddItemToArray(rows, row);
		shown++;
	}
	cJSON_AddNumberToObject(reply, "row_count", (double)ct.n);
	if (spec.explain && explain_budget == 0)
		cJSON_AddTrueToObject(reply, "explain_truncated");
	if (spec.change) {
		t->host->format_amount(grand_before, spec.common.unit, text,
				       sizeof text);
		cJSON_AddStringToObject(reply, "previous_total", text);
		cell_table_free(&before);
	}
	t->host->format_amount(grand, spec.common.unit, text, sizeof text);
	cJSON_AddStringToObject(reply, "total", text);
	rc = 0;
out:
	cell_table_free(&ct);
	return rc;
}

/* ---- lifecycle ---- */

static int totals_init(const struct bd_host *host,
		       struct bd_plugin_handle *self, void **state)
{
	struct totals *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	t->host = host;
	t->self = self;
	if (strmap_init(&t->depts) < 0 || strmap_init(&t->aggregates) < 0) {
		strmap_free(&t->depts);
		free(t);
		return -ENOMEM;
	}
	*state = t;
	return 0;
}

static void totals_fini(void *state)
{
	struct totals *t = state;
	for (size_t i = 0; i < t->n_depts; i++)
		dept_free(t->dept_list[i]);
	free(t->dept_list);
	strmap_free(&t->depts);
	strmap_free(&t->aggregates);
	free(t);
}

/* Every answer is within the scope the host hands over. */
static const struct bd_query_op totals_ops[] = {
    {"totals", BD_QUERY_SCOPED, "district totals by any dimensions"},
    {"three_public", BD_QUERY_SCOPED, "三公经费 by department"},
    {"projects", BD_QUERY_SCOPED, "projects, largest first"},
    {0},
};

static int district_query(void *state, const char *op,
			  const struct bd_scope *scope, struct bd_query *q)
{
	if (strcmp(op, "three_public") == 0)
		return lists_three_public(state, scope, q);
	if (strcmp(op, "projects") == 0)
		return lists_projects(state, scope, q);
	return totals_query(state, scope, q);
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .name = "totals",
    .version = "1.0",
    .description = "district totals by function, economic class, source, "
		   "kind, department, parent and year",
    .query_ops = totals_ops,
    .init = totals_init,
    .fini = totals_fini,
    .apply = totals_apply,
    .query = district_query,
};
