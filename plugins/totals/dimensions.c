/* The dimensions of the district (function 类/款/项, economic 类/款,
 * source, kind, department, 主管部门, year): their names, a fact's value in
 * each, and the cuts and scope every query filters departments by. */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "money.h"
#include "strmap.h"

const char *const district_dim_names[DIM_COUNT] = {
    "function:class", "function:section", "function:item",
    "economic:class", "economic:section", "source",
    "kind",	      "department",	  "parent",
    "year",
};

/* Dimensions whose single-dimension totals are district_maintained and
 * notified. */
const enum dim district_maintained[] = {
    DIM_FUNCTION_CLASS, DIM_FUNCTION_SECTION, DIM_FUNCTION_ITEM,
    DIM_ECONOMIC_CLASS, DIM_ECONOMIC_SECTION, DIM_SOURCE,
    DIM_KIND,		DIM_DEPARTMENT,	      DIM_PARENT,
};
const size_t district_n_maintained =
    sizeof district_maintained / sizeof district_maintained[0];

/* The pairs asked for together: the 主管部门s by function 类 and the
 * functions by kind (the console's overview, budgetctl's rollup).  Each
 * costs every apply a pass over the department's facts; measured with
 * callgrind on 60-line submissions, these two and the compact registry
 * together add 0.12 M instructions a submission (3.25 → 3.37 M), while
 * adding 主管部门 × 款 and × 项 cost 0.50 M more (3.87 M), so only these
 * two.  A 主管部门's own cut is answered faster by scanning its
 * departments (0.40 ms) than by reading a pair's keys (0.74 ms). */
const struct district_pair district_pairs[DISTRICT_N_PAIRS] = {
    {DIM_PARENT, DIM_FUNCTION_CLASS, "parent*function:class"},
    {DIM_FUNCTION_CLASS, DIM_KIND, "function:class*kind"},
    {DIM_FUNCTION_ITEM, DIM_SOURCE, "function:item*source"},
};

const char *district_total_name(enum dim d)
{
	return d == DIM_YEAR ? "total" : district_dim_names[d];
}

bool district_dim_is_economic(enum dim d)
{
	return d == DIM_ECONOMIC_CLASS || d == DIM_ECONOMIC_SECTION;
}

bool district_dim_is_function(enum dim d)
{
	return d == DIM_FUNCTION_CLASS || d == DIM_FUNCTION_SECTION ||
	       d == DIM_FUNCTION_ITEM;
}

int district_dim_from_name(const char *name, size_t len)
{
	for (int i = 0; i < DIM_COUNT; i++)
		if (strlen(district_dim_names[i]) == len &&
		    strncmp(district_dim_names[i], name, len) == 0)
			return i;
	/* Shorthands: "function" is the 项 code, "economic" its 类. */
	if (len == 8 && strncmp(name, "function", 8) == 0)
		return DIM_FUNCTION_ITEM;
	if (len == 8 && strncmp(name, "economic", 8) == 0)
		return DIM_ECONOMIC_CLASS;
	return -1;
}

/* Writes the value of a fact along a dimension: the text of its integer
 * code (keys.c). */
void district_dim_value(enum dim d, const struct dept *dep,
			const struct fact *f, char *buf, size_t size)
{
	district_dim_text(d, district_dim_code(d, dep, f), buf, size);
}

/* Dimensions that are the same for every fact of a department. */
bool district_dim_is_departmental(enum dim d)
{
	return d == DIM_DEPARTMENT || d == DIM_PARENT || d == DIM_YEAR;
}

bool district_cut_matches(const struct cut *c, const char *value)
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
/* The digits of a whole code in each coded dimension. */
static const size_t code_digits[DIM_COUNT] = {
    [DIM_FUNCTION_CLASS] = 3,	[DIM_FUNCTION_SECTION] = 5,
    [DIM_FUNCTION_ITEM] = 7,	[DIM_ECONOMIC_CLASS] = 3,
    [DIM_ECONOMIC_SECTION] = 5,
};

size_t district_code_digits(enum dim d)
{
	return code_digits[d];
}

/* A code of the wrong length can match nothing: say what was meant. */
static int wrong_length(struct totals *t, struct bd_query *q, enum dim d,
			const char *value, size_t n)
{
	bool economic = d == DIM_ECONOMIC_CLASS || d == DIM_ECONOMIC_SECTION;
	const char *level = n == 3 ? "class" : n == 5 ? "section" : NULL;
	if (level != NULL)
		return t->host->query_error(
		    q, "bad_request",
		    "%s has %zu-digit codes, so \"%s\" matches nothing: for "
		    "the %s write %s:%s:%s, or %s:%s* for every code under it",
		    district_dim_names[d], code_digits[d], value,
		    n == 3 ? "类" : "款", economic ? "economic" : "function",
		    level, value, district_dim_names[d], value);
	return t->host->query_error(
	    q, "bad_request",
	    "%s has %zu-digit codes, so \"%s\" matches nothing (a prefix "
	    "ends in *)",
	    district_dim_names[d], code_digits[d], value);
}

static int parse_cut(struct totals *t, struct bd_query *q, const char *text,
		     struct cut *c)
{
	const char *colon = strrchr(text, ':');
	/* "function:class:201" → dim "function:class"; "source:x" → "source".
	 */
	int d =
	    colon ? district_dim_from_name(text, (size_t)(colon - text)) : -1;
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
		if (code_digits[d] && !prefix && n != code_digits[d])
			return wrong_length(t, q, (enum dim)d, v, n);
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
		if (money_unit_parse(cJSON_GetStringValue(u), unit) < 0)
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
		district_dim_value(cut->dim, d, NULL, value, sizeof value);
		if (!district_cut_matches(cut, value))
			return false;
	}
	return true;
}
