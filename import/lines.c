/* The document's line items, from the tables by 功能分类. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

/* ---- line items ---- */

static const cJSON *find_line(const cJSON *lines, const char *function,
			      const char *source)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, lines)
	{
		if (strcmp(cJSON_GetObjectItem(e, "function")->valuestring,
			   function) == 0 &&
		    strcmp(cJSON_GetObjectItem(e, "source")->valuestring,
			   source) == 0)
			return e;
	}
	return NULL;
}

static void emit_line(struct importer *im, const struct imp_coded_row *row,
		      bool detailed, enum bd_source source,
		      const struct imp_line *at)
{
	const char *key = bd_source_key(source);
	const cJSON *twice = find_line(im->lines, row->code, key);
	if (twice) {
		/* A row printed again (a page repeated) is dropped; the same
		 * 科目 with other amounts cannot be told apart. */
		struct imp_amount a;
		int64_t fen = -1;
		const cJSON *t = cJSON_GetObjectItem(twice, "total");
		if (imp_amount_parse(t->valuestring, &a) != 0 ||
		    imp_amount_fen(&a, im->wanyuan, &fen) != 0 ||
		    fen != row->total)
			imp_problem(im->r, at,
				    "%s (%s) is printed twice with different "
				    "amounts",
				    row->code, key);
		else
			imp_warning(im->r, at,
				    "%s (%s) is printed twice; the repeat is "
				    "not counted",
				    row->code, key);
		return;
	}
	if (row->name[0] == '\0')
		imp_warning(im->r, at,
			    "%s: no name printed with it; the catalogue check "
			    "will say what it should be",
			    row->code);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "function", row->code);
	cJSON_AddStringToObject(o, "name", row->name);
	cJSON_AddStringToObject(o, "source", key);
	if (detailed) {
		static const char *const basic[] = {"wages", "family", "goods",
						    "capital"};
		cJSON *b = NULL, *p = NULL;
		for (int k = 0; k < 4; k++)
			if (row->value[2 + k]) {
				if (!b)
					b = cJSON_AddObjectToObject(o, "basic");
				imp_add_amount(im, b, basic[k],
					       row->value[2 + k]);
			}
		if (row->value[7] || row->value[8])
			p = cJSON_AddObjectToObject(o, "project");
		if (row->value[7])
			imp_add_amount(im, p, "operating", row->value[7]);
		if (row->value[8])
			imp_add_amount(im, p, "targeted", row->value[8]);
		/* The subtotal alone, or one that disagrees with its parts
		 * (for the audit to name). */
		if (row->basic_unsplit ||
		    (b && row->present[1] && row->value[1] != row->basic))
			imp_add_amount(
			    im, b ? b : cJSON_AddObjectToObject(o, "basic"),
			    "total", row->value[1]);
		if (row->project_unsplit ||
		    (p && row->present[6] && row->value[6] != row->project))
			imp_add_amount(
			    im, p ? p : cJSON_AddObjectToObject(o, "project"),
			    "total", row->value[6]);
	} else {
		if (row->basic)
			imp_add_amount(im, cJSON_AddObjectToObject(o, "basic"),
				       "total", row->basic);
		if (row->project)
			imp_add_amount(im,
				       cJSON_AddObjectToObject(o, "project"),
				       "total", row->project);
	}
	imp_add_amount(im, o, "total", row->total);
	cJSON_AddItemToArray(im->lines, o);
	if (im->opt->verbose) {
		static const char *const how[] = {
		    "", " (基本/项目 from its rows below)",
		    " (基本/项目: the one split of its 款/类 that adds up)",
		    " (基本/项目 bounded by the 支出预算总表)",
		    " (基本/项目: the column it stands under)"};
		char where[320], t[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX],
		    p[MONEY_TEXT_MAX];
		imp_where(at, where, sizeof where);
		imp_fmt(im, row->total, t, sizeof t);
		imp_fmt(im, row->basic, b, sizeof b);
		imp_fmt(im, row->project, p, sizeof p);
		imp_say(im->r,
			"  %s: expenditure %s %s %s: total %s, basic %s, "
			"project %s%s",
			where, row->code, row->name, key, t, b, p,
			how[row->how]);
	}
}

/*
 * A department with several budget units (二级单位) prints a 科目 once per
 * unit, each under its 单位代码; the department's line is their sum.
 */
static void merge_units(struct importer *im, struct imp_coded_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		struct imp_coded_row *row = &rows[i];
		if (row->level != 3 || !row->known || !row->unit_code[0])
			continue;
		for (int j = 0; j < i; j++) {
			struct imp_coded_row *first = &rows[j];
			if (first->level != 3 || !first->known ||
			    strcmp(first->code, row->code) != 0)
				continue;
			if (!first->unit_code[0] ||
			    strcmp(first->unit_code, row->unit_code) == 0)
				break; /* a repeat: emit_line judges it */
			first->total += row->total;
			first->basic += row->basic;
			first->project += row->project;
			for (int k = 0; k < IMP_MAX_VALUES; k++)
				first->value[k] += row->value[k];
			row->level = -2;
			char where[320];
			imp_where(&im->in.lines[row->line], where,
				  sizeof where);
			imp_say(im->r,
				"  %s: %s %s of unit %s added into the "
				"department's line (first printed for unit %s)",
				where, row->code, row->name, row->unit_code,
				first->unit_code);
			break;
		}
	}
}

static void emit_rows(struct importer *im, struct imp_coded_row *rows, int n,
		      bool detailed, enum bd_source source)
{
	merge_units(im, rows, n);
	for (int i = 0; i < n; i++) {
		const struct imp_coded_row *row = &rows[i];
		const struct imp_line *l = &im->in.lines[row->line];
		if (row->level != 3)
			continue;
		if (!row->known) {
			char a[MONEY_TEXT_MAX];
			imp_fmt(im, row->total, a, sizeof a);
			imp_problem(im->r, l,
				    "%s %s %s %s: the row drops an empty cell "
				    "and neither its 款/类 rows nor the other "
				    "tables tell whether it is 基本支出 or "
				    "项目支出",
				    row->code, row->name, a, imp_unit_name(im));
			continue;
		}
		emit_line(im, row, detailed, source, l);
	}
}

void imp_emit_fiscal_lines(struct importer *im, enum imp_table_kind kind,
			   enum bd_source source)
{
	bool detailed = false;
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == kind)
			detailed |= im->tables[k].detailed;
	emit_rows(im, im->rows[kind], im->n_rows[kind], detailed, source);
}

void imp_emit_source_lines(struct importer *im)
{
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		if (im->source_rows[s])
			emit_rows(im, im->source_rows[s], im->n_source_rows[s],
				  im->source_detailed[s], (enum bd_source)s);
}

/* A line of the all-source table less its fiscal lines. */
struct remainder {
	struct imp_coded_row row; /* total/basic/project: the rest */
	const struct imp_line *at;
	int source; /* assigned */
};

/*
 * Which source pays each remainder, when the income side names more than
 * one besides the fiscal ones: the one assignment (each line to one
 * source) under which every source's lines add up to the income it
 * brings.  Returns the number of such assignments, stopping at 2.
 */
static int assign_sources(const struct importer *im, struct remainder *rest,
			  int n, const int *sources, int k)
{
	if (n > 12 || k > 4)
		return 2; /* too many to try; reported as undecided */
	long combos = 1;
	for (int i = 0; i < n; i++)
		combos *= k;
	int ways = 0;
	int pick[12], chosen[12];
	for (long c = 0; c < combos && ways < 2; c++) {
		int64_t sum[4] = {0};
		long x = c;
		for (int i = 0; i < n; i++) {
			pick[i] = (int)(x % k);
			x /= k;
			sum[pick[i]] += rest[i].row.total;
		}
		bool fits = true;
		for (int s = 0; s < k; s++)
			fits &= sum[s] == im->income[sources[s]].fen;
		if (fits) {
			ways++;
			memcpy(chosen, pick, sizeof pick);
		}
	}
	if (ways == 1)
		for (int i = 0; i < n; i++)
			rest[i].source = sources[chosen[i]];
	return ways;
}

/* Expenditure that no fiscal table holds: the all-source table minus the
 * fiscal ones, paid from the other sources the income side names. */
void imp_emit_other_lines(struct importer *im)
{
	const struct imp_coded_row *all = im->rows[IMP_T_EXPENDITURE];
	int n_all = im->n_rows[IMP_T_EXPENDITURE];
	if (all == NULL)
		return;
	bool covered[BD_SOURCE_COUNT] = {0};
	covered[BD_SOURCE_GENERAL_BUDGET] = im->seen[IMP_T_GENERAL];
	covered[BD_SOURCE_FUND_BUDGET] = im->seen[IMP_T_FUND];
	covered[BD_SOURCE_STATE_CAPITAL] = im->seen[IMP_T_CAPITAL];
	covered[BD_SOURCE_CARRYOVER] = true;
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		covered[s] |= im->source_rows[s] != NULL;
	int sources[BD_SOURCE_COUNT], k = 0;
	for (int s = 0; s < BD_SOURCE_COUNT; s++)
		if (!covered[s] && im->income[s].have && im->income[s].fen)
			sources[k++] = s;
	static const enum imp_table_kind fiscal[] = {IMP_T_GENERAL, IMP_T_FUND,
						     IMP_T_CAPITAL};
	struct remainder *rest = calloc((size_t)n_all + 1, sizeof *rest);
	if (rest == NULL)
		return;
	int n = 0;
	for (int i = 0; i < n_all; i++) {
		const struct imp_coded_row *row = &all[i];
		const struct imp_line *l = &im->in.lines[row->line];
		if (row->level != 3)
			continue;
		int64_t t = row->total, b = row->basic, p = row->project;
		for (int f = 0; f < 3; f++) {
			int j =
			    imp_find_row(im->rows[fiscal[f]],
					 im->n_rows[fiscal[f]], row->code, 3);
			if (j < 0)
				continue;
			const struct imp_coded_row *fr =
			    &im->rows[fiscal[f]][j];
			t -= fr->total;
			b -= fr->basic;
			p -= fr->project;
		}
		for (int s = 0; s < BD_SOURCE_COUNT; s++) {
			int j =
			    imp_find_row(im->source_rows[s],
					 im->n_source_rows[s], row->code, 3);
			if (j < 0)
				continue;
			const struct imp_coded_row *sr = &im->source_rows[s][j];
			t -= sr->total;
			b -= sr->basic;
			p -= sr->project;
		}
		if (t == 0)
			continue;
		if (!row->known) {
			imp_problem(im->r, l,
				    "%s %s: the all-source row drops an empty "
				    "cell; its 基本/项目 split cannot be told",
				    row->code, row->name);
			continue;
		}
		if (t < 0 || b < 0 || p < 0) {
			/* The document disagrees with itself; the fiscal
			 * table's line stands and the audit compares it with
			 * the printed totals. */
			char a[MONEY_TEXT_MAX];
			imp_fmt(im, -t, a, sizeof a);
			imp_warning(im->r, l,
				    "%s %s: the fiscal tables hold %s %s more "
				    "than this 支出预算总表 row (or split it "
				    "otherwise); the fiscal lines are imported",
				    row->code, row->name, a, imp_unit_name(im));
			continue;
		}
		rest[n].row = *row;
		rest[n].row.total = t;
		rest[n].row.basic = b;
		rest[n].row.project = p;
		rest[n].at = l;
		rest[n].source = k == 1 ? sources[0] : -1;
		n++;
	}
	if (n > 0 && k > 1) {
		int ways = assign_sources(im, rest, n, sources, k);
		if (ways == 1)
			imp_say(im->r,
				"  %d lines are paid from %d sources besides "
				"the fiscal ones; the one way each source's "
				"lines add up to its income decides which",
				n, k);
	}
	for (int i = 0; i < n; i++) {
		if (rest[i].source < 0) {
			imp_problem(im->r, rest[i].at,
				    "%s %s: part of it is paid from a source "
				    "other than the fiscal ones; the income "
				    "side names %d such sources and their "
				    "amounts do not decide which",
				    rest[i].row.code, rest[i].row.name, k);
			continue;
		}
		emit_line(im, &rest[i].row, false,
			  (enum bd_source)rest[i].source, rest[i].at);
	}
	free(rest);
}
