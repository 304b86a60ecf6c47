/* The 三公 totals and the project lists of the district. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "district.h"
#include "grow.h"
#include "money.h"
#include "strmap.h"

/* A function's code (keys.c) with room for three columns below it: the
 * key of its project spending in a cellmap. */
static uint64_t function_key(const char *function)
{
	return district_code_value(function, 7) * 4;
}

/* Each function's project spending by column (operating, targeted,
 * unsplit), summed once: looking each project's function up in the lines
 * would cost projects × lines. */
static int sum_project_spending(const struct bd_submission *s,
				struct cellmap *by_function)
{
	static const enum bd_column cols[3] = {
	    BD_COL_OPERATING, BD_COL_TARGETED, BD_COL_PROJECT_UNSPLIT};
	for (size_t i = 0; i < s->n_lines; i++)
		for (int c = 0; c < 3; c++) {
			bd_fen v = s->lines[i].column[cols[c]];
			if (v != 0 &&
			    cellmap_add(by_function,
					function_key(s->lines[i].function) +
					    (uint64_t)c,
					v) < 0)
				return -ENOMEM;
		}
	return 0;
}

static bd_fen spent(const struct cellmap *by_function, uint64_t key)
{
	const struct cellmap_cell *c = cellmap_find(by_function, key);
	return c ? c->amount : 0;
}

/* A project that does not state its kind has the kind its function's
 * lines carry, when they carry project spending of one kind only. */
static enum bd_project_kind kind_of_lines(const struct cellmap *by_function,
					  const char *function)
{
	if (function[0] == '\0')
		return BD_PROJECT_KIND_UNSPECIFIED;
	uint64_t key = function_key(function);
	bd_fen operating = spent(by_function, key),
	       targeted = spent(by_function, key + 1),
	       unsplit = spent(by_function, key + 2);
	if (unsplit != 0 || (operating != 0) == (targeted != 0))
		return BD_PROJECT_KIND_UNSPECIFIED;
	return operating != 0 ? BD_PROJECT_KIND_OPERATING
			      : BD_PROJECT_KIND_TARGETED;
}

int lists_capture(struct dept *d, const struct bd_submission *s)
{
	const struct bd_three_public *t = &s->three_public;
	d->has_three_public = t->present;
	if (t->present) {
		d->three_public[0] = t->overseas.fen;
		d->three_public[1] = t->vehicle_purchase.fen;
		d->three_public[2] = t->vehicle_operation.fen;
		d->three_public[3] = t->reception.fen;
		/* A table printed without its total: the parts are the total.
		 */
		d->three_public[4] =
		    t->total.present
			? t->total.fen
			: t->overseas.fen + t->vehicle_purchase.fen +
			      t->vehicle_operation.fen + t->reception.fen;
	}
	if (s->n_projects == 0)
		return 0;
	d->projects = calloc(s->n_projects, sizeof *d->projects);
	if (d->projects == NULL)
		return -ENOMEM;
	/* Summed only when a project leaves its kind to its lines. */
	struct cellmap by_function = {0};
	int rc = 0;
	for (size_t i = 0; i < s->n_projects && rc == 0; i++) {
		const struct bd_project *p = &s->projects[i];
		struct dept_project *dp = &d->projects[d->n_projects++];
		dp->code = strdup(p->code ? p->code : "");
		dp->name = strdup(p->name ? p->name : "");
		if (dp->code == NULL || dp->name == NULL) {
			rc = -ENOMEM;
			break;
		}
		memcpy(dp->function, p->function, sizeof dp->function);
		dp->kind = p->kind;
		if (dp->kind == BD_PROJECT_KIND_UNSPECIFIED) {
			if (by_function.cells == NULL &&
			    (cellmap_init(&by_function) < 0 ||
			     sum_project_spending(s, &by_function) < 0)) {
				rc = -ENOMEM;
				break;
			}
			dp->kind = kind_of_lines(&by_function, p->function);
		}
		bd_fen total = p->total.fen;
		if (!p->total.present)
			for (int k = 0; k < BD_SOURCE_COUNT; k++)
				total += p->sources[k];
		dp->total = total;
	}
	cellmap_free(&by_function);
	return rc;
}

void lists_release(struct dept *d)
{
	for (size_t i = 0; i < d->n_projects; i++) {
		free(d->projects[i].code);
		free(d->projects[i].name);
	}
	free(d->projects);
	d->projects = NULL;
	d->n_projects = 0;
}

/* The filters of the list queries: the district's common parameters
 * (cuts, year, unit) and the lists' own department/parent/function/kind. */
struct filter {
	struct district_filter common;
	const char *department, *parent, *function, *kind;
};

static int read_filter(struct totals *t, const struct bd_scope *scope,
		       struct bd_query *q, struct filter *f)
{
	const cJSON *req = t->host->query_request(q);
	memset(f, 0, sizeof *f);
	if (district_read_common(t, q, scope, &f->common) < 0)
		return -EINVAL;
	/* Lists are of departments' tables: only departmental cuts apply. */
	for (size_t i = 0; i < f->common.n_where; i++)
		if (!district_dim_is_departmental(f->common.where[i].dim))
			return t->host->query_error(
			    q, "bad_request",
			    "this list takes cuts on department, parent and "
			    "year only");
	const char *keys[] = {"department", "parent", "function", "kind"};
	const char **fields[] = {&f->department, &f->parent, &f->function,
				 &f->kind};
	for (size_t i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, keys[i]);
		if (v == NULL)
			continue;
		if (!cJSON_IsString(v))
			return t->host->query_error(q, "bad_request",
						    "\"%s\" must be a string",
						    keys[i]);
		*fields[i] = v->valuestring;
	}
	return 0;
}

static bool dept_selected(const struct filter *f, const struct dept *d)
{
	return district_dept_passes(&f->common, d) &&
	       (!f->department || strcmp(f->department, d->code) == 0) &&
	       (!f->parent || strcmp(f->parent, d->parent) == 0);
}

static void add_amount(struct totals *t, cJSON *o, const char *key, bd_fen fen,
		       enum bd_unit unit)
{
	char text[40];
	t->host->format_amount(fen, unit, text, sizeof text);
	cJSON_AddStringToObject(o, key, text);
}

struct three_public_row {
	char key[32]; /* year|group key */
	bd_fen sum[5];
	size_t departments;
};

static int compare_three_public_rows(const void *a, const void *b)
{
	const struct three_public_row *x = a, *y = b;
	return strcmp(x->key, y->key);
}

int lists_three_public(struct totals *t, const struct bd_scope *scope,
		       struct bd_query *q)
{
	static const char *const parts[] = {"overseas", "vehicle_purchase",
					    "vehicle_operation", "reception",
					    "total"};
	struct filter f;
	if (read_filter(t, scope, q, &f) < 0)
		return -EINVAL;
	const cJSON *by =
	    cJSON_GetObjectItemCaseSensitive(t->host->query_request(q), "by");
	const char *group = cJSON_IsString(by) ? by->valuestring : "year";
	if (strcmp(group, "year") && strcmp(group, "department") &&
	    strcmp(group, "parent"))
		return t->host->query_error(
		    q, "bad_request",
		    "\"by\" must be year, department or parent");
	/* Rows by (year, group key): by department there is a row for
	 * each, so each key is found through an index (a linear search was
	 * 0.15 s at 10,000 departments). */
	struct three_public_row *rows = NULL;
	size_t n = 0, cap = 0;
	struct strmap row_of = {0};
	if (strmap_init(&row_of) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_depts; i++) {
		const struct dept *d = t->dept_list[i];
		if (!d->has_three_public || !dept_selected(&f, d))
			continue;
		char key[32];
		snprintf(key, sizeof key, "%d|%s", d->year,
			 group[0] == 'y'   ? ""
			 : group[0] == 'd' ? d->code
					   : d->parent);
		const bd_fen *known = strmap_find(&row_of, key);
		size_t k = known ? (size_t)*known : n;
		if (k == n) {
			if (GROW(rows, cap, n + 1, 64) < 0 ||
			    strmap_set(&row_of, key, (bd_fen)n) < 0) {
				free(rows);
				strmap_free(&row_of);
				return -ENOMEM;
			}
			memset(&rows[n], 0, sizeof rows[n]);
			snprintf(rows[n].key, sizeof rows[n].key, "%s", key);
			n++;
		}
		for (int p = 0; p < 5; p++)
			rows[k].sum[p] += d->three_public[p];
		rows[k].departments++;
	}
	strmap_free(&row_of);
	/* In key order: the departments' own order changes with a restart. */
	if (n > 1)
		qsort(rows, n, sizeof *rows, compare_three_public_rows);
	cJSON *reply = t->host->query_reply(q);
	cJSON_AddStringToObject(reply, "unit", money_unit_name(f.common.unit));
	cJSON_AddStringToObject(reply, "by", group);
	cJSON *list = cJSON_AddArrayToObject(reply, "rows");
	for (size_t k = 0; k < n; k++) {
		cJSON *o = cJSON_CreateObject();
		char *bar = strchr(rows[k].key, '|');
		*bar = '\0';
		cJSON_AddNumberToObject(o, "year", atoi(rows[k].key));
		if (group[0] != 'y')
			cJSON_AddStringToObject(o, group, bar + 1);
		for (int p = 0; p < 5; p++)
			add_amount(t, o, parts[p], rows[k].sum[p],
				   f.common.unit);
		cJSON_AddNumberToObject(o, "departments",
					(double)rows[k].departments);
		cJSON_AddItemToArray(list, o);
	}
	free(rows);
	return 0;
}

struct found {
	const struct dept *d;
	const struct dept_project *p;
};

static int compare_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->p->total != y->p->total)
		return x->p->total < y->p->total ? 1 : -1;
	int c = strcmp(x->d->code, y->d->code);
	return c ? c : strcmp(x->p->code, y->p->code);
}

int lists_projects(struct totals *t, const struct bd_scope *scope,
		   struct bd_query *q)
{
	static const char *const kinds[] = {"", "operating", "targeted"};
	struct filter f;
	if (read_filter(t, scope, q, &f) < 0)
		return -EINVAL;
	const cJSON *req = t->host->query_request(q);
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(req, "limit");
	long max = 50;
	if (limit != NULL) {
		if (!cJSON_IsNumber(limit) || !(limit->valuedouble >= 0) ||
		    !(limit->valuedouble <= 1e6))
			return t->host->query_error(
			    q, "bad_request",
			    "\"limit\" must be an integer 0..1000000");
		max = (long)limit->valuedouble;
	}
	size_t n = 0, cap = 0, without_kind = 0;
	struct found *all = NULL;
	bd_fen sum = 0;
	for (size_t i = 0; i < t->n_depts; i++) {
		const struct dept *d = t->dept_list[i];
		if (!dept_selected(&f, d))
			continue;
		for (size_t k = 0; k < d->n_projects; k++) {
			const struct dept_project *p = &d->projects[k];
			if (f.function && strncmp(p->function, f.function,
						  strlen(f.function)) != 0)
				continue;
			if (f.kind && p->kind == BD_PROJECT_KIND_UNSPECIFIED) {
				without_kind++;
				continue;
			}
			if (f.kind && strcmp(kinds[p->kind], f.kind) != 0)
				continue;
			if (GROW(all, cap, n + 1, 256) < 0) {
				free(all);
				return -ENOMEM;
			}
			all[n++] = (struct found){d, p};
			sum += p->total;
		}
	}
	if (n > 0)
		qsort(all, n, sizeof *all, compare_found);
	cJSON *reply = t->host->query_reply(q);
	cJSON_AddStringToObject(reply, "unit", money_unit_name(f.common.unit));
	cJSON_AddNumberToObject(reply, "count", (double)n);
	/* A kind filter cannot place projects of no known kind: say how
	 * many, so that an empty list is not read as "none". */
	if (f.kind)
		cJSON_AddNumberToObject(reply, "without_kind",
					(double)without_kind);
	add_amount(t, reply, "total", sum, f.common.unit);
	cJSON *list = cJSON_AddArrayToObject(reply, "projects");
	for (size_t i = 0; i < n && (long)i < max; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "department", all[i].d->code);
		cJSON_AddNumberToObject(o, "year", all[i].d->year);
		cJSON_AddStringToObject(o, "code", all[i].p->code);
		cJSON_AddStringToObject(o, "name", all[i].p->name);
		if (all[i].p->function[0])
			cJSON_AddStringToObject(o, "function",
						all[i].p->function);
		if (all[i].p->kind)
			cJSON_AddStringToObject(o, "kind",
						kinds[all[i].p->kind]);
		add_amount(t, o, "total", all[i].p->total, f.common.unit);
		cJSON_AddItemToArray(list, o);
	}
	free(all);
	return 0;
}
