/*
 * Finding the standard tables of a published budget by their titles, and
 * reading the rows of the tables coded by classification.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "parse.h"

/* The longest title: the standard one (25 characters) with a long unit's
 * name before it ("上海市普陀区人民政府长征镇社区卫生服务中心2025年单位…"). */
#define TITLE_CHARS 80

const char *imp_table_name(enum imp_table_kind kind)
{
	static const char *const names[IMP_T_COUNT] = {
	    [IMP_T_SUMMARY] = "收支预算总表",
	    [IMP_T_INCOME] = "收入预算总表",
	    [IMP_T_EXPENDITURE] = "支出预算总表",
	    [IMP_T_APPROPRIATION] = "财政拨款收支预算总表",
	    [IMP_T_GENERAL] = "一般公共预算支出预算表",
	    [IMP_T_FUND] = "政府性基金预算支出预算表",
	    [IMP_T_CAPITAL] = "国有资本经营预算支出预算表",
	    [IMP_T_ECONOMIC] = "一般公共预算基本支出经济分类表",
	    [IMP_T_THREE_PUBLIC] = "“三公”经费预算表",
	    [IMP_T_PROJECTS] = "项目支出预算表",
	    [IMP_T_PERFORMANCE] = "项目绩效目标表",
	    [IMP_T_SOURCE] = "非财政拨款支出预算表",
	    [IMP_T_OTHER] = "(not imported)",
	    [IMP_T_FINAL] = "决算表",
	};
	return kind < IMP_T_COUNT ? names[kind] : "?";
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The order matters: the more specific title first. */
static int title_kind(const char *sq)
{
	if (!imp_has(sq, "表"))
		return -1;
	if (imp_has(sq, "决算"))
		return IMP_T_FINAL;
	if (imp_has(sq, "三公"))
		return IMP_T_THREE_PUBLIC;
	if (imp_has(sq, "绩效目标表"))
		return imp_has(sq, "项目") && !imp_has(sq, "整体")
			   ? IMP_T_PERFORMANCE
			   : IMP_T_OTHER;
	/* One source besides the fiscal ones, named in brackets; the lines
	 * that no published table otherwise tells apart. */
	if (imp_has(sq, "非财政拨款") && imp_has(sq, "支出预算表") &&
	    (imp_has(sq, "（") || imp_has(sq, "(")))
		return IMP_T_SOURCE;
	if (imp_has(sq, "财政拨款收支"))
		return IMP_T_APPROPRIATION;
	if (imp_has(sq, "收支预算") || imp_has(sq, "收支总表"))
		return IMP_T_SUMMARY;
	if (imp_has(sq, "收入预算"))
		return IMP_T_INCOME;
	if (imp_has(sq, "基本支出"))
		return IMP_T_ECONOMIC;
	if (imp_has(sq, "项目支出预算表"))
		return IMP_T_PROJECTS;
	/* "一般公共预算支出预算表", "一般公共预算财政拨款支出预算表" … */
	if (imp_has(sq, "一般公共预算") && imp_has(sq, "支出"))
		return IMP_T_GENERAL;
	if (imp_has(sq, "政府性基金") && imp_has(sq, "支出"))
		return IMP_T_FUND;
	if (imp_has(sq, "国有资本经营预算") && imp_has(sq, "支出"))
		return IMP_T_CAPITAL;
	if (imp_has(sq, "支出预算"))
		return IMP_T_EXPENDITURE;
	if (imp_has(sq, "经济分类"))
		return IMP_T_OTHER;
	return -1;
}

static bool toc_dots(const char *sq)
{
	return *sq == '-' || strstr(sq, "…") || strstr(sq, "....");
}

/* A table of contents entry starts with an ordinal: "1.", "5．", "- ". */
static bool toc_like(const char *sq)
{
	if (toc_dots(sq))
		return true;
	const char *p = sq;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p > sq &&
	    (*p == '.' || strncmp(p, "．", 3) == 0 || strncmp(p, "、", 3) == 0))
		return true;
	return false;
}

/* "非财政拨款支出预算表（事业收入）" → BD_SOURCE_BUSINESS; -1 for none or
 * a fiscal one. */
static int title_source(const char *sq)
{
	const char *open = strstr(sq, "（");
	size_t skip = 3;
	if (open == NULL) {
		open = strchr(sq, '(');
		skip = 1;
	}
	if (open == NULL)
		return -1;
	int s = imp_income_label(open + skip);
	if (s < 0 || s >= BD_SOURCE_CARRYOVER ||
	    bd_source_is_fiscal((enum bd_source)s))
		return -1;
	return s;
}

static bool unit_line(const char *sq, bool *wanyuan)
{
	if (imp_has(sq, "单位：万元") || imp_has(sq, "单位:万元") ||
	    imp_has(sq, "（万元）") || imp_has(sq, "(万元)")) {
		*wanyuan = true;
		return true;
	}
	if (imp_has(sq, "单位：元") || imp_has(sq, "单位:元") ||
	    imp_has(sq, "（元）")) {
		*wanyuan = false;
		return true;
	}
	return false;
}

static bool heading_line(const char *sq)
{
	return imp_has(sq, "编制部门") || imp_has(sq, "编制单位") ||
	       imp_has(sq, "部门名称") || imp_has(sq, "单位名称");
}

/* A table's own column headings ("合计 | 基本支出 | 项目支出"): a sheet
 * saved without its 编制部门 and 单位 lines still has them. */
static bool column_heads(const char *sq)
{
	return imp_has(sq, "合计") &&
	       (imp_has(sq, "基本支出") || imp_has(sq, "项目支出") ||
		imp_has(sq, "预算数") || imp_has(sq, "因公出国") ||
		imp_has(sq, "人员经费"));
}

static int title_year(const char *sq)
{
	/* Four digits first: only then is p + 4 inside the string. */
	for (const char *p = sq; *p; p++)
		if (p[0] >= '1' && p[0] <= '2' &&
		    strspn(p, "0123456789") == 4 &&
		    strncmp(p + 4, "年", 3) == 0)
			return atoi(p);
	return 0;
}

static bool line_has_amount(const struct imp_line *l)
{
	for (int c = 0; c < l->n_cells; c++)
		if (l->cells[c].kind == IMP_AMOUNT)
			return true;
	return false;
}

/* A sentence of the narrative: words that end a clause, maybe with a
 * figure inside ("…预算为 1,234.00 元，比上年减少。"). */
static bool prose_line(const struct imp_line *l)
{
	return l->n_cells >= 1 && l->cells[0].kind == IMP_TEXT &&
	       utf8_chars(l->cells[0].text) >= 10 &&
	       utf8_chars(l->squeezed) >= 20 &&
	       (imp_has(l->squeezed, "。") || imp_has(l->squeezed, "；"));
}

/* The title of a table the importer does not read (项目支出绩效目标表,
 * 政府采购预算表): a short line ending in 表, with a unit or 编制 line
 * under it. */
static bool other_title(const struct imp_input *in, size_t i)
{
	const char *sq = in->lines[i].squeezed;
	size_t len = strlen(sq);
	if (len < 3 || strcmp(sq + len - 3, "表") != 0 || utf8_chars(sq) > 48 ||
	    title_kind(sq) >= 0)
		return false;
	bool wanyuan;
	for (size_t j = i + 1; j < in->n_lines && j <= i + 3; j++)
		if (unit_line(in->lines[j].squeezed, &wanyuan) ||
		    heading_line(in->lines[j].squeezed))
			return true;
	return false;
}

/*
 * "…2025年财政拨款支出预算表": the function table of every fiscal source
 * together.  Beside a 一般公共预算支出表 it repeats what that and the 政府性
 * 基金 table give, and is not read; without one it is read as that table,
 * and the 政府性基金 and 国有资本经营 lines are taken out of it
 * (imp_split_fiscal_table).
 */
static void fiscal_tables(const struct imp_input *in, struct imp_table *tables,
			  size_t n, struct import_report *r)
{
	bool general = false;
	for (size_t k = 0; k < n; k++) {
		const char *sq = in->lines[tables[k].title].squeezed;
		tables[k].fiscal = imp_has(sq, "财政拨款支出") &&
				   !imp_has(sq, "收支") &&
				   tables[k].kind == IMP_T_EXPENDITURE;
		general |= tables[k].kind == IMP_T_GENERAL;
	}
	for (size_t k = 0; k < n; k++) {
		if (!tables[k].fiscal)
			continue;
		tables[k].kind = general ? IMP_T_OTHER : IMP_T_GENERAL;
		imp_say(r, "  the 财政拨款支出预算表 is read %s",
			general
			    ? "as a repeat of the 一般公共预算 and 政府性基金 "
			      "tables: not imported"
			    : "as the 一般公共预算 table, less the lines of "
			      "the 政府性基金 and 国有资本经营 tables");
	}
}

size_t imp_find_tables(const struct imp_input *in, struct imp_table *tables,
		       size_t max, struct import_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < in->n_lines; i++) {
		const char *sq = in->lines[i].squeezed;
		int kind = title_kind(sq);
		/* "1.3部门财务收支总表" is a title some budgets print; a
		 * contents entry differs by its dots, or by having no unit line
		 * under it (checked next). */
		if (kind < 0 || utf8_chars(sq) > TITLE_CHARS || toc_dots(sq))
			continue;
		/* A title has a unit or a 编制部门 line under it; a mention in
		 * the narrative does not. */
		bool confirmed = false, wanyuan = false, unit = false;
		for (size_t j = i + 1; j < in->n_lines && j <= i + 8; j++) {
			const char *s2 = in->lines[j].squeezed;
			if (!unit && unit_line(s2, &wanyuan))
				unit = confirmed = true;
			if (heading_line(s2) || column_heads(s2))
				confirmed = true;
			if (title_kind(s2) >= 0 && !toc_like(s2) &&
			    utf8_chars(s2) <= TITLE_CHARS)
				break;
		}
		if (!confirmed)
			continue;
		int source = kind == IMP_T_SOURCE ? title_source(sq) : -1;
		if (kind == IMP_T_SOURCE && source < 0) {
			imp_problem(r, &in->lines[i],
				    "\"%s\" names no source of income in its "
				    "brackets (事业收入, 其他收入 …)",
				    sq);
			continue;
		}
		/* Some PDFs print a table's title again on every page. */
		if (n > 0 && tables[n - 1].kind == (enum imp_table_kind)kind &&
		    tables[n - 1].source == source)
			continue;
		if (n == max) {
			imp_problem(r, &in->lines[i],
				    "more than %zu tables; the rest are not "
				    "read",
				    max);
			break;
		}
		struct imp_table *t = &tables[n++];
		memset(t, 0, sizeof *t);
		t->kind = (enum imp_table_kind)kind;
		t->title = i;
		t->begin = i + 1;
		t->wanyuan = wanyuan;
		t->unit_known = unit;
		t->year = title_year(sq);
		t->source = source;
		if (n > 1)
			tables[n - 2].end = i;
	}
	if (n > 0)
		tables[n - 1].end = in->n_lines;
	fiscal_tables(in, tables, n, r);

	char text[4096];
	for (size_t k = 0; k < n; k++) {
		struct imp_table *t = &tables[k];
		size_t header = 0;
		bool rows_seen = false;
		for (size_t i = t->begin; i < t->end; i++) {
			const char *sq = in->lines[i].squeezed;
			if (imp_has(sq, "空表") || imp_has(sq, "无数据") ||
			    imp_has(sq, "此表为空"))
				t->empty = true;
			/* A table ends where its rows stop: the narrative or
			 * a table this importer does not read (绩效目标表) may
			 * follow the last one, and its figures are not rows. */
			if (rows_seen &&
			    (prose_line(&in->lines[i]) || other_title(in, i))) {
				t->end = i;
				break;
			}
			rows_seen |= line_has_amount(&in->lines[i]);
			/* The narrative after the last table is not a table. */
			if (imp_has(sq, "其他相关情况说明") ||
			    imp_has(sq, "项目经费情况说明") ||
			    strcmp(sq, "第三部分") == 0) {
				t->end = i;
				break;
			}
			if (!line_has_amount(&in->lines[i]) &&
			    header + strlen(sq) + 1 < sizeof text) {
				memcpy(text + header, sq, strlen(sq));
				header += strlen(sq);
				text[header] = '\0';
			}
		}
		if (header > 0)
			text[header] = '\0';
		else
			text[0] = '\0';
		t->detailed =
		    imp_has(text, "工资福利") && imp_has(text, "特定目标");
	}
	return n;
}

size_t imp_contents(const struct imp_input *in, int *kinds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < in->n_lines && n < max; i++) {
		const char *sq = in->lines[i].squeezed;
		int kind = title_kind(sq);
		if (kind >= 0 && toc_like(sq))
			kinds[n++] = kind;
	}
	return n;
}

/* ---- coded rows ---- */

static bool digits_cell(const struct imp_cell *c, int lo, int hi)
{
	return c->kind == IMP_AMOUNT && c->digits >= lo && c->digits <= hi;
}

/* Codes in one cell, single spaces apart ("201 03 01"), maybe with the
 * name after them ("201 03 01 行政运行", "2010301 行政运行"). */
static int spaced_code(const char *text, char *code, const char **rest)
{
	int parts = 0;
	size_t n = 0;
	const char *p = text;
	*rest = NULL;
	/* "2010301 行政运行", "30101 基本工资": the whole code, then words. */
	size_t d = strspn(p, "0123456789");
	if ((d == 7 || d == 5) && p[d] == ' ' &&
	    ((unsigned char)p[d + 1] & 0x80)) {
		memcpy(code, p, d);
		code[d] = '\0';
		*rest = p + d + 1;
		return 1;
	}
	while (*p) {
		d = strspn(p, "0123456789");
		if (d == 0 && parts > 0 && ((unsigned char)*p & 0x80)) {
			*rest = p; /* the name, after 类 (款 (项)) */
			break;
		}
		if ((parts == 0 && d != 3) || (parts > 0 && d != 2) ||
		    parts == 3)
			return 0;
		memcpy(code + n, p, d);
		n += d;
		parts++;
		p += d;
		if (*p == ' ')
			p++;
		else if (*p)
			return 0;
	}
	code[n] = '\0';
	return parts >= 2 || (parts == 1 && *rest) ? parts : 0;
}

/* Is cell c a short code part: 1–2 digits, no separators? */
static bool short_part(const struct imp_line *l, int c)
{
	return c < l->n_cells && digits_cell(&l->cells[c], 1, 2);
}

static bool amounts_after(const struct imp_line *l, int c)
{
	for (; c < l->n_cells; c++)
		if (l->cells[c].kind == IMP_AMOUNT)
			return true;
	return false;
}

/*
 * Reads 类 / 款 / 项 printed in cells of their own.  A part the PDF
 * shortened ("2" for 款 02, "7" for 类 210) counts only where a name
 * follows the parts, so that small amounts are not taken for codes; the
 * parts taken must leave at least one amount behind them.
 */
static bool code_parts(const struct imp_line *l, int c, int *n_parts,
		       char parts[3][4], struct import_report *r)
{
	int k = c;
	bool damaged_class = false;
	if (digits_cell(&l->cells[k], 3, 3))
		k++;
	else if (short_part(l, k) && short_part(l, k + 1) &&
		 (short_part(l, k + 2) ||
		  (k + 2 < l->n_cells && l->cells[k + 2].kind == IMP_TEXT))) {
		damaged_class = true;
		k++;
	} else {
		return false;
	}
	while (k - c < 3 && short_part(l, k)) {
		bool named =
		    k + 1 < l->n_cells && l->cells[k + 1].kind == IMP_TEXT;
		bool more = short_part(l, k + 1) && k + 1 - c < 3;
		bool plain = strlen(l->cells[k].text) == 2;
		if (!(plain || named || more))
			break;
		k++;
	}
	while (k > c + 1 && !amounts_after(l, k))
		k--;
	if (!amounts_after(l, k))
		return false;
	bool shortened = damaged_class;
	for (int i = c + 1; i < k; i++)
		shortened |= strlen(l->cells[i].text) == 1;
	if (shortened && !(k < l->n_cells && l->cells[k].kind == IMP_TEXT))
		return false;
	*n_parts = k - c;
	for (int i = 0; i < *n_parts; i++) {
		const char *text = l->cells[c + i].text;
		if (i > 0 && strlen(text) == 1) {
			snprintf(parts[i], 4, "0%s", text);
			imp_warning(r, l, "%s printed \"%s\", read as %s",
				    i == 1 ? "款" : "项", text, parts[i]);
		} else {
			snprintf(parts[i], 4, "%s", text);
		}
	}
	return true;
}

static bool is_total_label(const char *sq)
{
	return imp_has(sq, "合计") || imp_has(sq, "总计");
}

/* A line that says only 合计 (printed above its amounts). */
static bool total_line(const struct imp_line *l)
{
	const char *sq = l->squeezed;
	return strcmp(sq, "合计") == 0 || strcmp(sq, "总计") == 0;
}

/* The line above, when it is only a name the PDF lifted above its row:
 * one cell of words that is no heading. */
static const char *name_above(struct imp_line *above)
{
	static const char *const headings[] = {"科目", "编码", "名称", "单位",
					       "：",   "表",   "合计", NULL};
	if (above->used || above->n_cells != 1 ||
	    above->cells[0].kind != IMP_TEXT ||
	    imp_chars(above->squeezed, strlen(above->squeezed)) > 40)
		return NULL;
	for (int k = 0; headings[k]; k++)
		if (strstr(above->squeezed, headings[k]))
			return NULL;
	above->used = true;
	return above->cells[0].text;
}

/* The next line when it is only words: a name the PDF wrapped. */
static const char *wrapped_name(struct imp_input *in, struct imp_table *t,
				size_t i)
{
	if (i + 1 >= t->end)
		return NULL;
	struct imp_line *next = &in->lines[i + 1];
	int texts = 0;
	for (int c = 0; c < next->n_cells; c++) {
		if (next->cells[c].kind == IMP_AMOUNT)
			return NULL;
		if (next->cells[c].kind == IMP_TEXT)
			texts++;
	}
	if (texts != 1)
		return NULL;
	for (int c = 0; c < next->n_cells; c++)
		if (next->cells[c].kind == IMP_TEXT) {
			next->used = true;
			return next->cells[c].text;
		}
	return NULL;
}

static void append_name(char *name, size_t size, const char *text)
{
	char sq[256];
	imp_squeeze(text, sq, sizeof sq);
	size_t n = strlen(name);
	if (n + strlen(sq) + 1 < size)
		memcpy(name + n, sq, strlen(sq) + 1);
}

/* A line of nothing but a code and amounts: a row whose name is
 * elsewhere. */
static bool nameless_row(const struct imp_line *l)
{
	bool amount = false;
	for (int c = 0; c < l->n_cells; c++) {
		if (l->cells[c].kind == IMP_TEXT)
			return false;
		amount |= l->cells[c].kind == IMP_AMOUNT;
	}
	return amount;
}

/*
 * "其他一般公共服务" / "2019999   100.00" / "支出": pdftotext centres the
 * amounts of a row whose name wraps in two, so the name stands above and
 * below them.  Taken only when the line after the lower part is not itself
 * a row without a name (then the lower part is that row's lifted name).
 */
static bool split_name(struct imp_input *in, struct imp_table *t, size_t i,
		       char *name, size_t size)
{
	struct imp_line *above = &in->lines[i - 1];
	if (i + 1 >= t->end || above->used || above->n_cells != 1 ||
	    above->cells[0].kind != IMP_TEXT || line_has_amount(above))
		return false;
	struct imp_line *below = &in->lines[i + 1];
	if (below->used || below->n_cells != 1 ||
	    below->cells[0].kind != IMP_TEXT)
		return false;
	if (i + 2 < t->end && nameless_row(&in->lines[i + 2]))
		return false;
	/* The upper part must be words a name starts with, not a heading. */
	const char *up = name_above(above);
	if (up == NULL)
		return false;
	append_name(name, size, up);
	append_name(name, size, below->cells[0].text);
	below->used = true;
	return true;
}

static bool all_zero(const struct imp_coded_row *row)
{
	for (int i = 0; i < row->n_values; i++)
		if (row->value[i] != 0)
			return false;
	return true;
}

/* ---- columns by position (pdftotext -layout) ---- */

/* The words heading each amount column, in order; 小计 stands twice. */
static const char *const heads3[] = {"合计", "基本支出", "项目支出"};
static const char *const heads9[] = {"合计",	   "小计",	 "工资福利",
				     "对个人和家", "商品和服务", "资本性",
				     "小计",	   "其他运",	 "特定目"};

/* Where a header line puts each column's heading: twice its centre, in
 * characters.  Headings are spread over several lines; each line updates
 * what it shows. */
static void find_anchors(const struct imp_line *l, int columns, int *anchors)
{
	const char *const *heads = columns == 9 ? heads9 : heads3;
	int n = columns == 9 ? 9 : 3;
	for (int k = 0; k < n; k++) {
		/* 小计 stands twice: its second heading is the next cell. */
		int nth = 0;
		for (int j = 0; j < k; j++)
			nth += strcmp(heads[j], heads[k]) == 0;
		int centre = -1;
		for (int c = 0, seen = 0; c < l->n_cells; c++)
			if (strstr(l->cells[c].text, heads[k]) &&
			    seen++ == nth) {
				centre = l->cells[c].col + l->cells[c].end_col;
				break;
			}
		if (centre >= 0)
			anchors[k] = centre;
	}
}

int imp_heading_centre(const struct imp_line *l, const char *word)
{
	for (int c = 0; c < l->n_cells; c++) {
		const char *text = l->cells[c].text;
		const char *at = strstr(text, word);
		/* "公务用车购置及运行费" spans 购置费 and 运行费 alike; it
		 * heads neither. */
		if (at && !(at - text >= 3 && strncmp(at - 3, "及", 3) == 0))
			return l->cells[c].col + l->cells[c].end_col;
	}
	return -1;
}

/*
 * Places each amount under the heading nearest to it.  The result counts
 * only if every amount finds a column of its own and the row adds up
 * (合计 = 基本 + 项目; each 小计 = its parts).  For three columns it says
 * which side the amount stands on; for nine it makes the row positional.
 */
static void by_position(struct imp_coded_row *row, const int *anchors,
			int columns)
{
	int64_t v[IMP_MAX_VALUES] = {0};
	bool taken[IMP_MAX_VALUES] = {0};
	for (int i = 0; i < row->n_values; i++) {
		if (row->centre[i] < 0)
			return;
		int best = -1, dist = 0;
		for (int k = 0; k < columns; k++) {
			if (anchors[k] < 0)
				continue;
			int d = abs(anchors[k] - row->centre[i]);
			if (best < 0 || d < dist) {
				best = k;
				dist = d;
			}
		}
		if (best < 0 || taken[best])
			return;
		taken[best] = true;
		v[best] = row->value[i];
	}
	if (!taken[0])
		return;
	if (columns == 3) {
		if (v[0] != v[1] + v[2])
			return;
		row->by_position = v[1] != 0 ? 0 : 1;
		return;
	}
	if (v[0] != v[1] + v[6] || v[1] != v[2] + v[3] + v[4] + v[5] ||
	    v[6] != v[7] + v[8])
		return;
	memcpy(row->value, v, sizeof v);
	for (int k = 0; k < columns; k++)
		row->present[k] = taken[k];
	row->n_values = columns;
	row->positional = true;
	row->by_position = 2;
}

int imp_read_coded(struct imp_input *in, struct imp_table *t, int columns,
		   struct imp_coded_row **out, struct import_report *r)
{
	size_t cap = 64;
	int n = 0;
	struct imp_coded_row *rows = calloc(cap, sizeof *rows);
	if (rows == NULL)
		return -ENOMEM;
	char last_class[4] = "";
	char last_section[6] = "";

	int anchors[IMP_MAX_VALUES];
	for (int k = 0; k < IMP_MAX_VALUES; k++)
		anchors[k] = -1;
	/* Every row with amounts is used or reported: counted in and out. */
	int rows_in = 0, zeros = 0, skipped_before = t->skipped;
	for (size_t i = t->begin; i < t->end; i++) {
		struct imp_line *l = &in->lines[i];
		if (l->positioned && !line_has_amount(l))
			find_anchors(l, columns, anchors);
		if (l->used || !line_has_amount(l))
			continue;
		rows_in++;
		if ((size_t)n == cap) {
			struct imp_coded_row *g =
			    realloc(rows, cap * 2 * sizeof *rows);
			if (g == NULL) {
				free(rows);
				return -ENOMEM;
			}
			rows = g;
			cap *= 2;
		}
		struct imp_coded_row *row = &rows[n];
		memset(row, 0, sizeof *row);
		row->line = i;
		row->parent = -1;
		int c = 0;
		while (c < l->n_cells && l->cells[c].kind == IMP_EMPTY)
			c++;
		char parts[3][4] = {"", "", ""};
		int n_parts = 0;
		char full[16] = "";
		const char *rest = NULL;
		if (c < l->n_cells && digits_cell(&l->cells[c], 7, 7)) {
			snprintf(full, sizeof full, "%s", l->cells[c].text);
			c++;
		} else if (c < l->n_cells && digits_cell(&l->cells[c], 5, 5)) {
			snprintf(full, sizeof full, "%s", l->cells[c].text);
			c++;
		} else if (c < l->n_cells && l->cells[c].kind == IMP_TEXT &&
			   spaced_code(l->cells[c].text, full, &rest)) {
			/* Codes and name one space apart, in one cell. */
			if (rest)
				append_name(row->name, sizeof row->name, rest);
			c++;
		} else if (c + 1 < l->n_cells &&
			   code_parts(l, c, &n_parts, parts, r)) {
			c += n_parts;
		}
		if (n_parts > 0) {
			if (strlen(parts[0]) != 3) {
				/* A 类 the PDF damaged ("7" for 210): the
				 * rows around it say which it is. */
				if (n_parts >= 2 && last_class[0] &&
				    strcmp(parts[1], last_section + 3) == 0) {
					imp_warning(r, l,
						    "类 printed \"%s\"; taken "
						    "as %s from the rows "
						    "above (款 %s)",
						    parts[0], last_class,
						    parts[1]);
					snprintf(parts[0], 4, "%s", last_class);
				} else {
					imp_problem(
					    r, l,
					    "类 code \"%s\" is not 3 digits "
					    "and the rows above do not say "
					    "which it is",
					    parts[0]);
					t->skipped++;
					continue;
				}
			}
			snprintf(full, sizeof full, "%.3s%.2s%.2s", parts[0],
				 parts[1], parts[2]);
		}
		size_t len = strlen(full);
		row->level = len == 3 ? 1 : len == 5 ? 2 : len == 7 ? 3 : 0;
		snprintf(row->code, sizeof row->code, "%s", full);
		if (row->level >= 1)
			snprintf(last_class, sizeof last_class, "%.3s", full);
		if (row->level >= 2)
			snprintf(last_section, sizeof last_section, "%.5s",
				 full);

		/* 单位代码 (Henan layout): six or more digits before the
		 * name. */
		while (c < l->n_cells && l->cells[c].kind == IMP_EMPTY)
			c++;
		if (c + 1 < l->n_cells && digits_cell(&l->cells[c], 6, 12) &&
		    l->cells[c + 1].kind == IMP_TEXT) {
			snprintf(row->unit_code, sizeof row->unit_code, "%s",
				 l->cells[c].text);
			c++;
		}
		while (c < l->n_cells && l->cells[c].kind != IMP_AMOUNT) {
			if (l->cells[c].kind == IMP_TEXT)
				append_name(row->name, sizeof row->name,
					    l->cells[c].text);
			c++;
		}
		/* The amounts, each in its column where the layout kept
		 * empty cells. */
		bool bad = false;
		int slots = 0, empties = 0;
		for (; c < l->n_cells && !bad; c++) {
			struct imp_cell *cell = &l->cells[c];
			if (cell->kind == IMP_TEXT) {
				imp_problem(r, l,
					    "\"%s\" stands among the amounts "
					    "of this row; the row is not used",
					    cell->text);
				bad = true;
				break;
			}
			if (cell->kind == IMP_EMPTY) {
				if (l->keeps_empty && slots < IMP_MAX_VALUES) {
					slots++;
					empties++;
				}
				continue;
			}
			if (slots == IMP_MAX_VALUES) {
				imp_problem(r, l,
					    "more than %d amounts in one row",
					    IMP_MAX_VALUES);
				bad = true;
				break;
			}
			if (imp_amount_fen(&cell->amount, t->wanyuan,
					   &row->value[slots]) != 0) {
				imp_problem(r, l,
					    "amount \"%s\" has decimals finer "
					    "than 1 分 or is out of range",
					    cell->text);
				bad = true;
				break;
			}
			row->centre[slots] =
			    cell->col >= 0 ? cell->col + cell->end_col : -1;
			row->present[slots++] = true;
		}
		if (bad) {
			t->skipped++;
			continue;
		}
		row->n_values = slots;
		row->positional =
		    l->keeps_empty &&
		    (t->detailed || slots == columns || empties > 0);
		row->by_position = -1;
		if (!row->positional && l->positioned && slots < columns)
			by_position(row, anchors, columns);
		if (row->name[0] == '\0' && row->code[0] && i > t->begin &&
		    split_name(in, t, i, row->name, sizeof row->name)) {
			/* above and below its amounts: taken */
		} else if (row->name[0] == '\0') {
			const char *w = wrapped_name(in, t, i);
			if (w)
				append_name(row->name, sizeof row->name, w);
			else if (row->code[0] == '\0' && i > t->begin &&
				 total_line(&in->lines[i - 1]))
				append_name(row->name, sizeof row->name,
					    in->lines[i - 1].raw);
			else if (row->code[0] && i > t->begin &&
				 (w = name_above(&in->lines[i - 1])) != NULL)
				append_name(row->name, sizeof row->name, w);
		}
		if (row->level == 0) {
			if (row->unit_code[0]) {
				row->level = -1; /* a unit's subtotal */
			} else if (row->name[0] == '\0' && all_zero(row)) {
				/* A blank template row printed as zeros. */
				l->used = true;
				zeros++;
				continue;
			} else if (!is_total_label(row->name)) {
				imp_problem(r, l,
					    "row \"%s\" has amounts but no "
					    "classification code; not used",
					    row->name[0] ? row->name : l->raw);
				t->skipped++;
				continue;
			}
		}
		l->used = true;
		n++;
	}
	int rows_out = n + zeros + (t->skipped - skipped_before);
	if (rows_out != rows_in)
		imp_warning(r, &in->lines[t->title],
			    "%d rows with amounts in this table, %d used or "
			    "reported: the importer lost some (a bug; please "
			    "report the input)",
			    rows_in, rows_out);
	*out = rows;
	return n;
}

int imp_find_row(const struct imp_coded_row *rows, int n, const char *code,
		 int level)
{
	for (int i = 0; i < n; i++)
		if (rows[i].level == level && strcmp(rows[i].code, code) == 0)
			return i;
	return -1;
}
