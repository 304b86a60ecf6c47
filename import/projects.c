/* 经济分类, 项目支出 and 项目绩效目标 tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

/* ---- economic classification ---- */

int imp_read_economic(struct importer *im, struct imp_table *t)
{
	struct imp_coded_row *rows;
	int n = imp_read_coded(&im->in, t, 3, &rows, im->r);
	if (n < 0)
		return n;
	if (im->economic == NULL)
		im->economic = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		struct imp_coded_row *row = &rows[i];
		if (row->level != 1 && row->level != 2)
			continue;
		bool has_children = false;
		int64_t children = 0;
		for (int j = 0; j < n; j++)
			if (rows[j].level == 2 &&
			    strncmp(rows[j].code, row->code, 3) == 0 &&
			    row->level == 1) {
				has_children = true;
				children += rows[j].value[0];
			}
		if (has_children) {
			/* The 款 are imported; a 类 they do not add up to is
			 * the document's own difference. */
			if (children != row->value[0]) {
				char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
				imp_fmt(im, row->value[0], a, sizeof a);
				imp_fmt(im, children, b, sizeof b);
				imp_warning(im->r, &im->in.lines[row->line],
					    "economic 类 %s %s is printed as "
					    "%s; its 款 rows add up to %s",
					    row->code, row->name, a, b);
			}
			continue;
		}
		/* Economic codes are 类 3 + 款 2 digits; the reader saw 款 as
		 * level 2. */
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "code", row->code);
		cJSON_AddStringToObject(e, "name", row->name);
		int64_t fen = row->present[0] ? row->value[0] : 0;
		imp_add_amount(im, e, "amount", fen);
		cJSON_AddItemToArray(im->economic, e);
		if (im->opt->verbose) {
			char where[320], a[MONEY_TEXT_MAX];
			imp_where(&im->in.lines[row->line], where,
				  sizeof where);
			imp_fmt(im, fen, a, sizeof a);
			imp_say(im->r, "  %s: economic %s %s %s", where,
				row->code, row->name, a);
		}
		t->used++;
	}
	free(rows);
	return 0;
}

/* ---- projects, columns by their headings (budgetd's own layout) ---- */

enum heading_column {
	HC_NONE = -1,
	HC_CODE = -2,
	HC_NAME = -3,
	HC_FUNCTION = -4,
	HC_KIND = -5,
	HC_TOTAL = -6,
	/* 0 … BD_SOURCE_COUNT-1: a source */
};

#define MAX_HEADINGS 24

/* The line naming every column: 项目编码, 项目名称, 科目编码 …; or none. */
static size_t heading_line(const struct importer *im, const struct imp_table *t,
			   int *column, int *n)
{
	for (size_t i = t->begin; i < t->end; i++) {
		const struct imp_line *l = &im->in.lines[i];
		if (!l->keeps_empty || l->n_cells < 5 ||
		    !imp_has(l->squeezed, "项目编码") ||
		    !imp_has(l->squeezed, "科目编码"))
			continue;
		*n = l->n_cells < MAX_HEADINGS ? l->n_cells : MAX_HEADINGS;
		for (int c = 0; c < *n; c++) {
			char sq[96];
			imp_squeeze(l->cells[c].text, sq, sizeof sq);
			int s = imp_income_label(sq);
			column[c] = strcmp(sq, "项目编码") == 0	  ? HC_CODE
				    : strcmp(sq, "项目名称") == 0 ? HC_NAME
				    : strcmp(sq, "科目编码") == 0 ? HC_FUNCTION
				    : strcmp(sq, "项目类别") == 0 ? HC_KIND
				    : strcmp(sq, "合计") == 0	  ? HC_TOTAL
				    : s >= 0			  ? s
								  : HC_NONE;
		}
		return i;
	}
	return (size_t)-1;
}

static bool read_projects_by_heading(struct importer *im, struct imp_table *t)
{
	int column[MAX_HEADINGS], n_columns = 0;
	size_t head = heading_line(im, t, column, &n_columns);
	if (head == (size_t)-1)
		return false;
	for (size_t i = head + 1; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		if (l->n_cells == 0 || !l->keeps_empty)
			continue;
		char first[64];
		imp_squeeze(l->cells[0].text, first, sizeof first);
		bool total_row = strcmp(first, "合计") == 0;
		struct project p = {0};
		bool bad = false;
		for (int c = 0; c < l->n_cells && c < n_columns && !bad; c++) {
			const struct imp_cell *cell = &l->cells[c];
			if (cell->kind == IMP_EMPTY)
				continue;
			int64_t fen = 0;
			switch (column[c]) {
			case HC_CODE:
				if (!total_row)
					snprintf(p.code, sizeof p.code, "%s",
						 cell->text);
				break;
			case HC_NAME:
				snprintf(p.name, sizeof p.name, "%s",
					 cell->text);
				break;
			case HC_FUNCTION:
				snprintf(p.function, sizeof p.function, "%s",
					 cell->text);
				break;
			case HC_KIND:
				p.kind = imp_has(cell->text, "运转")
					     ? "operating"
					 : imp_has(cell->text, "特定目标")
					     ? "targeted"
					     : NULL;
				break;
			case HC_NONE:
				break;
			default:
				if (imp_cell_fen(im, t, l, cell, &fen)) {
					bad = true;
					break;
				}
				if (column[c] == HC_TOTAL)
					p.total = fen;
				else
					p.source[column[c]] += fen;
			}
		}
		if (bad) {
			t->skipped++;
			continue;
		}
		if (total_row) {
			imp_set_printed(im, &im->projects_total, p.total, l,
					"项目支出预算表 合计");
			t->used++;
			continue;
		}
		if (!p.name[0] && !p.code[0])
			continue;
		if (im->n_projects == MAX_PROJECTS) {
			imp_problem(im->r, l, "more than %d projects",
				    MAX_PROJECTS);
			return true;
		}
		im->projects[im->n_projects++] = p;
		l->used = true;
		t->used++;
		if (im->opt->verbose) {
			char where[320], a[MONEY_TEXT_MAX];
			imp_where(l, where, sizeof where);
			imp_fmt(im, p.total, a, sizeof a);
			imp_say(im->r, "  %s: project %s %s (%s) %s", where,
				p.code, p.name, p.function, a);
		}
	}
	return true;
}

/* ---- projects (Henan layout) ---- */

void imp_read_projects(struct importer *im, struct imp_table *t)
{
	if (read_projects_by_heading(im, t))
		return;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		int c = 0;
		while (c < l->n_cells && l->cells[c].kind == IMP_EMPTY)
			c++;
		if (c >= l->n_cells || l->cells[c].kind != IMP_AMOUNT ||
		    l->cells[c].digits == 0)
			continue;
		const struct imp_cell *code = &l->cells[c];
		if (c + 2 >= l->n_cells)
			continue;
		char name[192];
		imp_squeeze(l->cells[c + 1].text, name, sizeof name);
		int64_t v[9] = {0};
		int slots = 0;
		bool bad = false;
		for (int k = c + 3; k < l->n_cells && slots < 9; k++) {
			const struct imp_cell *cell = &l->cells[k];
			if (cell->kind == IMP_EMPTY) {
				if (l->keeps_empty)
					slots++;
				continue;
			}
			if (cell->kind == IMP_TEXT ||
			    imp_cell_fen(im, t, l, cell, &v[slots])) {
				bad = true;
				break;
			}
			slots++;
		}
		if (bad) {
			t->skipped++;
			continue;
		}
		if (code->digits != 7) {
			/* The unit's subtotal row. */
			imp_set_printed(im, &im->projects_total, v[0], l,
					"项目支出预算表 合计");
			t->used++;
			continue;
		}
		if (!l->keeps_empty && slots > 2) {
			imp_problem(
			    im->r, l,
			    "project \"%s\": the row drops empty cells; "
			    "which source each amount is cannot be told",
			    name);
			t->skipped++;
			continue;
		}
		if (im->n_projects == MAX_PROJECTS) {
			imp_problem(im->r, l, "more than %d projects",
				    MAX_PROJECTS);
			return;
		}
		struct project *p = &im->projects[im->n_projects++];
		memset(p, 0, sizeof *p);
		snprintf(p->function, sizeof p->function, "%s", code->text);
		snprintf(p->name, sizeof p->name, "%s", name);
		p->total = v[0];
		/* 本年拨款 ×3, 结转结余 ×3, 财政专户, 单位资金 */
		p->source[BD_SOURCE_GENERAL_BUDGET] = v[1] + v[4];
		p->source[BD_SOURCE_FUND_BUDGET] = v[2] + v[5];
		p->source[BD_SOURCE_STATE_CAPITAL] = v[3] + v[6];
		p->source[BD_SOURCE_SPECIAL_ACCOUNT] = v[7];
		p->source[BD_SOURCE_OTHER] = v[8];
		if (!l->keeps_empty && slots <= 2)
			p->source[BD_SOURCE_GENERAL_BUDGET] =
			    slots == 2 ? v[1] : 0;
		l->used = true;
		t->used++;
		if (im->opt->verbose) {
			char where[320], a[MONEY_TEXT_MAX];
			imp_where(l, where, sizeof where);
			imp_fmt(im, p->total, a, sizeof a);
			imp_say(im->r, "  %s: project %s (%s) %s", where,
				p->name, p->function, a);
		}
	}
}

/* "≤16. 82 万 元" → "≤16.82万元": the PDF's breaks, not the words. */
static void tidy_value(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = in; *p && o + 1 < size; p++) {
		if (*p == ' ') {
			unsigned char prev = o ? (unsigned char)out[o - 1] : 0;
			unsigned char next = (unsigned char)p[1];
			/* A word the PDF wrapped, or an amount broken at its
			 * point; a space between a number and its unit is
			 * the author's. */
			if ((prev >= 0x80 && next >= 0x80) ||
			    (prev == '.' && next >= '0' && next <= '9'))
				continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

void imp_read_performance(struct importer *im, struct imp_table *t)
{
	static const char *const categories[] = {"cost", "output", "benefit",
						 "satisfaction"};
	struct project *current = NULL;
	/* budgetd's own tables (headed 项目编码 | 项目名称 | 资金总额) print
	 * every target as the document holds it; only a PDF's line breaks
	 * need tidying. */
	bool verbatim = false;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		if (l->n_cells == 0)
			continue;
		if (l->keeps_empty && l->n_cells > 2 &&
		    strcmp(l->cells[0].text, "项目编码") == 0 &&
		    strcmp(l->cells[2].text, "资金总额") == 0)
			verbatim = true;
		char first[64];
		imp_squeeze(l->cells[0].text, first, sizeof first);
		size_t digits = strspn(first, "0123456789");
		if (digits == strlen(first) && digits >= 3 && l->n_cells > 1) {
			char name[192];
			imp_squeeze(l->cells[1].text, name, sizeof name);
			current = NULL;
			if (digits == 3 && !im->parent[0] && !im->opt->parent) {
				snprintf(im->parent, sizeof im->parent, "%.3s",
					 first);
				t->used++;
				continue;
			}
			/* By code where the projects table printed codes;
			 * by name where it did not. */
			for (int p = 0; p < im->n_projects && !current; p++)
				if (strcmp(im->projects[p].code, first) == 0)
					current = &im->projects[p];
			for (int p = 0; p < im->n_projects && !current; p++)
				if (strcmp(im->projects[p].name, name) == 0)
					current = &im->projects[p];
			if (current && digits >= 12) {
				snprintf(current->code, sizeof current->code,
					 "%s", first);
				t->used++;
			} else if (digits >= 12) {
				imp_warning(im->r, l,
					    "performance targets of \"%s\" "
					    "(%s): no such project in the "
					    "项目支出预算表",
					    name, first);
			}
		} else if (l->cells[0].kind != IMP_EMPTY) {
			continue;
		}
		if (current == NULL || !l->keeps_empty)
			continue;
		/* Targets start in column 6, after the four amounts; a row
		 * whose empty amount cells were lost starts earlier. */
		int start = 6;
		if (l->cells[0].kind != IMP_EMPTY) {
			start = 2;
			while (start < l->n_cells &&
			       l->cells[start].kind != IMP_TEXT)
				start++;
			if (start > 6)
				start = 6;
		}
		for (int k = 0; k < 4; k++) {
			int c = start + 2 * k;
			if (c >= l->n_cells || l->cells[c].kind == IMP_EMPTY)
				continue;
			char name[192], value[192];
			imp_squeeze(l->cells[c].text, name, sizeof name);
			const char *printed =
			    c + 1 < l->n_cells ? l->cells[c + 1].text : "";
			if (verbatim)
				snprintf(value, sizeof value, "%s", printed);
			else
				tidy_value(printed, value, sizeof value);
			if (strstr(name, "不适用"))
				continue;
			if (current->indicators == NULL)
				current->indicators = cJSON_CreateArray();
			bool dup = false;
			const cJSON *e;
			cJSON_ArrayForEach(e, current->indicators)
			{
				const cJSON *n = cJSON_GetObjectItem(e, "name");
				const cJSON *v =
				    cJSON_GetObjectItem(e, "value");
				const cJSON *g =
				    cJSON_GetObjectItem(e, "category");
				(void)g;
				/* Page breaks repeat rows; a row's cells can
				 * be printed twice over. */
				if (strcmp(n->valuestring, name) == 0 &&
				    strcmp(v->valuestring, value) == 0)
					dup = true;
			}
			if (dup)
				continue;
			cJSON *ind = cJSON_CreateObject();
			cJSON_AddStringToObject(ind, "category", categories[k]);
			cJSON_AddStringToObject(ind, "name", name);
			cJSON_AddStringToObject(ind, "value", value);
			cJSON_AddItemToArray(current->indicators, ind);
		}
	}
}
