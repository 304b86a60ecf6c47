/*
 * An OpenSpending Babbage-compatible API over the district totals, so that
 * open-budget tools that read Babbage cubes can read a district:
 *
 *   GET /api/3/cubes                         the one cube, "budget"
 *   GET /api/3/cubes/budget/model            dimensions, attributes, measure
 *   GET /api/3/cubes/budget/aggregate?drilldown=function.class|kind
 *       &cut=year:2025|source.code:"general_budget"&order=amount.sum:desc
 *       &page=1&pagesize=20
 *   GET /api/3/cubes/budget/facts?cut=…&page=&pagesize=
 *   GET /api/3/cubes/budget/members/function.class?cut=…
 *
 * Every answer is the totals op's, asked in process with the caller's
 * scope (so the role cuts are the ones nng and /api/v1 apply), reshaped:
 * a drilldown is the op's "by", a cut its "where", the order its "sort".
 * Amounts stay decimal strings of 元, as everywhere in budgetd.
 */
#include "babbage.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "money.h"
#include "ops.h"
#include "reply.h"

#define CUBE "budget"

/* Babbage references (dimension.attribute) and the totals dimension each
 * stands for; a bare dimension means its key attribute. */
static const struct attribute {
	const char *ref, *dim, *label;
} attributes[] = {
    {"year.year", "year", "预算年度"},
    {"function.class", "function:class", "功能分类 类"},
    {"function.section", "function:section", "功能分类 款"},
    {"function.item", "function:item", "功能分类 项"},
    {"economic.class", "economic:class", "经济分类 类"},
    {"economic.section", "economic:section", "经济分类 款"},
    {"source.code", "source", "资金来源"},
    {"kind.code", "kind", "支出类型"},
    {"administrative.parent", "parent", "主管部门"},
    {"administrative.department", "department", "部门"},
};
#define N_ATTRIBUTES (sizeof attributes / sizeof attributes[0])

/* The key attribute of each dimension (what a bare dimension means). */
static const struct {
	const char *dimension, *key;
} keys[] = {
    {"year", "year.year"},
    {"function", "function.item"},
    {"economic", "economic.section"},
    {"source", "source.code"},
    {"kind", "kind.code"},
    {"administrative", "administrative.department"},
};

static const struct attribute *find_attribute(const char *ref, size_t len)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i].dimension) == len &&
		    strncmp(keys[i].dimension, ref, len) == 0)
			return find_attribute(keys[i].key, strlen(keys[i].key));
	for (size_t i = 0; i < N_ATTRIBUTES; i++)
		if (strlen(attributes[i].ref) == len &&
		    strncmp(attributes[i].ref, ref, len) == 0)
			return &attributes[i];
	return NULL;
}

/* ---- answers ---- */

static void send_body(struct http *h, struct evhttp_request *req, int status,
		      cJSON *body)
{
	http_send_json(h, req, status, body);
}

/* Babbage's error shape: {"status":"error","message":…}. */
static void send_failure(struct http *h, struct evhttp_request *req, int status,
			 const char *message)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "error");
	cJSON_AddStringToObject(body, "message", message);
	send_body(h, req, status, body);
}

static cJSON *model(void)
{
	cJSON *m = cJSON_CreateObject();
	cJSON *dims = cJSON_AddObjectToObject(m, "dimensions");
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		cJSON *d = cJSON_AddObjectToObject(dims, keys[k].dimension);
		cJSON *attrs = cJSON_AddObjectToObject(d, "attributes");
		size_t n = strlen(keys[k].dimension);
		for (size_t i = 0; i < N_ATTRIBUTES; i++) {
			const struct attribute *a = &attributes[i];
			if (strncmp(a->ref, keys[k].dimension, n) != 0 ||
			    a->ref[n] != '.')
				continue;
			cJSON *o =
			    cJSON_AddObjectToObject(attrs, a->ref + n + 1);
			cJSON_AddStringToObject(o, "label", a->label);
			cJSON_AddStringToObject(o, "ref", a->ref);
			cJSON_AddStringToObject(o, "type", "string");
		}
		cJSON_AddStringToObject(d, "key_attribute",
					keys[k].key + n + 1);
		cJSON_AddStringToObject(d, "label_attribute",
					keys[k].key + n + 1);
		cJSON_AddStringToObject(d, "ref", keys[k].dimension);
	}
	cJSON *measures = cJSON_AddObjectToObject(m, "measures");
	cJSON *amount = cJSON_AddObjectToObject(measures, "amount");
	cJSON_AddStringToObject(amount, "label", "金额（元）");
	cJSON_AddStringToObject(amount, "ref", "amount");
	cJSON_AddStringToObject(amount, "currency", "CNY");
	cJSON *aggregates = cJSON_AddObjectToObject(m, "aggregates");
	cJSON *sum = cJSON_AddObjectToObject(aggregates, "amount.sum");
	cJSON_AddStringToObject(sum, "measure", "amount");
	cJSON_AddStringToObject(sum, "function", "sum");
	cJSON_AddStringToObject(sum, "label", "金额合计（元）");
	cJSON *count = cJSON_AddObjectToObject(aggregates, "_count");
	cJSON_AddStringToObject(count, "function", "count");
	cJSON_AddStringToObject(count, "label", "部门数");
	cJSON *hierarchies = cJSON_AddObjectToObject(m, "hierarchies");
	cJSON *f = cJSON_AddObjectToObject(hierarchies, "function");
	cJSON *levels = cJSON_AddArrayToObject(f, "levels");
	cJSON_AddItemToArray(levels, cJSON_CreateString("function.class"));
	cJSON_AddItemToArray(levels, cJSON_CreateString("function.section"));
	cJSON_AddItemToArray(levels, cJSON_CreateString("function.item"));
	cJSON *a = cJSON_AddObjectToObject(hierarchies, "administrative");
	levels = cJSON_AddArrayToObject(a, "levels");
	cJSON_AddItemToArray(levels,
			     cJSON_CreateString("administrative.parent"));
	cJSON_AddItemToArray(levels,
			     cJSON_CreateString("administrative.department"));
	return m;
}

/* ---- the query ---- */

struct query {
	cJSON *request;		       /* the totals request */
	const struct attribute *by[6]; /* drilldown, in order */
	size_t n_by;
	char where[N_ATTRIBUTES][512]; /* values cut, per attribute */
	cJSON *cells;		       /* the "cell" echo */
	char err[256];
};

/* drilldown=function.class|kind */
static int parse_drilldown(struct query *q, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "|");
		const struct attribute *a = find_attribute(p, n);
		if (a == NULL) {
			snprintf(q->err, sizeof q->err,
				 "drilldown \"%.*s\" is not an attribute of "
				 "the cube (see /api/3/cubes/" CUBE "/model)",
				 (int)(n > 60 ? 60 : n), p);
			return -EINVAL;
		}
		if (q->n_by == 6) {
			snprintf(q->err, sizeof q->err, "at most 6 drilldowns");
			return -EINVAL;
		}
		q->by[q->n_by++] = a;
		p += n;
		if (*p == '|')
			p++;
	}
	return 0;
}

/* cut=year:2025|function.class:"201";"204" (values joined per attribute) */
static int parse_cut(struct query *q, const char *text)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "|");
		const char *colon = memchr(p, ':', n);
		const struct attribute *a =
		    colon ? find_attribute(p, (size_t)(colon - p)) : NULL;
		if (a == NULL) {
			snprintf(q->err, sizeof q->err,
				 "cut \"%.*s\" is not ATTRIBUTE:VALUE with an "
				 "attribute of the cube",
				 (int)(n > 60 ? 60 : n), p);
			return -EINVAL;
		}
		char *slot = q->where[a - attributes];
		for (const char *v = colon + 1; v < p + n;) {
			size_t m = strcspn(v, ";|");
			if (v + m > p + n)
				m = (size_t)(p + n - v);
			const char *value = v;
			size_t len = m;
			if (len >= 2 && value[0] == '"' &&
			    value[len - 1] == '"')
				value++, len -= 2;
			size_t used = strlen(slot);
			if (len == 0 || used + len + 2 >= sizeof q->where[0] ||
			    memchr(value, ',', len)) {
				snprintf(q->err, sizeof q->err,
					 "cut on %s: an empty, too long or "
					 "comma-holding value",
					 a->ref);
				return -EINVAL;
			}
			snprintf(slot + used, sizeof q->where[0] - used,
				 "%s%.*s", used ? "," : "", (int)len, value);
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "ref", a->ref);
			cJSON_AddStringToObject(c, "operator", ":");
			char echo[256];
			snprintf(echo, sizeof echo, "%.*s", (int)len, value);
			cJSON_AddStringToObject(c, "value", echo);
			cJSON_AddItemToArray(q->cells, c);
			v += m;
			if (v < p + n && *v == ';')
				v++;
		}
		p += n;
		if (*p == '|')
			p++;
	}
	return 0;
}

static int parse_number(struct query *q, const char *name, const char *text,
			long min, long max, long *out)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (*text == '\0' || *end || v < min || v > max) {
		snprintf(q->err, sizeof q->err,
			 "%s must be a whole number from %ld to %ld", name, min,
			 max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* The totals request for a query string; 0 or -EINVAL with q->err. */
static int build(struct query *q, const struct evkeyvalq *params, bool drill,
		 long *page, long *pagesize)
{
	q->request = cJSON_CreateObject();
	q->cells = cJSON_CreateArray();
	cJSON_AddStringToObject(q->request, "op", "totals");
	cJSON_AddStringToObject(q->request, "unit", "元");
	const char *v;
	int rc = 0;
	if (drill && (v = evhttp_find_header(params, "drilldown")))
		rc = parse_drilldown(q, v);
	if (rc == 0 && (v = evhttp_find_header(params, "cut")))
		rc = parse_cut(q, v);
	*page = 1;
	*pagesize = 100;
	if (rc == 0 && (v = evhttp_find_header(params, "page")))
		rc = parse_number(q, "page", v, 1, 1000000, page);
	if (rc == 0 && (v = evhttp_find_header(params, "pagesize")))
		rc = parse_number(q, "pagesize", v, 1, 10000, pagesize);
	if (rc == 0 && (v = evhttp_find_header(params, "order"))) {
		/* amount.sum[:desc] sorts by amount (largest first); anything
		 * else by the drilldown's keys. */
		if (strncmp(v, "amount.sum", 10) == 0 ||
		    strncmp(v, "amount", 6) == 0)
			cJSON_AddStringToObject(q->request, "sort", "amount");
		else
			cJSON_AddStringToObject(q->request, "sort", "key");
	}
	if (rc < 0)
		return rc;
	cJSON *by = cJSON_AddArrayToObject(q->request, "by");
	for (size_t i = 0; i < q->n_by; i++)
		cJSON_AddItemToArray(by, cJSON_CreateString(q->by[i]->dim));
	cJSON *where = cJSON_AddArrayToObject(q->request, "where");
	for (size_t i = 0; i < N_ATTRIBUTES; i++) {
		if (q->where[i][0] == '\0')
			continue;
		char cut[600];
		snprintf(cut, sizeof cut, "%s:%s", attributes[i].dim,
			 q->where[i]);
		cJSON_AddItemToArray(where, cJSON_CreateString(cut));
	}
	cJSON_AddNumberToObject(q->request, "limit", (double)*pagesize);
	cJSON_AddNumberToObject(q->request, "offset",
				(double)((*page - 1) * *pagesize));
	return 0;
}

/* The totals op's answer, with the caller's scope; NULL after replying. */
static cJSON *ask_totals(struct http *h, struct evhttp_request *req,
			 const struct principal *who, cJSON *request)
{
	struct bd_query bq;
	if (ops_query(h->d, who, "totals", request, &bq) == 0)
		return bq.reply;
	send_failure(h, req, bq.failed ? 400 : 500,
		     bq.failed ? bq.error_message : "the totals query failed");
	return NULL;
}

static void aggregate(struct http *h, struct evhttp_request *req,
		      const struct principal *who,
		      const struct evkeyvalq *params, bool facts)
{
	struct query q = {0};
	long page, pagesize;
	if (build(&q, params, !facts, &page, &pagesize) < 0) {
		cJSON_Delete(q.request);
		cJSON_Delete(q.cells);
		send_failure(h, req, 400, q.err);
		return;
	}
	if (facts) {
		/* The finest cells the district keeps. */
		static const char *const finest[] = {
		    "year.year",
		    "administrative.parent",
		    "administrative.department",
		    "function.item",
		    "source.code",
		    "kind.code"};
		cJSON *by = cJSON_GetObjectItem(q.request, "by");
		for (size_t i = 0; i < 6; i++) {
			q.by[q.n_by++] =
			    find_attribute(finest[i], strlen(finest[i]));
			cJSON_AddItemToArray(by,
					     cJSON_CreateString(q.by[i]->dim));
		}
	}
	cJSON *totals = ask_totals(h, req, who, q.request);
	cJSON_Delete(q.request);
	if (totals == NULL) {
		cJSON_Delete(q.cells);
		return;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON *rows = cJSON_CreateArray();
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(totals, "rows"))
	{
		const cJSON *key = cJSON_GetObjectItem(row, "key");
		cJSON *cell = cJSON_CreateObject();
		for (size_t i = 0; i < q.n_by; i++)
			cJSON_AddStringToObject(
			    cell, q.by[i]->ref,
			    cJSON_GetStringValue(
				cJSON_GetObjectItem(key, q.by[i]->dim)));
		cJSON_AddStringToObject(
		    cell, facts ? "amount" : "amount.sum",
		    cJSON_GetStringValue(cJSON_GetObjectItem(row, "amount")));
		const cJSON *departments =
		    cJSON_GetObjectItem(row, "departments");
		if (!facts)
			cJSON_AddNumberToObject(cell, "_count",
						cJSON_IsNumber(departments)
						    ? departments->valuedouble
						    : 0);
		cJSON_AddItemToArray(rows, cell);
	}
	const cJSON *count = cJSON_GetObjectItem(totals, "row_count");
	double n = cJSON_IsNumber(count) ? count->valuedouble : 0;
	cJSON_AddStringToObject(body, "status", "ok");
	cJSON_AddNumberToObject(body, "page", (double)page);
	cJSON_AddNumberToObject(body, "page_size", (double)pagesize);
	cJSON_AddItemToObject(body, "cell", q.cells);
	if (facts) {
		cJSON_AddNumberToObject(body, "total_fact_count", n);
		cJSON_AddItemToObject(body, "data", rows);
	} else {
		cJSON_AddNumberToObject(body, "total_cell_count", n);
		cJSON *aggs = cJSON_AddArrayToObject(body, "aggregates");
		cJSON_AddItemToArray(aggs, cJSON_CreateString("amount.sum"));
		cJSON_AddItemToArray(aggs, cJSON_CreateString("_count"));
		cJSON *attrs = cJSON_AddArrayToObject(body, "attributes");
		for (size_t i = 0; i < q.n_by; i++)
			cJSON_AddItemToArray(attrs,
					     cJSON_CreateString(q.by[i]->ref));
		cJSON *summary = cJSON_AddObjectToObject(body, "summary");
		cJSON_AddStringToObject(
		    summary, "amount.sum",
		    cJSON_GetStringValue(cJSON_GetObjectItem(totals, "total")));
		cJSON_AddItemToObject(body, "cells", rows);
	}
	cJSON_Delete(totals);
	send_body(h, req, 200, body);
}

static void members(struct http *h, struct evhttp_request *req,
		    const struct principal *who, const char *ref,
		    const struct evkeyvalq *params)
{
	const struct attribute *a = find_attribute(ref, strlen(ref));
	if (a == NULL) {
		send_failure(h, req, 400,
			     "no such attribute (see /api/3/cubes/" CUBE
			     "/model)");
		return;
	}
	struct query q = {0};
	long page, pagesize;
	if (build(&q, params, false, &page, &pagesize) < 0) {
		cJSON_Delete(q.request);
		cJSON_Delete(q.cells);
		send_failure(h, req, 400, q.err);
		return;
	}
	q.by[q.n_by++] = a;
	cJSON_AddItemToArray(cJSON_GetObjectItem(q.request, "by"),
			     cJSON_CreateString(a->dim));
	cJSON *totals = ask_totals(h, req, who, q.request);
	cJSON_Delete(q.request);
	cJSON_Delete(q.cells);
	if (totals == NULL)
		return;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "ok");
	cJSON *data = cJSON_AddArrayToObject(body, "data");
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(totals, "rows"))
	{
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    m, a->ref,
		    cJSON_GetStringValue(cJSON_GetObjectItem(
			cJSON_GetObjectItem(row, "key"), a->dim)));
		cJSON_AddItemToArray(data, m);
	}
	const cJSON *count = cJSON_GetObjectItem(totals, "row_count");
	cJSON_AddNumberToObject(body, "total_member_count",
				cJSON_IsNumber(count) ? count->valuedouble : 0);
	cJSON_AddNumberToObject(body, "page", (double)page);
	cJSON_AddNumberToObject(body, "page_size", (double)pagesize);
	cJSON_Delete(totals);
	send_body(h, req, 200, body);
}

void babbage_serve(struct http *h, struct evhttp_request *req,
		   const struct principal *who, const char *path,
		   const char *query)
{
	static const char prefix[] = "/api/3/cubes";
	const char *rest = path + sizeof prefix - 1;
	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "status", "ok");
		cJSON *data = cJSON_AddArrayToObject(body, "data");
		cJSON *cube = cJSON_CreateObject();
		cJSON_AddStringToObject(cube, "name", CUBE);
		cJSON_AddItemToArray(data, cube);
		send_body(h, req, 200, body);
		return;
	}
	static const char cube[] = "/" CUBE "/";
	if (strncmp(rest, cube, sizeof cube - 1) != 0) {
		send_failure(h, req, 404,
			     "no such cube: the one cube is \"" CUBE "\"");
		return;
	}
	rest += sizeof cube - 1;
	struct evkeyvalq params = {0};
	if (query && evhttp_parse_query_str(query, &params) < 0) {
		send_failure(h, req, 400, "the query string does not parse");
		return;
	}
	if (strcmp(rest, "model") == 0) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "status", "ok");
		cJSON_AddStringToObject(body, "name", CUBE);
		cJSON_AddItemToObject(body, "model", model());
		send_body(h, req, 200, body);
	} else if (strcmp(rest, "aggregate") == 0) {
		aggregate(h, req, who, &params, false);
	} else if (strcmp(rest, "facts") == 0) {
		aggregate(h, req, who, &params, true);
	} else if (strncmp(rest, "members/", 8) == 0) {
		members(h, req, who, rest + 8, &params);
	} else {
		send_failure(h, req, 404,
			     "the cube answers model, aggregate, facts and "
			     "members/ATTRIBUTE");
	}
	evhttp_clear_headers(&params);
}
