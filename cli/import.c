/*
 * From the tables of a published budget to one budget-submission/1
 * document.  Each table is read for what it alone says; where a layout
 * dropped empty cells, the rows around a row (its 款 and 类, the 合计, the
 * all-source table) decide which column an amount stood in, and when they
 * cannot, the row is reported, not guessed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_doc.h"
#include "money.h"
#include "utf8.h"

/* ---- small helpers ---- */

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

/* ---- the document ---- */

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

static void add_classes(const struct importer *im, cJSON *o,
			const struct by_class *list, int n)
{
	if (n == 0)
		return;
	cJSON *c = cJSON_AddObjectToObject(o, "expenditure_by_class");
	for (int i = 0; i < n; i++)
		imp_add_amount(im, c, list[i].code, list[i].fen);
}

static void stated_from_tables(struct importer *im)
{
	const struct imp_coded_row *all = root_row(im, IMP_T_EXPENDITURE);
	const struct imp_coded_row *gen = root_row(im, IMP_T_GENERAL);
	bool detailed = false;
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == IMP_T_GENERAL)
			detailed |= im->tables[k].detailed;
	if (all && all->known) {
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
		if (detailed) {
			im->personnel = (struct printed){v[2] + v[3], true};
			im->public_ = (struct printed){v[4] + v[5], true};
			im->operating = (struct printed){v[7], true};
			im->targeted = (struct printed){v[8], true};
		}
	}
}

static cJSON *build_document(struct importer *im)
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
	cJSON *income = cJSON_AddObjectToObject(doc, "income");
	for (int s = 0; s < IMP_SRC_COUNT; s++)
		if (im->income[s].have && im->income[s].fen)
			imp_add_amount(im, income, imp_source_key(s),
				       im->income[s].fen);
	cJSON_AddItemToObject(doc, "expenditure", im->lines);
	im->lines = NULL;
	if (im->overseas.have) {
		cJSON *tp = cJSON_AddObjectToObject(doc, "three_public");
		add_printed(im, tp, "overseas", im->overseas);
		add_printed(im, tp, "vehicle_purchase", im->purchase);
		add_printed(im, tp, "vehicle_operation", im->operation);
		add_printed(im, tp, "reception", im->reception);
		add_printed(im, tp, "total", im->tp_total);
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
			cJSON_AddStringToObject(o, "function", p->function);
			cJSON *src = cJSON_AddObjectToObject(o, "sources");
			for (int s = 0; s < IMP_SRC_COUNT; s++)
				if (p->source[s])
					imp_add_amount(im, src,
						       imp_source_key(s),
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
	struct printed income_total = im->income_year;
	if (!income_total.have && im->income_grand.have)
		income_total = (struct printed){
		    im->income_grand.fen - im->income[IMP_SRC_CARRYOVER].fen,
		    true};
	add_printed(im, stated, "income_total", income_total);
	add_printed(im, stated, "expenditure_total",
		    im->expenditure_year.have ? im->expenditure_year
					      : im->expenditure_grand);
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
	int width = 0;
	for (const unsigned char *c = (const unsigned char *)what; *c; c++)
		if ((*c & 0xc0) != 0x80)
			width += *c >= 0xe0 ? 2 : 1;
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

static void self_check(struct importer *im, const cJSON *doc)
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
	for (int s = 0; s < IMP_SRC_COUNT; s++)
		if (s != IMP_SRC_CARRYOVER && im->income[s].have)
			income += im->income[s].fen;
	struct printed income_total =
	    im->income_year.have ? im->income_year : im->income_grand;
	/* 财政拨款收入, where printed, is the three fiscal sources' sum. */
	int64_t fiscal = im->income[IMP_SRC_GENERAL].fen +
			 im->income[IMP_SRC_FUND].fen +
			 im->income[IMP_SRC_CAPITAL].fen;
	imp_say(im->r, "checks against the printed figures:");
	if (im->fiscal_subtotal.have)
		compare(im, "财政拨款收入", im->fiscal_subtotal, fiscal);
	compare(im, "income total", income_total, income);
	compare(im, "expenditure total",
		im->expenditure_year.have ? im->expenditure_year
					  : im->expenditure_grand,
		total);
	compare(im, "basic expenditure", im->basic_total, basic);
	compare(im, "project expenditure", im->project_total, project);
	if (im->tp_total.have)
		compare(im, "三公 total", im->tp_total,
			im->overseas.fen + im->reception.fen +
			    im->purchase.fen + im->operation.fen);
}

/* ---- the run ---- */

static bool amount_table(enum imp_table_kind kind)
{
	return kind != IMP_T_OTHER && kind != IMP_T_FINAL &&
	       kind != IMP_T_PERFORMANCE;
}

static struct imp_table *first_table(struct importer *im,
				     enum imp_table_kind kind)
{
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == kind)
			return &im->tables[k];
	return NULL;
}

static int read_tables(struct importer *im)
{
	static const enum imp_table_kind order[] = {
	    IMP_T_SUMMARY,    IMP_T_APPROPRIATION, IMP_T_EXPENDITURE,
	    IMP_T_GENERAL,    IMP_T_FUND,	   IMP_T_CAPITAL,
	    IMP_T_ECONOMIC,   IMP_T_THREE_PUBLIC,  IMP_T_PROJECTS,
	    IMP_T_PERFORMANCE};
	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++) {
		struct imp_table *t = first_table(im, order[o]);
		if (t == NULL)
			continue;
		int rc = 0;
		const struct imp_coded_row *all = im->rows[IMP_T_EXPENDITURE];
		int n_all = im->n_rows[IMP_T_EXPENDITURE];
		switch (t->kind) {
		case IMP_T_SUMMARY:
			imp_read_summary(im, t);
			break;
		case IMP_T_APPROPRIATION:
			imp_read_appropriation(im, t);
			break;
		case IMP_T_EXPENDITURE:
			rc = imp_read_function_table(im, t, NULL, 0);
			break;
		case IMP_T_GENERAL:
		case IMP_T_FUND:
		case IMP_T_CAPITAL:
			rc = imp_read_function_table(im, t, all, n_all);
			break;
		case IMP_T_ECONOMIC:
			rc = imp_read_economic(im, t);
			break;
		case IMP_T_THREE_PUBLIC:
			imp_read_three_public(im, t);
			break;
		case IMP_T_PROJECTS:
			imp_read_projects(im, t);
			break;
		case IMP_T_PERFORMANCE:
			imp_read_performance(im, t);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
		if (im->rows[t->kind] && t->used == 0)
			t->used = im->n_rows[t->kind];
	}
	return 0;
}

static void report_tables(struct importer *im)
{
	imp_say(im->r, "tables found: %zu", im->n_tables);
	for (size_t k = 0; k < im->n_tables; k++) {
		struct imp_table *t = &im->tables[k];
		const struct imp_line *l = &im->in.lines[t->title];
		const char *sq = l->squeezed;
		bool repeat =
		    first_table(im, t->kind) != t && t->kind != IMP_T_OTHER;
		char where[320];
		imp_where(l, where, sizeof where);
		imp_say(im->r, "  %s: %s [%s]%s%s", where, sq,
			!amount_table(t->kind) ? "-"
			: !t->unit_known       ? "unit not printed"
			: t->wanyuan	       ? "万元"
					       : "元",
			t->kind == IMP_T_OTHER ? " (nothing the model keeps)"
			: repeat	       ? " (a second copy: not read)"
			: t->empty	       ? " (declared empty)"
					       : "",
			"");
		if (repeat && amount_table(t->kind))
			imp_warning(
			    im->r, l,
			    "a second %s is not read: only the first of "
			    "each table is (a document holding its "
			    "units' budgets after the department's is "
			    "imported as the department's)",
			    imp_table_name(t->kind));
		if (amount_table(t->kind) && !t->unit_known && !t->empty &&
		    !repeat) {
			/* The unit is a factor of 10,000: never assumed. */
			if (im->opt->unit) {
				t->wanyuan = strcmp(im->opt->unit, "万元") == 0;
				t->unit_known = true;
				imp_say(im->r,
					"  %s: no 单位 line; read in %s as "
					"--unit says",
					where, im->opt->unit);
			} else {
				imp_problem(im->r, l,
					    "no 单位 line under the title: "
					    "give the unit with --unit 元 or "
					    "--unit 万元");
			}
		}
	}
}

static void report_rows(struct importer *im)
{
	imp_say(im->r, "rows:");
	for (size_t k = 0; k < im->n_tables; k++) {
		const struct imp_table *t = &im->tables[k];
		if (first_table(im, t->kind) != t || t->kind == IMP_T_OTHER)
			continue;
		imp_say(im->r, "  used %3d, skipped %2d: %s", t->used,
			t->skipped, imp_table_name(t->kind));
		im->r->rows_used += t->used;
		im->r->rows_skipped += t->skipped;
	}
	/* Illegible gaps inside tables lose rows; say where. */
	for (size_t i = 0; i < im->in.n_lines; i++)
		if (strstr(im->in.lines[i].raw, "[illegible]"))
			imp_warning(im->r, &im->in.lines[i],
				    "the source text has an illegible gap "
				    "here; rows lost in it show up as "
				    "differences against the printed totals");
}

/* Tables the contents page lists and the input lacks: a truncated input,
 * or an extraction that lost pages. */
static void check_contents(struct importer *im)
{
	int listed[64];
	size_t n = imp_contents(&im->in, listed, 64), last_seen = 0;
	for (size_t i = 0; i < n; i++)
		if (im->seen[listed[i]])
			last_seen = i + 1;
	for (size_t i = 0; i < n; i++) {
		int k = listed[i];
		if (im->seen[k] || k == IMP_T_OTHER || k == IMP_T_FINAL)
			continue;
		const char *name = imp_table_name((enum imp_table_kind)k);
		if (i >= last_seen)
			imp_problem(im->r, NULL,
				    "the input ends before the %s the "
				    "contents list: it looks truncated",
				    name);
		else
			imp_warning(im->r, NULL,
				    "the contents list a %s, but the input "
				    "has none (pages lost in extraction?)",
				    name);
	}
}

static int run(struct importer *im, cJSON **out)
{
	struct import_report *r = im->r;
	if (im->in.pages > 0)
		imp_say(r, "import %s (%s, %zu lines, %d pages)", im->in.name,
			im->in.format, im->in.n_lines, im->in.pages);
	else
		imp_say(r, "import %s (%s, %zu lines)", im->in.name,
			im->in.format, im->in.n_lines);
	im->n_tables = imp_find_tables(&im->in, im->tables, MAX_TABLES, r);
	report_tables(im);
	r->tables = (int)im->n_tables;
	for (size_t k = 0; k < im->n_tables; k++) {
		if (im->tables[k].kind == IMP_T_FINAL) {
			r->final_accounts = true;
			imp_problem(r, &im->in.lines[im->tables[k].title],
				    "this is a final account (决算), not a "
				    "budget (预算): budgetd takes budgets "
				    "only; nothing was imported");
			return -EINVAL;
		}
		im->seen[im->tables[k].kind] = true;
	}
	if (!im->seen[IMP_T_GENERAL] && !im->seen[IMP_T_EXPENDITURE] &&
	    !im->seen[IMP_T_SUMMARY]) {
		imp_problem(r, NULL,
			    "no budget table found (looked for titles such "
			    "as 部门收支预算表, 一般公共预算支出预算表, "
			    "部门支出预算总表, each followed by a 单位 line)");
		return -EINVAL;
	}
	check_contents(im);
	/* The document's unit is that of its line tables. */
	static const enum imp_table_kind unit_from[] = {
	    IMP_T_GENERAL, IMP_T_EXPENDITURE, IMP_T_SUMMARY};
	for (int u = 2; u >= 0; u--) {
		struct imp_table *t = first_table(im, unit_from[u]);
		if (t && t->unit_known)
			im->wanyuan = t->wanyuan;
	}
	im->lines = cJSON_CreateArray();
	im->projects = calloc(MAX_PROJECTS, sizeof *im->projects);
	if (im->lines == NULL || im->projects == NULL)
		return -ENOMEM;
	imp_find_department(im);
	if (!im->opt->department)
		imp_find_department_code(im);
	int rc = read_tables(im);
	if (rc)
		return rc;
	imp_emit_fiscal_lines(im, IMP_T_GENERAL, IMP_SRC_GENERAL);
	imp_emit_fiscal_lines(im, IMP_T_FUND, IMP_SRC_FUND);
	imp_emit_fiscal_lines(im, IMP_T_CAPITAL, IMP_SRC_CAPITAL);
	imp_emit_other_lines(im);
	stated_from_tables(im);

	if (im->opt->department) {
		/* Checked here, where it would otherwise be cut to fit. */
		size_t d = strspn(im->opt->department, "0123456789");
		if (d < 3 || d > 12 || im->opt->department[d])
			imp_problem(r, NULL,
				    "--department \"%s\" is not a 预算单位编码 "
				    "(3 to 12 digits)",
				    im->opt->department);
		snprintf(im->code, sizeof im->code, "%.12s",
			 im->opt->department);
	}
	if (im->opt->parent) {
		size_t d = strspn(im->opt->parent, "0123456789");
		if (d < 3 || d > 12 || im->opt->parent[d])
			imp_problem(r, NULL,
				    "--parent \"%s\" is not a 主管部门 code (3 "
				    "to 12 digits)",
				    im->opt->parent);
		snprintf(im->parent, sizeof im->parent, "%.12s",
			 im->opt->parent);
	}
	if (!im->code[0])
		imp_problem(r, NULL,
			    "the document prints no department code "
			    "(预算单位编码); give it with --department CODE");
	if (!im->name[0])
		imp_problem(r, NULL,
			    "the department's name was not found (no "
			    "编制部门/部门名称 line)");
	im->year = im->opt->year ? im->opt->year : imp_find_year(im);
	if (im->year < 2000 || im->year > 2100)
		imp_problem(r, NULL,
			    "the fiscal year was not found in the titles; "
			    "give it with --year YEAR");
	else
		imp_say(r, "department %s %s, year %d, unit %s",
			im->code[0] ? im->code : "(none)", im->name, im->year,
			imp_unit_name(im));
	struct printed it =
	    im->income_year.have ? im->income_year : im->income_grand;
	if (it.have && im->year)
		imp_find_previous_year(im, it.fen);
	report_rows(im);
	cJSON *doc = build_document(im);
	if (doc == NULL)
		return -ENOMEM;
	self_check(im, doc);
	imp_say(r, "%d problem%s, %d warning%s", r->problems,
		r->problems == 1 ? "" : "s", r->warnings,
		r->warnings == 1 ? "" : "s");
	if (r->problems > 0 && !im->opt->keep_going) {
		cJSON_Delete(doc);
		return -EINVAL;
	}
	*out = doc;
	return 0;
}

static void importer_free(struct importer *im)
{
	for (int k = 0; k < IMP_T_COUNT; k++)
		free(im->rows[k]);
	for (int i = 0; im->projects && i < im->n_projects; i++)
		cJSON_Delete(im->projects[i].indicators);
	free(im->projects);
	cJSON_Delete(im->economic);
	cJSON_Delete(im->lines);
	imp_input_free(&im->in);
}

static int check_utf8(struct import_report *r, const char *name,
		      const char *text, size_t len)
{
	long bad = utf8_invalid_at((const unsigned char *)text, len);
	if (bad < 0)
		return 0;
	int line = 1;
	for (long i = 0; i < bad; i++)
		line += text[i] == '\n';
	imp_problem(r, NULL,
		    "%s: not UTF-8 at byte %ld (line %d); save the text or "
		    "CSV as UTF-8 (Excel: \"CSV UTF-8\")",
		    name, bad, line);
	return -EINVAL;
}

static struct importer *importer_new(const struct import_options *options,
				     struct import_report *report,
				     const char *name)
{
	static const struct import_options none = {0};
	struct importer *im = calloc(1, sizeof *im);
	if (im == NULL)
		return NULL;
	im->r = report;
	im->opt = options ? options : &none;
	im->in.name = name;
	im->in.format = "text";
	return im;
}

int import_text(const char *text, size_t len, const char *name,
		const struct import_options *options, cJSON **doc,
		struct import_report *report)
{
	*doc = NULL;
	struct importer *im = importer_new(options, report, name);
	if (im == NULL)
		return -ENOMEM;
	int rc = check_utf8(report, name, text, len);
	if (rc == 0)
		rc = imp_input_parse(&im->in, text, len, im->opt->csv, 0, NULL);
	if (rc == 0)
		rc = run(im, doc);
	importer_free(im);
	free(im);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = imp_read_all(fd, IMPORT_MAX_BYTES, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return text;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

/* A PDF says so in its first five bytes; only those are read to know. */
static bool is_pdf(const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool pdf = read(fd, head, sizeof head) == (ssize_t)sizeof head &&
		   memcmp(head, "%PDF-", 5) == 0;
	close(fd);
	return pdf;
}

/* The text of one input: a PDF through pdftotext, anything else as it is.
 * Returns 0, -EINVAL (refused) or -EIO; a problem is reported either way. */
static int read_input(struct importer *im, const char *path, char **text,
		      size_t *len, bool *pdf)
{
	*pdf = is_pdf(path);
	if (*pdf) {
		char error[256];
		if (imp_pdf_text(path, im->opt->pdftotext, IMPORT_MAX_BYTES,
				 text, len, error, sizeof error) != 0) {
			imp_problem(im->r, NULL, "%s: %s", path, error);
			return -EIO;
		}
		size_t ink = 0;
		for (size_t k = 0; k < *len; k++)
			ink += (unsigned char)(*text)[k] > ' ';
		if (ink < 100) {
			imp_problem(im->r, NULL,
				    "%s: the PDF has no text to read (%zu "
				    "characters): a scanned image? OCR it "
				    "first, or import the CSV sheets",
				    path, ink);
			free(*text);
			return -EINVAL;
		}
		return 0;
	}
	*text = slurp(path, len);
	if (*text == NULL && errno == EFBIG) {
		/* A published budget is a few hundred kilobytes; its cells
		 * take about ten times the input in memory. */
		imp_problem(im->r, NULL,
			    "%s: more than a budget (limit %d MiB)", path,
			    IMPORT_MAX_BYTES >> 20);
		return -EINVAL;
	}
	if (*text == NULL) {
		imp_problem(im->r, NULL, "%s: cannot read: %s", path,
			    strerror(errno));
		return -EIO;
	}
	return 0;
}

int import_files(const char *const *paths, size_t n_paths,
		 const struct import_options *options, cJSON **doc,
		 struct import_report *report)
{
	*doc = NULL;
	struct importer *im = importer_new(
	    options, report, n_paths == 1 ? paths[0] : "(several files)");
	if (im == NULL)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < n_paths && rc == 0; i++) {
		char *text;
		size_t len = 0;
		bool pdf;
		rc = read_input(im, paths[i], &text, &len, &pdf);
		if (rc)
			break;
		bool csv = !pdf && ends_with(paths[i], ".csv");
		/* pdftotext ends every page with a form feed. */
		int first_page = pdf ? im->in.pages + 1 : im->in.pages;
		im->in.format = pdf   ? "PDF via pdftotext"
				: csv ? "CSV"
				      : "text";
		rc = check_utf8(report, paths[i], text, len);
		if (rc == 0)
			rc =
			    imp_input_parse(&im->in, text, len, csv, first_page,
					    n_paths > 1 ? paths[i] : NULL);
		free(text);
	}
	if (rc == 0)
		rc = run(im, doc);
	importer_free(im);
	free(im);
	return rc;
}
