/*
 * The explanatory text (情况说明): its sentences with the figures they
 * state, typed by the words before each figure, and the years they name.
 *
 * Only what the words make certain is typed: "基本支出 110.21 万元" is a
 * figure of basic expenditure, "占 47.44%" a share of the figure before
 * it in the paragraph's whole, "收入减少 20.66 万元，下降 8.17%" a change
 * of the total against last year.  An amount the words do not type is
 * counted and, with -v, listed: it is never guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "importer.h"
#include "money.h"
#include "utf8.h"

#define SENTENCE_MAX 2048
#define FIGURES_MAX  24

/* Words that say what the amount after them is; the one nearest the
 * amount wins, the longer on a tie. */
static const struct {
	const char *word;
	const char *quantity;
} keywords[] = {
    {"收入总计", "income_grand"},
    {"支出总计", "expenditure_grand"},
    {"收入合计", "income_year"},
    {"本年收入", "income_year"},
    {"支出合计", "expenditure_year"},
    {"本年支出", "expenditure_year"},
    {"基本支出", "basic_total"},
    {"项目支出", "project_total"},
    {"人员经费", "personnel_total"},
    {"公用经费", "public_total"},
    {"一般公共预算支出", "general_expenditure"},
    {"一般公共预算拨款支出", "general_expenditure"},
    {"政府性基金拨款支出", "fund_expenditure"},
    {"国有资本经营预算拨款支出", "capital_expenditure"},
    {"国有资本经营预算支出", "capital_expenditure"},
    {"政府性基金预算支出", "fund_expenditure"},
    {"财政拨款支出", "appropriation_expenditure"},
    {"财政拨款收入", "appropriation_income"},
    {"收入预算", "income_year"},
    {"支出预算", "expenditure_year"},
    {"事业单位经营收入", "income.operating"},
    {"事业收入", "income.business"},
    {"其他收入", "income.other"},
    {"一般公共预算收入", "income.general_budget"},
    {"一般公共预算拨款", "income.general_budget"},
    {"一般公共预算", "income.general_budget"},
    {"政府性基金收入", "income.fund_budget"},
    {"政府性基金预算收入", "income.fund_budget"},
    {"政府性基金", "income.fund_budget"},
    {"“三公”经费", "three_public.total"},
    {"三公经费", "three_public.total"},
    {"\"三公\"经费", "three_public.total"},
    {"因公出国（境）费", "three_public.overseas"},
    {"因公出国(境)费", "three_public.overseas"},
    {"公务接待费", "three_public.reception"},
    {"公务用车购置及运行费", "three_public.vehicles"},
    {"公务车购置及运行费", "three_public.vehicles"},
    {"公务用车购置及运行维护费", "three_public.vehicles"},
    {"公务车用车运行费", "three_public.vehicle_operation"},
    {"公务用车购置费", "three_public.vehicle_purchase"},
    {"公务用车运行维护费", "three_public.vehicle_operation"},
    {"公务用车运行费", "three_public.vehicle_operation"},
};

/* Words after which a figure is not the one the keyword names. */
static const char *const untyped_words[] = {
    "政府采购", "机关运行经费", "机构运转经费", "（款）", "执行数",
    "上年",	"结转",		"结余",		"绩效",
};

struct figure {
	char quantity[32], of[32];
	char amount[40], unit[8];
	char percent[16];
	bool change, share;
};

struct sentence_state {
	struct importer *im;
	const cJSON *lines; /* the document's expenditure lines */
	cJSON *narrative;
	char section[256];
	char whole[32]; /* the paragraph's first total, for shares */
	/* The paragraph's last income and expenditure totals: "支出减少
	 * 20.66 万元" in the sentence after them is a change of those. */
	char last_income[32], last_spending[32];
	int typed, untyped;
};

static bool starts(const char *p, const char *word)
{
	return strncmp(p, word, strlen(word)) == 0;
}

/* The clause a position stands in: back to the last ，；：。、 or the start. */
static const char *clause_start(const char *text, const char *at)
{
	static const char *const marks[] = {"，", "；", "：", "。",
					    "、", ",",	";",  ":"};
	const char *best = text;
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		size_t n = strlen(marks[k]);
		for (const char *p = text; p + n <= at; p++)
			if (memcmp(p, marks[k], n) == 0 && p + n > best)
				best = p + n;
	}
	return best;
}

/* 收入预算, 支出预算, 支出合计 …: a total unless a word before says of
 * what. */
static bool generic(const char *word, size_t len)
{
	static const char *const words[] = {"收入预算", "支出预算", "收入合计",
					    "支出合计", "本年收入", "本年支出"};
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strlen(words[k]) == len && memcmp(word, words[k], len) == 0)
			return true;
	return false;
}

/* What the clause before `at` says the figure is, or NULL. */
static const char *keyword_before(const char *from, const char *at)
{
	const char *quantity = NULL;
	const char *best_end = NULL;
	size_t best_len = 0;
	for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
		size_t n = strlen(keywords[k].word);
		for (const char *p = from; p + n <= at; p++) {
			if (memcmp(p, keywords[k].word, n) != 0)
				continue;
			if (best_end == NULL || p + n > best_end ||
			    (p + n == best_end && n > best_len)) {
				best_end = p + n;
				best_len = n;
				quantity = keywords[k].quantity;
			}
		}
	}
	/* "财政拨款支出预算": 财政拨款支出 overlaps the nearer 支出预算 and
	 * says more; so does "“三公”经费支出预算", where it ends as 支出预算
	 * begins.  A keyword that overlaps or touches the nearest one from
	 * before it names the figure. */
	const char *best_start = best_end ? best_end - best_len : NULL;
	/* Only a word that says nothing of its own gives way ("一般公共预算
	 * 基本支出" is basic expenditure). */
	if (best_start && !generic(best_start, best_len))
		best_start = NULL;
	for (size_t k = 0;
	     best_start && k < sizeof keywords / sizeof keywords[0]; k++) {
		size_t n = strlen(keywords[k].word);
		for (const char *p = from; p < best_start && p + n <= at; p++)
			if (p + n >= best_start &&
			    memcmp(p, keywords[k].word, n) == 0) {
				quantity = keywords[k].quantity;
				best_start = p;
			}
	}
	if (quantity == NULL)
		return NULL;
	for (size_t k = 0; k < sizeof untyped_words / sizeof untyped_words[0];
	     k++) {
		const char *w = strstr(from, untyped_words[k]);
		if (w != NULL && w < at)
			return NULL;
	}
	return quantity;
}

/* The 类 named from `from` up to `mark` (ordinal and quotation marks
 * before it are not the name: "1.“一般公共服务支出"), or NULL. */
static const char *class_named(const char *from, const char *mark)
{
	char name[160];
	if ((size_t)(mark - from) >= sizeof name)
		return NULL;
	memcpy(name, from, (size_t)(mark - from));
	name[mark - from] = '\0';
	bool sub = false;
	char label[160];
	snprintf(label, sizeof label, "%s", imp_strip_ordinal(name, &sub));
	size_t skip = 0;
	while (starts(label + skip, "“") || starts(label + skip, "\""))
		skip += starts(label + skip, "“") ? 3 : 1;
	return imp_class_code(label + skip);
}

/* "一般公共服务（类）支出 213.78 万元": a 类 named before （类）. */
static bool class_before(const char *from, const char *at, char *quantity,
			 size_t size)
{
	const char *mark = strstr(from, "（类）");
	const char *sec = strstr(from, "（款）"),
		   *item = strstr(from, "（项）");
	if (mark == NULL || mark >= at || (sec && sec < at) ||
	    (item && item < at))
		return false;
	const char *code = class_named(from, mark);
	if (code == NULL)
		return false;
	snprintf(quantity, size, "class.%s", code);
	return true;
}

/*
 * “一般公共服务支出（类）财政事务（款）行政运行（项）”1,623.18万元: the
 * document's own line of that 类 and 项 name, where only one has them.
 */
/* A 款 of the document's function tables by its 类 and name ("201" and
 * 统计信息事务 → 20105), or NULL. */
static const char *section_code(const struct importer *im, const char *cls,
				const char *name)
{
	static const enum imp_table_kind kinds[] = {
	    IMP_T_GENERAL, IMP_T_EXPENDITURE, IMP_T_FUND, IMP_T_CAPITAL};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		const struct imp_coded_row *rows = im->rows[kinds[k]];
		for (int i = 0; rows && i < im->n_rows[kinds[k]]; i++) {
			char sq[192];
			imp_squeeze(rows[i].name, sq, sizeof sq);
			if (rows[i].level == 2 &&
			    strncmp(rows[i].code, cls, 3) == 0 &&
			    strcmp(sq, name) == 0)
				return rows[i].code;
		}
	}
	return NULL;
}

/*
 * “一般公共服务支出（类）统计信息事务（款）专项普查活动（项）”25.77万元: the
 * document's own line of that 项 under that 款 (by the 款's name in the
 * function tables), or of that name in that 类 where only one has it.
 */
static bool item_before(const struct importer *im, const cJSON *lines,
			const char *from, const char *at, char *quantity,
			size_t size)
{
	const char *cls = strstr(from, "（类）");
	const char *sec = cls ? strstr(cls, "（款）") : NULL;
	const char *item = sec ? strstr(sec, "（项）") : NULL;
	if (item == NULL || item >= at || lines == NULL)
		return false;
	char name[160], section_name[160];
	size_t sn = (size_t)(sec - cls - 9), in = (size_t)(item - sec - 9);
	if (sn >= sizeof section_name || in >= sizeof name)
		return false;
	memcpy(section_name, cls + 9, sn);
	section_name[sn] = '\0';
	memcpy(name, sec + 9, in);
	name[in] = '\0';
	const char *code = class_named(from, cls);
	if (code == NULL)
		return false;
	const char *section = section_code(im, code, section_name);
	const char *found = NULL;
	const cJSON *l;
	cJSON_ArrayForEach(l, lines)
	{
		const cJSON *f = cJSON_GetObjectItem(l, "function");
		const cJSON *n = cJSON_GetObjectItem(l, "name");
		if (!cJSON_IsString(f) || !cJSON_IsString(n) ||
		    strncmp(f->valuestring, section ? section : code,
			    section ? 5 : 3) != 0)
			continue;
		char squeezed[192];
		imp_squeeze(n->valuestring, squeezed, sizeof squeezed);
		if (strcmp(squeezed, name) != 0)
			continue;
		if (found && strcmp(found, f->valuestring) != 0)
			return false; /* two 项 of that name: not certain */
		found = f->valuestring;
	}
	if (found == NULL)
		return false;
	snprintf(quantity, size, "function.%.7s", found);
	return true;
}

/* A number at p ("1,623.18"): its length, its digits without commas. */
static size_t number_at(const char *p, char *digits, size_t size)
{
	size_t n = 0, o = 0;
	bool point = false;
	while ((p[n] >= '0' && p[n] <= '9') ||
	       (p[n] == ',' && p[n + 1] >= '0' && p[n + 1] <= '9') ||
	       (p[n] == '.' && !point && p[n + 1] >= '0' && p[n + 1] <= '9')) {
		point |= p[n] == '.';
		if (p[n] != ',' && o + 1 < size)
			digits[o++] = p[n];
		n++;
	}
	digits[o] = '\0';
	return n;
}

static void add_year(cJSON *years, int year, const char *role)
{
	cJSON *y = cJSON_CreateObject();
	cJSON_AddNumberToObject(y, "year", year);
	cJSON_AddStringToObject(y, "role", role);
	cJSON_AddItemToArray(years, y);
}

/* Inside 《…》 or （…）: the name of a regulation, not the budget's. */
static bool quoted(const char *text, const char *at)
{
	int depth = 0;
	for (const char *p = text; p < at; p++) {
		if (starts(p, "《") || starts(p, "（"))
			depth++;
		else if ((starts(p, "》") || starts(p, "）")) && depth > 0)
			depth--;
	}
	return depth > 0;
}

/*
 * The years a sentence names, each with its role: compared ("与 2022 年
 * 相比", "2024 年当年预算执行数"), a point in time ("2022 年期末",
 * "从 2020 年起") or stated (the year the figures are of).
 */
static void find_years(const char *text, cJSON *years, bool *odd, int budget)
{
	for (const char *p = text; *p; p++) {
		if (!((p[0] == '1' || p[0] == '2') &&
		      strspn(p, "0123456789") == 4 && starts(p + 4, "年")) ||
		    (p > text && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		int year = atoi(p);
		if (quoted(text, p))
			continue;
		const char *after = p + 4 + 3;
		if (starts(after, "度"))
			after += 3;
		const char *role = "stated";
		/* 与/比/较/同 just before the year: a comparison. */
		const char *before = p;
		bool point_in_time = false;
		int back = 0;
		while (before > text && back < 2) {
			before--;
			while (before > text &&
			       ((unsigned char)*before & 0xc0) == 0x80)
				before--;
			back++;
			if (starts(before, "与") || starts(before, "比") ||
			    starts(before, "较") || starts(before, "同"))
				role = "compared";
			/* "截至 2024 年 8 月 31 日": the assets at a date. */
			if (starts(before, "截至") || starts(before, "截止") ||
			    (back == 1 && starts(before, "至")))
				point_in_time = true;
		}
		char rest[160];
		snprintf(rest, sizeof rest, "%s", after);
		char *cut = strstr(rest, "，");
		if (cut)
			*cut = '\0';
		/* "2023 年…与 2022 年…一致": the comparison word is the
		 * later year's; this one is the subject. */
		bool other = strstr(rest, "与") || strstr(rest, "比") ||
			     strstr(rest, "较");
		if (!other && (strstr(rest, "相比") || strstr(rest, "一致") ||
			       strstr(rest, "持平") || strstr(rest, "执行数") ||
			       strstr(rest, "决算") || strstr(rest, "同期")))
			role = "compared";
		if (point_in_time || starts(after, "期末") ||
		    starts(after, "年末") || starts(after, "末") ||
		    starts(after, "起") || starts(after, "以来") ||
		    starts(after, "底") || strstr(rest, "至今"))
			role = "period_end";
		add_year(years, year, role);
		if ((strcmp(role, "stated") == 0 && year != budget) ||
		    (strcmp(role, "compared") == 0 && year == budget))
			*odd = true;
		p += 3;
	}
}

static void emit_figure(cJSON *figures, const struct figure *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "quantity", f->quantity);
	if (f->change)
		cJSON_AddStringToObject(o, "change", f->amount);
	else if (f->amount[0])
		cJSON_AddStringToObject(o, "amount", f->amount);
	if (f->amount[0])
		cJSON_AddStringToObject(o, "unit", f->unit);
	if (f->share) {
		cJSON_AddStringToObject(o, "share", f->percent);
		cJSON_AddStringToObject(o, "of", f->of);
	} else if (f->percent[0]) {
		cJSON_AddStringToObject(o, "percent", f->percent);
	}
	cJSON_AddItemToArray(figures, o);
}

static bool is_whole(const char *quantity)
{
	return strncmp(quantity, "income_", 7) == 0 ||
	       strncmp(quantity, "expenditure_", 12) == 0 ||
	       strcmp(quantity, "basic_total") == 0 ||
	       strcmp(quantity, "general_expenditure") == 0 ||
	       strcmp(quantity, "appropriation_expenditure") == 0 ||
	       strcmp(quantity, "three_public.total") == 0;
}

/* The figures of one sentence. */
static int read_figures(struct sentence_state *ss, const char *text,
			struct figure *figs, const struct imp_line *at)
{
	int n = 0;
	for (const char *p = text; *p && n < FIGURES_MAX;) {
		char digits[40];
		if (!(*p >= '0' && *p <= '9') ||
		    (p > text &&
		     ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))) {
			p++;
			continue;
		}
		size_t len = number_at(p, digits, sizeof digits);
		const char *after = p + len;
		const char *unit = starts(after, "万元") ? "万元"
				   : starts(after, "元") ? "元"
							 : NULL;
		bool percent = starts(after, "%") || starts(after, "％");
		const char *from = clause_start(text, p);
		const char *q = p;
		p = after;
		if (!unit && !percent)
			continue;
		/* The verb just before the number. */
		static const char *const ups[] = {"增加", "增长", "上升"};
		static const char *const downs[] = {"减少", "下降", "降低"};
		int direction = 0;
		for (int k = 0; k < 3; k++) {
			size_t a = strlen(ups[k]), b = strlen(downs[k]);
			if (q - from >= (long)a &&
			    memcmp(q - a, ups[k], a) == 0)
				direction = 1;
			if (q - from >= (long)b &&
			    memcmp(q - b, downs[k], b) == 0)
				direction = -1;
		}
		if (percent) {
			struct figure *prev = n > 0 ? &figs[n - 1] : NULL;
			bool share =
			    q - from >= 3 && memcmp(q - 3, "占", 3) == 0;
			if (share && prev && !prev->change && ss->whole[0] &&
			    strcmp(prev->quantity, ss->whole) != 0) {
				prev->share = true;
				snprintf(prev->of, sizeof prev->of, "%s",
					 ss->whole);
				snprintf(prev->percent, sizeof prev->percent,
					 "%.15s", digits);
			} else if (direction && prev && prev->change &&
				   !prev->percent[0]) {
				snprintf(prev->percent, sizeof prev->percent,
					 "%s%.14s", direction < 0 ? "-" : "",
					 digits);
			}
			continue;
		}
		struct figure *f = &figs[n];
		memset(f, 0, sizeof *f);
		snprintf(f->unit, sizeof f->unit, "%s", unit);
		if (direction) {
			/* A change of the total the sentence is about. */
			char clause[512];
			snprintf(clause, sizeof clause, "%.*s", (int)(q - from),
				 from);
			bool income = strstr(clause, "收入") != NULL;
			bool spending = strstr(clause, "支出") != NULL;
			const char *subject = NULL;
			for (int k = 0; k < n && !subject; k++)
				if ((income && strncmp(figs[k].quantity,
						       "income_", 7) == 0) ||
				    (spending &&
				     strncmp(figs[k].quantity, "expenditure_",
					     12) == 0))
					subject = figs[k].quantity;
			/* "一般公共预算拨款支出预算 16497.86 万元，比 2022 年
			 * 预算增加 1421.25 万元": without a subject of its own
			 * a change is of the figure just before it. */
			if (income == spending)
				subject = n > 0 && !figs[n - 1].change
					      ? figs[n - 1].quantity
					      : NULL;
			else if (subject == NULL)
				subject = income ? ss->last_income
						 : ss->last_spending;
			if (subject && !subject[0])
				subject = NULL;
			if (subject == NULL) {
				ss->untyped++;
				continue;
			}
			f->change = true;
			snprintf(f->quantity, sizeof f->quantity, "%.31s",
				 subject);
			snprintf(f->amount, sizeof f->amount, "%s%.38s",
				 direction < 0 ? "-" : "", digits);
			n++;
			continue;
		}
		char cls[20];
		const char *quantity = NULL;
		if (item_before(ss->im, ss->lines, from, q, cls, sizeof cls))
			quantity = cls;
		if (quantity == NULL)
			quantity = keyword_before(from, q);
		if (quantity == NULL && class_before(from, q, cls, sizeof cls))
			quantity = cls;
		if (quantity == NULL) {
			ss->untyped++;
			if (ss->im->opt->verbose) {
				char where[320];
				imp_where(at, where, sizeof where);
				imp_say(ss->im->r,
					"  %s: %s%s in the text is not typed",
					where, digits, unit);
			}
			continue;
		}
		snprintf(f->quantity, sizeof f->quantity, "%s", quantity);
		snprintf(f->amount, sizeof f->amount, "%s", digits);
		if (strncmp(quantity, "income_", 7) == 0)
			snprintf(ss->last_income, sizeof ss->last_income, "%s",
				 quantity);
		else if (strncmp(quantity, "expenditure_", 12) == 0)
			snprintf(ss->last_spending, sizeof ss->last_spending,
				 "%s", quantity);
		if (!ss->whole[0] && is_whole(quantity))
			snprintf(ss->whole, sizeof ss->whole, "%s", quantity);
		n++;
	}
	return n;
}

static void statement(struct sentence_state *ss, const char *text,
		      const struct imp_line *at)
{
	struct figure figs[FIGURES_MAX];
	int untyped = ss->untyped;
	int n = read_figures(ss, text, figs, at);
	untyped = ss->untyped - untyped;
	if (untyped > 0) {
		/* Said once per sentence, with its line: what is not typed is
		 * not checked, and the reader should know which. */
		char head[200];
		snprintf(head, sizeof head, "%.199s", text);
		utf8_trim_partial(head);
		imp_warning(ss->im->r, at,
			    "the text states %d amount%s without saying of "
			    "what, so %s not checked: \"%s%s\"",
			    untyped, untyped == 1 ? "" : "s",
			    untyped == 1 ? "it is" : "they are", head,
			    strlen(text) >= sizeof head ? "…" : "");
	}
	cJSON *years = cJSON_CreateArray();
	bool odd = false;
	find_years(text, years, &odd, ss->im->year);
	if (n == 0 && !odd) {
		cJSON_Delete(years);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (ss->section[0])
		cJSON_AddStringToObject(o, "section", ss->section);
	if (at->page > 0)
		cJSON_AddNumberToObject(o, "page", at->page);
	cJSON_AddNumberToObject(o, "line", at->lineno);
	cJSON_AddStringToObject(o, "text", text);
	cJSON *figures = cJSON_AddArrayToObject(o, "figures");
	for (int k = 0; k < n; k++)
		emit_figure(figures, &figs[k]);
	ss->typed += n;
	cJSON_AddItemToObject(o, "years", years);
	cJSON_AddItemToArray(ss->narrative, o);
}

static bool in_table(const struct importer *im, size_t i)
{
	for (size_t k = 0; k < im->n_tables; k++)
		if (i >= im->tables[k].begin && i < im->tables[k].end &&
		    im->tables[k].kind != IMP_T_OTHER)
			return true;
	return false;
}

/* A heading ("一、收支预算总体情况"): short, no sentence in it. */
static bool heading(const char *text)
{
	return imp_chars(text, strlen(text)) <= 30 && !strstr(text, "。") &&
	       !strstr(text, "，") && !strstr(text, "万元");
}

cJSON *imp_read_narrative(struct importer *im, const cJSON *lines)
{
	struct sentence_state ss = {.im = im, .lines = lines};
	ss.narrative = cJSON_CreateArray();
	if (ss.narrative == NULL)
		return NULL;
	char buf[SENTENCE_MAX];
	size_t used = 0;
	const struct imp_line *start = NULL;
	for (size_t i = 0; i < im->in.n_lines; i++) {
		const struct imp_line *l = &im->in.lines[i];
		bool table = in_table(im, i);
		char text[SENTENCE_MAX];
		size_t o = 0;
		for (const char *p = l->squeezed; *p && o + 1 < sizeof text;
		     p++)
			if (*p != '|')
				text[o++] = *p;
		text[o] = '\0';
		if (table || text[0] == '\0' || heading(text)) {
			/* A sentence does not run across a table or a
			 * heading: what is left is a fragment. */
			used = 0;
			start = NULL;
			if (!table && text[0] && heading(text)) {
				snprintf(ss.section, sizeof ss.section,
					 "%.255s", text);
				ss.whole[0] = '\0';
				ss.last_income[0] = ss.last_spending[0] = '\0';
			}
			continue;
		}
		if (used + o + 1 >= sizeof buf)
			used = 0; /* an overlong run is no sentence */
		if (used == 0)
			start = l;
		memcpy(buf + used, text, o + 1);
		used += o;
		char *end;
		while ((end = strstr(buf, "。")) != NULL) {
			size_t len = (size_t)(end - buf) + 3;
			char sentence[SENTENCE_MAX];
			memcpy(sentence, buf, len);
			sentence[len] = '\0';
			statement(&ss, sentence, start);
			memmove(buf, buf + len, used - len + 1);
			used -= len;
			start = l;
		}
	}
	if (ss.typed > 0 || ss.untyped > 0)
		imp_say(im->r,
			"narrative: %d statements, %d figures typed, %d "
			"amounts in the text not typed%s",
			cJSON_GetArraySize(ss.narrative), ss.typed, ss.untyped,
			ss.untyped && !im->opt->verbose ? " (-v lists them)"
							: "");
	return ss.narrative;
}
