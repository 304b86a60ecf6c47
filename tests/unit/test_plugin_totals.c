#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_mock.h"
#include "json_text.h"
#include "money.h"
#include "test_json.h"

static struct mock_plugin plugin;

static int setup(void **state)
{
	(void)state;
	return mock_plugin_load(&plugin, "totals", NULL);
}

static int teardown(void **state)
{
	(void)state;
	mock_plugin_unload(&plugin);
	return 0;
}

/* A reply as the host sends it (printed; the rows the plugin wrote as
 * JSON text copied as they are) and as a client reads it: the text must
 * be JSON. */
static cJSON *as_sent(cJSON *reply)
{
	char *text = json_text_print(reply);
	assert_non_null(text);
	cJSON_Delete(reply);
	cJSON *parsed = cJSON_Parse(text);
	if (parsed == NULL)
		fail_msg("the reply is not JSON: %.300s", text);
	free(text);
	return parsed;
}

/* Runs a totals query; returns the reply (caller deletes). */
static cJSON *query(const char *request_json)
{
	struct bd_query q = {0};
	cJSON *request = cJSON_Parse(request_json);
	assert_non_null(request);
	q.request = request;
	q.reply = cJSON_CreateObject();
	int rc =
	    plugin.desc->query(plugin.state, "totals", &mock_unrestricted, &q);
	cJSON_Delete(request);
	if (rc < 0) {
		cJSON_Delete(q.reply);
		return NULL;
	}
	return as_sent(q.reply);
}

/* The amount of the row whose first key equals `key`, in 分 (万元 text). */
/* A member of an answer asked in 元, in 分 (the test fails if it is not
 * an amount). */
static bd_fen yuan(const cJSON *item, const char *member)
{
	bd_fen fen;
	const char *why;
	assert_int_equal(
	    money_parse(json_str(item, member), BD_UNIT_YUAN, &fen, &why), 0);
	return fen;
}

static bd_fen row_amount(const cJSON *reply, const char *dim, const char *key)
{
	const cJSON *row;
	const char *why;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(reply, "rows"))
	{
		const cJSON *k =
		    cJSON_GetObjectItem(cJSON_GetObjectItem(row, "key"), dim);
		if (k && strcmp(k->valuestring, key) == 0) {
			bd_fen fen;
			enum bd_unit unit;
			money_unit_parse(json_str(reply, "unit"), &unit);
			assert_int_equal(money_parse(json_str(row, "amount"),
						     unit, &fen, &why),
					 0);
			return fen;
		}
	}
	return 0;
}

static bd_fen class_sum(const struct bd_submission *s, const char *class_code)
{
	bd_fen sum = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		if (strncmp(s->lines[i].function, class_code, 3) == 0)
			sum += bd_line_total(&s->lines[i]);
	return sum;
}

static const struct mock_change *find_change(const struct bd_apply *a,
					     const char *dim, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].dimension, dim) == 0 &&
		    strcmp(a->items[i].key, key) == 0)
			return &a->items[i];
	return NULL;
}

/* Events list the totals that moved by year, dimension name and value,
 * the same way every time. */
static void assert_changes_in_order(const struct bd_apply *a)
{
	for (size_t i = 1; i < a->n; i++) {
		const struct mock_change *x = &a->items[i - 1],
					 *y = &a->items[i];
		int c = x->year != y->year ? (x->year < y->year ? -1 : 1)
					   : strcmp(x->dimension, y->dimension);
		if (c == 0)
			c = strcmp(x->key, y->key);
		if (c >= 0)
			fail_msg("change %zu (%d %s %s) before %zu (%d %s %s)",
				 i - 1, x->year, x->dimension, x->key, i,
				 y->year, y->dimension, y->key);
	}
}

/* changes NULL: as the host applies where nobody reads what moved (the
 * rebuild at start, ABI 2.6); the totals must move all the same. */
static void apply(struct mock_submission *ms, int64_t number,
		  struct bd_apply *changes)
{
	struct bd_revision rev = {.submission = ms->s, .number = number};
	if (changes != NULL)
		memset(changes, 0, sizeof *changes);
	assert_int_equal(plugin.desc->apply(plugin.state, NULL, &rev, changes),
			 0);
	if (changes != NULL)
		assert_changes_in_order(changes);
}

static void test_revisions_move_totals_by_the_difference(void **state)
{
	struct mock_submission a1, a2, b;
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	assert_int_equal(
	    mock_submission_load(&a1, "fengquan-116001-2023-corrected.json"),
	    0);
	apply(&a1, 1, changes);
	const struct mock_change *c = find_change(changes, "total", "");
	assert_non_null(c);
	assert_int_equal(c->before, 0);
	assert_int_equal(c->after, 232310000);

	cJSON *r = query("{\"by\":[\"function:class\"],\"year\":2023}");
	assert_int_equal(row_amount(r, "function:class", "201"),
			 class_sum(a1.s, "201"));
	assert_int_equal(row_amount(r, "function:class", "208"), 9960000);
	assert_int_equal(row_amount(r, "function:class", "221"), 8570000);
	assert_string_equal(json_str(r, "total"), "232.31");
	cJSON_Delete(r);

	/* A second department, same year: totals add up. */
	char *text = mock_read_data("putuo-wanli-2025.json");
	char *p = strstr(text, "\"year\": 2025");
	memcpy(p, "\"year\": 2023", 12);
	assert_int_equal(mock_submission_parse(&b, text), 0);
	free(text);
	apply(&b, 1, changes);
	r = query("{\"by\":\"function:class\",\"year\":2023,\"unit\":\"元\"}");
	assert_int_equal(row_amount(r, "function:class", "201"),
			 class_sum(a1.s, "201") + class_sum(b.s, "201"));
	assert_int_equal(row_amount(r, "function:class", "212"),
			 class_sum(b.s, "212"));
	cJSON_Delete(r);

	/* Economic cuts: Wanli publishes its 经济分类 table (款 level),
	 * Fengquan does not (its wage column maps onto 类 301). */
	r = query(
	    "{\"by\":[\"economic:section\"],\"where\":[\"economic:class:302\","
	    "\"department:215001\"],\"unit\":\"元\"}");
	assert_int_equal(row_amount(r, "economic:section", "30201"), 433347800);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")),
			 18);
	assert_string_equal(json_str(r, "total"), "10827702.00");
	cJSON_Delete(r);
	r = query(
	    "{\"by\":[\"economic:class\"],\"where\":[\"department:116001\"]}");
	assert_int_equal(row_amount(r, "economic:class", "301"), 106600000);
	assert_int_equal(row_amount(r, "economic:class", "-"),
			 122100000); /* projects */
	cJSON_Delete(r);
	/* Either view sums to the same district total. */
	r = query(
	    "{\"by\":[\"economic:class\"],\"year\":2023,\"unit\":\"元\"}");
	cJSON *r2 = query("{\"year\":2023,\"unit\":\"元\"}");
	assert_string_equal(json_str(r, "total"), json_str(r2, "total"));
	cJSON_Delete(r);
	cJSON_Delete(r2);

	/* explain: every row is traced to line items that add up to it. */
	r = query("{\"by\":[\"function:class\",\"department\"],\"year\":2023,"
		  "\"unit\":\"元\",\"explain\":true}");
	const cJSON *row;
	int rows_checked = 0;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(r, "rows"))
	{
		bd_fen sum = 0, amount = yuan(row, "amount");
		const cJSON *f;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(row, "from"))
		{
			bd_fen v = yuan(f, "amount");
			assert_string_equal(
			    json_str(f, "department"),
			    cJSON_GetObjectItem(cJSON_GetObjectItem(row, "key"),
						"department")
				->valuestring);
			sum += v;
		}
		assert_int_equal(sum, amount);
		rows_checked++;
	}
	assert_true(rows_checked >= 10);
	cJSON_Delete(r);

	/* Revision 2 of the first drops 2089999 and raises 2010301 wages by 1
	 * 分. */
	text = mock_read_data("fengquan-116001-2023-corrected.json");
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON *exp = cJSON_GetObjectItem(doc, "expenditure");
	cJSON_DeleteItemFromArray(exp, 4);
	cJSON *basic = cJSON_GetObjectItem(cJSON_GetArrayItem(exp, 0), "basic");
	cJSON_ReplaceItemInObject(basic, "wages",
				  cJSON_CreateString("62.540001"));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	assert_int_equal(mock_submission_parse(&a2, text), 0);
	free(text);
	apply(&a2, 2, changes);
	/* District totals: the other department's 2089999 stays in. */
	bd_fen other = 0;
	for (size_t i = 0; i < b.s->n_lines; i++)
		if (strcmp(b.s->lines[i].function, "2089999") == 0)
			other += bd_line_total(&b.s->lines[i]);
	assert_int_equal(other, 757442200);
	c = find_change(changes, "function:item", "2089999");
	assert_non_null(c);
	assert_int_equal(c->before, other + 360000);
	assert_int_equal(c->after, other);
	c = find_change(changes, "function:class", "201");
	assert_int_equal(c->after - c->before, 1);
	c = find_change(changes, "department", "116001");
	assert_int_equal(c->after - c->before, -360000 + 1);
	assert_null(
	    find_change(changes, "function:class", "221")); /* did not move */

	r = query("{\"by\":[\"department\"],\"year\":2023}");
	assert_int_equal(row_amount(r, "department", "116001"),
			 232310000 - 360000 + 1);
	cJSON_Delete(r);
	/* Cuts: prefix and set. */
	r = query("{\"by\":[\"function:item\"],\"where\":[\"function:208*\"],"
		  "\"year\":2023}");
	assert_int_equal(row_amount(r, "function:item", "2089999"), other);
	assert_int_equal(row_amount(r, "function:item", "2080505"),
			 9600000 + 482715600);
	cJSON_Delete(r);
	r = query(
	    "{\"by\":[\"source\"],\"where\":[\"department:116001,215001\","
	    "\"kind:basic.personnel\"]}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")), 1);
	cJSON_Delete(r);

	mock_submission_free(&a1);
	mock_submission_free(&a2);
	mock_submission_free(&b);
	free(changes);
}

/* Runs a query op of the plugin for a principal of the given scope. */
static cJSON *query_scoped(const char *op, const struct bd_scope *scope,
			   const char *request_json)
{
	struct bd_query q = {0};
	cJSON *request = cJSON_Parse(request_json);
	q.request = request;
	q.reply = cJSON_CreateObject();
	int rc = plugin.desc->query(plugin.state, op, scope, &q);
	cJSON_Delete(request);
	if (rc < 0) {
		cJSON_Delete(q.reply);
		return NULL;
	}
	return as_sent(q.reply);
}

/* Runs another query op of the plugin, as an operator. */
static cJSON *query_op(const char *op, const char *request_json)
{
	return query_scoped(op, &mock_unrestricted, request_json);
}

static void test_change_three_public_projects(void **state)
{
	struct mock_submission a, b;
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	/* Wanli 2025, and the same department in 2024 with 201 smaller by 3000
	 * 元. */
	assert_int_equal(mock_submission_load(&a, "putuo-wanli-2025.json"), 0);
	apply(&a, 1, changes);
	char *text = mock_read_data("putuo-wanli-2025.json");
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON_ReplaceItemInObject(doc, "year", cJSON_CreateNumber(2024));
	cJSON *line =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "expenditure"), 0);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(line, "project"), "total",
				  cJSON_CreateString("435300"));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	assert_int_equal(mock_submission_parse(&b, text), 0);
	free(text);
	apply(&b, 1, changes);

	cJSON *r =
	    query("{\"by\":[\"function:class\"],\"year\":2025,\"change\":true,"
		  "\"unit\":\"元\"}");
	const cJSON *row =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(r, "rows"), 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(row, "key"),
						"function:class")
				->valuestring,
			    "201");
	assert_string_equal(json_str(row, "previous"), "3293600.00");
	assert_string_equal(json_str(row, "change"), "3000.00");
	assert_string_equal(json_str(row, "change_percent"), "0.1");
	cJSON_Delete(r);
	assert_null(query("{\"change\":true}")); /* needs a year */

	r = query_op("three_public", "{\"by\":\"year\",\"unit\":\"元\"}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")), 2);
	row = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "rows"), 0);
	assert_string_equal(json_str(row, "total"), "379100.00");
	assert_string_equal(json_str(row, "vehicle_operation"), "215600.00");
	cJSON_Delete(r);
	assert_null(query_op("three_public", "{\"by\":\"colour\"}"));

	mock_submission_free(&a);
	mock_submission_free(&b);
	assert_int_equal(
	    mock_submission_load(&a, "fengquan-116001-2023-corrected.json"), 0);
	apply(&a, 1, changes);
	r = query_op("projects", "{\"limit\":3}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 7);
	assert_string_equal(json_str(r, "total"), "122.10");
	const cJSON *projects = cJSON_GetObjectItem(r, "projects");
	assert_int_equal(cJSON_GetArraySize(projects), 3);
	/* Largest first. */
	assert_string_equal(json_row_str(projects, 0, "total"), "40.80");
	assert_string_equal(json_row_str(projects, 1, "total"), "26.48");
	cJSON_Delete(r);
	r = query_op("projects", "{\"department\":\"215001\"}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 0);
	cJSON_Delete(r);
	r = query_op("projects", "{\"where\":[\"department:215001\"]}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 0);
	cJSON_Delete(r);
	/* The scope the host hands over binds every op, whatever the request
	 * asks for: another department's credential sees none of these. */
	const struct bd_scope wanli = {.restricted = true,
				       .department = "215001"};
	const struct bd_scope own = {.restricted = true,
				     .department = "116001"};
	const struct bd_scope nobody = {.restricted = true};
	r = query_scoped("projects", &wanli,
			 "{\"where\":[\"department:116001\"]}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 0);
	cJSON_Delete(r);
	r = query_scoped("projects", &own, "{}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 7);
	cJSON_Delete(r);
	r = query_scoped("projects", &nobody, "{}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 0);
	cJSON_Delete(r);
	r = query_scoped("totals", &wanli, "{\"by\":[\"department\"]}");
	const cJSON *rows = cJSON_GetObjectItem(r, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 1);
	assert_string_equal(
	    cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "key"),
		"department")
		->valuestring,
	    "215001");
	cJSON_Delete(r);
	r = query_scoped("totals", &wanli,
			 "{\"by\":[\"department\"],"
			 "\"where\":[\"department:116001\"]}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "rows")), 0);
	cJSON_Delete(r);
	r = query_op("projects", "{\"where\":[\"parent:116\"]}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 7);
	cJSON_Delete(r);
	assert_null(query_op("projects", "{\"where\":[\"function:201*\"]}"));
	mock_submission_free(&a);
	free(changes);
}

/* A project's kind: as stated, else its function's lines' when they carry
 * project spending of one kind, else none (counted as without_kind). */
static void test_project_kinds(void **state)
{
	static const char doc[] =
	    "{\"format\":\"budget-submission/1\",\"year\":2023,\"unit\":"
	    "\"元\",\"department\":{\"code\":\"116002\",\"name\":\"d\","
	    "\"parent\":\"116\"},\"income\":{},\"expenditure\":["
	    "{\"function\":\"2010301\",\"source\":\"general_budget\","
	    "\"project\":{\"operating\":\"10\"}},"
	    "{\"function\":\"2010399\",\"source\":\"general_budget\","
	    "\"project\":{\"operating\":\"5\",\"targeted\":\"5\"}}],"
	    "\"projects\":["
	    "{\"code\":\"901\",\"name\":\"a\",\"function\":\"2010301\","
	    "\"total\":\"10\"},"
	    "{\"code\":\"902\",\"name\":\"b\",\"function\":\"2010399\","
	    "\"total\":\"4\"},"
	    "{\"code\":\"903\",\"name\":\"c\",\"function\":\"2010399\","
	    "\"kind\":\"targeted\",\"total\":\"6\"}]}";
	struct mock_submission ms;
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	assert_int_equal(mock_submission_parse(&ms, doc), 0);
	apply(&ms, 1, changes);
	cJSON *r = query_op("projects", "{\"kind\":\"operating\"}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 1);
	assert_string_equal(
	    json_row_str(cJSON_GetObjectItem(r, "projects"), 0, "code"), "901");
	assert_int_equal(cJSON_GetObjectItem(r, "without_kind")->valueint, 1);
	cJSON_Delete(r);
	r = query_op("projects", "{\"kind\":\"targeted\"}");
	assert_int_equal(cJSON_GetObjectItem(r, "count")->valueint, 1);
	assert_string_equal(
	    json_row_str(cJSON_GetObjectItem(r, "projects"), 0, "code"), "903");
	cJSON_Delete(r);
	mock_submission_free(&ms);
	free(changes);
}

static void test_bad_queries(void **state)
{
	(void)state;
	assert_null(query("{\"by\":[\"colour\"]}"));
	assert_null(query("{\"where\":[\"function\"]}"));
	assert_null(query("{\"where\":[\"planet:mars\"]}"));
	assert_null(query("{\"unit\":\"千元\"}"));
	assert_null(query("{\"by\":7}"));
	assert_null(query("{\"sort\":\"random\"}"));
}

/* ---- random districts against an independent recomputation ---- */

static const char *const codes[] = {"2010301", "2010350", "2010399", "2080505",
				    "2080506", "2101101", "2120101", "2210201",
				    "2050201", "2130101"};

struct mini_line {
	int code, source;
	long long wages, goods, operating;
};

struct mini_dept {
	int year;
	char code[8];
	char parent[8]; /* "": the code's first three digits */
	struct mini_line lines[10];
	int n;
};

static char *render(const struct mini_dept *d)
{
	static const char *const sources[] = {"general_budget", "fund_budget",
					      "business"};
	char *buf = malloc(16384);
	size_t n = (size_t)sprintf(
	    buf,
	    "{\"format\":\"budget-submission/1\",\"year\":%d,\"unit\":\"元\","
	    "\"department\":{\"code\":\"%s\",\"name\":\"d\",\"parent\":\"%."
	    "3s\"},"
	    "\"income\":{},\"expenditure\":[",
	    d->year, d->code, d->parent[0] ? d->parent : d->code);
	for (int i = 0; i < d->n; i++) {
		const struct mini_line *l = &d->lines[i];
		n += (size_t)sprintf(
		    buf + n,
		    "%s{\"function\":\"%s\",\"source\":\"%s\",\"basic\":{"
		    "\"wages\":\"%lld.%02lld\",\"goods\":\"%lld\"},"
		    "\"project\":{\"operating\":\"%lld\"}}",
		    i ? "," : "", codes[l->code], sources[l->source],
		    l->wages / 100, l->wages % 100, l->goods, l->operating);
	}
	sprintf(buf + n, "]}");
	return buf;
}

static void random_dept(struct mini_dept *d, int year, int index)
{
	d->year = year;
	snprintf(d->code, sizeof d->code, "%03d%03d", 100 + index % 7, index);
	d->n = rand() % 10;
	int used = 0;
	for (int i = 0; i < d->n; i++) {
		struct mini_line *l = &d->lines[i];
		do {
			l->code = rand() % 10;
			l->source = rand() % 3;
		} while (used & (1 << (l->code * 3 + l->source)) ? 1 : 0);
		used |= 1 << (l->code * 3 + l->source);
		l->wages = rand() % 10000000;
		l->goods = rand() % 2 ? rand() % 100000 : 0;
		l->operating = rand() % 3 ? 0 : rand() % 1000000;
	}
}

/* The answer of a query from the maintained totals, and the same asked
 * with a cut that keeps everything (so that every fact is scanned). */
static void assert_same_answer_cut(const char *by, const char *year,
				   const char *cut)
{
	char fast[256], scan[320];
	snprintf(fast, sizeof fast, "{\"by\":[%s],\"unit\":\"元\"%s%s%s%s}", by,
		 year, cut[0] ? ",\"where\":[\"" : "", cut,
		 cut[0] ? "\"]" : "");
	snprintf(scan, sizeof scan,
		 "{\"by\":[%s],\"unit\":\"元\"%s,"
		 "\"where\":[%s%s%s\"year:2023,2024\"]}",
		 by, year, cut[0] ? "\"" : "", cut, cut[0] ? "\"," : "");
	cJSON *a = query(fast), *b = query(scan);
	assert_non_null(a);
	assert_non_null(b);
	static const char *const members[] = {"rows", "total", "departments",
					      "row_count"};
	for (size_t i = 0; i < 4; i++) {
		char *x =
		    cJSON_PrintUnformatted(cJSON_GetObjectItem(a, members[i]));
		char *y =
		    cJSON_PrintUnformatted(cJSON_GetObjectItem(b, members[i]));
		if (strcmp(x, y) != 0)
			fail_msg("%s: %s differs:\n%s\n%s", fast, members[i], x,
				 y);
		free(x);
		free(y);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void assert_same_answer(const char *by, const char *year)
{
	assert_same_answer_cut(by, year, "");
}

static void assert_maintained_equals_scan(void)
{
	static const char *const dims[] = {
	    "function:class", "function:section", "function:item",
	    "economic:class", "economic:section", "source",
	    "kind",	      "department",	  "parent"};
	char by[64];
	for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
		snprintf(by, sizeof by, "\"%s\"", dims[i]);
		assert_same_answer(by, ",\"year\":2023");
		assert_same_answer(by, ",\"year\":2024,\"change\":true");
		snprintf(by, sizeof by, "\"year\",\"%s\"", dims[i]);
		assert_same_answer(by, "");
		snprintf(by, sizeof by, "\"%s\",\"year\"", dims[i]);
		assert_same_answer(by, "");
	}
	assert_same_answer("\"year\"", "");
	/* The maintained pairs, in either order, with and without year, and
	 * a 主管部门's cut on those of parent. */
	static const char *const pairs[][2] = {{"parent", "function:class"},
					       {"parent", "function:section"},
					       {"parent", "function:item"},
					       {"function:class", "kind"},
					       {"function:item", "source"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const char *a = pairs[i][0], *b = pairs[i][1];
		snprintf(by, sizeof by, "\"%s\",\"%s\"", a, b);
		assert_same_answer(by, ",\"year\":2023");
		assert_same_answer(by, "");
		snprintf(by, sizeof by, "\"%s\",\"%s\"", b, a);
		assert_same_answer(by, ",\"year\":2024");
		snprintf(by, sizeof by, "\"%s\",\"year\",\"%s\"", b, a);
		assert_same_answer(by, "");
		if (strcmp(a, "parent") == 0) {
			snprintf(by, sizeof by, "\"%s\"", b);
			assert_same_answer_cut(by, ",\"year\":2023",
					       "parent:103");
			snprintf(by, sizeof by, "\"%s\",\"%s\"", a, b);
			assert_same_answer_cut(by, "", "parent:101,105");
		}
	}
}

/* A generated department as revision number. */
static void apply_mini(const struct mini_dept *d, int64_t number,
		       struct bd_apply *changes)
{
	char *text = render(d);
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, text), 0);
	free(text);
	apply(&ms, number, changes);
	mock_submission_free(&ms);
}

/* Two questions whose replies must be the same, byte for byte. */
/* The two questions get the same reply, byte for byte; returns its number
 * of rows. */
static int assert_same_reply(const char *a, const char *b)
{
	cJSON *x = query(a), *y = query(b);
	assert_non_null(x);
	assert_non_null(y);
	char *tx = cJSON_PrintUnformatted(x), *ty = cJSON_PrintUnformatted(y);
	if (strcmp(tx, ty) != 0)
		fail_msg("%s\n%s\ndiffers from\n%s\n%s", a, tx, b, ty);
	int rows = cJSON_GetArraySize(cJSON_GetObjectItem(x, "rows"));
	free(tx);
	free(ty);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return rows;
}

/* A 主管部门 cut named exactly reads the departments of the 主管部门
 * index; as a prefix it reads every department.  The two agree while
 * departments come, are revised, and move from one 主管部门 to another. */
/* Wanli 2025 as another department: code, parent and 因公接待 given. */
static void apply_wanli_as(const char *code, const char *parent,
			   const char *reception, int64_t number)
{
	char *text = mock_read_data("putuo-wanli-2025.json");
	cJSON *doc = cJSON_Parse(text);
	free(text);
	cJSON *dept = cJSON_GetObjectItem(doc, "department");
	cJSON_ReplaceItemInObject(dept, "code", cJSON_CreateString(code));
	cJSON_ReplaceItemInObject(dept, "parent", cJSON_CreateString(parent));
	cJSON *tp = cJSON_GetObjectItem(doc, "three_public");
	bd_fen old_reception = atoll(json_str(tp, "reception"));
	bd_fen total =
	    atoll(json_str(tp, "total")) - old_reception + atoll(reception);
	char total_text[32];
	snprintf(total_text, sizeof total_text, "%lld", (long long)total);
	cJSON_ReplaceItemInObject(tp, "reception",
				  cJSON_CreateString(reception));
	cJSON_ReplaceItemInObject(tp, "total", cJSON_CreateString(total_text));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	struct mock_submission ms;
	assert_int_equal(mock_submission_parse(&ms, text), 0);
	free(text);
	apply(&ms, number, NULL);
	mock_submission_free(&ms);
}

/* 三公 rows come in key order whatever order the departments arrived in
 * (a restart rebuilds them in another), one row per department or
 * 主管部门 with its sums and count. */
static void test_three_public_rows_in_key_order(void **state)
{
	(void)state;
	apply_wanli_as("300002", "302", "200", 1);
	apply_wanli_as("300000", "301", "100", 1);
	apply_wanli_as("300001", "302", "300", 1);
	apply_wanli_as("300000", "301", "400", 2); /* a revision replaces */

	cJSON *r =
	    query_op("three_public", "{\"by\":\"department\",\"unit\":\"元\"}");
	const cJSON *rows = cJSON_GetObjectItem(r, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 3);
	static const char *const departments[] = {"300000", "300001", "300002"};
	static const char *const receptions[] = {"400.00", "300.00", "200.00"};
	for (int i = 0; i < 3; i++) {
		const cJSON *row = cJSON_GetArrayItem(rows, i);
		assert_string_equal(json_str(row, "department"),
				    departments[i]);
		assert_string_equal(json_str(row, "reception"), receptions[i]);
		assert_int_equal(
		    cJSON_GetObjectItem(row, "departments")->valueint, 1);
	}
	cJSON_Delete(r);

	r = query_op("three_public", "{\"by\":\"parent\",\"unit\":\"元\"}");
	rows = cJSON_GetObjectItem(r, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 2);
	const cJSON *first = cJSON_GetArrayItem(rows, 0),
		    *second = cJSON_GetArrayItem(rows, 1);
	assert_string_equal(json_str(first, "parent"), "301");
	assert_string_equal(json_str(first, "reception"), "400.00");
	assert_string_equal(json_str(second, "parent"), "302");
	assert_string_equal(json_str(second, "reception"), "500.00");
	assert_int_equal(cJSON_GetObjectItem(second, "departments")->valueint,
			 2);
	cJSON_Delete(r);
}

static void test_parent_index(void **state)
{
	enum { DEPTS = 30, ROUNDS = 120 };
	static const char *const parents[] = {"101", "102", "103", "104"};
	static struct mini_dept d[DEPTS];
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	srand(77);
	for (int r = 0; r < ROUNDS; r++) {
		int i = r < DEPTS ? r : rand() % DEPTS;
		random_dept(&d[i], 2023, i);
		snprintf(d[i].parent, sizeof d[i].parent, "%s",
			 parents[rand() % 4]);
		apply_mini(&d[i], r + 1, changes);
		if (r % 10 != 9)
			continue;
		static const char *const by[] = {"\"function:class\"",
						 "\"department\",\"source\"",
						 "\"parent\""};
		char exact[256], prefix[256];
		for (int p = 0; p < 4; p++)
			for (int b = 0; b < 3; b++) {
				snprintf(exact, sizeof exact,
					 "{\"by\":[%s],\"year\":2023,\"unit\":"
					 "\"元\",\"where\":[\"parent:%s\"]}",
					 by[b], parents[p]);
				snprintf(prefix, sizeof prefix,
					 "{\"by\":[%s],\"year\":2023,\"unit\":"
					 "\"元\",\"where\":[\"parent:%s*\"]}",
					 by[b], parents[p]);
				assert_same_reply(exact, prefix);
			}
		/* Two 主管部门 at once, and one nobody is under. */
		assert_same_reply("{\"by\":[\"parent\"],\"year\":2023,"
				  "\"where\":[\"parent:101,104,999\"]}",
				  "{\"by\":[\"parent\"],\"year\":2023,"
				  "\"where\":[\"parent:101*,104*,999*\"]}");
	}
	free(changes);
}

/* Whether a 项 code passes a cut of values at a level of digits (3, 5,
 * 7), as the totals define it: the code cut to the level, equal to a
 * value or (VALUE*) starting with it. */
static bool code_passes(const char *code, size_t level, const char *values)
{
	char list[128], *save = NULL;
	snprintf(list, sizeof list, "%s", values);
	for (char *v = strtok_r(list, ",", &save); v;
	     v = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(v);
		bool prefix = n > 0 && v[n - 1] == '*';
		n -= prefix;
		if ((prefix ? n <= level : n == level) &&
		    strncmp(code, v, n) == 0)
			return true;
	}
	return false;
}

/* Cuts on a function read only the facts in their ranges of codes (in
 * place, or through the department's function index): the totals they
 * give are the sums of the lines they name, counted once, at every
 * level, exact and prefix, overlapping and empty. */
static void test_function_cuts(void **state)
{
	enum { DEPTS = 40 };
	static struct mini_dept d[DEPTS];
	struct bd_apply *changes = calloc(1, sizeof *changes);
	static const struct {
		const char *dim;
		size_t level;
		const char *values;
	} cuts[] = {
	    {"function:class", 3, "201"},
	    {"function:class", 3, "208,212,999"},
	    {"function:section", 5, "20103"},
	    {"function:item", 7, "2010350"},
	    {"function:item", 7, "201*,2010301,20103*"},
	    {"function:item", 7, "2*"},
	    {"function:item", 7, "*"},
	    {"function:section", 5, "2080*,21*"},
	    {"function:class", 3, "9*"},
	};
	(void)state;
	srand(99);
	for (int i = 0; i < DEPTS; i++) {
		random_dept(&d[i], 2023, i);
		/* Half the departments with their lines in code order, as
		 * budgets print them (their facts are read in place), half
		 * in any order (read through an index). */
		for (int j = 1; i % 2 == 0 && j < d[i].n; j++)
			for (int k = j;
			     k > 0 && strcmp(codes[d[i].lines[k - 1].code],
					     codes[d[i].lines[k].code]) > 0;
			     k--) {
				struct mini_line swap = d[i].lines[k];
				d[i].lines[k] = d[i].lines[k - 1];
				d[i].lines[k - 1] = swap;
			}
		apply_mini(&d[i], i + 1, changes);
	}
	for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
		long long expect = 0;
		for (int i = 0; i < DEPTS; i++)
			for (int j = 0; j < d[i].n; j++) {
				const struct mini_line *l = &d[i].lines[j];
				if (code_passes(codes[l->code], cuts[c].level,
						cuts[c].values))
					expect += l->wages + l->goods * 100 +
						  l->operating * 100;
			}
		char request[256];
		snprintf(request, sizeof request,
			 "{\"by\":[\"function:item\",\"source\"],\"year\":"
			 "2023,\"unit\":\"元\",\"where\":[\"%s:%s\"]}",
			 cuts[c].dim, cuts[c].values);
		cJSON *reply = query(request);
		assert_non_null(reply);
		bd_fen total = yuan(reply, "total");
		if (total != expect)
			fail_msg("%s: %lld, expected %lld", request,
				 (long long)total, expect);
		cJSON_Delete(reply);
	}
	free(changes);
}

/* A question (the members of a request, without braces) with the cut
 * given (or none) gets the same reply as the scan gives it: the scan is
 * made by a second cut that lets everything through.  In 元, or in 万元
 * (the default, as the console asks).  Returns the rows. */
static int assert_as_scanned_in(const char *question, const char *cut,
				bool yuan)
{
	const char *unit = yuan ? ",\"unit\":\"元\"" : "";
	char asked[512], scanned[512];
	snprintf(asked, sizeof asked, "{%s%s%s%s%s}", question, unit,
		 cut ? ",\"where\":[\"" : "", cut ? cut : "", cut ? "\"]" : "");
	snprintf(scanned, sizeof scanned,
		 "{%s%s,\"where\":[%s%s%s\"department:*\"]}", question, unit,
		 cut ? "\"" : "", cut ? cut : "", cut ? "\"," : "");
	return assert_same_reply(asked, scanned);
}

static int assert_as_scanned(const char *question, const char *cut)
{
	return assert_as_scanned_in(question, cut, true);
}

/* A drilldown under one function code (a 类 into its 款, a 款 into its 项,
 * a 类's kinds or 主管部门s) is answered from the maintained totals and
 * pairs: the same reply, rows, totals and departments, as the scan gives
 * the same question with a second cut that lets everything through (which
 * makes it a scan). */
static void test_level_cuts(void **state)
{
	enum { DEPTS = 40 };
	static struct mini_dept d[DEPTS];
	struct bd_apply *changes = calloc(1, sizeof *changes);
	static const char *const cuts[] = {
	    "function:class:201",     "function:class:208",
	    "function:class:999",     "function:item:201*",
	    "function:section:20103", "function:section:210*",
	    "function:item:20805*",   "function:item:2010350",
	    "function:class:20*", /* no level: a scan both ways */
	};
	static const char *const questions[] = {
	    "\"by\":[\"function:section\"],\"year\":2023",
	    "\"by\":[\"function:item\"]",
	    "\"by\":[\"year\",\"function:item\"]",
	    "\"by\":[\"function:class\"],\"year\":2024",
	    "\"by\":[\"function:item\"],\"year\":2024,\"change\":true",
	    "\"by\":[\"function:section\",\"year\"],\"sort\":\"amount\"",
	    "\"by\":[\"function:class\",\"kind\"],\"year\":2023",
	    "\"by\":[\"kind\",\"year\",\"function:class\"]",
	    "\"by\":[\"parent\",\"function:class\"],\"year\":2024,"
	    "\"change\":true",
	    "\"by\":[\"function:item\",\"source\"]",
	    "\"by\":[\"source\",\"year\",\"function:item\"],\"year\":2024",
	};
	(void)state;
	srand(7);
	for (int year = 2023; year <= 2024; year++)
		for (int i = 0; i < DEPTS; i++) {
			random_dept(&d[i], year, i);
			apply_mini(&d[i], (year - 2023) * DEPTS + i + 1,
				   changes);
		}
	int rows = 0;
	for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++)
		for (size_t q = 0; q < sizeof questions / sizeof *questions;
		     q++)
			rows += assert_as_scanned(questions[q], cuts[c]);
	assert_true(rows > 100); /* the cuts were not all empty */
	/* Without a cut too, whatever the dimensions' order, and with the
	 * year asked twice. */
	static const char *const uncut[] = {
	    "\"by\":[\"year\",\"year\"]",
	    "\"by\":[\"year\",\"department\"]",
	    "\"by\":[\"function:section\",\"year\"],\"year\":2024",
	    "\"by\":[\"kind\",\"year\",\"function:class\"]",
	};
	for (size_t q = 0; q < sizeof uncut / sizeof *uncut; q++)
		assert_true(assert_as_scanned(uncut[q], NULL) > 0);
	free(changes);
}

/* A row's key as its parts in the order of "by", joined by \x1f: the
 * order an answer's rows must come in. */
static void row_key(const cJSON *row, const cJSON *by, char *buf, size_t size)
{
	size_t len = 0;
	const cJSON *dim;
	buf[0] = '\0';
	cJSON_ArrayForEach(dim, by)
	{
		const cJSON *part = cJSON_GetObjectItem(
		    cJSON_GetObjectItem(row, "key"), dim->valuestring);
		assert_true(cJSON_IsString(part));
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					len ? "\x1f" : "", part->valuestring);
		assert_true(len < size);
	}
}

/* The rows of an answer come by key (or largest amount first, ties by
 * key), whether the keys differ in their first eight bytes or only after
 * them (a year before the department), from maintained totals or a scan. */
static void test_answer_order(void **state)
{
	enum { DEPTS = 700 };
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	static bool taken[1000000];
	srand(11);
	for (int i = 0; i < DEPTS; i++) {
		/* Codes at random, many alike in their first digits; amounts
		 * from eight values; a third of the departments in a second
		 * year. */
		int code;
		do
			code = rand() % 1000000;
		while (taken[code]);
		taken[code] = true;
		for (int year = 2023; year <= 2024; year++) {
			if (year == 2024 && i % 3 != 0)
				continue;
			struct mini_dept d = {.year = year, .n = 1};
			snprintf(d.code, sizeof d.code, "%06d", code);
			d.lines[0] = (struct mini_line){
			    .code = i % 10, .wages = 100 * (1 + rand() % 8)};
			apply_mini(&d, i + 1, changes);
		}
	}
	static const char *const questions[] = {
	    "{\"by\":[\"department\"],\"year\":2023,\"unit\":\"元\"}",
	    "{\"by\":[\"department\"],\"year\":2023,\"unit\":\"元\","
	    "\"sort\":\"amount\"}",
	    "{\"by\":[\"department\"],\"unit\":\"元\"}",
	    "{\"by\":[\"year\",\"department\"],\"unit\":\"元\"}",
	    "{\"by\":[\"department\",\"year\"],\"unit\":\"元\"}",
	    "{\"by\":[\"year\",\"department\"],\"unit\":\"元\","
	    "\"sort\":\"amount\"}",
	    "{\"by\":[\"function:item\",\"department\"],\"unit\":\"元\","
	    "\"year\":2024}",
	};
	static const int expected_rows[] = {
	    DEPTS, DEPTS, DEPTS, DEPTS + 234, DEPTS + 234, DEPTS + 234, 234};
	for (size_t k = 0; k < sizeof questions / sizeof *questions; k++) {
		bool by_amount = strstr(questions[k], "amount") != NULL;
		cJSON *r = query(questions[k]);
		assert_non_null(r);
		const cJSON *rows = cJSON_GetObjectItem(r, "rows");
		const cJSON *by = cJSON_GetObjectItem(r, "by");
		assert_int_equal(cJSON_GetArraySize(rows), expected_rows[k]);
		char last_key[256] = "", key[256];
		bd_fen last_amount = 0;
		const cJSON *row;
		int n = 0;
		cJSON_ArrayForEach(row, rows)
		{
			row_key(row, by, key, sizeof key);
			bd_fen amount = yuan(row, "amount");
			if (n++ > 0) {
				bool tie = !by_amount || amount == last_amount;
				if (by_amount && amount > last_amount)
					fail_msg(
					    "%s: %s (%lld) after %s (%lld)",
					    questions[k], key,
					    (long long)amount, last_key,
					    (long long)last_amount);
				if (tie && strcmp(last_key, key) >= 0)
					fail_msg("%s: %s after %s",
						 questions[k], key, last_key);
			}
			snprintf(last_key, sizeof last_key, "%s", key);
			last_amount = amount;
		}
		cJSON_Delete(r);
	}
	free(changes);
}

/* The rows of a one-dimension answer are kept rendered between questions
 * (rendered.c): asked again after departments are revised, emptied,
 * filled again and added, each answer is still the scan's, byte for byte,
 * in either unit and paged.  The kept questions fit the slots; in one
 * round others evict them. */
static void test_rendered_rows(void **state)
{
	enum { DEPTS = 40, FIRST = 30 };
	static struct mini_dept d[2][DEPTS];
	struct bd_apply *changes = calloc(1, sizeof *changes);
	static const struct {
		const char *question;
		bool yuan;
	} kept[] = {
	    {"\"by\":[\"department\"],\"year\":2023", true},
	    {"\"by\":[\"function:item\"],\"year\":2023,\"offset\":3,"
	     "\"limit\":5",
	     true},
	    {"\"by\":[\"economic:class\"],\"year\":2024", false},
	    {"\"by\":[\"department\"],\"year\":2024,\"offset\":2", false},
	};
	static const char *const others[] = {
	    "\"by\":[\"source\"],\"year\":2024",
	    "\"by\":[\"parent\"],\"year\":2023",
	    "\"by\":[\"kind\"],\"year\":2024,\"limit\":0",
	    "\"by\":[\"function:class\"],\"year\":2023",
	    "\"by\":[\"department\"],\"year\":2023",
	};
	(void)state;
	srand(99);
	int64_t number = 0;
	for (int y = 0; y < 2; y++)
		for (int i = 0; i < FIRST; i++) {
			random_dept(&d[y][i], 2023 + y, i);
			apply_mini(&d[y][i], ++number, changes);
		}
	int rows = 0;
	for (int round = 0; round < 6; round++) {
		for (size_t q = 0; q < sizeof kept / sizeof *kept; q++)
			rows += assert_as_scanned_in(kept[q].question, NULL,
						     kept[q].yuan);
		for (size_t q = 0;
		     round == 3 && q < sizeof others / sizeof *others; q++)
			for (int yuan = 0; yuan < 2; yuan++)
				rows +=
				    assert_as_scanned_in(others[q], NULL, yuan);
		for (int k = 0; k < 6; k++) {
			int y = rand() % 2, i = rand() % FIRST;
			switch (round) {
			case 0: /* revised: their totals move */
			case 3:
				random_dept(&d[y][i], 2023 + y, i);
				break;
			case 1: /* emptied: their rows go */
				d[y][i].n = 0;
				break;
			case 2: /* and filled again: they come back */
				random_dept(&d[y][i], 2023 + y, i);
				d[y][i].n = d[y][i].n ? d[y][i].n : 1;
				break;
			default: /* new departments: the maps gain keys */
				i = FIRST + (round - 4) * 6 + k;
				if (i >= DEPTS)
					continue;
				random_dept(&d[y][i], 2023 + y, i);
			}
			apply_mini(&d[y][i], ++number, changes);
		}
	}
	assert_true(rows > 300); /* the answers were not all empty */
	free(changes);
}

static void test_random_district(void **state)
{
	enum { DEPTS = 40, REVISIONS = 400 };
	static struct mini_dept current[2][DEPTS];
	static bool present[2][DEPTS];
	struct bd_apply *changes = calloc(1, sizeof *changes);
	(void)state;
	srand(4242);
	for (int r = 0; r < REVISIONS; r++) {
		int y = rand() % 2, i = rand() % DEPTS;
		random_dept(&current[y][i], 2023 + y, i);
		present[y][i] = true;
		/* Every third without a collector, as a rebuild applies. */
		apply_mini(&current[y][i], r + 1, r % 3 == 2 ? NULL : changes);

		if (r % 50 != 49)
			continue;
		/* Independent sums: by function:class for 2023, cut to source.
		 */
		for (int c = 0; c < 10; c++) {
			char class_code[4];
			snprintf(class_code, sizeof class_code, "%.3s",
				 codes[c]);
			long long expect = 0;
			for (int k = 0; k < DEPTS; k++) {
				if (!present[0][k])
					continue;
				for (int j = 0; j < current[0][k].n; j++) {
					const struct mini_line *l =
					    &current[0][k].lines[j];
					if (strncmp(codes[l->code], class_code,
						    3) == 0 &&
					    l->source == 0)
						expect += l->wages +
							  l->goods * 100 +
							  l->operating * 100;
				}
			}
			cJSON *reply =
			    query("{\"by\":[\"function:class\"],\"year\":2023,"
				  "\"unit\":\"元\",\"where\":[\"source:general_"
				  "budget\"]}");
			assert_int_equal(
			    row_amount(reply, "function:class", class_code),
			    expect);
			cJSON_Delete(reply);
		}
		/* And by kind across both years, cut by a function prefix set.
		 */
		long long personnel = 0;
		for (int y2 = 0; y2 < 2; y2++)
			for (int k = 0; k < DEPTS; k++)
				for (int j = 0;
				     present[y2][k] && j < current[y2][k].n;
				     j++) {
					const struct mini_line *l =
					    &current[y2][k].lines[j];
					if (codes[l->code][0] == '2' &&
					    (strncmp(codes[l->code], "201",
						     3) == 0 ||
					     strncmp(codes[l->code], "221",
						     3) == 0))
						personnel += l->wages;
				}
		cJSON *reply = query("{\"by\":[\"kind\"],\"unit\":\"元\","
				     "\"where\":[\"function:201*,221*\"]}");
		assert_int_equal(row_amount(reply, "kind", "basic.personnel"),
				 personnel);
		cJSON_Delete(reply);
		assert_maintained_equals_scan();
	}
	free(changes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_revisions_move_totals_by_the_difference, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_project_kinds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_change_three_public_projects,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_three_public_rows_in_key_order,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parent_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_level_cuts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_function_cuts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_answer_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rendered_rows, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_random_district, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
