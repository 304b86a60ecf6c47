/* The "totals" query: any drilldown with cuts, sorted, paged, explained
 * or against the year before, computed from the facts so that it can
 * never disagree with them. */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digits.h"
#include "district.h"
#include "grow.h"
#include "json_text.h"
#include "money.h"
#include "strmap.h"

#define MAX_BY 6

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
			int d = district_dim_from_name(
			    item->valuestring, strlen(item->valuestring));
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

static int compare_departments(const void *a, const void *b)
{
	const struct dept *x = *(const struct dept *const *)a,
			  *y = *(const struct dept *const *)b;
	if (x->year != y->year)
		return x->year < y->year ? -1 : 1;
	return strcmp(x->code, y->code);
}

/* One output cell: its key tuple, amount and contributing departments. */
struct cell {
	char *key; /* values joined by \x1f */
	size_t key_len;
	bd_fen amount;
	size_t departments;
	const struct dept *last_dept; /* to count each department once */
};

/* The cells' keys, a block at a time: one allocation per 64 KiB of keys
 * rather than one per row (a 10,000-row answer spent a fifth of its time
 * in malloc and free), all freed together. */
#define KEY_BLOCK 65536

struct key_block {
	struct key_block *next;
	size_t used, size;
	char text[];
};

struct cell_table {
	struct strmap index; /* key → position in cells */
	/* Nobody looks a key up in this table: a key the caller knows to be
	 * new is appended without the index. */
	bool read_in_order;
	struct cell *cells;
	size_t n, cap;
	struct key_block *keys;
};

static char *key_copy(struct cell_table *ct, const char *key, size_t len)
{
	struct key_block *b = ct->keys;
	if (b == NULL || b->size - b->used <= len) {
		size_t size = len < KEY_BLOCK ? KEY_BLOCK : len + 1;
		if ((b = malloc(sizeof *b + size)) == NULL)
			return NULL;
		*b = (struct key_block){.next = ct->keys, .size = size};
		ct->keys = b;
	}
	char *copy = b->text + b->used;
	memcpy(copy, key, len);
	copy[len] = '\0';
	b->used += len + 1;
	return copy;
}

static struct cell *cell_append(struct cell_table *ct, const char *key,
				size_t len)
{
	if (GROW(ct->cells, ct->cap, ct->n + 1, 64) < 0)
		return NULL;
	struct cell *c = &ct->cells[ct->n];
	*c = (struct cell){.key = key_copy(ct, key, len), .key_len = len};
	if (c->key == NULL)
		return NULL;
	ct->n++;
	return c;
}

/* The cell of a key, made at its first sight. */
static struct cell *cell_get(struct cell_table *ct, const char *key)
{
	bool created;
	bd_fen *index = strmap_slot(&ct->index, key, (bd_fen)ct->n, &created);
	if (index == NULL)
		return NULL;
	if (!created)
		return &ct->cells[*index];
	return cell_append(ct, key, strlen(key));
}

/* The cell of a key the caller adds only once. */
static struct cell *cell_new(struct cell_table *ct, const char *key, size_t len)
{
	return ct->read_in_order ? cell_append(ct, key, len)
				 : cell_get(ct, key);
}

/* A cell in the order of the answer: sorted as these, not as the 40-byte
 * cells, and on the first 8 bytes of the key as one integer before any
 * strcmp (a key of 10,000 departments differs within them). */
struct ordered {
	uint64_t prefix; /* the key's first 8 bytes, big-endian */
	struct cell *cell;
};

static uint64_t key_prefix(const char *key)
{
	uint64_t p = 0;
	for (int i = 0; i < 8; i++) {
		p = p << 8 | (unsigned char)*key;
		key += *key != '\0';
	}
	return p;
}

/* Whether x comes before y: by key, or largest amount first (ties by
 * key) when by_amount.  Keys are distinct, so the order is total. */
static inline bool ordered_before(const struct ordered *x,
				  const struct ordered *y, bool by_amount)
{
	if (by_amount && x->cell->amount != y->cell->amount)
		return x->cell->amount > y->cell->amount;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix;
	return strcmp(x->cell->key, y->cell->key) < 0;
}

static int compare_ordered(const void *a, const void *b, void *by_amount)
{
	const struct ordered *x = a, *y = b;
	bool by = *(const bool *)by_amount;
	return ordered_before(x, y, by) ? -1 : ordered_before(y, x, by);
}

/*
 * Sorts the rows of an answer: a quicksort with the comparison inline
 * (qsort_r's call per comparison was a sixth of a 10,000-row answer),
 * insertion sort for short runs, and qsort_r itself past 2 log2 n levels
 * so that no input makes it quadratic.
 */
static void sort_ordered(struct ordered *a, size_t n, bool by_amount, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			qsort_r(a, n, sizeof *a, compare_ordered, &by_amount);
			return;
		}
		/* Hoare's partition around the middle element's value. */
		struct ordered pivot = a[n / 2], swap;
		ptrdiff_t i = -1, j = (ptrdiff_t)n;
		for (;;) {
			do
				i++;
			while (ordered_before(&a[i], &pivot, by_amount));
			do
				j--;
			while (ordered_before(&pivot, &a[j], by_amount));
			if (i >= j)
				break;
			swap = a[i], a[i] = a[j], a[j] = swap;
		}
		/* Recurse into the smaller part, loop on the larger. */
		size_t left = (size_t)j + 1;
		if (left < n - left) {
			sort_ordered(a, left, by_amount, depth);
			a += left;
			n -= left;
		} else {
			sort_ordered(a + left, n - left, by_amount, depth);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct ordered x = a[i];
		size_t k = i;
		for (; k > 0 && ordered_before(&x, &a[k - 1], by_amount); k--)
			a[k] = a[k - 1];
		a[k] = x;
	}
}

/*
 * By key: a least-significant-byte radix sort of the 8-byte prefixes,
 * passing over a byte every row shares (a department code leaves most of
 * them alike), then each run of one prefix by its whole key.  The
 * quicksort's comparisons were a sixth of a 10,000-row answer.  false when
 * out of memory for the second array.
 */
static bool sort_by_prefix(struct ordered *a, size_t n, int depth)
{
	struct ordered *spare = malloc(n * sizeof *spare);
	if (spare == NULL)
		return false;
	size_t count[8][256] = {{0}};
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][a[i].prefix >> (8 * b) & 0xff]++;
	struct ordered *from = a, *to = spare, *swap;
	for (int b = 0; b < 8; b++) {
		unsigned shift = 8u * (unsigned)b;
		if (count[b][from[0].prefix >> shift & 0xff] == n)
			continue;
		size_t at[256], sum = 0;
		for (int v = 0; v < 256; v++) {
			at[v] = sum;
			sum += count[b][v];
		}
		for (size_t i = 0; i < n; i++)
			to[at[from[i].prefix >> shift & 0xff]++] = from[i];
		swap = from, from = to, to = swap;
	}
	if (from != a)
		memcpy(a, from, n * sizeof *a);
	free(spare);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && a[j].prefix == a[i].prefix; j++)
			;
		if (j - i > 1)
			sort_ordered(a + i, j - i, false, depth);
	}
	return true;
}

/* The cells in the order of the answer (free() it); NULL when out of
 * memory. */
static struct ordered *cells_in_order(const struct cell_table *ct,
				      bool by_amount)
{
	struct ordered *order = malloc((ct->n ? ct->n : 1) * sizeof *order);
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < ct->n; i++)
		order[i] = (struct ordered){key_prefix(ct->cells[i].key),
					    &ct->cells[i]};
	int depth = 0;
	for (size_t n = ct->n; n > 1; n >>= 1)
		depth += 2;
	if (by_amount || ct->n < 64 || !sort_by_prefix(order, ct->n, depth))
		sort_ordered(order, ct->n, by_amount, depth);
	return order;
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
		district_dim_value(spec->common.where[w].dim, d, f, value,
				   sizeof value);
		if (!district_cut_matches(&spec->common.where[w], value))
			return false;
	}
	size_t len = 0;
	for (size_t b = 0; b < spec->n_by; b++) {
		district_dim_value(spec->by[b], d, f, value, sizeof value);
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

/* A member whose value is a string the plugin knows needs no escaping
 * (an amount, a code): written as it is. */
static void put_plain(struct json_text *j, const char *member, const char *text)
{
	json_text_raw(j, member);
	json_text_raw(j, "\"");
	json_text_raw(j, text);
	json_text_raw(j, "\"");
}

/* The revisions and line items that make a row, as the member "from":
 * what a figure is traced to. */
static void explain_row(const struct totals *t, const struct query_spec *spec,
			const struct dept *const *in_order, bool economic,
			const char *row_key, struct json_text *j,
			size_t *budget)
{
	char key[256], text[40];
	bool first = true;
	json_text_raw(j, "\"from\":[");
	for (size_t i = 0; i<t->n_depts && * budget> 0; i++) {
		const struct dept *d = in_order[i];
		if (!dept_passes(spec, d))
			continue;
		const struct fact *f;
		size_t cursor = 0;
		while ((f = district_next_fact(d, economic, &cursor)) != NULL &&
		       *budget > 0) {
			if (!fact_key(spec, d, f, key, sizeof key) ||
			    strcmp(key, row_key) != 0)
				continue;
			json_text_raw(j, first ? "{\"department\":"
					       : ",{\"department\":");
			first = false;
			json_text_string(j, d->code);
			json_text_raw(j, ",\"year\":");
			json_text_int(j, d->year);
			json_text_raw(j, ",\"revision\":");
			json_text_int(j, d->revision);
			if (f->function) {
				district_dim_text(DIM_FUNCTION_ITEM,
						  f->function, text,
						  sizeof text);
				put_plain(j, ",\"function\":", text);
			}
			if (f->economic) {
				district_dim_text(DIM_ECONOMIC_SECTION,
						  f->economic, text,
						  sizeof text);
				put_plain(j, ",\"economic\":", text);
			}
			json_text_raw(j, ",\"source\":");
			json_text_string(
			    j, bd_source_key((enum bd_source)f->source));
			json_text_raw(j, ",\"kind\":");
			json_text_string(
			    j, bd_column_kind((enum bd_column)f->column));
			t->host->format_amount(f->amount, spec->common.unit,
					       text, sizeof text);
			put_plain(j, ",\"amount\":", text);
			json_text_raw(j, "}");
			(*budget)--;
		}
	}
	json_text_raw(j, "],");
}

/* A row's "previous", "change" and "change_percent" against the year
 * before. */
static void put_change(const struct totals *t, const struct query_spec *spec,
		       const struct cell_table *before, const struct cell *c,
		       struct json_text *j)
{
	char text[40];
	const bd_fen *index = strmap_find(&before->index, c->key);
	bd_fen previous = index ? before->cells[*index].amount : 0;
	t->host->format_amount(previous, spec->common.unit, text, sizeof text);
	put_plain(j, "\"previous\":", text);
	t->host->format_amount(c->amount - previous, spec->common.unit, text,
			       sizeof text);
	put_plain(j, ",\"change\":", text);
	if (previous > 0) {
		/* Per mille, rounded half away from zero: exact integers. */
		__int128 pm =
		    ((__int128)(c->amount - previous) * 2000 / previous);
		long long tenths = (long long)((pm + (pm >= 0 ? 1 : -1)) / 2);
		snprintf(text, sizeof text, "%s%lld.%lld",
			 tenths < 0 ? "-" : "",
			 (tenths < 0 ? -tenths : tenths) / 10,
			 (tenths < 0 ? -tenths : tenths) % 10);
		put_plain(j, ",\"change_percent\":", text);
	}
	json_text_raw(j, ",");
}

/* A row's key, amount and departments and its closing brace, written
 * straight into the answer's buffer: appended piece by piece, they were
 * fourteen calls a row and most of a 10,000-row answer. */
void district_put_row(const struct totals *t, const enum dim *by, size_t n_by,
		      enum bd_unit unit, const char *key, size_t key_len,
		      bd_fen amount, size_t departments, struct json_text *j)
{
	/* The bound: every key byte escaped, each part's name with its
	 * quotes, colon and comma, the amount and the count with their
	 * punctuation. */
	char *out = json_text_claim(
	    j, 6 * key_len + n_by * (DISTRICT_DIM_NAME_MAX + 8) + 128);
	if (out == NULL)
		return;
	char *o = out;
#define PUT_LITERAL(s) (memcpy(o, s, sizeof s - 1), o += sizeof s - 1)
	PUT_LITERAL("\"key\":{");
	const char *part = key;
	for (size_t b = 0; b < n_by; b++) {
		size_t len = 0; /* to the next part: short, no call */
		while (part[len] != '\0' && part[len] != '\x1f')
			len++;
		const char *name = district_dim_names[by[b]];
		if (b)
			*o++ = ',';
		*o++ = '"';
		while (*name)
			*o++ = *name++;
		PUT_LITERAL("\":\"");
		o += json_escape(o, part, len);
		*o++ = '"';
		part += len + (part[len] != '\0');
	}
	PUT_LITERAL("},\"amount\":\"");
	int written = t->host->format_amount(amount, unit, o, MONEY_TEXT_MAX);
	o += written > 0 ? written : 0;
	PUT_LITERAL("\",\"departments\":");
	char digits[24];
	char *d = digits_before(digits + sizeof digits, departments);
	memcpy(o, d, (size_t)(digits + sizeof digits - d));
	o += digits + sizeof digits - d;
	*o++ = '}';
#undef PUT_LITERAL
	json_text_commit(j, (size_t)(o - out));
}

static void cell_table_free(struct cell_table *ct)
{
	for (struct key_block *b = ct->keys, *next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(ct->cells);
	strmap_free(&ct->index);
	memset(ct, 0, sizeof *ct);
}

/*
 * A cut the maintained function totals apply themselves: one function code,
 * whole at its level (201, 20103, 2010301, or a prefix of as many digits:
 * 201*), asked by a function level at least as fine.  Drilling from a 类
 * into its 款 is the console's commonest question; the scan read every
 * department's facts for it.  A total of the answer passes when its code
 * cut to the cut's level is the cut's code, and the departments are the
 * count of the cut's own maintained total (those with a line under it).
 */
struct level_cut {
	enum dim level; /* where the cut's code is whole */
	uint64_t code;	/* its value there (keys.c) */
	size_t digits;
};

static bool level_cut_of(const struct query_spec *spec, enum dim dim,
			 struct level_cut *lc)
{
	static const enum dim level_of[8] = {[3] = DIM_FUNCTION_CLASS,
					     [5] = DIM_FUNCTION_SECTION,
					     [7] = DIM_FUNCTION_ITEM};
	const struct cut *c = &spec->common.where[0];
	if (spec->common.n_where != 1 || c->n_values != 1 ||
	    !district_dim_is_function(c->dim) || !district_dim_is_function(dim))
		return false;
	const char *v = c->values[0];
	size_t n = 0;
	while (v[n] >= '0' && v[n] <= '9')
		n++;
	/* Not digits, no level's length, or longer than the codes cut:
	 * the scan says what such a cut matches. */
	if (v[n] != '\0' || n >= 8 || (n != 3 && n != 5 && n != 7) ||
	    n > district_code_digits(c->dim) || n > district_code_digits(dim))
		return false;
	*lc = (struct level_cut){.level = level_of[n],
				 .code = district_code_value(v, n),
				 .digits = n};
	return true;
}

/* The departments of a year (0: every year) with a line under a level
 * cut's code: the count of its own maintained total. */
static size_t cut_departments(const struct totals *t, int year,
			      const struct level_cut *cut)
{
	size_t n = 0;
	const struct cellmap *under = &t->aggregates[cut->level];
	for (struct cellmap_cell *c = cellmap_first(under); c;
	     c = cellmap_next(under, c))
		if ((!year || district_key_year(c->key) == year) &&
		    district_key_value(c->key) == cut->code && c->count > 0)
			n += (size_t)c->count;
	return n;
}

/*
 * Whether the totals maintained on apply answer the query: the whole
 * district (an unrestricted scope, no cut but a level cut, above), no
 * explain, and as dimensions one maintained dimension or year, with or
 * without year beside it.  *dim is that dimension (DIM_YEAR for the year
 * alone: the "total" keys), *cut the level cut if there is one
 * (cut->digits 0: no cut).
 */
static bool maintained_answers(const struct query_spec *spec, enum dim *dim,
			       struct level_cut *cut)
{
	const struct bd_scope *scope = spec->common.scope;
	if ((scope && scope->restricted) || spec->common.n_where > 1 ||
	    spec->explain || spec->n_by == 0 || spec->n_by > 2)
		return false;
	*dim = DIM_YEAR; /* by year alone */
	for (size_t b = 0; b < spec->n_by; b++) {
		if (spec->by[b] == DIM_YEAR)
			continue;
		if (*dim != DIM_YEAR)
			return false;
		*dim = spec->by[b];
	}
	*cut = (struct level_cut){0};
	if (spec->common.n_where == 1 && !level_cut_of(spec, *dim, cut))
		return false;
	if (*dim == DIM_YEAR)
		return true;
	for (size_t k = 0; k < district_n_maintained; k++)
		if (district_maintained[k] == *dim)
			return true;
	return false;
}

/* Whether each maintained total makes a row of its own: a total is of one
 * year, so its row is shared only where years merge (no year asked, none
 * among the dimensions). */
static bool rows_distinct(const enum dim *by, size_t n_by, int year)
{
	bool distinct = year != 0;
	for (size_t b = 0; b < n_by; b++)
		distinct |= by[b] == DIM_YEAR;
	return distinct;
}

/* The year as text, for a row key. */
static size_t year_text(int year, char *buf, size_t size)
{
	return district_dim_text(DIM_YEAR, district_year_code(year), buf, size);
}

/* A maintained total's row key, as the scan writes it: each dimension
 * asked, in order, as the total's year or its value there (the value of
 * dims[i] is values[i]); its length.  row has room for ROW_KEY_ROOM. */
#define ROW_KEY_ROOM 128

static size_t total_row(const enum dim *by, size_t n_by, int year,
			const enum dim dims[2], const uint64_t values[2],
			char *row)
{
	size_t len = 0;
	for (size_t b = 0; b < n_by; b++) {
		if (b)
			row[len++] = '\x1f';
		len += by[b] == DIM_YEAR
			   ? year_text(year, row + len, ROW_KEY_ROOM - len)
			   : district_dim_text(by[b],
					       by[b] == dims[0] ? values[0]
								: values[1],
					       row + len, ROW_KEY_ROOM - len);
	}
	row[len] = '\0';
	return len;
}

/* A maintained total into its row: amount and departments added.  A row
 * is distinct when no other total shares it (each year its own). */
static int add_maintained(struct cell_table *ct, const char *row, size_t len,
			  bool distinct, bd_fen amount, bd_fen departments,
			  bd_fen *grand)
{
	struct cell *c = distinct ? cell_new(ct, row, len) : cell_get(ct, row);
	if (c == NULL)
		return -ENOMEM;
	c->amount += amount;
	c->departments += (size_t)departments;
	*grand += amount;
	return 0;
}

/* The departments of a year (0: every year) with a fact: the grand
 * total's cell counts them, one cell a year. */
static size_t year_departments(const struct totals *t, int year)
{
	size_t n = 0;
	const struct cellmap *totals = &t->aggregates[DIM_YEAR];
	for (struct cellmap_cell *c = cellmap_first(totals); c;
	     c = cellmap_next(totals, c))
		if ((!year || district_key_year(c->key) == year) &&
		    c->count > 0)
			n += (size_t)c->count;
	return n;
}

/* The departments a total from the maintained totals is of: those of
 * the year with a fact (under the cut's code, when there is one). */
static size_t maintained_departments(const struct totals *t,
				     const struct query_spec *spec,
				     const struct level_cut *cut, bool economic)
{
	if (cut->digits != 0)
		return cut_departments(t, spec->common.year, cut);
	if (!economic)
		return year_departments(t, spec->common.year);
	/* Economic facts are a subset no maintained count follows. */
	size_t n = 0;
	for (size_t i = 0; i < t->n_depts; i++) {
		const struct dept *d = t->dept_list[i];
		size_t cursor = 0;
		n += dept_passes(spec, d) &&
		     district_next_fact(d, economic, &cursor) != NULL;
	}
	return n;
}

/* The cells of a query the maintained totals answer: O(cells), without
 * touching a fact; the same cells, amounts and counts as the scan. */
static int aggregate_maintained(const struct totals *t,
				const struct query_spec *spec, enum dim dim,
				const struct level_cut *cut, bool economic,
				struct cell_table *ct, bd_fen *grand,
				size_t *departments)
{
	const struct cellmap *cells = &t->aggregates[dim];
	bool distinct = rows_distinct(spec->by, spec->n_by, spec->common.year);
	const enum dim dims[2] = {dim, DIM_COUNT};
	int rc = 0;
	*grand = 0;
	for (struct cellmap_cell *c = cellmap_first(cells); c && rc == 0;
	     c = cellmap_next(cells, c)) {
		int year = district_key_year(c->key);
		uint64_t value = district_key_value(c->key);
		/* A key no department has any more: the scan would not see
		 * it. */
		if ((spec->common.year && year != spec->common.year) ||
		    c->count <= 0)
			continue;
		if (cut->digits != 0 &&
		    district_code_level(value, cut->digits) != cut->code)
			continue;
		char row[ROW_KEY_ROOM];
		size_t len = total_row(spec->by, spec->n_by, year, dims,
				       (const uint64_t[2]){value, 0}, row);
		rc = add_maintained(ct, row, len, distinct, c->amount, c->count,
				    grand);
	}
	*departments = maintained_departments(t, spec, cut, economic);
	return rc;
}

/* A question one maintained pair answers: its two dimensions in either
 * order, with or without year, of the whole district or under one code of
 * its function (a level cut).  (With a 主管部门's cut, reading every key of
 * the pair costs more than scanning the few departments the cut leaves:
 * measured 0.74 against 0.40 ms.) */
struct pair_question {
	const struct district_pair *pair;
	enum dim by[MAX_BY];
	size_t n_by;
	int year; /* 0: every year */
	struct level_cut cut;
};

static bool pair_answers(const struct query_spec *spec,
			 struct pair_question *pq)
{
	const struct bd_scope *scope = spec->common.scope;
	if ((scope && scope->restricted) || spec->explain ||
	    spec->common.n_where > 1)
		return false;
	enum dim dims[2];
	size_t n = 0;
	bool year = false;
	for (size_t b = 0; b < spec->n_by; b++) {
		if (spec->by[b] == DIM_YEAR && !year)
			year = true;
		else if (n < 2)
			dims[n++] = spec->by[b];
		else
			return false;
	}
	if (n != 2)
		return false;
	for (size_t p = 0; p < DISTRICT_N_PAIRS; p++) {
		const struct district_pair *pair = &district_pairs[p];
		if (!((pair->first == dims[0] && pair->second == dims[1]) ||
		      (pair->first == dims[1] && pair->second == dims[0])))
			continue;
		*pq = (struct pair_question){.pair = pair,
					     .n_by = spec->n_by,
					     .year = spec->common.year};
		memcpy(pq->by, spec->by, spec->n_by * sizeof *spec->by);
		enum dim function = district_dim_is_function(pair->first)
					? pair->first
					: pair->second;
		return spec->common.n_where == 0 ||
		       level_cut_of(spec, function, &pq->cut);
	}
	return false;
}

/* The cells of a question a maintained pair answers: O(its cells). */
static int aggregate_pair(const struct totals *t,
			  const struct pair_question *pq, struct cell_table *ct,
			  bd_fen *grand, size_t *departments)
{
	const struct district_pair *pair = pq->pair;
	const struct cellmap *cells =
	    &t->pair_aggregates[pq->pair - district_pairs];
	bool distinct = rows_distinct(pq->by, pq->n_by, pq->year);
	const enum dim dims[2] = {pair->first, pair->second};
	int rc = 0;
	*grand = 0;
	for (struct cellmap_cell *c = cellmap_first(cells); c && rc == 0;
	     c = cellmap_next(cells, c)) {
		int year = district_key_year(c->key);
		if ((pq->year && year != pq->year) || c->count <= 0)
			continue;
		uint64_t values[2];
		district_pair_split(pair, district_key_value(c->key),
				    &values[0], &values[1]);
		if (pq->cut.digits != 0 &&
		    district_code_level(
			values[district_dim_is_function(pair->first) ? 0 : 1],
			pq->cut.digits) != pq->cut.code)
			continue;
		char row[ROW_KEY_ROOM];
		size_t len =
		    total_row(pq->by, pq->n_by, year, dims, values, row);
		rc = add_maintained(ct, row, len, distinct, c->amount, c->count,
				    grand);
	}
	*departments = pq->cut.digits != 0
			   ? cut_departments(t, pq->year, &pq->cut)
			   : year_departments(t, pq->year);
	return rc;
}

/*
 * The scan, in integers: a fact's value in a dimension is its code
 * (keys.c); a cut is decided once per distinct code and remembered; a row
 * is the codes of its dimensions packed into 64 bits, and becomes text
 * once per row at the end.  Where the dimensions do not fit 64 bits the
 * scan keys rows by their text instead (scan_fact without a scan).
 */
struct scan_row {
	uint64_t codes;
	bd_fen amount;
	size_t departments;
	const struct dept *last_dept; /* to count each department once */
};

struct scan {
	struct cellmap rows; /* packed codes → index into row (as amount) */
	struct scan_row *row;
	size_t n, cap;
	struct cellmap verdicts[DISTRICT_MAX_WHERE]; /* code → 1 in, 2 out */
	unsigned shift[MAX_BY];
	/* The row the last fact went to: a line's cells, and often the
	 * lines after it, go to the same row, found without the map. */
	uint64_t last_codes;
	size_t last_row; /* n: none yet */
};

/* Whether a fact's code passes a cut: its text matched once, then
 * remembered (out of memory, it is matched again next time). */
static bool scan_cut(struct cellmap *verdicts, const struct cut *c,
		     uint64_t code)
{
	const struct cellmap_cell *known = cellmap_find(verdicts, code);
	if (known != NULL)
		return known->count == 1;
	char text[32];
	district_dim_text(c->dim, code, text, sizeof text);
	bool in = district_cut_matches(c, text);
	struct cellmap_cell *verdict = cellmap_get(verdicts, code);
	if (verdict != NULL)
		verdict->count = in ? 1 : 2;
	return in;
}

static void scan_free(struct scan *sc)
{
	cellmap_free(&sc->rows);
	for (size_t w = 0; w < DISTRICT_MAX_WHERE; w++)
		cellmap_free(&sc->verdicts[w]);
	free(sc->row);
}

/* Whether the query's dimensions pack into 64 bits (the key's top value is
 * never reached, so no row's codes are CELLMAP_EMPTY). */
static bool scan_packs(const struct query_spec *spec, struct scan *sc)
{
	unsigned bits = 0;
	for (size_t b = spec->n_by; b-- > 0;) {
		sc->shift[b] = bits;
		bits += district_value_bits(spec->by[b]);
	}
	return bits <= 63;
}

/* The index of the row of codes, made when it is new; -ENOMEM. */
static int scan_row_of(struct scan *sc, uint64_t codes, size_t *row)
{
	struct cellmap_cell *index = cellmap_get(&sc->rows, codes);
	if (index == NULL)
		return -ENOMEM;
	if (index->count == 0) { /* a new row */
		if (GROW(sc->row, sc->cap, sc->n + 1, 64) < 0)
			return -ENOMEM;
		index->count = 1;
		index->amount = (bd_fen)sc->n;
		sc->row[sc->n++] = (struct scan_row){.codes = codes};
	}
	*row = (size_t)index->amount;
	return 0;
}

static int scan_add(struct scan *sc, uint64_t codes, const struct dept *d,
		    bd_fen amount)
{
	if (sc->last_row >= sc->n || codes != sc->last_codes) {
		if (scan_row_of(sc, codes, &sc->last_row) < 0)
			return -ENOMEM;
		sc->last_codes = codes;
	}
	struct scan_row *r = &sc->row[sc->last_row];
	r->amount += amount;
	if (r->last_dept != d) {
		r->departments++;
		r->last_dept = d;
	}
	return 0;
}

/* The rows of the scan as text, into the cell table. */
static int scan_rows(const struct query_spec *spec, const struct scan *sc,
		     struct cell_table *ct)
{
	for (size_t i = 0; i < sc->n; i++) {
		const struct scan_row *r = &sc->row[i];
		char key[256];
		size_t len = 0;
		for (size_t b = 0; b < spec->n_by; b++) {
			enum dim d = spec->by[b];
			uint64_t mask =
			    (UINT64_C(1) << district_value_bits(d)) - 1;
			if (b)
				key[len++] = '\x1f';
			len += district_dim_text(
			    d, r->codes >> sc->shift[b] & mask, key + len,
			    sizeof key - len);
		}
		key[len] = '\0';
		/* Rows of distinct codes have distinct text. */
		struct cell *c = cell_new(ct, key, len);
		if (c == NULL)
			return -ENOMEM;
		c->amount += r->amount;
		c->departments += r->departments;
	}
	return 0;
}

/* Whether a fact passes the cuts that are not departmental. */
static bool scan_passes(const struct query_spec *spec, struct scan *sc,
			const struct dept *d, const struct fact *f)
{
	for (size_t w = 0; w < spec->common.n_where; w++) {
		const struct cut *c = &spec->common.where[w];
		if (!district_dim_is_departmental(c->dim) &&
		    !scan_cut(&sc->verdicts[w], c,
			      district_dim_code(c->dim, d, f)))
			return false;
	}
	return true;
}

/* A fact into its row: by its packed codes (sc), or where the dimensions
 * do not pack, by its text into the cell table; 1 when it passed the
 * cuts, 0 when not, -ENOMEM. */
static int scan_fact(const struct query_spec *spec, struct scan *sc,
		     struct cell_table *ct, const struct dept *d,
		     const struct fact *f)
{
	if (sc != NULL) {
		if (!scan_passes(spec, sc, d, f))
			return 0;
		uint64_t codes = 0;
		for (size_t b = 0; b < spec->n_by; b++)
			codes |= district_dim_code(spec->by[b], d, f)
				 << sc->shift[b];
		return scan_add(sc, codes, d, f->amount) < 0 ? -ENOMEM : 1;
	}
	char key[256];
	if (!fact_key(spec, d, f, key, sizeof key))
		return 0;
	struct cell *c = cell_get(ct, key);
	if (c == NULL)
		return -ENOMEM;
	c->amount += f->amount;
	if (c->last_dept != d) {
		c->departments++;
		c->last_dept = d;
	}
	return 1;
}

static int compare_positions(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The only departments a query can take, when it names its 主管部门s
 * exactly: their positions in dept_list, ascending (free() it), and
 * their number in *n.  NULL with *n 0 when out of memory; NULL with *n
 * SIZE_MAX when every department must be read (no such cut, a prefix). */
static size_t *parent_candidates(const struct totals *t,
				 const struct query_spec *spec, size_t *n)
{
	const struct cut *cut = NULL;
	*n = SIZE_MAX;
	for (size_t w = 0; w < spec->common.n_where; w++)
		if (spec->common.where[w].dim == DIM_PARENT)
			cut = &spec->common.where[w];
	if (cut == NULL)
		return NULL;
	size_t total = 0;
	const size_t *depts;
	for (size_t v = 0; v < cut->n_values; v++) {
		if (cut->prefix[v])
			return NULL;
		total += district_parents_find(t, cut->values[v], &depts);
	}
	size_t *out = malloc((total ? total : 1) * sizeof *out);
	if (out == NULL) {
		*n = 0;
		return NULL;
	}
	*n = 0;
	for (size_t v = 0; v < cut->n_values; v++) {
		size_t k = district_parents_find(t, cut->values[v], &depts);
		for (size_t i = 0; i < k; i++)
			out[(*n)++] = depts[i];
	}
	/* A full scan's order, so that rows come out the same. */
	qsort(out, *n, sizeof *out, compare_positions);
	return out;
}

/* Fact function values [lo, hi] a cut on a function can take. */
struct function_range {
	uint64_t lo, hi;
};

static int compare_ranges(const void *a, const void *b)
{
	const struct function_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The ranges of function values outside which no fact passes the query's
 * cut on a function dimension, merged and ascending; -1 when there is no
 * such cut (every fact is read).  Facts of a code shorter than a 项
 * (values below DISTRICT_ITEM_BASE) are always in: the cut decides them.
 */
static int function_ranges(const struct query_spec *spec,
			   struct function_range out[DISTRICT_MAX_VALUES + 1])
{
	const struct cut *cut = NULL;
	for (size_t w = 0; w < spec->common.n_where && cut == NULL; w++) {
		enum dim d = spec->common.where[w].dim;
		if (district_code_digits(d) && !district_dim_is_economic(d))
			cut = &spec->common.where[w];
	}
	if (cut == NULL)
		return -1;
	size_t digits = district_code_digits(cut->dim);
	int n = 0;
	out[n++] = (struct function_range){0, DISTRICT_ITEM_BASE - 1};
	for (size_t v = 0; v < cut->n_values; v++) {
		const char *text = cut->values[v];
		size_t len = strspn(text, "0123456789");
		if (text[len] != '\0' || len == 0 || len > 7)
			return -1; /* not a code: read everything */
		if (!cut->prefix[v] && len != digits)
			continue; /* matches nothing */
		uint64_t value = 0, scale = 1;
		for (size_t i = 0; i < len; i++)
			value = value * 10 + (uint64_t)(text[i] - '0');
		for (size_t i = len; i < 7; i++)
			scale *= 10;
		out[n].lo = DISTRICT_ITEM_BASE + value * scale;
		out[n].hi = out[n].lo + scale - 1;
		n++;
	}
	qsort(out, (size_t)n, sizeof *out, compare_ranges);
	int merged = 0;
	for (int i = 1; i < n; i++) {
		if (out[i].lo <= out[merged].hi + 1) {
			if (out[i].hi > out[merged].hi)
				out[merged].hi = out[i].hi;
		} else {
			out[++merged] = out[i];
		}
	}
	return merged + 1;
}

/* The k-th of d's facts in function order. */
static const struct fact *by_function(const struct dept *d, size_t k)
{
	return &d->facts[d->by_function ? d->by_function[k] : k];
}

/* The first position in function order whose fact's function is >= lo. */
static size_t first_at_least(const struct dept *d, uint64_t lo)
{
	size_t a = 0, b = d->n_facts;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (by_function(d, m)->function < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* The facts of d a query reads: through its function ranges where it has
 * them (n_ranges >= 0) and d's facts have a function order, else all. */
struct fact_walk {
	const struct function_range *ranges;
	int n_ranges; /* -1: every fact */
	int range;
	bool positioned; /* at is in ranges[range] */
	size_t at, cursor;
};

static const struct fact *walk_next(const struct dept *d, bool economic,
				    struct fact_walk *w)
{
	if (w->n_ranges < 0 || economic ||
	    (d->by_function == NULL && !d->in_function_order))
		return district_next_fact(d, economic, &w->cursor);
	while (w->range < w->n_ranges) {
		const struct function_range *r = &w->ranges[w->range];
		if (!w->positioned) {
			w->at = first_at_least(d, r->lo);
			w->positioned = true;
		}
		if (w->at < d->n_facts &&
		    by_function(d, w->at)->function <= r->hi)
			return by_function(d, w->at++);
		w->range++;
		w->positioned = false;
	}
	return NULL;
}

static int scan_facts(const struct totals *t, const struct query_spec *spec,
		      bool economic, struct scan *sc, struct cell_table *ct,
		      bd_fen *grand, size_t *departments)
{
	struct function_range ranges[DISTRICT_MAX_VALUES + 1];
	int n_ranges = function_ranges(spec, ranges);
	size_t n_candidates;
	size_t *candidates = parent_candidates(t, spec, &n_candidates);
	if (candidates == NULL && n_candidates == 0)
		return -ENOMEM;
	size_t n = candidates ? n_candidates : t->n_depts;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct dept *d =
		    t->dept_list[candidates ? candidates[k] : k];
		if (!dept_passes(spec, d))
			continue;
		const struct fact *f;
		struct fact_walk walk = {.ranges = ranges,
					 .n_ranges = n_ranges};
		bool counted = false;
		while ((f = walk_next(d, economic, &walk)) != NULL) {
			int passed = scan_fact(spec, sc, ct, d, f);
			if (passed < 0) {
				rc = passed;
				break;
			}
			if (passed == 0)
				continue;
			*grand += f->amount;
			if (!counted) {
				(*departments)++;
				counted = true;
			}
		}
	}
	free(candidates);
	return rc;
}

/* Sums the facts that pass into cells; *grand is their total and
 * *departments how many departments contributed. */
static int aggregate(const struct totals *t, const struct query_spec *spec,
		     bool economic, struct cell_table *ct, bd_fen *grand,
		     size_t *departments)
{
	enum dim dim;
	struct level_cut cut;
	struct pair_question pq;
	if (maintained_answers(spec, &dim, &cut))
		return aggregate_maintained(t, spec, dim, &cut, economic, ct,
					    grand, departments);
	if (!economic && pair_answers(spec, &pq))
		return aggregate_pair(t, &pq, ct, grand, departments);
	*departments = 0;
	struct scan sc = {0};
	if (!scan_packs(spec, &sc))
		return scan_facts(t, spec, economic, NULL, ct, grand,
				  departments);
	int rc = cellmap_init(&sc.rows);
	for (size_t w = 0; w < spec->common.n_where && rc == 0; w++)
		rc = cellmap_init(&sc.verdicts[w]);
	if (rc == 0)
		rc = scan_facts(t, spec, economic, &sc, ct, grand, departments);
	if (rc == 0)
		rc = scan_rows(spec, &sc, ct);
	scan_free(&sc);
	return rc;
}

/* Whether the answer's rows are kept rendered (rendered.c): one
 * maintained dimension of one year, in key order, for the whole district
 * without a cut or the year before. */
static bool rendered_answers(const struct query_spec *spec, enum dim *dim)
{
	struct level_cut cut;
	return spec->n_by == 1 && spec->by[0] != DIM_YEAR &&
	       spec->common.year != 0 && !spec->change &&
	       !spec->sort_by_amount && maintained_answers(spec, dim, &cut) &&
	       cut.digits == 0;
}

/* The totals an answer reports beside its rows. */
struct answer_sums {
	size_t row_count, departments, departments_before;
	bd_fen grand, grand_before;
	bool explain_truncated;
};

/* The reply: the rows (written as JSON text, not built as 10,000 cJSON
 * objects to be printed and freed: the host prints a raw member as it is)
 * and the members around them, in the order they have always come. */
static int put_reply(const struct totals *t, struct bd_query *q,
		     const struct query_spec *spec, struct json_text *rows,
		     const struct answer_sums *sums)
{
	cJSON *rows_item = rows->failed ? NULL : cJSON_CreateRaw(rows->buf);
	json_text_free(rows);
	if (rows_item == NULL)
		return -ENOMEM;
	cJSON *reply = t->host->query_reply(q);
	char text[40];
	cJSON_AddStringToObject(reply, "unit",
				money_unit_name(spec->common.unit));
	if (spec->common.year)
		cJSON_AddNumberToObject(reply, "year", spec->common.year);
	cJSON *by = cJSON_AddArrayToObject(reply, "by");
	for (size_t b = 0; b < spec->n_by; b++)
		cJSON_AddItemToArray(
		    by, cJSON_CreateString(district_dim_names[spec->by[b]]));
	cJSON_AddItemToObject(reply, "rows", rows_item);
	cJSON_AddNumberToObject(reply, "row_count", (double)sums->row_count);
	/* How many departments the total is of: a change between years
	 * with different departments is not like with like. */
	cJSON_AddNumberToObject(reply, "departments",
				(double)sums->departments);
	if (sums->explain_truncated)
		cJSON_AddTrueToObject(reply, "explain_truncated");
	if (spec->change) {
		t->host->format_amount(sums->grand_before, spec->common.unit,
				       text, sizeof text);
		cJSON_AddStringToObject(reply, "previous_total", text);
		cJSON_AddNumberToObject(reply, "previous_departments",
					(double)sums->departments_before);
	}
	t->host->format_amount(sums->grand, spec->common.unit, text,
			       sizeof text);
	cJSON_AddStringToObject(reply, "total", text);
	return 0;
}

static int answer_rendered(struct totals *t, struct bd_query *q,
			   const struct query_spec *spec, enum dim dim,
			   bool economic)
{
	struct json_text rows = {0};
	struct answer_sums sums = {0};
	int rc = district_rendered_rows(
	    t, dim, spec->common.year, spec->common.unit, spec->offset,
	    spec->limit, &rows, &sums.grand, &sums.row_count);
	if (rc < 0) {
		json_text_free(&rows);
		return rc;
	}
	const struct level_cut no_cut = {0};
	sums.departments = maintained_departments(t, spec, &no_cut, economic);
	return put_reply(t, q, spec, &rows, &sums);
}

int district_totals(void *state, const struct bd_scope *scope,
		    struct bd_query *q)
{
	struct totals *t = state;
	struct query_spec spec;
	struct cell_table ct = {0}, before = {0};
	struct ordered *order = NULL;
	const struct dept **in_order = NULL;
	struct answer_sums sums = {0};
	int rc;

	if (parse_query(t, scope, q, &spec) < 0)
		return -EINVAL;
	bool economic = false;
	for (size_t b = 0; b < spec.n_by; b++)
		economic |= district_dim_is_economic(spec.by[b]);
	for (size_t w = 0; w < spec.common.n_where; w++)
		economic |= district_dim_is_economic(spec.common.where[w].dim);
	enum dim dim;
	if (rendered_answers(&spec, &dim))
		return answer_rendered(t, q, &spec, dim, economic);

	if (strmap_init(&ct.index) < 0)
		return -ENOMEM;
	ct.read_in_order = true; /* only before is looked up, by put_change */
	rc = aggregate(t, &spec, economic, &ct, &sums.grand, &sums.departments);
	if (rc < 0)
		goto out;
	if (spec.change) {
		struct query_spec previous = spec;
		previous.common.year = spec.common.year - 1;
		if (strmap_init(&before.index) < 0)
			rc = -ENOMEM;
		else
			rc = aggregate(t, &previous, economic, &before,
				       &sums.grand_before,
				       &sums.departments_before);
		if (rc < 0)
			goto out;
	}

	rc = -ENOMEM; /* from here on, only memory can fail */
	if ((order = cells_in_order(&ct, spec.sort_by_amount)) == NULL)
		goto out;
	/* Explain lists a row's items by year and department, whatever
	 * order the departments were applied in (a rebuild's is any). */
	if (spec.explain && t->n_depts > 0) {
		in_order = malloc(t->n_depts * sizeof *in_order);
		if (in_order == NULL)
			goto out;
		memcpy(in_order, t->dept_list, t->n_depts * sizeof *in_order);
		qsort(in_order, t->n_depts, sizeof *in_order,
		      compare_departments);
	}
	struct json_text rows = {0};
	/* About a row's length, so that 700 KB of rows are not copied as
	 * the buffer doubles. */
	size_t to_show =
	    ct.n > (size_t)spec.offset ? ct.n - (size_t)spec.offset : 0;
	if (spec.limit >= 0 && to_show > (size_t)spec.limit)
		to_show = (size_t)spec.limit;
	json_text_reserve(&rows, to_show * (48 + 40 * spec.n_by));
	json_text_raw(&rows, "[");
	long shown = 0;
	size_t explain_budget = EXPLAIN_MAX;
	for (size_t i = (size_t)spec.offset; i < ct.n; i++) {
		if (spec.limit >= 0 && shown >= spec.limit)
			break;
		struct cell *c = order[i].cell;
		json_text_raw(&rows, shown ? ",{" : "{");
		if (spec.explain)
			explain_row(t, &spec, in_order, economic, c->key, &rows,
				    &explain_budget);
		if (spec.change)
			put_change(t, &spec, &before, c, &rows);
		district_put_row(t, spec.by, spec.n_by, spec.common.unit,
				 c->key, c->key_len, c->amount, c->departments,
				 &rows);
		shown++;
	}
	json_text_raw(&rows, "]");
	sums.row_count = ct.n;
	sums.explain_truncated = spec.explain && explain_budget == 0;
	rc = put_reply(t, q, &spec, &rows, &sums);
out:
	free(in_order);
	free(order);
	cell_table_free(&before);
	cell_table_free(&ct);
	return rc;
}
