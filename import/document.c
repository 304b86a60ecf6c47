/*
 * The document being built: amounts in the document's unit, the figures a
 * budget prints once and again, and at the end the budget-submission/1
 * object with its self-check against what was printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "model.h"
#include "money.h"
#include "utf8.h"

void imp_fmt(const struct importer *im, int64_t fen, char *buf, size_t n)
{
	if (money_format(fen, im->wanyuan ? BD_UNIT_WANYUAN : BD_UNIT_YUAN, buf,
			 n) < 0)
		snprintf(buf, n, "?");
}

const char *imp_unit_name(const struct importer *im)
{
	return im->wanyuan ? "万元" : "元";
}

void imp_add_amount(const struct importer *im, cJSON *o, const char *key,
		    int64_t fen)
{
	char buf[MONEY_TEXT_MAX];
	imp_fmt(im, fen, buf, sizeof buf);
	cJSON_AddStringToObject(o, key, buf);
}

void imp_set_printed(struct importer *im, struct printed *p, int64_t fen,
		     const struct imp_line *at, const char *what)
{
	if (p->have && p->fen != fen) {
		char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
		imp_fmt(im, p->fen, a, sizeof a);
		imp_fmt(im, fen, b, sizeof b);
		imp_warning(im->r, at,
			    "%s printed twice, %s and %s %s; the first is kept",
			    what, a, b, imp_unit_name(im));
		return;
	}
	p->fen = fen;
	p->have = true;
}

int imp_cell_fen(struct importer *im, const struct imp_table *t,
		 const struct imp_line *l, const struct imp_cell *c,
		 int64_t *fen)
{
	if (imp_amount_fen(&c->amount, t->wanyuan, fen) == 0)
		return 0;
	imp_problem(im->r, l,
		    "amount \"%s\" has decimals finer than 1 分 or is out of "
		    "range",
		    c->text);
	return -ERANGE;
}

void imp_put_class(struct importer *im, struct by_class *list, int *n,
		   const char *code, int64_t fen, const struct imp_line *at)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(list[i].code, code) == 0) {
			if (list[i].fen != fen)
				imp_warning(im->r, at,
					    "类 %s printed twice with "
					    "different amounts; the first is "
					    "kept",
					    code);
			return;
		}
	if (*n < MAX_CLASSES) {
		snprintf(list[*n].code, sizeof list[*n].code, "%s", code);
		list[(*n)++].fen = fen;
	}
}

static const struct imp_coded_row *root_row(const struct importer *im,
					    enum imp_table_kind kind)
{
	int k = imp_find_row(im->rows[kind], im->n_rows[kind], "", 0);
	return k >= 0 ? &im->rows[kind][k] : NULL;
}

static void add_printed(const struct importer *im, cJSON *o, const char *key,
			struct printed p)
{
	if (p.have)
		imp_add_amount(im, o, key, p.fen);
}

/* A 三公 figure in the 三公 table's own unit, with the decimals it was
 * printed with (6.4 万元 stays "6.4", not "6.40"): its precision is part
 * of what it says. */
static void add_three_public(const struct importer *im, cJSON *o,
			     const char *key, struct printed p)
{
	if (!p.have)
		return;
	if (im->tp_wanyuan == im->wanyuan) {
		imp_add_amount(im, o, key, p.fen);
		return;
	}
	char buf[MONEY_TEXT_MAX];
	if (money_format(p.fen, im->tp_wanyuan ? BD_UNIT_WANYUAN : BD_UNIT_YUAN,
			 buf, sizeof buf) < 0)
		return;
	char *dot = strchr(buf, '.');
	if (dot != NULL) {
		size_t keep = (size_t)(dot - buf) + 1 + (size_t)im->tp_decimals;
		size_t len = strlen(buf);
		while (len > keep && buf[len - 1] == '0')
			buf[--len] = '\0';
		if (buf[len - 1] == '.')
			buf[--len] = '\0';
	}
	cJSON_AddStringToObject(o, key, buf);
}

/*
 * "一、财政拨款收入 1,000.00" with no 一般公共预算 / 政府性基金 lines under
 * it: its parts follow from the expenditure lines each source funds, the
 * 政府性基金 and 国有资本经营 lines, and the rest is 一般公共预算.
 */
static void fiscal_without_parts(struct importer *im)
{
	if (!im->fiscal_subtotal.have ||
	    im->income[BD_SOURCE_GENERAL_BUDGET].have ||
	    im->income[BD_SOURCE_FUND_BUDGET].have ||
	    im->income[BD_SOURCE_STATE_CAPITAL].have)
		return;
	int64_t spent[BD_SOURCE_COUNT] = {0};
	const cJSON *l;
	cJSON_ArrayForEach(l, im->lines)
	{
		enum bd_source source = BD_SOURCE_GENERAL_BUDGET;
		const cJSON *src = cJSON_GetObjectItem(l, "source");
		if (cJSON_IsString(src))
			model_source_from_key(src->valuestring, &source);
		const char *parts[] = {"basic", "project"};
		for (int k = 0; k < 2; k++) {
			const cJSON *o;
			cJSON_ArrayForEach(o, cJSON_GetObjectItem(l, parts[k]))
			{
				struct imp_amount a;
				int64_t fen;
				if (cJSON_IsString(o) &&
				    imp_amount_parse(o->valuestring, &a) == 0 &&
				    imp_amount_fen(&a, im->wanyuan, &fen) == 0)
					spent[source] += fen;
			}
		}
	}
	int64_t rest = im->fiscal_subtotal.fen - spent[BD_SOURCE_FUND_BUDGET] -
		       spent[BD_SOURCE_STATE_CAPITAL];
	if (rest < 0)
		return; /* the lines say otherwise: left for the audit */
	im->income[BD_SOURCE_GENERAL_BUDGET] = (struct printed){rest, true};
	if (spent[BD_SOURCE_FUND_BUDGET])
		im->income[BD_SOURCE_FUND_BUDGET] =
		    (struct printed){spent[BD_SOURCE_FUND_BUDGET], true};
	if (spent[BD_SOURCE_STATE_CAPITAL])
		im->income[BD_SOURCE_STATE_CAPITAL] =
		    (struct printed){spent[BD_SOURCE_STATE_CAPITAL], true};
	char a[MONEY_TEXT_MAX];
	imp_fmt(im, rest, a, sizeof a);
	imp_warning(im->r, NULL,
		    "财政拨款收入 is printed without its parts; the 政府性基金 "
		    "and 国有资本经营 parts are taken from the lines they fund "
		    "and the rest, %s %s, as 一般公共预算",
		    a, imp_unit_name(im));
}

/* 本年收入合计, or 收入总计 less what was carried over and the balance
 * used. */
static struct printed year_income(const struct importer *im)
{
	if (im->income_year.have || !im->income_grand.have)
		return im->income_year;
	return (struct printed){im->income_grand.fen -
				    im->income[BD_SOURCE_CARRYOVER].fen -
				    im->balance_used.fen,
				true};
}

/* 本年支出合计, or 支出总计 less what is carried forward. */
static struct printed year_expenditure(const struct importer *im)
{
	if (im->expenditure_year.have || !im->expenditure_grand.have)
		return im->expenditure_year;
	return (struct printed){
	    im->expenditure_grand.fen - im->carry_forward.fen, true};
}

static void add_classes(const struct importer *im, cJSON *o,
			const struct by_class *list, int n)
{
	if (n == 0)
		return;
	cJSON *c = cJSON_AddObjectToObject(o, "expenditure_by_class");
	for (int i = 0; i < n; i++)
		imp_add_amount(im, c, list[i].code, list[i].fen);
}

/* The parts of the total row, each stated only where it was printed: a
 * blank cell says the part was not published, which is not a zero. */
static void stated_parts(struct importer *im, const struct imp_coded_row *row)
{
	const int64_t *v = row->value;
	const bool *printed = row->present;
	im->personnel = (struct printed){v[2] + v[3], printed[2] || printed[3]};
	im->public_ = (struct printed){v[4] + v[5], printed[4] || printed[5]};
	im->operating = (struct printed){v[7], printed[7]};
	im->targeted = (struct printed){v[8], printed[8]};
}

void imp_stated_from_tables(struct importer *im)
{
	const struct imp_coded_row *all = root_row(im, IMP_T_EXPENDITURE);
	const struct imp_coded_row *gen = root_row(im, IMP_T_GENERAL);
	bool detailed = false;
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == IMP_T_GENERAL)
			detailed |= im->tables[k].detailed;
	bool all_detailed = false;
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == IMP_T_EXPENDITURE)
			all_detailed |= im->tables[k].detailed;
	if (all && all->known && all_detailed) {
		const int64_t *v = all->value;
		im->basic_total = (struct printed){v[1], true};
		im->project_total = (struct printed){v[6], true};
		stated_parts(im, all);
	} else if (all && all->known) {
		im->basic_total = (struct printed){all->basic, true};
		im->project_total = (struct printed){all->project, true};
	} else if (gen && gen->known && !im->seen[IMP_T_EXPENDITURE]) {
		/* Without an all-source table the fiscal one is all there
		 * is, and it is what the lines hold. */
		const int64_t *v = gen->value;
		im->basic_total =
		    (struct printed){detailed ? v[1] : gen->basic, true};
		im->project_total =
		    (struct printed){detailed ? v[6] : gen->project, true};
		if (detailed)
			stated_parts(im, gen);
	}
}

cJSON *imp_build_document(struct importer *im)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "format", "budget-submission/1");
	cJSON_AddNumberToObject(doc, "year", im->year);
	cJSON_AddStringToObject(doc, "unit", imp_unit_name(im));
	cJSON *dept = cJSON_AddObjectToObject(doc, "department");
	cJSON_AddStringToObject(dept, "code", im->code);
	cJSON_AddStringToObject(dept, "name", im->name);
	if (im->parent[0])
		cJSON_AddStringToObject(dept, "parent", im->parent);
	if (im->previous.have)
		imp_add_amount(im,
			       cJSON_AddObjectToObject(doc, "previous_year"),
			       "total", im->previous.fen);
	fiscal_without_parts(im);
	cJSON *income = cJSON_AddObjectToObject(doc, "income");
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		if (im->income[s].have && im->income[s].fen)
			imp_add_amount(im, income, bd_source_key(s),
				       im->income[s].fen);
	cJSON_AddItemToObject(doc, "expenditure", im->lines);
	im->lines = NULL;
	if (im->overseas.have) {
		cJSON *tp = cJSON_AddObjectToObject(doc, "three_public");
		if (im->tp_wanyuan != im->wanyuan)
			cJSON_AddStringToObject(tp, "unit",
						im->tp_wanyuan ? "万元" : "元");
		add_three_public(im, tp, "overseas", im->overseas);
		add_three_public(im, tp, "vehicle_purchase", im->purchase);
		add_three_public(im, tp, "vehicle_operation", im->operation);
		add_three_public(im, tp, "reception", im->reception);
		add_three_public(im, tp, "total", im->tp_total);
	}
	if (im->economic && cJSON_GetArraySize(im->economic) > 0) {
		cJSON_AddItemToObject(doc, "economic", im->economic);
		im->economic = NULL;
	}
	if (im->n_projects > 0) {
		cJSON *projects = cJSON_AddArrayToObject(doc, "projects");
		for (int i = 0; i < im->n_projects; i++) {
			struct project *p = &im->projects[i];
			cJSON *o = cJSON_CreateObject();
			if (p->code[0])
				cJSON_AddStringToObject(o, "code", p->code);
			cJSON_AddStringToObject(o, "name", p->name);
			if (p->function[0])
				cJSON_AddStringToObject(o, "function",
							p->function);
			if (p->kind)
				cJSON_AddStringToObject(o, "kind", p->kind);
			cJSON *src = cJSON_AddObjectToObject(o, "sources");
			for (int s = 0; s < BD_SOURCE_COUNT; s++)
				if (p->source[s])
					imp_add_amount(im, src,
						       bd_source_key(s),
						       p->source[s]);
			imp_add_amount(im, o, "total", p->total);
			if (p->indicators) {
				cJSON_AddItemToObject(o, "indicators",
						      p->indicators);
				p->indicators = NULL;
			}
			cJSON_AddItemToArray(projects, o);
		}
	}
	cJSON *stated = cJSON_AddObjectToObject(doc, "stated");
	add_printed(im, stated, "income_total", year_income(im));
	add_printed(im, stated, "expenditure_total", year_expenditure(im));
	add_printed(im, stated, "balance_used", im->balance_used);
	add_printed(im, stated, "carry_forward", im->carry_forward);
	add_classes(im, stated, im->classes, im->n_classes);
	add_printed(im, stated, "basic_total", im->basic_total);
	add_printed(im, stated, "personnel_total", im->personnel);
	add_printed(im, stated, "public_total", im->public_);
	add_printed(im, stated, "project_total", im->project_total);
	add_printed(im, stated, "project_operating", im->operating);
	add_printed(im, stated, "project_targeted", im->targeted);
	if (im->appr_income.have || im->appr_expenditure.have ||
	    im->n_appr_classes > 0) {
		cJSON *a = cJSON_AddObjectToObject(stated, "appropriation");
		add_printed(im, a, "income_total", im->appr_income);
		add_printed(im, a, "expenditure_total",
			    im->appr_expenditure.have
				? im->appr_expenditure
				: im->appr_expenditure_year);
		add_classes(im, a, im->appr_classes, im->n_appr_classes);
	}
	add_printed(im, stated, "projects_total", im->projects_total);
	return doc;
}

/* The importer checks its own work against the figures the document
 * prints: a difference here is the document's, or the importer's bug. */
static void compare(struct importer *im, const char *what, struct printed p,
		    int64_t imported)
{
	char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX], label[64];
	/* Padded to 22 columns as a terminal shows them: a Chinese character
	 * takes two. */
	int width = (int)utf8_display_width(what);
	snprintf(label, sizeof label, "%s%*s", what,
		 width < 22 ? 22 - width : 0, "");
	imp_fmt(im, imported, b, sizeof b);
	if (!p.have) {
		imp_say(im->r, "  %s imported %s %s (not printed)", label, b,
			imp_unit_name(im));
		return;
	}
	imp_fmt(im, p.fen, a, sizeof a);
	if (p.fen == imported)
		imp_say(im->r, "  %s printed %s, imported %s: equal", label, a,
			b);
	else
		imp_warning(im->r, NULL,
			    "%s printed %s, the imported items sum to %s %s; "
			    "the audit will report it",
			    what, a, b, imp_unit_name(im));
}

void imp_self_check(struct importer *im, const cJSON *doc)
{
	int64_t total = 0, basic = 0, project = 0, income = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "expenditure"))
	{
		const cJSON *o;
		const char *key = cJSON_GetObjectItem(e, "source")->valuestring;
		(void)key;
		struct imp_amount a;
		int64_t fen;
		if (imp_amount_parse(
			cJSON_GetObjectItem(e, "total")->valuestring, &a) ==
			0 &&
		    imp_amount_fen(&a, im->wanyuan, &fen) == 0)
			total += fen;
		const char *parts[] = {"basic", "project"};
		for (int k = 0; k < 2; k++)
			cJSON_ArrayForEach(o, cJSON_GetObjectItem(e, parts[k]))
			{
				if (imp_amount_parse(o->valuestring, &a) == 0 &&
				    imp_amount_fen(&a, im->wanyuan, &fen) == 0)
					*(k ? &project : &basic) += fen;
			}
	}
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		if (s != BD_SOURCE_CARRYOVER && im->income[s].have)
			income += im->income[s].fen;
	struct printed income_total = year_income(im);
	/* 财政拨款收入, where printed, is the three fiscal sources' sum. */
	int64_t fiscal = im->income[BD_SOURCE_GENERAL_BUDGET].fen +
			 im->income[BD_SOURCE_FUND_BUDGET].fen +
			 im->income[BD_SOURCE_STATE_CAPITAL].fen;
	imp_say(im->r, "checks against the printed figures:");
	if (im->fiscal_subtotal.have)
		compare(im, "财政拨款收入", im->fiscal_subtotal, fiscal);
	compare(im, "income total", income_total, income);
	compare(im, "expenditure total", year_expenditure(im), total);
	compare(im, "basic expenditure", im->basic_total, basic);
	compare(im, "project expenditure", im->project_total, project);
	if (im->tp_total.have)
		compare(im, "三公 total", im->tp_total,
			im->overseas.fen + im->reception.fen +
			    im->purchase.fen + im->operation.fen);
}
