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

#include "money.h"
#include "utf8.h"
#include "import_int.h"
#include "import_labels.h"

#define MAX_TABLES   64
#define MAX_CLASSES  40
#define MAX_PROJECTS 512

struct printed {
	int64_t fen;
	bool have;
};

struct by_class {
	char code[4];
	int64_t fen;
};

struct project {
	char code[64];
	char name[192];
	char function[8];
	int64_t total;
	int64_t source[IMP_SRC_COUNT];
	cJSON *indicators;
};

struct importer {
	struct imp_input in;
	struct import_report *r;
	const struct import_options *opt;
	struct imp_table tables[MAX_TABLES];
	size_t n_tables;
	bool seen[IMP_T_COUNT];
	bool wanyuan;
	int year;
	char name[256], code[16], parent[16];

	struct printed income[IMP_SRC_COUNT];
	struct printed income_year, income_grand, fiscal_subtotal;
	struct printed expenditure_year, expenditure_grand;
	struct by_class classes[MAX_CLASSES];
	int n_classes;
	struct printed appr_income, appr_expenditure, appr_expenditure_year;
	struct by_class appr_classes[MAX_CLASSES];
	int n_appr_classes;
	struct printed basic_total, project_total, personnel, public_,
	    operating, targeted, projects_total;
	struct printed overseas, purchase, operation, reception, tp_total;

	struct imp_coded_row *rows[IMP_T_COUNT];
	int n_rows[IMP_T_COUNT];
	struct project *projects;
	int n_projects;
	cJSON *economic;
	cJSON *lines;
	struct printed previous;
};

/* ---- small helpers ---- */

static void fmt(const struct importer *im, int64_t fen, char *buf, size_t n)
{
	if (money_format(fen, im->wanyuan ? BD_UNIT_WANYUAN : BD_UNIT_YUAN, buf,
			 n) < 0)
		snprintf(buf, n, "?");
}

static const char *unit_name(const struct importer *im)
{
	return im->wanyuan ? "万元" : "元";
}

static void add_amount(const struct importer *im, cJSON *o, const char *key,
		       int64_t fen)
{
	char buf[MONEY_TEXT_MAX];
	fmt(im, fen, buf, sizeof buf);
	cJSON_AddStringToObject(o, key, buf);
}

static void set_printed(struct importer *im, struct printed *p, int64_t fen,
			const struct imp_line *at, const char *what)
{
	if (p->have && p->fen != fen) {
		char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
		fmt(im, p->fen, a, sizeof a);
		fmt(im, fen, b, sizeof b);
		imp_warning(im->r, at,
			    "%s printed twice, %s and %s %s; the first is kept",
			    what, a, b, unit_name(im));
		return;
	}
	p->fen = fen;
	p->have = true;
}

static int cell_fen(struct importer *im, const struct imp_table *t,
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

static void put_class(struct importer *im, struct by_class *list, int *n,
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
			void (*take)(struct importer *, struct imp_table *,
				     struct labelled *))
{
	struct labelled pending;
	bool waiting = false;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		struct labelled found[8];
		int n = 0;
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
				imp_problem(im->r, l,
					    "amount \"%s\" has no label before "
					    "it; not used",
					    cell->text);
				continue;
			}
			if (owner->have)
				continue; /* further columns of the same row */
			if (cell_fen(im, t, l, cell, &owner->fen))
				t->skipped++;
			else
				owner->have = true;
		}
		if (waiting) {
			take(im, t, &pending);
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
			take(im, t, &found[k]);
		}
	}
	if (waiting)
		take(im, t, &pending);
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

static void take_summary(struct importer *im, struct imp_table *t,
			 struct labelled *f)
{
	if (!f->have)
		return;
	const char *label = f->label;
	int income = imp_income_label(label);
	const char *cls = imp_class_code(label);
	/* The words say which half a label stands in; only 国有资本经营预算
	 * names both a source and a 类, and there the position decides. */
	bool income_side = income != IMP_LABEL_NONE && (!cls || f->left);
	if (f->sub_item) {
		t->used++; /* "其中：财政拨款" repeats the line above */
		return;
	}
	if (income_side && income != IMP_LABEL_NONE) {
		t->used++;
		switch (income) {
		case IMP_LABEL_SUBTOTAL:
			set_printed(im, &im->fiscal_subtotal, f->fen, f->line,
				    "财政拨款收入");
			return;
		case IMP_LABEL_YEAR_TOTAL:
			set_printed(im, &im->income_year, f->fen, f->line,
				    "本年收入合计");
			return;
		case IMP_LABEL_TOTAL:
			set_printed(im, &im->income_grand, f->fen, f->line,
				    "收入总计");
			return;
		default:
			set_printed(im, &im->income[income], f->fen, f->line,
				    label);
			return;
		}
	}
	if (cls) {
		t->used++;
		put_class(im, im->classes, &im->n_classes, cls, f->fen,
			  f->line);
		return;
	}
	if (strstr(label, "本年支出合计")) {
		t->used++;
		set_printed(im, &im->expenditure_year, f->fen, f->line,
			    "本年支出合计");
		return;
	}
	if (strstr(label, "支出总计") || strstr(label, "支出合计")) {
		t->used++;
		set_printed(im, &im->expenditure_grand, f->fen, f->line,
			    "支出总计");
		return;
	}
	if (strstr(label, "结转结余") || strstr(label, "结余")) {
		t->used++;
		if (f->fen != 0)
			imp_warning(im->r, f->line,
				    "\"%s\" is not zero; the model keeps the "
				    "year-end balance only inside the totals",
				    label);
		return;
	}
	if (header_word(label))
		return;
	t->skipped++;
	if (f->fen != 0)
		imp_problem(im->r, f->line,
			    "cannot place \"%s\" (an amount in the summary "
			    "table that is neither a source of income nor a "
			    "类 of expenditure)",
			    label);
}

static void take_appropriation(struct importer *im, struct imp_table *t,
			       struct labelled *f)
{
	if (!f->have)
		return;
	const char *label = f->label;
	if (strstr(label, "收入合计") || strstr(label, "收入总计")) {
		t->used++;
		set_printed(im, &im->appr_income, f->fen, f->line,
			    "财政拨款收入合计");
		return;
	}
	if (strstr(label, "支出合计") || strstr(label, "支出总计")) {
		t->used++;
		set_printed(im, &im->appr_expenditure, f->fen, f->line,
			    "财政拨款支出合计");
		return;
	}
	if (strcmp(label, "本年支出") == 0) {
		t->used++;
		set_printed(im, &im->appr_expenditure_year, f->fen, f->line,
			    "财政拨款本年支出");
		return;
	}
	const char *cls = imp_class_code(label);
	if (cls && !(f->left && imp_income_label(label) != IMP_LABEL_NONE)) {
		t->used++;
		put_class(im, im->appr_classes, &im->n_appr_classes, cls,
			  f->fen, f->line);
		return;
	}
	/* Income lines by source repeat the summary; they are not kept. */
}

/* ---- 三公经费 ---- */

enum {
	TP_TOTAL,
	TP_OVERSEAS,
	TP_RECEPTION,
	TP_VEHICLES,
	TP_PURCHASE,
	TP_OPERATION,
	TP_RUNNING,
	TP_SLOTS
};

/* What the narrative says the 三公 amounts are (in 分), as tie-breakers. */
static void narrative_three_public(struct importer *im, int64_t hint[TP_SLOTS],
				   bool have[TP_SLOTS])
{
	static const struct {
		int slot;
		const char *word;
	} words[] = {
	    {TP_OVERSEAS, "因公出国（境）费"},
	    {TP_OVERSEAS, "因公出国(境)费"},
	    {TP_RECEPTION, "公务接待费"},
	    {TP_PURCHASE, "公务用车购置费"},
	    {TP_OPERATION, "公务用车运行费"},
	    {TP_OPERATION, "公务用车运行维护费"},
	    {TP_OPERATION, "公务车用车运行费"},
	};
	for (size_t i = 0; i < im->in.n_lines; i++) {
		const struct imp_line *l = &im->in.lines[i];
		bool in_table = false;
		for (size_t k = 0; k < im->n_tables; k++)
			if (i >= im->tables[k].begin && i < im->tables[k].end &&
			    im->tables[k].kind != IMP_T_OTHER)
				in_table = true;
		if (in_table)
			continue;
		char sq[1024];
		imp_squeeze(l->raw, sq, sizeof sq);
		for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
			const char *p = strstr(sq, words[w].word);
			if (!p || have[words[w].slot])
				continue;
			p += strlen(words[w].word);
			if (strncmp(p, "预算", 6) == 0)
				p += 6;
			if (strncmp(p, "为", 3) == 0)
				p += 3;
			char num[32];
			size_t n = strspn(p, "0123456789.,");
			if (n == 0 || n >= sizeof num ||
			    strncmp(p + n, "万元", 6) != 0)
				continue;
			memcpy(num, p, n);
			num[n] = '\0';
			struct imp_amount a;
			int64_t fen;
			if (imp_amount_parse(num, &a) == 0 &&
			    imp_amount_fen(&a, true, &fen) == 0) {
				hint[words[w].slot] = fen;
				have[words[w].slot] = true;
			}
		}
	}
}

static bool tp_consistent(const int64_t v[TP_SLOTS])
{
	return v[TP_TOTAL] ==
		   v[TP_OVERSEAS] + v[TP_RECEPTION] + v[TP_VEHICLES] &&
	       v[TP_VEHICLES] == v[TP_PURCHASE] + v[TP_OPERATION];
}

static void read_three_public(struct importer *im, struct imp_table *t)
{
	/* Column order: Shanghai prints 接待费 before the vehicle columns,
	 * Henan after them ("因公出国 | 公务用车购置及运行费 | 公务接待费"). */
	int order[TP_SLOTS] = {TP_TOTAL,    TP_OVERSEAS, TP_RECEPTION,
			       TP_VEHICLES, TP_PURCHASE, TP_OPERATION,
			       TP_RUNNING};
	int n_slots = 7;
	const struct imp_line *values = NULL;
	for (size_t i = t->begin; i < t->end; i++) {
		const struct imp_line *l = &im->in.lines[i];
		char sq[1024];
		imp_squeeze(l->raw, sq, sizeof sq);
		const char *o = strstr(sq, "因公出国");
		const char *v = strstr(sq, "公务用车购置及运行");
		const char *rc = strstr(sq, "公务接待");
		if (o && v && rc && o < v && v < rc) {
			static const int henan[] = {TP_TOTAL,	  TP_OVERSEAS,
						    TP_VEHICLES,  TP_PURCHASE,
						    TP_OPERATION, TP_RECEPTION};
			memcpy(order, henan, sizeof henan);
			n_slots = 6;
		}
		int texts = 0, amounts = 0;
		for (int c = 0; c < l->n_cells; c++) {
			texts += l->cells[c].kind == IMP_TEXT;
			amounts += l->cells[c].kind == IMP_AMOUNT;
		}
		if (amounts > 0 && texts == 0) {
			values = l;
			break;
		}
	}
	if (values == NULL) {
		if (!t->empty)
			imp_problem(im->r, &im->in.lines[t->title],
				    "the 三公 table has no row of amounts "
				    "(truncated?)");
		return;
	}
	int64_t v[TP_SLOTS];
	int k = 0;
	bool positional = values->keeps_empty;
	int64_t printed[TP_SLOTS];
	bool slot_empty[TP_SLOTS] = {0};
	int slots = 0;
	for (int c = 0; c < values->n_cells; c++) {
		const struct imp_cell *cell = &values->cells[c];
		if (slots == TP_SLOTS || k == TP_SLOTS) {
			imp_problem(im->r, values,
				    "more amounts than the 三公 table has "
				    "columns");
			t->skipped++;
			return;
		}
		if (cell->kind == IMP_EMPTY) {
			slot_empty[slots++] = true;
			continue;
		}
		if (cell_fen(im, t, values, cell, &printed[k])) {
			t->skipped++;
			return;
		}
		slots++;
		k++;
	}
	bool any_empty = false;
	for (int s = 0; s < slots; s++)
		any_empty |= slot_empty[s];
	int64_t hint[TP_SLOTS] = {0};
	bool have_hint[TP_SLOTS] = {0};
	narrative_three_public(im, hint, have_hint);

	/* Every way to place k printed values into n_slots columns in order,
	 * the rest empty, that adds up; the narrative breaks ties. */
	int64_t best[TP_SLOTS] = {0};
	int found = 0, found_hinted = 0;
	int64_t hinted[TP_SLOTS] = {0};
	for (unsigned mask = 0; mask < (1u << n_slots); mask++) {
		if (__builtin_popcount(mask) != k)
			continue;
		if ((positional && any_empty) || k == n_slots) {
			/* Columns are known: only the printed order. */
			unsigned want = 0;
			for (int s = 0, j = 0; s < slots && s < n_slots; s++)
				if (!slot_empty[s])
					want |= 1u << s, j++;
			if (mask != want)
				continue;
		}
		memset(v, 0, sizeof v);
		for (int s = 0, j = 0; s < n_slots; s++)
			if (mask & (1u << s))
				v[order[s]] = printed[j++];
		if (!tp_consistent(v))
			continue;
		found++;
		memcpy(best, v, sizeof v);
		bool agrees = true;
		for (int s = 0; s < TP_SLOTS; s++)
			if (have_hint[s] && hint[s] != v[s])
				agrees = false;
		if (agrees) {
			found_hinted++;
			memcpy(hinted, v, sizeof v);
		}
	}
	if (found > 1 && found_hinted == 1) {
		memcpy(best, hinted, sizeof best);
		found = 1;
		imp_say(im->r,
			"  the 三公 row drops empty cells; the narrative's "
			"amounts decide which columns the %d printed values "
			"stand in",
			k);
	}
	if (found != 1) {
		imp_problem(
		    im->r, values,
		    found == 0 ? "the 三公 amounts do not add up in any column "
				 "order (合计 = 出国 + 接待 + 车辆; 车辆 = "
				 "购置 + 运行)"
			       : "the 三公 row drops empty cells and %d column "
				 "orders fit; the narrative does not decide",
		    found);
		t->skipped++;
		return;
	}
	static const char *const names[TP_SLOTS] = {
	    "合计",	      "因公出国（境）费",
	    "公务接待费",     "公务用车购置及运行费",
	    "公务用车购置费", "公务用车运行费",
	    "机关运行经费"};
	for (int s = TP_OVERSEAS; s < TP_RUNNING; s++)
		if (have_hint[s] && hint[s] != best[s]) {
			char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
			money_format(best[s], BD_UNIT_WANYUAN, a, sizeof a);
			money_format(hint[s], BD_UNIT_WANYUAN, b, sizeof b);
			imp_warning(im->r, values,
				    "the 三公 table gives %s %s 万元, the "
				    "narrative %s 万元; the table is imported",
				    names[s], a, b);
		}
	im->tp_total = (struct printed){best[TP_TOTAL], true};
	im->overseas = (struct printed){best[TP_OVERSEAS], true};
	im->reception = (struct printed){best[TP_RECEPTION], true};
	im->purchase = (struct printed){best[TP_PURCHASE], true};
	im->operation = (struct printed){best[TP_OPERATION], true};
	t->used++;
}

/* ---- function tables: which column an amount stood in ---- */

static void classify_row(struct importer *im, struct imp_table *t,
			 struct imp_coded_row *row)
{
	const struct imp_line *l = &im->in.lines[row->line];
	if (t->detailed) {
		/* 合计 基本(小计 工资 家庭 商品 资本) 项目(小计 运转 特定) */
		int64_t *v = row->value;
		row->total = v[0];
		row->basic = v[2] + v[3] + v[4] + v[5];
		row->project = v[7] + v[8];
		if (!row->present[1])
			v[1] = row->basic;
		if (!row->present[6])
			v[6] = row->project;
		row->known = row->positional;
		if (!row->known)
			imp_problem(im->r, l,
				    "the row drops empty cells and the table "
				    "has 9 columns; which is which cannot be "
				    "told");
		return;
	}
	if (row->positional) {
		row->total = row->value[0];
		row->basic = row->value[1];
		row->project = row->value[2];
		if (!row->present[0])
			row->total = row->basic + row->project;
		row->known = true;
		return;
	}
	int n = row->n_values;
	row->total = row->value[0];
	if (n == 3) {
		row->basic = row->value[1];
		row->project = row->value[2];
		row->known = true;
	} else if (n == 1 && row->total == 0) {
		row->known = true;
	} else if (n == 2 && row->value[1] == row->total) {
		row->known = false; /* basic or project: the rows decide */
	} else if (n == 1) {
		row->known = false;
	} else {
		imp_problem(im->r, l,
			    "%d amounts where 合计, 基本支出 and 项目支出 are "
			    "expected",
			    n);
		row->known = false;
		row->total = -1;
	}
}

static void link_rows(struct imp_coded_row *rows, int n)
{
	int root = -1, last[4] = {-1, -1, -1, -1};
	for (int i = 0; i < n; i++)
		if (rows[i].level == 0)
			root = i;
	for (int i = 0; i < n; i++) {
		int lv = rows[i].level;
		rows[i].parent = -1;
		if (lv <= 0)
			continue;
		for (int up = lv - 1; up >= 1; up--)
			if (last[up] >= 0 &&
			    strncmp(rows[last[up]].code, rows[i].code,
				    strlen(rows[last[up]].code)) == 0) {
				rows[i].parent = last[up];
				break;
			}
		if (rows[i].parent < 0)
			rows[i].parent = root;
		last[lv] = i;
		for (int d = lv + 1; d < 4; d++)
			last[d] = -1;
	}
}

static int find_row(const struct imp_coded_row *rows, int n, const char *code,
		    int level)
{
	for (int i = 0; i < n; i++)
		if (rows[i].level == level && strcmp(rows[i].code, code) == 0)
			return i;
	return -1;
}

/* Which of the ambiguous children hold 基本支出 so that they add up to
 * `target`; returns the number of ways (stopping at 2). */
static int split_children(const struct imp_coded_row *rows, const int *amb,
			  int n_amb, int64_t target, unsigned *mask)
{
	int ways = 0;
	if (n_amb > 20)
		return 2;
	for (unsigned m = 0; m < (1u << n_amb) && ways < 2; m++) {
		int64_t sum = 0;
		for (int j = 0; j < n_amb; j++)
			if (m & (1u << j))
				sum += rows[amb[j]].total;
		if (sum == target) {
			ways++;
			*mask = m;
		}
	}
	return ways;
}

static void resolve_rows(struct imp_coded_row *rows, int n,
			 const struct imp_coded_row *all, int n_all)
{
	for (bool changed = true; changed;) {
		changed = false;
		/* Up: a row whose children are all known. */
		for (int i = 0; i < n; i++) {
			if (rows[i].known || rows[i].total < 0)
				continue;
			int64_t b = 0, p = 0;
			int kids = 0;
			bool all_known = true;
			for (int c = 0; c < n; c++)
				if (rows[c].parent == i) {
					kids++;
					all_known &= rows[c].known;
					b += rows[c].basic;
					p += rows[c].project;
				}
			if (kids > 0 && all_known && b + p == rows[i].total) {
				rows[i].basic = b;
				rows[i].project = p;
				rows[i].known = changed = true;
			}
		}
		/* Down: the children of a known row share its 基本支出. */
		for (int i = -1; i < n; i++) {
			if (i >= 0 && !rows[i].known)
				continue;
			if (i < 0 && find_row(rows, n, "", 0) >= 0)
				continue;
			int amb[64], n_amb = 0;
			int64_t basic = 0;
			for (int c = 0; c < n; c++) {
				if (rows[c].parent != i || rows[c].level <= 0)
					continue;
				if (rows[c].known)
					basic += rows[c].basic;
				else if (n_amb < 64 && rows[c].total >= 0)
					amb[n_amb++] = c;
			}
			if (n_amb == 0 || i < 0)
				continue;
			unsigned mask = 0;
			if (split_children(rows, amb, n_amb,
					   rows[i].basic - basic, &mask) != 1)
				continue;
			for (int j = 0; j < n_amb; j++) {
				struct imp_coded_row *c = &rows[amb[j]];
				bool is_basic = mask & (1u << j);
				c->basic = is_basic ? c->total : 0;
				c->project = is_basic ? 0 : c->total;
				c->known = changed = true;
			}
		}
		/* Across: the all-source table bounds each part. */
		for (int i = 0; all && i < n; i++) {
			if (rows[i].known || rows[i].total < 0)
				continue;
			int a =
			    find_row(all, n_all, rows[i].code, rows[i].level);
			if (a < 0 || !all[a].known)
				continue;
			bool can_basic = rows[i].total <= all[a].basic;
			bool can_project = rows[i].total <= all[a].project;
			if (can_basic != can_project) {
				rows[i].basic = can_basic ? rows[i].total : 0;
				rows[i].project =
				    can_project ? rows[i].total : 0;
				rows[i].known = changed = true;
			}
		}
	}
}

static int read_function_table(struct importer *im, struct imp_table *t,
			       const struct imp_coded_row *all, int n_all)
{
	struct imp_coded_row *rows;
	int n = imp_read_coded(&im->in, t, t->detailed ? 9 : 3, &rows, im->r);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		classify_row(im, t, &rows[i]);
	link_rows(rows, n);
	resolve_rows(rows, n, all, n_all);
	if (n > 0 && find_row(rows, n, "", 0) < 0 && !t->empty)
		imp_problem(im->r, &im->in.lines[t->title],
			    "the %s ends without its 合计 row (last row read "
			    "on page %d, line %d): the input may be truncated",
			    imp_table_name(t->kind),
			    im->in.lines[rows[n - 1].line].page,
			    im->in.lines[rows[n - 1].line].lineno);
	for (int i = 0; i < n; i++) {
		const struct imp_line *l = &im->in.lines[rows[i].line];
		if (rows[i].known &&
		    rows[i].total != rows[i].basic + rows[i].project) {
			char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX],
			    c[MONEY_TEXT_MAX];
			fmt(im, rows[i].total, a, sizeof a);
			fmt(im, rows[i].basic, b, sizeof b);
			fmt(im, rows[i].project, c, sizeof c);
			imp_warning(
			    im->r, l,
			    "%s %s: 合计 %s is not 基本支出 %s + 项目支出 "
			    "%s (as printed)",
			    rows[i].code[0] ? rows[i].code : "合计",
			    rows[i].name, a, b, c);
		}
		if (rows[i].level == -1 && rows[i].unit_code[0] &&
		    !im->code[0] && !im->opt->department) {
			snprintf(im->code, sizeof im->code, "%s",
				 rows[i].unit_code);
			imp_say(im->r,
				"  department code %s from the 单位代码 column "
				"(page %d)",
				im->code, l->page);
		}
	}
	im->rows[t->kind] = rows;
	im->n_rows[t->kind] = n;
	return 0;
}

/* ---- economic classification ---- */

static int read_economic(struct importer *im, struct imp_table *t)
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
		for (int j = 0; j < n; j++)
			if (rows[j].level == 2 &&
			    strncmp(rows[j].code, row->code, 3) == 0 &&
			    row->level == 1)
				has_children = true;
		if (has_children)
			continue;
		/* Economic codes are 类 3 + 款 2 digits; the reader saw 款 as
		 * level 2. */
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "code", row->code);
		cJSON_AddStringToObject(e, "name", row->name);
		int64_t fen = row->present[0] ? row->value[0] : 0;
		add_amount(im, e, "amount", fen);
		cJSON_AddItemToArray(im->economic, e);
		t->used++;
	}
	free(rows);
	return 0;
}

/* ---- projects (Henan layout) ---- */

static void squeeze_into(char *out, size_t size, const char *text)
{
	imp_squeeze(text, out, size);
}

static void read_projects(struct importer *im, struct imp_table *t)
{
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
		squeeze_into(name, sizeof name, l->cells[c + 1].text);
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
			    cell_fen(im, t, l, cell, &v[slots])) {
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
			set_printed(im, &im->projects_total, v[0], l,
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
		p->source[IMP_SRC_GENERAL] = v[1] + v[4];
		p->source[IMP_SRC_FUND] = v[2] + v[5];
		p->source[IMP_SRC_CAPITAL] = v[3] + v[6];
		p->source[IMP_SRC_SPECIAL] = v[7];
		p->source[IMP_SRC_OTHER] = v[8];
		if (!l->keeps_empty && slots <= 2)
			p->source[IMP_SRC_GENERAL] = slots == 2 ? v[1] : 0;
		l->used = true;
		t->used++;
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

static void read_performance(struct importer *im, struct imp_table *t)
{
	static const char *const categories[] = {"cost", "output", "benefit",
						 "satisfaction"};
	struct project *current = NULL;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &im->in.lines[i];
		if (l->n_cells == 0)
			continue;
		char first[64];
		squeeze_into(first, sizeof first, l->cells[0].text);
		size_t digits = strspn(first, "0123456789");
		if (digits == strlen(first) && digits >= 3 && l->n_cells > 1) {
			char name[192];
			squeeze_into(name, sizeof name, l->cells[1].text);
			current = NULL;
			if (digits == 3 && !im->parent[0] && !im->opt->parent) {
				snprintf(im->parent, sizeof im->parent, "%.3s",
					 first);
				t->used++;
				continue;
			}
			for (int p = 0; p < im->n_projects; p++)
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
			squeeze_into(name, sizeof name, l->cells[c].text);
			tidy_value(c + 1 < l->n_cells ? l->cells[c + 1].text
						      : "",
				   value, sizeof value);
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

/* ---- line items ---- */

static cJSON *find_line(cJSON *lines, const char *function, const char *source)
{
	cJSON *e;
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
		      bool detailed, enum imp_source source,
		      const struct imp_line *at)
{
	const char *key = imp_source_key(source);
	if (find_line(im->lines, row->code, key)) {
		imp_warning(im->r, at,
			    "%s (%s) appears twice; the repeat is not counted",
			    row->code, key);
		return;
	}
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
				add_amount(im, b, basic[k], row->value[2 + k]);
			}
		if (row->value[7] || row->value[8])
			p = cJSON_AddObjectToObject(o, "project");
		if (row->value[7])
			add_amount(im, p, "operating", row->value[7]);
		if (row->value[8])
			add_amount(im, p, "targeted", row->value[8]);
	} else {
		if (row->basic)
			add_amount(im, cJSON_AddObjectToObject(o, "basic"),
				   "total", row->basic);
		if (row->project)
			add_amount(im, cJSON_AddObjectToObject(o, "project"),
				   "total", row->project);
	}
	add_amount(im, o, "total", row->total);
	cJSON_AddItemToArray(im->lines, o);
}

static void emit_fiscal_lines(struct importer *im, enum imp_table_kind kind,
			      enum imp_source source)
{
	struct imp_coded_row *rows = im->rows[kind];
	bool detailed = false;
	for (size_t k = 0; k < im->n_tables; k++)
		if (im->tables[k].kind == kind)
			detailed |= im->tables[k].detailed;
	for (int i = 0; i < im->n_rows[kind]; i++) {
		const struct imp_coded_row *row = &rows[i];
		const struct imp_line *l = &im->in.lines[row->line];
		if (row->level != 3)
			continue;
		if (!row->known) {
			char a[MONEY_TEXT_MAX];
			fmt(im, row->total, a, sizeof a);
			imp_problem(im->r, l,
				    "%s %s %s %s: the row drops an empty cell "
				    "and neither its 款/类 rows nor the other "
				    "tables tell whether it is 基本支出 or "
				    "项目支出",
				    row->code, row->name, a, unit_name(im));
			continue;
		}
		emit_line(im, row, detailed, source, l);
	}
}

/* Expenditure that no fiscal table holds: the all-source table minus the
 * fiscal ones, funded by the one other source the income side names. */
static void emit_other_lines(struct importer *im)
{
	const struct imp_coded_row *all = im->rows[IMP_T_EXPENDITURE];
	int n_all = im->n_rows[IMP_T_EXPENDITURE];
	if (all == NULL)
		return;
	bool covered[IMP_SRC_COUNT] = {0};
	covered[IMP_SRC_GENERAL] = im->seen[IMP_T_GENERAL];
	covered[IMP_SRC_FUND] = im->seen[IMP_T_FUND];
	covered[IMP_SRC_CAPITAL] = im->seen[IMP_T_CAPITAL];
	covered[IMP_SRC_CARRYOVER] = true;
	int candidates = 0;
	enum imp_source source = IMP_SRC_OTHER;
	for (int s = 0; s < IMP_SRC_COUNT; s++)
		if (!covered[s] && im->income[s].have && im->income[s].fen) {
			candidates++;
			source = (enum imp_source)s;
		}
	static const enum imp_table_kind fiscal[] = {IMP_T_GENERAL, IMP_T_FUND,
						     IMP_T_CAPITAL};
	for (int i = 0; i < n_all; i++) {
		const struct imp_coded_row *row = &all[i];
		const struct imp_line *l = &im->in.lines[row->line];
		if (row->level != 3)
			continue;
		int64_t t = row->total, b = row->basic, p = row->project;
		for (int f = 0; f < 3; f++) {
			int k = find_row(im->rows[fiscal[f]],
					 im->n_rows[fiscal[f]], row->code, 3);
			if (k < 0)
				continue;
			const struct imp_coded_row *fr =
			    &im->rows[fiscal[f]][k];
			t -= fr->total;
			b -= fr->basic;
			p -= fr->project;
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
			fmt(im, -t, a, sizeof a);
			imp_warning(im->r, l,
				    "%s %s: the fiscal tables hold %s %s more "
				    "than this 支出预算总表 row (or split it "
				    "otherwise); the fiscal lines are imported",
				    row->code, row->name, a, unit_name(im));
			continue;
		}
		if (candidates != 1) {
			imp_problem(im->r, l,
				    "%s %s: part of it is paid from a source "
				    "other than the fiscal ones, and the "
				    "income side names %d such sources; which "
				    "pays it cannot be told",
				    row->code, row->name, candidates);
			continue;
		}
		struct imp_coded_row rest = *row;
		rest.total = t;
		rest.basic = b;
		rest.project = p;
		emit_line(im, &rest, false, source, l);
	}
}

/* ---- the department, the year, last year ---- */

static void find_department(struct importer *im)
{
	static const char *const keys[] = {
	    "编制部门：",     "编制单位：", "部门名称：",
	    "预算主管部门：", "预算单位：", "编制部门:",
	    "编制单位:",      "部门名称:",  NULL};
	for (size_t i = 0; i < im->in.n_lines && !im->name[0]; i++) {
		const struct imp_line *l = &im->in.lines[i];
		for (int c = 0; c < l->n_cells && !im->name[0]; c++) {
			char sq[256];
			imp_squeeze(l->cells[c].text, sq, sizeof sq);
			for (int k = 0; keys[k]; k++) {
				const char *p = strstr(sq, keys[k]);
				if (p && p[strlen(keys[k])]) {
					snprintf(im->name, sizeof im->name,
						 "%s", p + strlen(keys[k]));
					/* "…局单位：元" when the cells ran
					 * together. */
					char *u = strstr(im->name, "单位：");
					if (u && u != im->name)
						*u = '\0';
					break;
				}
			}
		}
	}
}

static int find_year(struct importer *im)
{
	int votes[201] = {0}, best = 0;
	for (size_t k = 0; k < im->n_tables; k++) {
		int y = im->tables[k].year;
		if (y >= 2000 && y <= 2200)
			votes[y - 2000]++;
	}
	for (int y = 0; y <= 200; y++)
		if (votes[y] > votes[best])
			best = y;
	if (votes[best] > 0)
		return 2000 + best;
	/* The cover: "2023 年度部门预算", "2025年区级部门预算". */
	for (size_t i = 0; i < im->in.n_lines && i < 40; i++) {
		char sq[256];
		imp_squeeze(im->in.lines[i].raw, sq, sizeof sq);
		const char *p = strstr(sq, "预算");
		for (const char *q = sq; p && q + 7 <= p; q++)
			if (strspn(q, "0123456789") == 4 &&
			    strncmp(q + 4, "年", 3) == 0)
				return atoi(q);
	}
	return 0;
}

/* "与 2022 年预算相比，收入减少 20.66 万元" / "比2024年预算增加3,355.65万元".
 */
static void find_previous_year(struct importer *im, int64_t income_total)
{
	char before[32], against[32];
	snprintf(before, sizeof before, "比%d年预算", im->year - 1);
	snprintf(against, sizeof against, "与%d年预算相比", im->year - 1);
	size_t cap = 1 << 16, len = 0;
	char *blob = malloc(cap);
	if (blob == NULL)
		return;
	blob[0] = '\0';
	for (size_t i = 0; i < im->in.n_lines && len + 1024 < cap; i++) {
		bool in_table = false;
		for (size_t k = 0; k < im->n_tables; k++)
			if (i >= im->tables[k].title && i < im->tables[k].end)
				in_table = true;
		if (in_table)
			continue;
		imp_squeeze(im->in.lines[i].raw, blob + len, 1024);
		len += strlen(blob + len);
	}
	const char *income = strstr(blob, "收入");
	const char *p = income ? strstr(income, before) : NULL;
	const char *q = income ? strstr(income, against) : NULL;
	if (!p || (q && q < p))
		p = q;
	if (p) {
		const char *end = p + 90 < blob + len ? p + 90 : blob + len;
		const char *more = NULL, *less = NULL;
		for (const char *s = p; s < end; s++) {
			if (!more && strncmp(s, "增加", 6) == 0)
				more = s;
			if (!less && strncmp(s, "减少", 6) == 0)
				less = s;
		}
		const char *word = more && (!less || more < less) ? more : less;
		if (word) {
			const char *num = word + 6;
			char buf[32];
			size_t n = strspn(num, "0123456789.,");
			struct imp_amount a;
			int64_t fen;
			if (n > 0 && n < sizeof buf &&
			    strncmp(num + n, "万元", 6) == 0) {
				memcpy(buf, num, n);
				buf[n] = '\0';
				if (imp_amount_parse(buf, &a) == 0 &&
				    imp_amount_fen(&a, true, &fen) == 0) {
					im->previous.fen =
					    word == more ? income_total - fen
							 : income_total + fen;
					im->previous.have =
					    im->previous.fen >= 0;
				}
			}
		}
	}
	free(blob);
	if (im->previous.have) {
		char a[MONEY_TEXT_MAX];
		fmt(im, im->previous.fen, a, sizeof a);
		imp_say(im->r,
			"  previous_year.total %s %s: this year's income less "
			"the change the narrative states against %d",
			a, unit_name(im), im->year - 1);
	}
}

/* ---- the document ---- */

static const struct imp_coded_row *root_row(const struct importer *im,
					    enum imp_table_kind kind)
{
	int k = find_row(im->rows[kind], im->n_rows[kind], "", 0);
	return k >= 0 ? &im->rows[kind][k] : NULL;
}

static void add_printed(const struct importer *im, cJSON *o, const char *key,
			struct printed p)
{
	if (p.have)
		add_amount(im, o, key, p.fen);
}

static void add_classes(const struct importer *im, cJSON *o,
			const struct by_class *list, int n)
{
	if (n == 0)
		return;
	cJSON *c = cJSON_AddObjectToObject(o, "expenditure_by_class");
	for (int i = 0; i < n; i++)
		add_amount(im, c, list[i].code, list[i].fen);
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
	cJSON_AddStringToObject(doc, "unit", unit_name(im));
	cJSON *dept = cJSON_AddObjectToObject(doc, "department");
	cJSON_AddStringToObject(dept, "code", im->code);
	cJSON_AddStringToObject(dept, "name", im->name);
	if (im->parent[0])
		cJSON_AddStringToObject(dept, "parent", im->parent);
	if (im->previous.have)
		add_amount(im, cJSON_AddObjectToObject(doc, "previous_year"),
			   "total", im->previous.fen);
	cJSON *income = cJSON_AddObjectToObject(doc, "income");
	for (int s = 0; s < IMP_SRC_COUNT; s++)
		if (im->income[s].have && im->income[s].fen)
			add_amount(im, income, imp_source_key(s),
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
					add_amount(im, src, imp_source_key(s),
						   p->source[s]);
			add_amount(im, o, "total", p->total);
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
	char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
	fmt(im, imported, b, sizeof b);
	if (!p.have) {
		imp_say(im->r, "  %-22s imported %s %s (not printed)", what, b,
			unit_name(im));
		return;
	}
	fmt(im, p.fen, a, sizeof a);
	if (p.fen == imported)
		imp_say(im->r, "  %-22s printed %s, imported %s: equal", what,
			a, b);
	else
		imp_warning(im->r, NULL,
			    "%s printed %s, the imported items sum to %s %s; "
			    "the audit will report it",
			    what, a, b, unit_name(im));
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
	imp_say(im->r, "checks against the printed figures:");
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
			walk_labels(im, t, take_summary);
			break;
		case IMP_T_APPROPRIATION:
			walk_labels(im, t, take_appropriation);
			break;
		case IMP_T_EXPENDITURE:
			rc = read_function_table(im, t, NULL, 0);
			break;
		case IMP_T_GENERAL:
		case IMP_T_FUND:
		case IMP_T_CAPITAL:
			rc = read_function_table(im, t, all, n_all);
			break;
		case IMP_T_ECONOMIC:
			rc = read_economic(im, t);
			break;
		case IMP_T_THREE_PUBLIC:
			read_three_public(im, t);
			break;
		case IMP_T_PROJECTS:
			read_projects(im, t);
			break;
		case IMP_T_PERFORMANCE:
			read_performance(im, t);
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
		const struct imp_table *t = &im->tables[k];
		const struct imp_line *l = &im->in.lines[t->title];
		char sq[256];
		imp_squeeze(l->raw, sq, sizeof sq);
		bool repeat =
		    first_table(im, t->kind) != t && t->kind != IMP_T_OTHER;
		char where[32];
		if (l->page > 0)
			snprintf(where, sizeof where, "page %d, line %d",
				 l->page, l->lineno);
		else
			snprintf(where, sizeof where, "line %d", l->lineno);
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
		if (amount_table(t->kind) && !t->unit_known && !t->empty &&
		    !repeat)
			imp_warning(im->r, l,
				    "no 单位 line under the title; amounts "
				    "are read as 元");
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
	find_department(im);
	int rc = read_tables(im);
	if (rc)
		return rc;
	emit_fiscal_lines(im, IMP_T_GENERAL, IMP_SRC_GENERAL);
	emit_fiscal_lines(im, IMP_T_FUND, IMP_SRC_FUND);
	emit_fiscal_lines(im, IMP_T_CAPITAL, IMP_SRC_CAPITAL);
	emit_other_lines(im);
	stated_from_tables(im);

	if (im->opt->department)
		snprintf(im->code, sizeof im->code, "%s", im->opt->department);
	if (im->opt->parent)
		snprintf(im->parent, sizeof im->parent, "%s", im->opt->parent);
	if (!im->code[0])
		imp_problem(r, NULL,
			    "the document prints no department code "
			    "(预算单位编码); give it with --department CODE");
	if (!im->name[0])
		imp_problem(r, NULL,
			    "the department's name was not found (no "
			    "编制部门/部门名称 line)");
	im->year = im->opt->year ? im->opt->year : find_year(im);
	if (im->year < 2000 || im->year > 2100)
		imp_problem(r, NULL,
			    "the fiscal year was not found in the titles; "
			    "give it with --year YEAR");
	else
		imp_say(r, "department %s %s, year %d, unit %s",
			im->code[0] ? im->code : "(none)", im->name, im->year,
			unit_name(im));
	struct printed it =
	    im->income_year.have ? im->income_year : im->income_grand;
	if (it.have && im->year)
		find_previous_year(im, it.fen);
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

int import_text(const char *text, size_t len, const char *name,
		const struct import_options *options, cJSON **doc,
		struct import_report *report)
{
	static const struct import_options none = {0};
	struct importer *im = calloc(1, sizeof *im);
	if (im == NULL)
		return -ENOMEM;
	im->r = report;
	im->opt = options ? options : &none;
	im->in.name = name;
	im->in.format = "text";
	*doc = NULL;
	int rc = check_utf8(report, name, text, len);
	if (rc == 0)
		rc = imp_input_parse(&im->in, text, len, false, 0);
	if (rc == 0)
		rc = run(im, doc);
	importer_free(im);
	free(im);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
		if (n + 1 >= cap) {
			char *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (buf && err) {
		free(buf);
		return NULL;
	}
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcasecmp(s + n - t, tail) == 0;
}

int import_files(const char *const *paths, size_t n_paths,
		 const struct import_options *options, cJSON **doc,
		 struct import_report *report)
{
	static const struct import_options none = {0};
	struct importer *im = calloc(1, sizeof *im);
	if (im == NULL)
		return -ENOMEM;
	im->r = report;
	im->opt = options ? options : &none;
	im->in.name = n_paths == 1 ? paths[0] : "(several files)";
	im->in.format = "text";
	*doc = NULL;
	int rc = 0;
	for (size_t i = 0; i < n_paths && rc == 0; i++) {
		size_t len = 0;
		char *text = slurp(paths[i], &len);
		if (text == NULL) {
			imp_problem(report, NULL, "%s: cannot read: %s",
				    paths[i], strerror(errno));
			rc = -EIO;
			break;
		}
		bool csv = ends_with(paths[i], ".csv");
		if (len >= 5 && memcmp(text, "%PDF-", 5) == 0) {
			char error[256];
			free(text);
			rc = imp_pdf_text(paths[i], im->opt->pdftotext, &text,
					  &len, error, sizeof error);
			if (rc) {
				imp_problem(report, NULL, "%s: %s", paths[i],
					    error);
				break;
			}
			im->in.format = "PDF via pdftotext";
		} else if (csv) {
			im->in.format = "CSV";
		}
		rc = check_utf8(report, paths[i], text, len);
		if (rc == 0)
			rc = imp_input_parse(&im->in, text, len, csv,
					     im->in.pages);
		free(text);
	}
	if (rc == 0)
		rc = run(im, doc);
	importer_free(im);
	free(im);
	return rc;
}
