/* Who published the budget, for which year, and last year's total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_doc.h"
#include "money.h"

/* "部门编码：215099" — printed by some, and the CSV template's own line. */
void imp_find_department_code(struct importer *im)
{
	static const char *const keys[] = {"部门编码", "单位编码",
					   "预算单位编码", "单位代码", NULL};
	for (size_t i = 0; i < im->in.n_lines && !im->code[0]; i++) {
		const char *sq = im->in.lines[i].squeezed;
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
	for (size_t i = 0; i < im->in.n_lines && len + 1024 < cap; i++) {
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
		imp_fmt(im, im->previous.fen, a, sizeof a);
		imp_say(im->r,
			"  previous_year.total %s %s: this year's income less "
			"the change the narrative states against %d",
			a, imp_unit_name(im), im->year - 1);
	}
}
