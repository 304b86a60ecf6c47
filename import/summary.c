/* The summary tables: labels with amounts, in two halves (收入 | 支出). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

/* ---- the summary tables: labels and amounts ---- */

struct labelled {
	const struct imp_line *line;
	int cell;  /* index of the label cell */
	bool left; /* stands in the income half */
	char label[160];
	bool sub_item;
	int64_t fen;
	bool have;
};

/* Calls `take` for every label with the first amount after it. */
static void read_label(struct labelled *f, struct imp_line *l, int c)
{
	memset(f, 0, sizeof *f);
	f->line = l;
	f->cell = c;
	char sq[256];
	imp_squeeze(l->cells[c].text, sq, sizeof sq);
	const char *s = imp_strip_ordinal(sq, &f->sub_item);
	snprintf(f->label, sizeof f->label, "%s", s);
	size_t len = strlen(f->label);
	while (len > 0 && f->label[len - 1] == ':')
		f->label[--len] = '\0';
	if (len >= 3 && strcmp(f->label + len - 3, "：") == 0)
		f->label[len - 3] = '\0';
}

/*
 * Calls `take` for every label with the first amount after it.  A label
 * the PDF wrapped around its amounts ("四、文化旅游体育与传媒" / "200,000 |
 * 200,000" / "支出") keeps its amounts: the last label of a line without
 * an amount waits for the next line.
 */
static void walk_labels(struct importer *im, struct imp_table *t,
			bool (*take)(struct importer *, struct imp_table *,
				     struct labelled *))
{
	struct labelled pending;
	bool waiting = false;
	/* Every row with amounts is used or reported: none vanishes. */
	int rows = 0, unplaced = 0;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		struct labelled found[8];
		int n = 0, amounts = 0;
		bool accounted = false;
		for (int c = 0; c < l->n_cells; c++)
			amounts += l->cells[c].kind == IMP_AMOUNT;
		for (int c = 0; c < l->n_cells; c++) {
			struct imp_cell *cell = &l->cells[c];
			if (cell->kind == IMP_TEXT && n < 8) {
				read_label(&found[n++], l, c);
				continue;
			}
			if (cell->kind != IMP_AMOUNT)
				continue;
			struct labelled *owner = n > 0	   ? &found[n - 1]
						 : waiting ? &pending
							   : NULL;
			if (owner == NULL) {
				t->skipped++;
				accounted = true;
				imp_problem(im->r, l,
					    "amount \"%s\" has no label before "
					    "it; not used",
					    cell->text);
				continue;
			}
			if (owner->have)
				continue; /* further columns of the same row */
			if (imp_cell_fen(im, t, l, cell, &owner->fen)) {
				t->skipped++;
				accounted = true; /* reported */
			} else {
				owner->have = true;
			}
		}
		if (waiting) {
			accounted |= take(im, t, &pending);
			waiting = false;
		}
		for (int k = 0; k < n; k++) {
			if (l->keeps_empty)
				found[k].left = found[k].cell < 2;
			else
				found[k].left = k == 0 && n >= 2;
			if (k == n - 1 && !found[k].have &&
			    found[k].cell == l->n_cells - 1) {
				pending = found[k];
				waiting = true;
				continue;
			}
			accounted |= take(im, t, &found[k]);
		}
		if (amounts == 0)
			continue;
		rows++;
		if (accounted)
			continue;
		unplaced++;
		t->skipped++;
		imp_warning(im->r, l,
			    "a row with amounts that no label of this table "
			    "places (\"%s\"); not used",
			    l->raw);
	}
	if (waiting)
		take(im, t, &pending);
	if (im->opt->verbose)
		imp_say(im->r,
			"  %d rows with amounts: %d placed, %d reported as "
			"unplaced",
			rows, rows - unplaced, unplaced);
}

static bool header_word(const char *label)
{
	static const char *const words[] = {"项目",
					    "预算数",
					    "金额",
					    "收入",
					    "支出",
					    "本年收入",
					    "本年支出",
					    "合计",
					    "小计",
					    "基本支出",
					    "项目支出",
					    "人员经费",
					    "公用经费",
					    "财政拨款收入",
					    "财政拨款支出",
					    "一般公共预算",
					    "政府性基金预算",
					    "国有资本经营预算",
					    "功能分类科目名称",
					    NULL};
	for (int i = 0; words[i]; i++)
		if (strcmp(label, words[i]) == 0)
			return true;
	return false;
}

static void trail(struct importer *im, const struct labelled *f,
		  const char *into)
{
	if (!im->opt->verbose)
		return;
	char where[320], a[MONEY_TEXT_MAX];
	imp_where(f->line, where, sizeof where);
	imp_fmt(im, f->fen, a, sizeof a);
	imp_say(im->r, "  %s: %s %s → %s", where, f->label, a, into);
}

/* Places one label's amount; false when it was neither used nor
 * reported (a header word with an amount). */
static bool take_summary(struct importer *im, struct imp_table *t,
			 struct labelled *f)
{
	if (!f->have)
		return false;
	const char *label = f->label;
	int income = imp_income_label(label);
	const char *cls = imp_class_code(label);
	/* The words say which half a label stands in; only 国有资本经营预算
	 * names both a source and a 类, and there the position decides. */
	bool income_side = income != IMP_LABEL_NONE && (!cls || f->left);
	if (strncmp(label, "上年预算", strlen("上年预算")) == 0) {
		t->used++;
		trail(im, f, "previous_year.total");
		imp_set_printed(im, &im->previous, f->fen, f->line, label);
		return true;
	}
	if (f->sub_item) {
		t->used++; /* "其中：财政拨款" repeats the line above */
		trail(im, f, "(a part of the line above)");
		return true;
	}
	if (income_side && income != IMP_LABEL_NONE) {
		t->used++;
		switch (income) {
		case IMP_LABEL_SUBTOTAL:
			trail(im, f, "a check: the sum of the fiscal sources");
			imp_set_printed(im, &im->fiscal_subtotal, f->fen,
					f->line, "财政拨款收入");
			return true;
		case IMP_LABEL_YEAR_TOTAL:
			trail(im, f, "stated.income_total");
			imp_set_printed(im, &im->income_year, f->fen, f->line,
					"本年收入合计");
			return true;
		case IMP_LABEL_TOTAL:
			trail(im, f, "stated.income_total (less carry-over)");
			imp_set_printed(im, &im->income_grand, f->fen, f->line,
					"收入总计");
			return true;
		default: {
			char into[64];
			snprintf(into, sizeof into, "income.%s",
				 bd_source_key((enum bd_source)income));
			trail(im, f, into);
			imp_set_printed(im, &im->income[income], f->fen,
					f->line, label);
			return true;
		}
		}
	}
	if (cls) {
		t->used++;
		trail(im, f, "stated.expenditure_by_class");
		imp_put_class(im, im->classes, &im->n_classes, cls, f->fen,
			      f->line);
		return true;
	}
	if (strstr(label, "本年支出合计")) {
		t->used++;
		trail(im, f, "stated.expenditure_total");
		imp_set_printed(im, &im->expenditure_year, f->fen, f->line,
				"本年支出合计");
		return true;
	}
	if (strstr(label, "支出总计") || strstr(label, "支出合计")) {
		t->used++;
		trail(im, f, "stated.expenditure_total");
		imp_set_printed(im, &im->expenditure_grand, f->fen, f->line,
				"支出总计");
		return true;
	}
	/* The balance rows: 收入总计 = 本年收入 + 上年结转 + 使用结余,
	 * 支出总计 = 本年支出 + 结转下年. */
	if ((strstr(label, "使用") && strstr(label, "结余")) ||
	    strstr(label, "弥补收支差额")) {
		t->used++;
		trail(im, f, "stated.balance_used");
		imp_set_printed(im, &im->balance_used, f->fen, f->line, label);
		return true;
	}
	if (strstr(label, "结转下年") || strstr(label, "年末结转")) {
		t->used++;
		trail(im, f, "stated.carry_forward");
		imp_set_printed(im, &im->carry_forward, f->fen, f->line, label);
		return true;
	}
	if (strstr(label, "结转结余") || strstr(label, "结余")) {
		t->used++;
		if (f->fen != 0)
			imp_warning(im->r, f->line,
				    "\"%s\" is not zero; the model keeps the "
				    "year-end balance only inside the totals",
				    label);
		return true;
	}
	if (header_word(label))
		return f->fen == 0; /* a heading's zero says nothing */
	t->skipped++;
	if (f->fen != 0)
		imp_problem(im->r, f->line,
			    "cannot place \"%s\" (an amount in the summary "
			    "table that is neither a source of income nor a "
			    "类 of expenditure)",
			    label);
	return true;
}

static bool take_appropriation(struct importer *im, struct imp_table *t,
			       struct labelled *f)
{
	if (!f->have)
		return false;
	const char *label = f->label;
	if (strstr(label, "收入合计") || strstr(label, "收入总计")) {
		t->used++;
		trail(im, f, "stated.appropriation.income_total");
		imp_set_printed(im, &im->appr_income, f->fen, f->line,
				"财政拨款收入合计");
		return true;
	}
	if (strstr(label, "支出合计") || strstr(label, "支出总计")) {
		t->used++;
		trail(im, f, "stated.appropriation.expenditure_total");
		imp_set_printed(im, &im->appr_expenditure, f->fen, f->line,
				"财政拨款支出合计");
		return true;
	}
	if (strcmp(label, "本年支出") == 0) {
		t->used++;
		trail(im, f, "stated.appropriation.expenditure_total");
		imp_set_printed(im, &im->appr_expenditure_year, f->fen, f->line,
				"财政拨款本年支出");
		return true;
	}
	const char *cls = imp_class_code(label);
	if (cls && !(f->left && imp_income_label(label) != IMP_LABEL_NONE)) {
		t->used++;
		trail(im, f, "stated.appropriation.expenditure_by_class");
		imp_put_class(im, im->appr_classes, &im->n_appr_classes, cls,
			      f->fen, f->line);
		return true;
	}
	/* Income lines by source repeat the summary; they are not kept,
	 * but they are read. */
	return imp_income_label(label) != IMP_LABEL_NONE || header_word(label);
}

void imp_read_summary(struct importer *im, struct imp_table *t)
{
	walk_labels(im, t, take_summary);
}

void imp_read_appropriation(struct importer *im, struct imp_table *t)
{
	walk_labels(im, t, take_appropriation);
}
