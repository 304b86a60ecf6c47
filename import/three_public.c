/* 三公经费: one row of amounts whose empty cells some layouts drop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

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
		const char *sq = l->squeezed;
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

/* Where pdftotext put the headings: each amount under the nearest one. */
static bool tp_by_position(const struct importer *im, const struct imp_table *t,
			   const struct imp_line *values, int64_t v[TP_SLOTS])
{
	static const char *const words[TP_SLOTS] = {
	    "合计",   "因公出国", "公务接待", "小计",
	    "购置费", "运行费",	  "机关运行"};
	int anchor[TP_SLOTS];
	for (int s = 0; s < TP_SLOTS; s++)
		anchor[s] = -1;
	if (!values->positioned)
		return false;
	for (size_t i = t->begin; i < t->end; i++) {
		const struct imp_line *l = &im->in.lines[i];
		if (l == values)
			break;
		if (!l->positioned)
			continue;
		for (int s = 0; s < TP_SLOTS; s++) {
			int centre = imp_heading_centre(l, words[s]);
			if (centre >= 0)
				anchor[s] = centre;
		}
	}
	bool taken[TP_SLOTS] = {0};
	memset(v, 0, TP_SLOTS * sizeof *v);
	for (int c = 0; c < values->n_cells; c++) {
		const struct imp_cell *cell = &values->cells[c];
		if (cell->kind != IMP_AMOUNT || cell->col < 0)
			continue;
		int centre = cell->col + cell->end_col, best = -1, dist = 0;
		for (int s = 0; s < TP_SLOTS; s++)
			if (anchor[s] >= 0 &&
			    (best < 0 || abs(anchor[s] - centre) < dist)) {
				best = s;
				dist = abs(anchor[s] - centre);
			}
		if (best < 0 || taken[best] ||
		    imp_amount_fen(&cell->amount, t->wanyuan, &v[best]) != 0)
			return false;
		taken[best] = true;
	}
	return taken[TP_TOTAL] && tp_consistent(v);
}

void imp_read_three_public(struct importer *im, struct imp_table *t)
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
		const char *sq = l->squeezed;
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
	int decimals = 0;
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
		if (imp_cell_fen(im, t, values, cell, &printed[k])) {
			t->skipped++;
			return;
		}
		if (cell->amount.scale > decimals)
			decimals = cell->amount.scale;
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
	int64_t placed[TP_SLOTS];
	bool by_position = tp_by_position(im, t, values, placed);
	if (found > 1 && by_position) {
		memcpy(best, placed, sizeof best);
		found = 1;
		imp_say(im->r,
			"  the 三公 row drops empty cells; the columns its "
			"%d printed values stand under decide",
			k);
	} else if (found == 1 && by_position &&
		   memcmp(best, placed, sizeof best) != 0) {
		imp_warning(im->r, values,
			    "the 三公 amounts add up in one column order, but "
			    "they do not stand under those headings");
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
	if (im->opt->verbose) {
		char where[320];
		imp_where(values, where, sizeof where);
		imp_say(im->r, "  %s: 三公 (万元):", where);
		for (int s = 0; s < TP_SLOTS; s++) {
			char a[MONEY_TEXT_MAX];
			money_format(best[s], BD_UNIT_WANYUAN, a, sizeof a);
			imp_say(im->r, "    %s %s", names[s], a);
		}
	}
	/* Kept as printed: a 万元 三公 table in a 元 budget compares with
	 * the 元 tables at its own precision (budget-submission/1's
	 * three_public.unit). */
	im->tp_wanyuan = t->wanyuan;
	im->tp_decimals = decimals;
	im->tp_total = (struct printed){best[TP_TOTAL], true};
	im->overseas = (struct printed){best[TP_OVERSEAS], true};
	im->reception = (struct printed){best[TP_RECEPTION], true};
	im->purchase = (struct printed){best[TP_PURCHASE], true};
	im->operation = (struct printed){best[TP_OPERATION], true};
	t->used++;
}
