/* Who published the budget, for which year, and last year's total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"

/* The digits after "KEY：" on a line, into out; false when there are none
 * of a code's length. */
static bool code_after(const char *sq, const char *key, char *out, size_t size)
{
	const char *p = strstr(sq, key);
	if (!p)
		return false;
	p += strlen(key);
	if (strncmp(p, "：", 3) == 0)
		p += 3;
	else if (*p == ':')
		p++;
	else
		return false;
	size_t n = strspn(p, "0123456789");
	if (n < 3 || n > 12)
		return false;
	snprintf(out, size, "%.*s", (int)n, p);
	return true;
}

/* "主管部门编码：215", as budgetd's own publication tables print it. */
void imp_find_parent_code(struct importer *im)
{
	for (size_t i = 0; i < im->in.n_lines && !im->parent[0]; i++)
		if (code_after(im->in.lines[i].squeezed, "主管部门编码",
			       im->parent, sizeof im->parent)) {
			char where[320];
			imp_where(&im->in.lines[i], where, sizeof where);
			imp_say(im->r, "  主管部门 code %s from %s", im->parent,
				where);
		}
}

/* "部门编码：215099" — printed by some, and the CSV template's own line. */
void imp_find_department_code(struct importer *im)
{
	static const char *const keys[] = {"部门编码", "单位编码",
					   "预算单位编码", "单位代码", NULL};
	for (size_t i = 0; i < im->in.n_lines && !im->code[0]; i++) {
		const char *sq = im->in.lines[i].squeezed;
		if (strstr(sq, "主管部门编码"))
			continue;
		for (int k = 0; keys[k]; k++) {
			const char *p = strstr(sq, keys[k]);
			if (!p)
				continue;
			p += strlen(keys[k]);
			if (strncmp(p, "：", 3) == 0)
				p += 3;
			else if (*p == ':')
				p++;
			else
				continue;
			size_t n = strspn(p, "0123456789");
			if (n >= 3 && n <= 12) {
				snprintf(im->code, sizeof im->code, "%.*s",
					 (int)n, p);
				char where[320];
				imp_where(&im->in.lines[i], where,
					  sizeof where);
				imp_say(im->r, "  department code %s from %s",
					im->code, where);
				break;
			}
		}
	}
}

/*
 * A budget without a 编制部门 line names itself on its cover: the line
 * before (or the start of) "2025 年部门预算" / "单位预算", among the first
 * lines, before any table.
 */
/* Whether a name ends as an organisation's does (…局, …委员会, …学校). */
static bool organisation(const char *name, size_t len)
{
	static const char *const ends[] = {
	    "局", "委", "办", "院", "馆",   "中心", "所", "站", "队",
	    "处", "会", "部", "厅", "学校", "园",   "社", "室", "政府"};
	for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
		size_t n = strlen(ends[k]);
		if (len >= n + 6 && strncmp(name + len - n, ends[k], n) == 0)
			return true;
	}
	return false;
}

/*
 * A budget without a 编制部门 line names itself on its cover, before any
 * table: "新乡市凤泉区政务服务和大数据管理局2023年部门预算", or the line
 * above "2025 年部门预算".  A district's own name ("上海市普陀区2025年区级
 * 部门预算") is no department's: only a name that ends as an
 * organisation's is taken.
 */
static void name_from_cover(struct importer *im)
{
	size_t first_table =
	    im->n_tables ? im->tables[0].title : im->in.n_lines;
	for (size_t i = 0; i < im->in.n_lines && i < 40 && i < first_table;
	     i++) {
		const char *sq = im->in.lines[i].squeezed;
		const char *p = strstr(sq, "部门预算");
		if (p == NULL)
			p = strstr(sq, "单位预算");
		if (p == NULL)
			continue;
		/* Back over "2025年" and 度 to where a name would end. */
		const char *end = p;
		while (end - sq >= 3 && (strncmp(end - 3, "年", 3) == 0 ||
					 strncmp(end - 3, "度", 3) == 0))
			end -= 3;
		while (end > sq && end[-1] >= '0' && end[-1] <= '9')
			end--;
		const char *above = i > 0 ? im->in.lines[i - 1].squeezed : "";
		if (organisation(sq, (size_t)(end - sq)))
			snprintf(im->name, sizeof im->name, "%.*s",
				 (int)(end - sq), sq);
		else if (end == sq && organisation(above, strlen(above)))
			snprintf(im->name, sizeof im->name, "%s", above);
		else
			continue;
		imp_say(im->r, "the department's name from the cover: %s",
			im->name);
		return;
	}
}

void imp_find_department(struct importer *im)
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
	if (!im->name[0])
		name_from_cover(im);
}

int imp_find_year(struct importer *im)
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
		const char *sq = im->in.lines[i].squeezed;
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
/* The amount in 万元 written just before `at` ("…16497.86万元，比…"). */
static bool amount_before(const char *blob, const char *at, int64_t *fen,
			  int *scale)
{
	const char *unit = NULL;
	for (const char *s = blob; s + 6 <= at; s++)
		if (strncmp(s, "万元", 6) == 0)
			unit = s;
	if (unit == NULL || at - (unit + 6) > 12)
		return false; /* the change is not said of an amount */
	const char *start = unit;
	while (start > blob && strchr("0123456789.,", start[-1]))
		start--;
	char buf[32];
	size_t n = (size_t)(unit - start);
	struct imp_amount a;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (imp_amount_parse(buf, &a) != 0 || imp_amount_fen(&a, true, fen))
		return false;
	*scale = a.scale;
	return true;
}

/* "增加3,355.65万元" / "减少 20.66 万元" after `from`: the signed change. */
static bool change_after(const char *from, const char *end, int64_t *delta)
{
	for (const char *s = from; s + 6 <= end; s++) {
		int sign = strncmp(s, "增加", 6) == 0	? 1
			   : strncmp(s, "减少", 6) == 0 ? -1
							: 0;
		if (strncmp(s, "持平", 6) == 0) {
			*delta = 0;
			return true;
		}
		if (sign == 0)
			continue;
		const char *num = s + 6;
		size_t n = strspn(num, "0123456789.,");
		char buf[32];
		struct imp_amount a;
		int64_t fen;
		if (n == 0 || n >= sizeof buf || strncmp(num + n, "万元", 6))
			return false;
		memcpy(buf, num, n);
		buf[n] = '\0';
		if (imp_amount_parse(buf, &a) || imp_amount_fen(&a, true, &fen))
			return false;
		*delta = sign * fen;
		return true;
	}
	return false;
}

/*
 * The narrative says how this year's budget compares with last year's:
 * "收入预算18,976.76万元，其中：财政拨款收入18,976.76万元，比2024年预算增加
 * 3,355.65万元", "收入总计 232.31 万元，… 与 2022 年预算相比，收入减少 20.66
 * 万元".  A change counts only when the amount it is said of is the
 * document's total (to the 万元's two decimals): 财政拨款收入 alone, where
 * there is 事业收入 too, says nothing of the total.
 */
void imp_find_previous_year(struct importer *im, int64_t income_total)
{
	char before[32], against[32];
	snprintf(before, sizeof before, "比%d年预算", im->year - 1);
	snprintf(against, sizeof against, "与%d年预算相比", im->year - 1);
	size_t cap = 1 << 16, len = 0;
	char *blob = malloc(cap);
	if (blob == NULL)
		return;
	blob[0] = '\0';
	for (size_t i = 0; i < im->in.n_lines; i++) {
		bool in_table = false;
		for (size_t k = 0; k < im->n_tables; k++)
			if (i >= im->tables[k].title && i < im->tables[k].end)
				in_table = true;
		if (in_table)
			continue;
		size_t n = strlen(im->in.lines[i].squeezed);
		if (len + n + 1 >= cap)
			break;
		memcpy(blob + len, im->in.lines[i].squeezed, n + 1);
		len += n;
	}
	const char *end = blob + len;
	for (const char *p = blob; p < end && !im->previous.have; p++) {
		bool is_before = strncmp(p, before, strlen(before)) == 0;
		bool is_against = strncmp(p, against, strlen(against)) == 0;
		if (!is_before && !is_against)
			continue;
		int64_t said_of, delta;
		int scale;
		const char *limit = p + 90 < end ? p + 90 : end;
		if (!amount_before(blob, p, &said_of, &scale) ||
		    !change_after(p, limit, &delta))
			continue;
		/* The same amount, rounded as printed: "17,192万元" is any
		 * total within half a 万元 of it. */
		int64_t half = 500000;
		for (int d = 0; d < scale; d++)
			half /= 10;
		int64_t off = said_of - income_total;
		if (off < -half || off > half)
			continue;
		im->previous.fen = income_total - delta;
		im->previous.have = im->previous.fen >= 0;
	}
	free(blob);
	if (im->previous.have) {
		char a[MONEY_TEXT_MAX];
		imp_fmt(im, im->previous.fen, a, sizeof a);
		imp_say(im->r,
			"  previous_year.total %s %s: this year's income less "
			"the change the narrative states against %d",
			a, imp_unit_name(im), im->year - 1);
	} else {
		imp_say(im->r,
			"  previous_year left out: the narrative states no "
			"change of the total against %d",
			im->year - 1);
	}
}
