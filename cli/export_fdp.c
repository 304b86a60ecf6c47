/* budgetctl export fdp: the year's expenditure as a Fiscal Data Package
 * (datapackage.json + one CSV), the open format OpenSpending loads.
 *
 * One row per department × function 项 × economic 类 × source, with one
 * measure per kind of expenditure and their sum; the classification
 * dimensions carry their parents (类 → 款 → 项, 主管部门 → 部门) and their
 * names.  Amounts are exact decimals of 元, never floats.
 *
 * The rows come from the expenditure lines of each department's latest
 * accepted revision (the show op), so every amount keeps its function:
 * its economic 类 is the one its column stands for (工资福利 301, 商品和
 * 服务 302, 对个人和家庭的补助 303, 资本性 310), and "-" where the
 * department published the amount unsplit or as project spending.  The
 * totals op's own economic view swaps a department's economic table in for
 * its basic lines, and so loses their function; a cube must not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budgetctl.h"
#include "catalog_names.h"
#include "departments.h"
#include "arena.h"
#include "grow.h"
#include "model.h"
#include "money.h"
#include "sheet.h"

/* The measures: the kinds of the totals op, then their sum. */
static const struct {
	const char *kind, *measure, *title;
} kinds[] = {
    {"basic.personnel", "basic_personnel", "基本支出：人员经费"},
    {"basic.public", "basic_public", "基本支出：公用经费"},
    {"basic.unsplit", "basic_unsplit", "基本支出（未细分）"},
    {"project.operating", "project_operating", "项目支出：其他运转类"},
    {"project.targeted", "project_targeted", "项目支出：特定目标类"},
    {"project.unsplit", "project_unsplit", "项目支出（未细分）"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static const struct {
	const char *key, *title;
} sources[] = {
    {"general_budget", "一般公共预算"},
    {"fund_budget", "政府性基金预算"},
    {"state_capital", "国有资本经营预算"},
    {"special_account", "财政专户管理资金"},
    {"business", "事业收入"},
    {"operating", "事业单位经营收入"},
    {"superior_subsidy", "上级补助收入"},
    {"affiliated", "附属单位上缴收入"},
    {"other", "其他收入"},
    {"carryover", "上年结转"},
};

struct fact {
	char department[16], function[8], economic[4];
	const char *source; /* static */
	bd_fen measure[N_KINDS];
};

static int fact_order(const void *a, const void *b)
{
	const struct fact *x = a, *y = b;
	int c = strcmp(x->department, y->department);
	if (c == 0)
		c = strcmp(x->function, y->function);
	if (c == 0)
		c = strcmp(x->economic, y->economic);
	if (c == 0)
		c = strcmp(x->source, y->source);
	return c;
}

static const char *source_title(const char *key)
{
	for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
		if (strcmp(sources[i].key, key) == 0)
			return sources[i].title;
	return key;
}

struct fdp_run {
	struct options *o;
	struct names function, economic;
	cJSON *departments; /* the departments op's list */
	struct departments
	    by_code; /* each row looks itself and its 主管部门 up */
	struct fact *facts;
	size_t n_facts, cap_facts;
};

static const cJSON *department_of(const struct fdp_run *x, const char *code)
{
	return departments_get(&x->by_code, code);
}

static cJSON *ask(struct options *o, cJSON *request, const char *what)
{
	cJSON *reply = ctl_call(o, request);
	if (reply == NULL)
		return NULL;
	if (!ctl_reply_ok(reply)) {
		ctl_print_error(what, reply);
		cJSON_Delete(reply);
		return NULL;
	}
	return reply;
}

static int add_fact(struct fdp_run *x, const char *department,
		    const struct bd_line *l, enum bd_column column)
{
	if (GROW(x->facts, x->cap_facts, x->n_facts + 1, 1024) < 0)
		return -ENOMEM;
	const char *kind = bd_column_kind(column);
	size_t k = 0;
	while (k < N_KINDS && strcmp(kinds[k].kind, kind) != 0)
		k++;
	if (k == N_KINDS)
		return -EPROTO;
	const char *economic = bd_column_economic_class(column);
	struct fact *f = &x->facts[x->n_facts++];
	memset(f, 0, sizeof *f);
	snprintf(f->department, sizeof f->department, "%s", department);
	snprintf(f->function, sizeof f->function, "%s", l->function);
	snprintf(f->economic, sizeof f->economic, "%s",
		 *economic ? economic : "-");
	f->source = bd_source_key(l->source);
	f->measure[k] = l->column[column];
	return 0;
}

/* The facts of one department's document: a fact per line and column. */
static int add_document(struct fdp_run *x, const char *code,
			const cJSON *document)
{
	struct arena arena;
	arena_init(&arena);
	struct bd_submission *sub = NULL;
	char why[512];
	int rc = model_parse_brief(document, &arena, &sub, why, sizeof why);
	for (size_t i = 0; rc == 0 && i < sub->n_lines; i++)
		for (int c = 0; rc == 0 && c < BD_COL_COUNT; c++)
			if (sub->lines[i].column[c] != 0)
				rc = add_fact(x, code, &sub->lines[i],
					      (enum bd_column)c);
	arena_release(&arena);
	if (rc == -EINVAL)
		fprintf(stderr,
			"budgetctl: export fdp: department %s: the stored "
			"document does not parse: %s\n",
			code, why);
	return rc;
}

/* Sorts the facts and merges those of one key, kinds side by side. */
static void merge_facts(struct fdp_run *x)
{
	if (x->n_facts == 0)
		return;
	qsort(x->facts, x->n_facts, sizeof *x->facts, fact_order);
	size_t merged = 0;
	for (size_t i = 0; i < x->n_facts; i++) {
		if (merged > 0 &&
		    fact_order(&x->facts[merged - 1], &x->facts[i]) == 0) {
			for (size_t k = 0; k < N_KINDS; k++)
				x->facts[merged - 1].measure[k] +=
				    x->facts[i].measure[k];
			continue;
		}
		x->facts[merged++] = x->facts[i];
	}
	x->n_facts = merged;
}

/* Every department of the year, its latest accepted document. */
static int collect_facts(struct fdp_run *x)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, x->departments)
	{
		const char *code = ctl_str(d, "code");
		cJSON *req = ctl_request(x->o, "show");
		cJSON_AddStringToObject(req, "department", code);
		cJSON_AddNumberToObject(req, "year", x->o->year);
		cJSON *reply = ask(x->o, req, "export fdp");
		if (reply == NULL)
			return -EPROTO;
		int rc = add_document(
		    x, code,
		    cJSON_GetObjectItemCaseSensitive(reply, "document"));
		cJSON_Delete(reply);
		if (rc < 0)
			return rc;
	}
	merge_facts(x);
	return 0;
}

static const char *const columns[] = {
    "fiscal_year",	   "parent_code",	    "parent_name",
    "department_code",	   "department_name",	    "function_class_code",
    "function_class_name", "function_section_code", "function_section_name",
    "function_item_code",  "function_item_name",    "economic_class_code",
    "economic_class_name", "source_code",	    "source_name",
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])

static void put_amount(FILE *f, bd_fen fen)
{
	char a[MONEY_TEXT_MAX];
	money_format(fen, BD_UNIT_YUAN, a, sizeof a);
	fputc(',', f);
	fputs(a, f);
}

static int write_csv(struct fdp_run *x, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	for (size_t c = 0; c < N_COLUMNS; c++)
		fprintf(f, "%s%s", c ? "," : "", columns[c]);
	for (size_t k = 0; k < N_KINDS; k++)
		fprintf(f, ",%s", kinds[k].measure);
	fputs(",amount\n", f);
	char year[8];
	snprintf(year, sizeof year, "%d", x->o->year);
	const char *last = NULL;
	const cJSON *d = NULL, *p = NULL;
	const char *parent = "";
	for (size_t i = 0; i < x->n_facts; i++) {
		const struct fact *fa = &x->facts[i];
		/* The facts come sorted by department: look each up once. */
		if (last == NULL || strcmp(last, fa->department) != 0) {
			last = fa->department;
			d = department_of(x, fa->department);
			parent = d ? ctl_str(d, "parent") : "";
			p = *parent ? department_of(x, parent) : NULL;
		}
		char class_code[4], section_code[6];
		snprintf(class_code, sizeof class_code, "%.3s", fa->function);
		snprintf(section_code, sizeof section_code, "%.5s",
			 fa->function);
		const char *economic_name =
		    strcmp(fa->economic, "-") == 0
			? "项目支出（未按经济分类细化）"
			: names_get(&x->economic, fa->economic);
		const char *cells[N_COLUMNS] = {
		    year,
		    parent,
		    p ? ctl_str(p, "name") : "",
		    fa->department,
		    d ? ctl_str(d, "name") : "",
		    class_code,
		    names_get(&x->function, class_code),
		    section_code,
		    names_get(&x->function, section_code),
		    fa->function,
		    names_get(&x->function, fa->function),
		    fa->economic,
		    economic_name,
		    fa->source,
		    source_title(fa->source),
		};
		bd_fen sum = 0;
		for (size_t c = 0; c < N_COLUMNS; c++) {
			if (c)
				fputc(',', f);
			sheet_csv_field(f, cells[c]);
		}
		for (size_t k = 0; k < N_KINDS; k++) {
			put_amount(f, fa->measure[k]);
			sum += fa->measure[k];
		}
		put_amount(f, sum);
		fputc('\n', f);
	}
	int rc = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

/* ---- datapackage.json ---- */

static cJSON *attribute(cJSON *attributes, const char *name, const char *source,
			const char *labelfor, const char *parent)
{
	cJSON *a = cJSON_AddObjectToObject(attributes, name);
	cJSON_AddStringToObject(a, "source", source);
	if (labelfor)
		cJSON_AddStringToObject(a, "labelfor", labelfor);
	if (parent)
		cJSON_AddStringToObject(a, "parent", parent);
	return a;
}

static cJSON *dimension(cJSON *dimensions, const char *name, const char *type,
			const char *classification, const char *key)
{
	cJSON *d = cJSON_AddObjectToObject(dimensions, name);
	cJSON_AddStringToObject(d, "dimensionType", type);
	if (classification)
		cJSON_AddStringToObject(d, "classificationType",
					classification);
	cJSON *pk = cJSON_AddArrayToObject(d, "primaryKey");
	cJSON_AddItemToArray(pk, cJSON_CreateString(key));
	return cJSON_AddObjectToObject(d, "attributes");
}

static void field(cJSON *fields, const char *name, const char *type,
		  const char *title)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "type", type);
	if (title)
		cJSON_AddStringToObject(f, "title", title);
	if (strcmp(type, "number") == 0) {
		cJSON_AddStringToObject(f, "decimalChar", ".");
		cJSON_AddStringToObject(f, "groupChar", "");
	}
	cJSON_AddItemToArray(fields, f);
}

static cJSON *descriptor(const struct fdp_run *x)
{
	int year = x->o->year;
	char text[160];
	cJSON *dp = cJSON_CreateObject();
	snprintf(text, sizeof text, "district-budget-expenditure-%d", year);
	cJSON_AddStringToObject(dp, "name", text);
	snprintf(text, sizeof text, "%d 年区级部门预算支出", year);
	cJSON_AddStringToObject(dp, "title", text);
	cJSON_AddStringToObject(dp, "profile", "fiscal-data-package");
	cJSON *profiles = cJSON_AddObjectToObject(dp, "profiles");
	cJSON_AddStringToObject(profiles, "fiscal", "*");
	cJSON_AddStringToObject(profiles, "tabular", "*");
	cJSON_AddStringToObject(dp, "countryCode", "CN");
	cJSON_AddStringToObject(dp, "granularity", "aggregated");
	cJSON *period = cJSON_AddObjectToObject(dp, "fiscalPeriod");
	snprintf(text, sizeof text, "%d-01-01", year);
	cJSON_AddStringToObject(period, "start", text);
	snprintf(text, sizeof text, "%d-12-31", year);
	cJSON_AddStringToObject(period, "end", text);
	cJSON_AddStringToObject(
	    dp, "description",
	    "The latest accepted revision of every department's budget, by "
	    "department, function (类/款/项), economic class, source of funds "
	    "and kind of expenditure, in 元 exact to the 分, written by "
	    "budgetd.");

	cJSON *resources = cJSON_AddArrayToObject(dp, "resources");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToArray(resources, r);
	cJSON_AddStringToObject(r, "name", "expenditure");
	cJSON_AddStringToObject(r, "path", "expenditure.csv");
	cJSON_AddStringToObject(r, "profile", "tabular-data-resource");
	cJSON_AddStringToObject(r, "format", "csv");
	cJSON_AddStringToObject(r, "mediatype", "text/csv");
	cJSON_AddStringToObject(r, "encoding", "utf-8");
	cJSON *schema = cJSON_AddObjectToObject(r, "schema");
	cJSON *fields = cJSON_AddArrayToObject(schema, "fields");
	field(fields, "fiscal_year", "integer", "预算年度");
	for (size_t c = 1; c < N_COLUMNS; c++)
		field(fields, columns[c], "string", NULL);
	for (size_t k = 0; k < N_KINDS; k++)
		field(fields, kinds[k].measure, "number", kinds[k].title);
	field(fields, "amount", "number", "合计");
	cJSON *pk = cJSON_AddArrayToObject(schema, "primaryKey");
	static const char *const keys[] = {
	    "department_code", "function_item_code", "economic_class_code",
	    "source_code"};
	for (size_t i = 0; i < 4; i++)
		cJSON_AddItemToArray(pk, cJSON_CreateString(keys[i]));

	cJSON *model = cJSON_AddObjectToObject(dp, "model");
	cJSON *measures = cJSON_AddObjectToObject(model, "measures");
	for (size_t k = 0; k <= N_KINDS; k++) {
		const char *name = k < N_KINDS ? kinds[k].measure : "amount";
		cJSON *m = cJSON_AddObjectToObject(measures, name);
		cJSON_AddStringToObject(m, "source", name);
		cJSON_AddStringToObject(m, "currency", "CNY");
		cJSON_AddNumberToObject(m, "factor", 1);
		cJSON_AddStringToObject(m, "resource", "expenditure");
		cJSON_AddStringToObject(m, "direction", "expenditure");
		cJSON_AddStringToObject(m, "phase", "proposed");
		cJSON_AddStringToObject(m, "title",
					k < N_KINDS ? kinds[k].title : "合计");
	}
	cJSON *dims = cJSON_AddObjectToObject(model, "dimensions");
	cJSON *a = dimension(dims, "fiscal_year", "datetime", NULL, "year");
	attribute(a, "year", "fiscal_year", NULL, NULL);
	a = dimension(dims, "administrative_classification", "classification",
		      "administrative", "code");
	attribute(a, "parent_code", "parent_code", NULL, NULL);
	attribute(a, "parent_name", "parent_name", "parent_code", NULL);
	attribute(a, "code", "department_code", NULL, "parent_code");
	attribute(a, "name", "department_name", "code", NULL);
	a = dimension(dims, "functional_classification", "classification",
		      "functional", "code");
	attribute(a, "class_code", "function_class_code", NULL, NULL);
	attribute(a, "class_name", "function_class_name", "class_code", NULL);
	attribute(a, "section_code", "function_section_code", NULL,
		  "class_code");
	attribute(a, "section_name", "function_section_name", "section_code",
		  NULL);
	attribute(a, "code", "function_item_code", NULL, "section_code");
	attribute(a, "name", "function_item_name", "code", NULL);
	a = dimension(dims, "economic_classification", "classification",
		      "economic", "code");
	attribute(a, "code", "economic_class_code", NULL, NULL);
	attribute(a, "name", "economic_class_name", "code", NULL);
	/* The source of funds is the account the money is spent from. */
	a = dimension(dims, "source", "entity", NULL, "id");
	attribute(a, "id", "source_code", NULL, NULL);
	attribute(a, "title", "source_name", "id", NULL);
	return dp;
}

int export_fdp(struct options *o)
{
	if (o->year == 0 || o->output == NULL) {
		fprintf(stderr,
			"budgetctl: export fdp needs --year and -o DIR\n");
		return EXIT_USAGE;
	}
	struct fdp_run x = {.o = o};
	cJSON *req = ctl_request(o, "departments");
	cJSON_AddNumberToObject(req, "year", o->year);
	cJSON *depts = ask(o, req, "export fdp");
	if (depts == NULL)
		return EXIT_USAGE;
	x.departments = cJSON_GetObjectItemCaseSensitive(depts, "departments");
	int rc = departments_index(&x.by_code, x.departments);
	if (rc == 0)
		rc = collect_facts(&x);
	if (rc == -ENOMEM)
		fprintf(stderr, "budgetctl: export fdp: out of memory\n");
	load_catalog_names(o, o->year, &x.function, &x.economic);
	char path[4200];
	const char *failed = NULL;
	if (rc == 0 && mkdir(o->output, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		failed = o->output;
	}
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/expenditure.csv", o->output);
		rc = write_csv(&x, path);
		failed = path;
	}
	if (rc == 0) {
		cJSON *dp = descriptor(&x);
		char *json = cJSON_Print(dp);
		cJSON_Delete(dp);
		snprintf(path, sizeof path, "%s/datapackage.json", o->output);
		rc = json ? ctl_write_file(path, json, strlen(json)) : -ENOMEM;
		free(json);
	}
	if (rc < 0 && rc != -EPROTO && rc != -EINVAL && rc != -ENOMEM)
		fprintf(stderr, "budgetctl: export fdp: %s: %s\n",
			failed ? failed : o->output, strerror(-rc));
	else if (rc == 0 && !o->json)
		printf("%s: datapackage.json, expenditure.csv (%zu rows)\n",
		       o->output, x.n_facts);
	free(x.facts);
	departments_free(&x.by_code);
	names_free(&x.function);
	names_free(&x.economic);
	cJSON_Delete(depts);
	return rc == 0 ? EXIT_OK : EXIT_REJECTED;
}
