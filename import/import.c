/*
 * From the tables of a published budget to one budget-submission/1
 * document.  Each table is read for what it alone says; where a layout
 * dropped empty cells, the rows around a row (its 款 and 类, the 合计, the
 * all-source table) decide which column an amount stood in, and when they
 * cannot, the row is reported, not guessed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "utf8.h"
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

/*
 * A 财政拨款支出预算表 read as the 一般公共预算 table holds the 政府性基金
 * and 国有资本经营 lines too: each 项 of those tables is taken out of the
 * 项 of the same code, column by column.
 */
static void split_fiscal_table(struct importer *im)
{
	struct imp_table *t = first_table(im, IMP_T_GENERAL);
	if (t == NULL || !t->fiscal)
		return;
	struct imp_coded_row *rows = im->rows[IMP_T_GENERAL];
	static const enum imp_table_kind others[] = {IMP_T_FUND, IMP_T_CAPITAL};
	for (int o = 0; o < 2; o++) {
		const struct imp_coded_row *sub = im->rows[others[o]];
		for (int j = 0; j < im->n_rows[others[o]]; j++) {
			if (sub[j].level != 3)
				continue;
			int i = imp_find_row(rows, im->n_rows[IMP_T_GENERAL],
					     sub[j].code, 3);
			if (i < 0 || rows[i].total < sub[j].total) {
				imp_problem(
				    im->r, &im->in.lines[sub[j].line],
				    "%s is not in the 财政拨款支出预算表 "
				    "with at least its amount, which "
				    "should hold every fiscal line",
				    sub[j].code);
				continue;
			}
			struct imp_coded_row *row = &rows[i];
			row->total -= sub[j].total;
			row->basic -= sub[j].basic;
			row->project -= sub[j].project;
			for (int k = 0;
			     k < row->n_values && k < sub[j].n_values; k++)
				row->value[k] -= sub[j].value[k];
			/* Wholly the other source's: no 一般公共预算 line. */
			if (row->total == 0)
				row->level = -2;
		}
	}
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
	for (size_t k = 0; k < im->n_tables; k++) {
		struct imp_table *t = &im->tables[k];
		if (t->kind != IMP_T_SOURCE)
			continue;
		if (im->source_rows[t->source]) {
			imp_problem(
			    im->r, &im->in.lines[t->title],
			    "a second 非财政拨款支出预算表 for %s; only "
			    "the first is read",
			    bd_source_key((enum bd_source)t->source));
			continue;
		}
		int rc = imp_read_function_table(im, t, NULL, 0);
		if (rc)
			return rc;
		im->source_rows[t->source] = im->rows[IMP_T_SOURCE];
		im->n_source_rows[t->source] = im->n_rows[IMP_T_SOURCE];
		im->source_detailed[t->source] = t->detailed;
		im->rows[IMP_T_SOURCE] = NULL;
		im->n_rows[IMP_T_SOURCE] = 0;
		t->used = im->n_source_rows[t->source];
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

int imp_run(struct importer *im, cJSON **out)
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
	if (!im->opt->parent)
		imp_find_parent_code(im);
	int rc = read_tables(im);
	if (rc)
		return rc;
	split_fiscal_table(im);
	imp_emit_fiscal_lines(im, IMP_T_GENERAL, BD_SOURCE_GENERAL_BUDGET);
	imp_emit_fiscal_lines(im, IMP_T_FUND, BD_SOURCE_FUND_BUDGET);
	imp_emit_fiscal_lines(im, IMP_T_CAPITAL, BD_SOURCE_STATE_CAPITAL);
	imp_emit_source_lines(im);
	imp_emit_other_lines(im);
	imp_stated_from_tables(im);

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
	cJSON *doc = imp_build_document(im);
	if (doc == NULL)
		return -ENOMEM;
	cJSON *narrative =
	    imp_read_narrative(im, cJSON_GetObjectItem(doc, "expenditure"));
	if (narrative && cJSON_GetArraySize(narrative) > 0)
		cJSON_AddItemToObject(doc, "narrative", narrative);
	else
		cJSON_Delete(narrative);
	imp_self_check(im, doc);
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

void imp_importer_free(struct importer *im)
{
	for (int k = 0; k < IMP_T_COUNT; k++)
		free(im->rows[k]);
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		free(im->source_rows[s]);
	for (int i = 0; im->projects && i < im->n_projects; i++)
		cJSON_Delete(im->projects[i].indicators);
	free(im->projects);
	cJSON_Delete(im->economic);
	cJSON_Delete(im->lines);
	imp_input_free(&im->in);
}

int imp_check_utf8(struct import_report *r, const char *name, const char *text,
		   size_t len)
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

struct importer *imp_importer_new(const struct import_options *options,
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
	struct importer *im = imp_importer_new(options, report, name);
	if (im == NULL)
		return -ENOMEM;
	int rc = imp_check_utf8(report, name, text, len);
	if (rc == 0)
		rc = imp_input_parse(&im->in, text, len, im->opt->csv, 0, NULL);
	if (rc == 0)
		rc = imp_run(im, doc);
	imp_importer_free(im);
	free(im);
	return rc;
}
