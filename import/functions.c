/*
 * Tables by 支出功能分类: which column each amount stood in.  Where a layout
 * dropped empty cells, the 款/类/合计 rows and the all-source table decide;
 * when they cannot, the row stays unknown and is reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

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
		/* A subtotal printed without any of its parts is one the
		 * department published unsplit. */
		row->basic_unsplit = row->present[1] && v[1] != 0 &&
				     !row->present[2] && !row->present[3] &&
				     !row->present[4] && !row->present[5];
		row->project_unsplit = row->present[6] && v[6] != 0 &&
				       !row->present[7] && !row->present[8];
		if (row->basic_unsplit)
			row->basic = v[1];
		if (row->project_unsplit)
			row->project = v[6];
		if (!row->present[1])
			v[1] = row->basic;
		if (!row->present[6])
			v[6] = row->project;
		row->known = row->positional;
		if (row->by_position == 2)
			row->how = IMP_HOW_POSITION;
		if (!row->known)
			imp_problem(im->r, l,
				    "the row drops empty cells and the table "
				    "has 9 columns; neither the layout's "
				    "column positions nor the sums tell which "
				    "is which");
		return;
	}
	if (row->positional) {
		/* Columns the model has no place for (上缴上级支出,
		 * 对附属单位补助支出 …) must be empty. */
		for (int k = 3; k < row->n_values; k++)
			if (row->value[k] != 0) {
				imp_problem(im->r, l,
					    "an amount in column %d, after "
					    "合计, 基本支出 and 项目支出; the "
					    "model has no place for it",
					    k + 1);
				row->known = false;
				row->total = -1;
				return;
			}
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

struct half_sum {
	int64_t sum;
	unsigned mask;
};

static int by_sum(const void *a, const void *b)
{
	int64_t x = ((const struct half_sum *)a)->sum;
	int64_t y = ((const struct half_sum *)b)->sum;
	return (x > y) - (x < y);
}

/*
 * Which of the ambiguous children hold 基本支出 so that they add up to
 * `target`; returns the number of ways (stopping at 2).  Meet in the
 * middle: the sums of each half's subsets, one half sorted, so that 24
 * children cost 2 × 4,096 sums rather than 16 million (a crafted table of
 * 60 such 款 took 7 s when every subset was tried).
 */
static int split_children(const struct imp_coded_row *rows, const int *amb,
			  int n_amb, int64_t target, unsigned *mask)
{
	if (n_amb > 24)
		return 2; /* undecided: reported, never guessed */
	int low = n_amb / 2, high = n_amb - low;
	struct half_sum *b = malloc(sizeof *b << high);
	if (b == NULL)
		return 2;
	for (unsigned m = 0; m < (1u << high); m++) {
		b[m].sum = 0;
		b[m].mask = m;
		for (int j = 0; j < high; j++)
			if (m & (1u << j))
				b[m].sum += rows[amb[low + j]].total;
	}
	qsort(b, (size_t)1 << high, sizeof *b, by_sum);
	int ways = 0;
	for (unsigned m = 0; m < (1u << low) && ways < 2; m++) {
		int64_t sum = 0;
		for (int j = 0; j < low; j++)
			if (m & (1u << j))
				sum += rows[amb[j]].total;
		/* The first b whose sum is not below target - sum. */
		size_t lo = 0, hi = (size_t)1 << high;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (b[mid].sum < target - sum)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < (size_t)1 << high && b[lo].sum == target - sum &&
		       ways < 2;
		     lo++) {
			ways++;
			*mask = m | b[lo].mask << low;
		}
	}
	free(b);
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
				rows[i].how = IMP_HOW_CHILDREN;
			}
		}
		/* Down: the children of a known row share its 基本支出. */
		for (int i = -1; i < n; i++) {
			if (i >= 0 && !rows[i].known)
				continue;
			if (i < 0 && imp_find_row(rows, n, "", 0) >= 0)
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
				c->how = IMP_HOW_SIBLINGS;
			}
		}
		/* Across: the all-source table bounds each part. */
		for (int i = 0; all && i < n; i++) {
			if (rows[i].known || rows[i].total < 0)
				continue;
			int a = imp_find_row(all, n_all, rows[i].code,
					     rows[i].level);
			if (a < 0 || !all[a].known)
				continue;
			bool can_basic = rows[i].total <= all[a].basic;
			bool can_project = rows[i].total <= all[a].project;
			if (can_basic != can_project) {
				rows[i].basic = can_basic ? rows[i].total : 0;
				rows[i].project =
				    can_project ? rows[i].total : 0;
				rows[i].known = changed = true;
				rows[i].how = IMP_HOW_ALL_SOURCE;
			}
		}
	}
}

/*
 * Where pdftotext kept the columns' positions, they say on which side a
 * lone amount stands.  The sums decide first; positions then place what
 * the sums left open, and a disagreement between the two is reported.
 */
static void check_positions(struct importer *im, struct imp_coded_row *rows,
			    int n)
{
	for (int i = 0; i < n; i++) {
		struct imp_coded_row *row = &rows[i];
		if (row->by_position != 0 && row->by_position != 1)
			continue;
		bool basic = row->by_position == 0;
		if (!row->known) {
			row->basic = basic ? row->total : 0;
			row->project = basic ? 0 : row->total;
			row->known = true;
			row->how = IMP_HOW_POSITION;
		} else if ((row->basic != 0) != basic &&
			   row->how != IMP_HOW_PRINTED) {
			imp_warning(im->r, &im->in.lines[row->line],
				    "%s %s: the sums make it %s, but it "
				    "stands under %s",
				    row->code, row->name,
				    basic ? "项目支出" : "基本支出",
				    basic ? "基本支出" : "项目支出");
		}
	}
}

int imp_read_function_table(struct importer *im, struct imp_table *t,
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
	check_positions(im, rows, n);
	if (n > 0 && imp_find_row(rows, n, "", 0) < 0 && !t->empty)
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
			imp_fmt(im, rows[i].total, a, sizeof a);
			imp_fmt(im, rows[i].basic, b, sizeof b);
			imp_fmt(im, rows[i].project, c, sizeof c);
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
