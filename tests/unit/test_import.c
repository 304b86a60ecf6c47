/* The importer: cells and amounts, and every published sample against the
 * figures printed in it, from text, from PDF and re-laid-out.  Long (about
 * 1400 lines) because the figures read off each sample's pages are data
 * the assertions need, kept next to them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "import.h"
#include "parse.h"
#include "labels.h"
#include "money.h"
#include "test_files.h"
#include "test_json.h"

#define DATA BUDGETD_TEST_DATA_DIR

/* ---- amounts, cells, labels ---- */

static int64_t fen_of(const char *text, bool wanyuan)
{
	struct imp_amount a;
	int64_t fen = -1;
	if (imp_amount_parse(text, &a) != 0 ||
	    imp_amount_fen(&a, wanyuan, &fen) != 0)
		return -1;
	return fen;
}

static void test_amounts(void **state)
{
	(void)state;
	assert_int_equal(fen_of("4,188,000.00", false), 418800000);
	assert_int_equal(fen_of("232. 31", true), 232310000);
	assert_int_equal(fen_of("0", false), 0);
	assert_int_equal(fen_of("6.4", true), 6400000);
	assert_int_equal(fen_of("0.000001", true), 1);
	assert_int_equal(fen_of("9000000000000000", false), 900000000000000000);
	/* Not amounts, or finer than 1 分, or too large. */
	assert_int_equal(fen_of("0.001", false), -1);
	assert_int_equal(fen_of("0.0000001", true), -1);
	assert_int_equal(fen_of("9000000000000001", false), -1);
	assert_int_equal(fen_of("99999999999999999999", false), -1);
	assert_int_equal(fen_of("1,0000", false), -1);
	assert_int_equal(fen_of("12,34", false), -1);
	assert_int_equal(fen_of(",123", false), -1);
	assert_int_equal(fen_of("1.", false), -1);
	assert_int_equal(fen_of("1. 一般", false), -1);
	assert_int_equal(fen_of("-5", false), -1);
	assert_int_equal(fen_of("1e5", false), -1);
	assert_int_equal(fen_of("", false), -1);
}

static struct imp_input parse(const char *text, bool csv)
{
	struct imp_input in = {0};
	assert_int_equal(imp_input_parse(&in, text, strlen(text), csv, 0, NULL),
			 0);
	return in;
}

static void test_cells(void **state)
{
	(void)state;
	struct imp_input in =
	    parse("201\t03\t01\t行政运行\t65. 14\t\t2. 60\t\t\n"
		  "一、财政拨款收入 | 31,214,205.80一、一般公共服务支出 | "
		  "22,186,440.80\n"
		  "201   06   01   行政运行      16,231,840.80    138,514.80\n"
		  "===== page 7 =====\n"
		  "1. 一般公共预算资金 31,214,205.80\n",
		  false);
	assert_int_equal(in.n_lines, 4);
	const struct imp_line *l = &in.lines[0];
	assert_true(l->keeps_empty);
	assert_int_equal(l->n_cells, 7); /* trailing empties dropped */
	assert_int_equal(l->cells[3].kind, IMP_TEXT);
	assert_int_equal(l->cells[5].kind, IMP_EMPTY);
	assert_int_equal(l->cells[0].digits, 3);

	l = &in.lines[1];
	assert_false(l->keeps_empty);
	assert_int_equal(l->n_cells, 4); /* the glued amount is split */
	assert_string_equal(l->cells[1].text, "31,214,205.80");
	assert_string_equal(l->cells[2].text, "一、一般公共服务支出");

	l = &in.lines[2];
	assert_int_equal(l->n_cells, 6);
	assert_string_equal(l->cells[4].text, "16,231,840.80");

	l = &in.lines[3];
	assert_int_equal(l->page, 7);
	/* Amounts one space apart are cells of their own; codes are not. */
	imp_input_free(&in);
	in =
	    parse("201 06 01 行政运行  16,231,840.80 16,093,326.00 138,514.80\n"
		  "410704220 000000007 639\t65. 14 2. 60\n",
		  false);
	assert_int_equal(in.lines[0].n_cells, 4);
	assert_string_equal(in.lines[0].cells[2].text, "16,093,326.00");
	assert_int_equal(in.lines[1].n_cells, 3);
	assert_string_equal(in.lines[1].cells[0].text,
			    "410704220 000000007 639");
	assert_string_equal(in.lines[1].cells[2].text, "2. 60");
	/* A dash holds its column as a zero. */
	imp_input_free(&in);
	in = parse("201 | 06 | 02 | 一般行政管理事务 | 100.00 | - | 100.00\n",
		   false);
	assert_int_equal(in.lines[0].n_cells, 7);
	assert_int_equal(in.lines[0].cells[5].kind, IMP_AMOUNT);
	assert_int_equal(in.lines[0].cells[5].amount.mantissa, 0);
	imp_input_free(&in);
	in = parse("x\n===== page 7 =====\n1. 一般公共预算资金 31,214,205.80\n",
		   false);
	l = &in.lines[1];
	/* One space parts no cells: an ordinal stays with its words. */
	assert_int_equal(l->cells[0].kind, IMP_TEXT);
	imp_input_free(&in);

	in = parse("\xef\xbb\xbf"
		   "a,\"4,188,000.00\",,\"say \"\"hi\"\"\"\r\nb\n",
		   true);
	assert_int_equal(in.n_lines, 2);
	l = &in.lines[0];
	assert_int_equal(l->n_cells, 4);
	assert_string_equal(l->cells[0].text, "a");
	assert_int_equal(l->cells[1].kind, IMP_AMOUNT);
	assert_int_equal(l->cells[2].kind, IMP_EMPTY);
	assert_string_equal(l->cells[3].text, "say \"hi\"");
	imp_input_free(&in);
}

static void test_labels(void **state)
{
	(void)state;
	bool sub;
	assert_string_equal(imp_strip_ordinal("一、一般公共服务", &sub),
			    "一般公共服务");
	assert_string_equal(imp_strip_ordinal("（二十一）住房保障支出", &sub),
			    "住房保障支出");
	assert_string_equal(imp_strip_ordinal("(三十)转移性支出", &sub),
			    "转移性支出");
	assert_string_equal(imp_strip_ordinal("1.一般公共预算资金", &sub),
			    "一般公共预算资金");
	assert_string_equal(imp_strip_ordinal("其中：财政拨款", &sub),
			    "财政拨款");
	assert_true(sub);
	assert_string_equal(imp_strip_ordinal("十分", &sub), "十分");

	assert_string_equal(imp_class_code("一般公共服务"), "201");
	assert_string_equal(imp_class_code("医疗卫生与计划生育支出"), "210");
	assert_string_equal(imp_class_code("国防支出（"), "203");
	assert_string_equal(imp_class_code("城乡社区支出"), "212");
	assert_null(imp_class_code("其他收入"));

	assert_int_equal(imp_income_label("一般公共预算资金"),
			 BD_SOURCE_GENERAL_BUDGET);
	assert_int_equal(imp_income_label("事业单位经营收入"),
			 BD_SOURCE_OPERATING);
	assert_int_equal(imp_income_label("事业收入"), BD_SOURCE_BUSINESS);
	assert_int_equal(imp_income_label("本年收入合计"),
			 IMP_LABEL_YEAR_TOTAL);
	assert_int_equal(imp_income_label("财政拨款收入"), IMP_LABEL_SUBTOTAL);
	assert_int_equal(imp_income_label("城乡社区支出"), IMP_LABEL_NONE);
}

/* ---- documents ---- */

static int import_path(const char *path, const struct import_options *o,
		       cJSON **doc, struct import_report *r)
{
	const char *paths[] = {path};
	memset(r, 0, sizeof *r);
	return import_files(paths, 1, o, doc, r);
}

static int64_t amount(const cJSON *o, const char *key, bool wanyuan)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (v == NULL)
		return 0;
	bd_fen fen;
	const char *why;
	assert_true(cJSON_IsString(v));
	assert_int_equal(money_parse(v->valuestring,
				     wanyuan ? BD_UNIT_WANYUAN : BD_UNIT_YUAN,
				     &fen, &why),
			 0);
	return fen;
}

/* Compares two documents amount by amount (as 分), names and codes as
 * text; performance targets are left out ("may differ in wording"). */
static void same_document(const cJSON *a, const cJSON *b, bool wanyuan,
			  const char *path)
{
	if (cJSON_IsObject(a)) {
		assert_true(cJSON_IsObject(b));
		assert_int_equal(cJSON_GetArraySize(a), cJSON_GetArraySize(b));
		const cJSON *e;
		cJSON_ArrayForEach(e, a)
		{
			const cJSON *f =
			    cJSON_GetObjectItemCaseSensitive(b, e->string);
			if (f == NULL)
				fail_msg("%s.%s is missing", path, e->string);
			if (strcmp(e->string, "indicators") == 0)
				continue;
			char sub[256];
			snprintf(sub, sizeof sub, "%s.%s", path, e->string);
			same_document(e, f, wanyuan, sub);
		}
	} else if (cJSON_IsArray(a)) {
		assert_true(cJSON_IsArray(b));
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			fail_msg("%s: %d items against %d", path,
				 cJSON_GetArraySize(a), cJSON_GetArraySize(b));
		for (int i = 0; i < cJSON_GetArraySize(a); i++) {
			char sub[256];
			snprintf(sub, sizeof sub, "%s[%d]", path, i);
			same_document(cJSON_GetArrayItem(a, i),
				      cJSON_GetArrayItem(b, i), wanyuan, sub);
		}
	} else if (cJSON_IsString(a)) {
		assert_true(cJSON_IsString(b));
		bd_fen x, y;
		const char *why;
		enum bd_unit u = wanyuan ? BD_UNIT_WANYUAN : BD_UNIT_YUAN;
		if (money_parse(a->valuestring, u, &x, &why) == 0 &&
		    money_parse(b->valuestring, u, &y, &why) == 0 &&
		    strchr(path, '.') && !strstr(path, ".code") &&
		    !strstr(path, ".function")) {
			if (x != y)
				fail_msg("%s: %s against %s", path,
					 a->valuestring, b->valuestring);
		} else if (strcmp(a->valuestring, b->valuestring) != 0) {
			fail_msg("%s: \"%s\" against \"%s\"", path,
				 a->valuestring, b->valuestring);
		}
	} else {
		assert_true(cJSON_Compare(a, b, true));
	}
}

static void test_fengquan_equals_transcription(void **state)
{
	(void)state;
	cJSON *doc;
	struct import_report r;
	assert_int_equal(
	    import_path(DATA "/fengquan-116001-2023.txt", NULL, &doc, &r), 0);
	assert_int_equal(r.problems, 0);
	size_t len;
	char *text = test_read_file(DATA "/fengquan-116001-2023.json", &len);
	assert_non_null(text);
	cJSON *want = cJSON_Parse(text);
	free(text);
	assert_non_null(want);
	/* The transcription has the tables; the text is checked below. */
	cJSON *narrative = cJSON_DetachItemFromObject(doc, "narrative");
	assert_non_null(narrative);
	same_document(want, doc, true, "$");
	same_document(doc, want, true, "$");
	/* Its statements, typed: the shares of 支出合计 and the fund
	 * table's note that names 2022 in a 2023 budget. */
	bool share = false, note = false;
	const cJSON *st;
	cJSON_ArrayForEach(st, narrative)
	{
		const cJSON *f;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(st, "figures"))
		{
			if (strcmp(json_str(f, "quantity"), "basic_total") ==
				0 &&
			    cJSON_GetObjectItem(f, "share") &&
			    strcmp(json_str(f, "share"), "47.44") == 0 &&
			    strcmp(json_str(f, "of"), "expenditure_year") ==
				0 &&
			    strcmp(json_str(f, "amount"), "110.21") == 0)
				share = true;
		}
		const cJSON *y;
		cJSON_ArrayForEach(y, cJSON_GetObjectItem(st, "years"))
		{
			if (cJSON_GetObjectItem(y, "year")->valueint == 2022 &&
			    strcmp(json_str(y, "role"), "stated") == 0) {
				assert_non_null(
				    strstr(json_str(st, "text"), "政府性基金"));
				note = true;
			}
		}
	}
	assert_true(share);
	assert_true(note);
	cJSON_Delete(narrative);
	/* The targets are there, cost indicators included, for the audit's
	 * plausibility check. */
	const cJSON *p =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "projects"), 3);
	assert_string_equal(json_str(p, "name"), "综合业务费");
	const cJSON *cost =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(p, "indicators"), 0);
	assert_string_equal(json_str(cost, "category"), "cost");
	assert_string_equal(json_str(cost, "value"), ">10 万元");
	cJSON_Delete(want);
	cJSON_Delete(doc);
	import_report_free(&r);
}

/* The figures each document prints (元, or 万元 for the 三公 table), read
 * off its own pages; the number of 项 lines its 支出预算总表 lists. */
static const struct printed_budget {
	const char *name;
	int64_t income, expenditure, basic, project; /* 分 */
	int64_t three_public;			     /* 分 */
	int lines;
} printed[] = {
    /* p.9 收入总计, p.13 合计 row, p.21 三公 0.95 万元 */
    {"putuo-finance-2025-budget", 3121420580, 3121420580, 2512109100, 609311480,
     950000, 11},
    {"putuo-wanli-2023-budget", 16497864000, 16497864000, 9940629700,
     6557234300, 22910000, 34},
    {"putuo-wanli-2024-budget", 15621112300, 15621112300, 9970602000,
     5650510300, 47910000, 33},
    {"putuo-wanli-2025-budget", 18976755100, 18976755100, 10134174600,
     8842580500, 37910000, 33},
    /* 2081005 is paid from the general budget and from 事业收入. */
    {"putuo-welfare-home-2024-unit-budget", 1212116400, 1212116400, 950116400,
     262000000, 6400000, 8},
    {"shanghai-finance-2025-unit-budget", 17191516900, 17191516900, 12764203900,
     4427313000, 346300000, 13},
};

static void check_printed(const cJSON *doc, const struct printed_budget *p)
{
	bool wanyuan = strcmp(json_str(doc, "unit"), "万元") == 0;
	int64_t income = 0, total = 0, basic = 0, project = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "income"))
	{
		income += amount(cJSON_GetObjectItem(doc, "income"), e->string,
				 wanyuan);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "expenditure"))
	{
		total += amount(e, "total", wanyuan);
		basic +=
		    amount(cJSON_GetObjectItem(e, "basic"), "total", wanyuan);
		project +=
		    amount(cJSON_GetObjectItem(e, "project"), "total", wanyuan);
	}
	/* The 三公 table keeps its own unit where it was printed in another
	 * one. */
	const cJSON *tp = cJSON_GetObjectItem(doc, "three_public");
	bool tp_wanyuan = cJSON_GetObjectItem(tp, "unit")
			      ? strcmp(json_str(tp, "unit"), "万元") == 0
			      : wanyuan;
	int64_t three = amount(tp, "overseas", tp_wanyuan) +
			amount(tp, "vehicle_purchase", tp_wanyuan) +
			amount(tp, "vehicle_operation", tp_wanyuan) +
			amount(tp, "reception", tp_wanyuan);
	if (income != p->income || total != p->expenditure ||
	    basic != p->basic || project != p->project ||
	    three != p->three_public ||
	    cJSON_GetArraySize(cJSON_GetObjectItem(doc, "expenditure")) !=
		p->lines)
		fail_msg(
		    "%s: income %lld/%lld expenditure %lld/%lld basic "
		    "%lld/%lld project %lld/%lld 三公 %lld/%lld lines "
		    "%d/%d",
		    p->name, (long long)income, (long long)p->income,
		    (long long)total, (long long)p->expenditure,
		    (long long)basic, (long long)p->basic, (long long)project,
		    (long long)p->project, (long long)three,
		    (long long)p->three_public,
		    cJSON_GetArraySize(cJSON_GetObjectItem(doc, "expenditure")),
		    p->lines);
}

static const struct import_options with_code = {.department = "215001",
						.parent = "215"};

/* Where the text's statements stand: other layouts put them on other
 * lines, and only that differs. */
static void forget_places(cJSON *doc)
{
	cJSON *st;
	cJSON_ArrayForEach(st, cJSON_GetObjectItem(doc, "narrative"))
	{
		cJSON_DeleteItemFromObject(st, "line");
		cJSON_DeleteItemFromObject(st, "page");
	}
}

static void test_shanghai_text_and_pdf(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++) {
		char path[512];
		cJSON *text_doc, *pdf_doc;
		struct import_report r;
		snprintf(path, sizeof path, "%s/published/%s.txt", DATA,
			 printed[i].name);
		if (import_path(path, &with_code, &text_doc, &r) != 0)
			fail_msg("%s:\n%s", path, r.text);
		assert_int_equal(r.problems, 0);
		check_printed(text_doc, &printed[i]);
		import_report_free(&r);

		snprintf(path, sizeof path, "%s/pdf/%s.pdf", DATA,
			 printed[i].name);
		if (import_path(path, &with_code, &pdf_doc, &r) != 0)
			fail_msg("%s:\n%s", path, r.text);
		check_printed(pdf_doc, &printed[i]);
		/* Where the 三公 row drops cells, the text needs the
		 * narrative; the PDF's positions decide alone, and agree. */
		if (strstr(printed[i].name, "welfare") ||
		    strstr(printed[i].name, "finance"))
			assert_non_null(strstr(r.text, "stand under decide"));
		/* The PDF and its text make the same document; the
		 * statements of the text stand on other lines. */
		forget_places(text_doc);
		forget_places(pdf_doc);
		assert_true(cJSON_Compare(text_doc, pdf_doc, true));
		import_report_free(&r);
		cJSON_Delete(text_doc);
		cJSON_Delete(pdf_doc);
	}
}

static void test_final_accounts_refused(void **state)
{
	(void)state;
	static const char *const finals[] = {
	    "putuo-finance-2024-final-accounts",
	    "putuo-planning-2024-final-accounts",
	    "putuo-social-work-2024-final-accounts",
	    "mof-final-accounts-template-2024"};
	for (size_t i = 0; i < 4; i++) {
		char path[512];
		cJSON *doc = NULL;
		struct import_report r;
		snprintf(path, sizeof path, "%s/published/%s.txt", DATA,
			 finals[i]);
		assert_int_equal(import_path(path, &with_code, &doc, &r),
				 -EINVAL);
		assert_null(doc);
		assert_true(r.final_accounts);
		assert_non_null(strstr(r.text, "决算"));
		import_report_free(&r);
	}
	/* A PDF without a text layer (a scan) is refused as such, and a
	 * damaged one as unreadable. */
	static const char empty_pdf[] =
	    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
	    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
	    ">>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
	char pdf[] = "/tmp/budgetctl-scan-XXXXXX.pdf";
	int fd = mkstemps(pdf, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, empty_pdf, sizeof empty_pdf - 1),
			 (ssize_t)sizeof empty_pdf - 1);
	close(fd);
	cJSON *scan = NULL;
	struct import_report rs;
	assert_int_equal(import_path(pdf, &with_code, &scan, &rs), -EINVAL);
	assert_non_null(strstr(rs.text, "no text to read"));
	import_report_free(&rs);
	fd = open(pdf, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "%PDF-1.4\ngarbage", 16), 16);
	close(fd);
	assert_int_equal(import_path(pdf, &with_code, &scan, &rs), -EIO);
	assert_non_null(strstr(rs.text, "could not read the PDF"));
	import_report_free(&rs);
	unlink(pdf);

	/* Performance-target excerpts hold no budget tables. */
	cJSON *doc = NULL;
	struct import_report r;
	assert_int_equal(
	    import_path(DATA
			"/published/"
			"jingyan-mata-2023-project-performance-excerpt.txt",
			&with_code, &doc, &r),
	    -EINVAL);
	assert_false(r.final_accounts);
	assert_non_null(strstr(r.text, "no budget table"));
	import_report_free(&r);
}

/* ---- the same budget in other layouts ---- */

static char *read_sample(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/published/%s.txt", DATA, name);
	char *text = test_read_file(path, len);
	assert_non_null(text);
	return text;
}

/* Re-lays a tab-separated text out with `sep`, dropping cells that are
 * empty or (drop_zeros) "0", as other extractors print them. */
static char *relayout(const char *text, const char *sep, bool drop_zeros)
{
	size_t cap = strlen(text) * 3 + 1, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool first = true;
		const char *c = p;
		while (c <= p + len) {
			const char *tab =
			    memchr(c, '\t', (size_t)(p + len - c));
			size_t clen =
			    tab ? (size_t)(tab - c) : (size_t)(p + len - c);
			size_t s = 0, e = clen;
			while (s < e && c[s] == ' ')
				s++;
			while (e > s && c[e - 1] == ' ')
				e--;
			bool keep =
			    e > s && !(drop_zeros && e - s == 1 && c[s] == '0');
			if (keep) {
				if (!first) {
					memcpy(out + n, sep, strlen(sep));
					n += strlen(sep);
				}
				memcpy(out + n, c + s, e - s);
				n += e - s;
				first = false;
			}
			if (!tab)
				break;
			c = tab + 1;
		}
		out[n++] = '\n';
		p += len + (nl != NULL);
	}
	out[n] = '\0';
	return out;
}

/* Prints the last table title again at the top of every page, as some
 * PDFs do. */
static char *repeat_titles(const char *text)
{
	size_t cap = strlen(text) * 2 + 1, n = 0;
	char *out = malloc(cap), title[256] = "";
	assert_non_null(out);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		memcpy(out + n, p, len);
		n += len;
		out[n++] = '\n';
		if (len > 9 && len < sizeof title &&
		    (memcmp(p + len - 9, "预算表", 9) == 0 ||
		     memcmp(p + len - 12, "预算总表", 12) == 0) &&
		    p[0] == '2') {
			memcpy(title, p, len);
			title[len] = '\0';
		}
		if (strncmp(p, "-- ", 3) == 0 && title[0])
			n += (size_t)sprintf(
			    out + n, "%s\n编制部门：万里 \t单位：元\n", title);
		p += len + (nl != NULL);
	}
	out[n] = '\0';
	return out;
}

static cJSON *import_string(const char *text, struct import_report *r)
{
	cJSON *doc = NULL;
	memset(r, 0, sizeof *r);
	int rc = import_text(text, strlen(text), "test", &with_code, &doc, r);
	if (rc != 0)
		fail_msg("import failed:\n%s", r->text);
	return doc;
}

static void test_other_layouts(void **state)
{
	(void)state;
	static const char *const tabbed[] = {"putuo-wanli-2024-budget",
					     "putuo-wanli-2025-budget"};
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *text = read_sample(tabbed[i], &len);
		struct import_report r;
		cJSON *want = import_string(text, &r);
		import_report_free(&r);
		forget_places(want);
		/* " | " with the zeros gone: every basic/project column is
		 * ambiguous and the rows around must decide. */
		char *piped = relayout(text, " | ", true);
		cJSON *got = import_string(piped, &r);
		forget_places(got);
		assert_true(cJSON_Compare(want, got, true));
		import_report_free(&r);
		cJSON_Delete(got);
		char *spaced = relayout(text, "    ", true);
		got = import_string(spaced, &r);
		forget_places(got);
		assert_true(cJSON_Compare(want, got, true));
		import_report_free(&r);
		cJSON_Delete(got);
		char *repeated = repeat_titles(text);
		got = import_string(repeated, &r);
		forget_places(got);
		assert_true(cJSON_Compare(want, got, true));
		import_report_free(&r);
		cJSON_Delete(got);
		free(repeated);
		free(piped);
		free(spaced);
		free(text);
		cJSON_Delete(want);
	}
}

/* ---- what the importer must not hide ---- */

static char *replace_once(const char *text, const char *from, const char *to,
			  int occurrence)
{
	const char *at = text;
	for (int i = 0; i <= occurrence; i++) {
		at = strstr(i ? at + 1 : at, from);
		assert_non_null(at);
	}
	size_t n = strlen(text) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);
	size_t head = (size_t)(at - text);
	memcpy(out, text, head);
	memcpy(out + head, to, strlen(to));
	strcpy(out + head + strlen(to), at + strlen(from));
	return out;
}

/*
 * Layouts seen in budgets from outside the repository: a summary row with
 * its income label and amount one space apart, form feeds for pages, a
 * label printed letter-spaced.  Each gives the document the plain layout
 * gives, and a row with amounts that nothing places is reported.
 */
static void test_tight_summary_and_pages(void **state)
{
	(void)state;
	size_t len;
	char *text = read_sample("putuo-finance-2025-budget", &len);
	struct import_report r;
	cJSON *want = import_string(text, &r);
	import_report_free(&r);
	forget_places(want);
	/* Once it vanished silently. */
	char *tight = replace_once(
	    text,
	    "一、财政拨款收入 | 31,214,205.80一、一般公共服务支出 | "
	    "22,186,440.80",
	    "一、财政拨款收入 31,214,205.80 一、一般公共服务支出        "
	    "22,186,440.80",
	    0);
	cJSON *got = import_string(tight, &r);
	forget_places(got);
	assert_true(cJSON_Compare(want, got, true));
	assert_int_equal(r.problems, 0);
	import_report_free(&r);
	cJSON_Delete(got);
	free(tight);
	/* Letter-spaced labels, and a page number printed inside the
	 * table. */
	char *spaced = replace_once(
	    text, "收入总计 | 31,214,205.80 | 支出总计 | 31,214,205.80",
	    "收   入   总     计     31,214,205.80     支   出   总   计    "
	    "31,214,205.80",
	    0);
	char *numbered =
	    replace_once(spaced, "二、事业收入\n", "二、事业收入\n- 9 -\n", 0);
	got = import_string(numbered, &r);
	forget_places(got);
	assert_true(cJSON_Compare(want, got, true));
	assert_int_equal(r.problems, 0);
	import_report_free(&r);
	cJSON_Delete(got);
	free(numbered);
	free(spaced);
	/* Balance rows: 使用非财政拨款结余 beside the income, 结转下年 beside
	 * the expenditure; the year's totals are what they were. */
	char *balanced = replace_once(
	    text, "四、其他收入\n",
	    "四、其他收入\n五、使用非财政拨款结余 | 1,000.00 | 结转下年 | "
	    "1,000.00\n",
	    0);
	char *totals = replace_once(
	    balanced, "收入总计 | 31,214,205.80 | 支出总计 | 31,214,205.80",
	    "收入总计 | 31,215,205.80 | 支出总计 | 31,215,205.80", 0);
	got = import_string(totals, &r);
	assert_int_equal(r.problems, 0);
	const cJSON *st = cJSON_GetObjectItem(got, "stated");
	assert_int_equal(amount(st, "balance_used", false), 100000);
	assert_int_equal(amount(st, "carry_forward", false), 100000);
	const cJSON *want_st = cJSON_GetObjectItem(want, "stated");
	assert_int_equal(amount(st, "income_total", false),
			 amount(want_st, "income_total", false));
	assert_int_equal(amount(st, "expenditure_total", false),
			 amount(want_st, "expenditure_total", false));
	import_report_free(&r);
	cJSON_Delete(got);
	free(totals);
	free(balanced);
	/* A row the table's labels cannot place is said, not dropped. */
	char *stray = replace_once(text, "二、事业收入\n",
				   "二、事业收入\n项目 | 1,000.00\n", 0);
	got = import_string(stray, &r);
	assert_non_null(strstr(r.text, "no label of this table places"));
	import_report_free(&r);
	cJSON_Delete(got);
	free(stray);
	free(text);
	cJSON_Delete(want);

	/* After a table: a note, a table this importer does not read and
	 * narrative with figures.  None of it is rows of that table. */
	text = read_sample("putuo-wanli-2025-budget", &len);
	want = import_string(text, &r);
	import_report_free(&r);
	forget_places(want);
	static const char tail[] =
	    "注：本表为预算数，各项目的说明见本部分之后的文字。\n"
	    "2025年政府采购预算表\n"
	    "编制部门：万里 \t单位：元\n"
	    "项目\t合计\n"
	    "办公设备\t120,000.00\n"
	    "合计\t120,000.00\n"
	    "本街道2025年机关运行经费预算为 1,234,567.00 元，比上年减少。\n";
	char before[sizeof tail + 128];
	snprintf(before, sizeof before, "%s%s", tail,
		 "2025年部门“三公”经费和机关运行经费预算表");
	char *longer = replace_once(
	    text, "2025年部门“三公”经费和机关运行经费预算表", before, 0);
	got = import_string(longer, &r);
	forget_places(got);
	/* (The sentence after it states 机关运行经费, which no table holds:
	 * not typed, so no statement.) */
	assert_true(cJSON_Compare(want, got, true));
	assert_int_equal(r.problems, 0);
	import_report_free(&r);
	cJSON_Delete(got);
	cJSON_Delete(want);
	free(longer);
	free(text);

	/* 财政拨款收入 printed without its 一般公共预算 line under it: the
	 * parts follow from the lines (all 一般公共预算 here). */
	text = read_sample("putuo-finance-2025-budget", &len);
	want = import_string(text, &r);
	import_report_free(&r);
	char *no_parts =
	    replace_once(text, "1.一般公共预算资金 | 31,214,205.80二、社会保障",
			 "二、社会保障", 0);
	got = import_string(no_parts, &r);
	assert_int_equal(r.problems, 0);
	assert_non_null(strstr(r.text, "printed without its parts"));
	forget_places(want);
	forget_places(got);
	assert_true(cJSON_Compare(want, got, true));
	import_report_free(&r);
	cJSON_Delete(got);
	cJSON_Delete(want);
	free(no_parts);
	free(text);

	/* Form feeds end pages (pdftotext ends each with one): three pages
	 * are pages 1 to 3, not 0 to 2. */
	struct imp_input in =
	    parse("one\n\ftwo\nstill two\n\fthree\n\f", false);
	assert_int_equal(in.pages, 3);
	assert_int_equal(in.lines[0].page, 1);
	assert_int_equal(in.lines[2].page, 2);
	assert_int_equal(in.lines[3].page, 3);
	imp_input_free(&in);
	/* Printed page numbers are no lines; a letter-spaced label is one
	 * cell on a row with amounts, and a heading row keeps its cells. */
	in = parse("a\n- 12 -\n第 3 页\n第12页 共30页\n12/30\n"
		   "收   入   总     计     1,000.00\n类  款  项\n",
		   false);
	assert_int_equal(in.n_lines, 3);
	assert_int_equal(in.lines[1].n_cells, 2);
	assert_string_equal(in.lines[1].cells[0].text, "收入总计");
	assert_int_equal(in.lines[2].n_cells, 3);
	imp_input_free(&in);
	/* Label, amount and label one space apart are three cells. */
	in = parse("一、一般公共预算资金 91,016,775.35 一、一般公共服务支出"
		   "        82,096,797.42   82,096,797.42\n",
		   false);
	assert_int_equal(in.lines[0].n_cells, 5);
	assert_string_equal(in.lines[0].cells[0].text, "一、一般公共预算资金");
	assert_string_equal(in.lines[0].cells[1].text, "91,016,775.35");
	assert_string_equal(in.lines[0].cells[2].text, "一、一般公共服务支出");
	imp_input_free(&in);
	(void)len;
}

static void test_document_errors_reported(void **state)
{
	(void)state;
	size_t len;
	char *text = read_sample("putuo-wanli-2025-budget", &len);
	/* 2120101 行政运行 in the 一般公共预算支出功能分类预算表 (its second
	 * printing with these columns, after the 支出预算总表). */
	char *altered = replace_once(text, "17,887,739 \t17,737,739",
				     "17,887,793 \t17,737,793", 1);
	struct import_report r;
	cJSON *doc = import_string(altered, &r);
	/* Imported as printed, and the difference is said, with numbers. */
	assert_non_null(strstr(r.text, "printed 101341746.00, the imported "
				       "items sum to 101341800.00"));
	bool found = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "expenditure"))
	{
		if (strcmp(json_str(e, "function"), "2120101") == 0) {
			assert_int_equal(amount(e, "total", false), 1788779300);
			found = true;
		}
	}
	assert_true(found);
	import_report_free(&r);
	cJSON_Delete(doc);
	free(altered);

	/* An amount that cannot be read is a problem at its page and line,
	 * never a zero. */
	altered = replace_once(text, "17,887,739 \t17,737,739",
			       "17,88?,739 \t17,737,739", 1);
	cJSON *none = NULL;
	memset(&r, 0, sizeof r);
	assert_int_equal(
	    import_text(altered, strlen(altered), "t", &with_code, &none, &r),
	    -EINVAL);
	assert_null(none);
	assert_non_null(strstr(r.text, "page 23, line 446"));
	assert_non_null(strstr(r.text, "17,88?,739"));
	import_report_free(&r);
	free(altered);

	/* Without a code the department cannot be named; a code that is
	 * not one is refused, not cut to fit. */
	memset(&r, 0, sizeof r);
	assert_int_equal(import_text(text, len, "t", NULL, &none, &r), -EINVAL);
	assert_non_null(strstr(r.text, "--department"));
	import_report_free(&r);
	struct import_options bad = {.department = "2150011234567890123",
				     .parent = "21x"};
	memset(&r, 0, sizeof r);
	assert_int_equal(import_text(text, len, "t", &bad, &none, &r), -EINVAL);
	assert_non_null(strstr(r.text, "is not a 预算单位编码"));
	assert_non_null(strstr(r.text, "is not a 主管部门 code"));
	import_report_free(&r);
	free(text);
}

/* Cut anywhere: never a crash, and never a document that lost amounts
 * without a problem being reported. */
static void test_truncated(void **state)
{
	(void)state;
	static const char *const names[] = {
	    "putuo-wanli-2025-budget", "putuo-finance-2025-budget",
	    "putuo-welfare-home-2024-unit-budget"};
	int refused = 0, imported = 0;
	for (int s = 0; s < 3; s++) {
		size_t len;
		char *text = read_sample(names[s], &len);
		for (int k = 1; k < 60; k++) {
			size_t cut = len * (size_t)k / 60;
			struct import_report r = {0};
			cJSON *doc = NULL;
			int rc =
			    import_text(text, cut, "cut", &with_code, &doc, &r);
			if (rc == 0) {
				imported++;
				/* Whole: the cut fell after the tables. */
				assert_int_equal(r.problems, 0);
				check_printed(doc, &printed[s == 0   ? 3
							    : s == 1 ? 0
								     : 4]);
			} else {
				refused++;
				assert_true(r.problems > 0);
			}
			cJSON_Delete(doc);
			import_report_free(&r);
		}
		free(text);
	}
	print_message("truncated inputs: %d refused, %d whole\n", refused,
		      imported);
	assert_true(refused > 100);
}

/* ---- CSV sheets (docs/import.md) ---- */

static const struct {
	const char *function, *source;
	int64_t basic, project; /* 分 */
} csv_lines[] = {
    {"2010101", "general_budget", 120000000, 0},
    {"2010102", "general_budget", 0, 30000000},
    {"2080505", "general_budget", 15000000, 0},
    {"2210201", "general_budget", 9000000, 0},
    {"2120399", "fund_budget", 0, 50000000},
    /* 支出预算总表 1,300,000 less the general budget's 1,200,000, paid
     * from the one other source the income side names. */
    {"2010101", "business", 10000000, 0},
};

static void test_csv_template(void **state)
{
	(void)state;
	static const char *const sheets[] = {
	    "01-summary",	 "02-expenditure", "03-appropriation",
	    "04-general-budget", "05-fund-budget", "06-economic",
	    "07-three-public"};
	char paths[7][512];
	const char *p[7];
	for (int i = 0; i < 7; i++) {
		snprintf(paths[i], sizeof paths[i], "%s/csv/%s.csv",
			 BUDGETD_TEST_EXAMPLES_DIR, sheets[i]);
		p[i] = paths[i];
	}
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_files(p, 7, NULL, &doc, &r) != 0)
		fail_msg("%s", r.text);
	assert_int_equal(r.problems, 0);
	assert_int_equal(r.warnings, 0);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "department"), "code")
		->valuestring,
	    "215099");
	const cJSON *lines = cJSON_GetObjectItem(doc, "expenditure");
	assert_int_equal(cJSON_GetArraySize(lines), 6);
	for (int i = 0; i < 6; i++) {
		const cJSON *e = cJSON_GetArrayItem(lines, i);
		assert_string_equal(json_str(e, "function"),
				    csv_lines[i].function);
		assert_string_equal(json_str(e, "source"), csv_lines[i].source);
		assert_int_equal(
		    amount(cJSON_GetObjectItem(e, "basic"), "total", false),
		    csv_lines[i].basic);
		assert_int_equal(
		    amount(cJSON_GetObjectItem(e, "project"), "total", false),
		    csv_lines[i].project);
	}
	const cJSON *income = cJSON_GetObjectItem(doc, "income");
	assert_int_equal(amount(income, "general_budget", false), 174000000);
	assert_int_equal(amount(income, "fund_budget", false), 50000000);
	assert_int_equal(amount(income, "business", false), 10000000);
	/* The 三公 sheet is in 万元, the document in 元: it keeps its unit. */
	const cJSON *tp = cJSON_GetObjectItem(doc, "three_public");
	assert_string_equal(json_str(tp, "unit"), "万元");
	assert_int_equal(amount(tp, "total", true), 3000000);
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(doc, "economic")), 8);
	const cJSON *appr = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(doc, "stated"), "appropriation");
	assert_int_equal(amount(appr, "income_total", false), 224000000);
	import_report_free(&r);

	/* All sheets in one file make the same budget. */
	size_t total = 0;
	char *all = calloc(1, 1);
	for (int i = 0; i < 7; i++) {
		size_t len;
		char *sheet = test_read_file(p[i], &len);
		assert_non_null(sheet);
		all = realloc(all, total + len + 1);
		memcpy(all + total, sheet, len + 1);
		total += len;
		free(sheet);
	}
	char one[] = "/tmp/budgetctl-import-XXXXXX.csv";
	int fd = mkstemps(one, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, all, total), (ssize_t)total);
	close(fd);
	const char *single[] = {one};
	cJSON *same = NULL;
	memset(&r, 0, sizeof r);
	assert_int_equal(import_files(single, 1, NULL, &same, &r), 0);
	assert_true(cJSON_Compare(doc, same, true));
	import_report_free(&r);
	cJSON_Delete(same);

	/* The same sheets as a PDF's text: " | " between cells, the empty
	 * and the zero cells gone; the rows around decide every column. */
	struct imp_input in = {0};
	assert_int_equal(imp_input_parse(&in, all, total, true, 0, NULL), 0);
	size_t cap = total * 2 + 1, n = 0;
	char *piped = malloc(cap);
	for (size_t i = 0; i < in.n_lines; i++) {
		bool first = true;
		for (int c = 0; c < in.lines[i].n_cells; c++) {
			const char *cell = in.lines[i].cells[c].text;
			if (*cell == '\0' || strcmp(cell, "0") == 0)
				continue;
			n += (size_t)snprintf(piped + n, cap - n, "%s%s",
					      first ? "" : " | ", cell);
			first = false;
		}
		piped[n++] = '\n';
	}
	/* Without its zeros the 三公 row fits several column orders: refused,
	 * until the narrative, as published budgets write it, decides. */
	piped[n] = '\0';
	memset(&r, 0, sizeof r);
	assert_int_equal(import_text(piped, n, "piped", NULL, &same, &r),
			 -EINVAL);
	assert_non_null(strstr(r.text, "the narrative does not decide"));
	import_report_free(&r);
	n += (size_t)snprintf(
	    piped + n, cap - n,
	    "其他相关情况说明\n2026年“三公”经费预算数为3万元。其中：因公出国"
	    "（境）费0万元；公务用车购置费0万元，公务用车运行费2万元；公务接待"
	    "费"
	    "1万元。\n");
	imp_input_free(&in);
	memset(&r, 0, sizeof r);
	if (import_text(piped, n, "piped", NULL, &same, &r) != 0)
		fail_msg("%s", r.text);
	/* The sentence is also a statement of the text, with its figures. */
	cJSON *said = cJSON_DetachItemFromObject(same, "narrative");
	assert_non_null(said);
	char *said_text = cJSON_PrintUnformatted(said);
	assert_non_null(strstr(said_text, "three_public.vehicle_operation"));
	free(said_text);
	cJSON_Delete(said);
	assert_true(cJSON_Compare(doc, same, true));
	import_report_free(&r);
	cJSON_Delete(same);
	free(piped);

	/* A sheet saved without its 单位 line: its column headings still
	 * make it a table, but its unit is never assumed (a factor of
	 * 10,000): refused until --unit says it. */
	char bare[] = "/tmp/budgetctl-bare-XXXXXX.csv";
	fd = mkstemps(bare, 4);
	assert_true(fd >= 0);
	size_t sheet_len;
	char *sheet = test_read_file(p[3], &sheet_len);
	char *second = strchr(sheet, '\n') + 1;
	char *third = strchr(second, '\n') + 1;
	assert_int_equal(write(fd, sheet, (size_t)(second - sheet)),
			 second - sheet);
	assert_int_equal(write(fd, third, strlen(third)),
			 (ssize_t)strlen(third));
	close(fd);
	free(sheet);
	const char *with_bare[7];
	memcpy(with_bare, p, sizeof with_bare);
	with_bare[3] = bare;
	memset(&r, 0, sizeof r);
	assert_int_equal(import_files(with_bare, 7, NULL, &same, &r), -EINVAL);
	assert_non_null(strstr(r.text, "--unit 元 or --unit 万元"));
	import_report_free(&r);
	struct import_options in_yuan = {.unit = "元"};
	memset(&r, 0, sizeof r);
	assert_int_equal(import_files(with_bare, 7, &in_yuan, &same, &r), 0);
	assert_true(cJSON_Compare(doc, same, true));
	import_report_free(&r);
	cJSON_Delete(same);
	unlink(bare);

	/* Excel's plain "CSV" is GBK on Chinese Windows: refused, with the
	 * fix named. */
	all[0] = (char)0xb2; /* GBK lead byte */
	all[1] = (char)0xbf;
	fd = open(one, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, all, total), (ssize_t)total);
	close(fd);
	memset(&r, 0, sizeof r);
	assert_int_equal(import_files(single, 1, NULL, &same, &r), -EINVAL);
	assert_non_null(strstr(r.text, "CSV UTF-8"));
	import_report_free(&r);
	unlink(one);
	free(all);
	cJSON_Delete(doc);
}

/* -v: every row says where it came from and how a dropped cell was
 * decided. */
static void test_verbose_trail(void **state)
{
	(void)state;
	struct import_options o = with_code;
	o.verbose = true;
	cJSON *doc;
	struct import_report r;
	assert_int_equal(import_path(DATA "/published/"
					  "putuo-finance-2025-budget.txt",
				     &o, &doc, &r),
			 0);
	assert_non_null(
	    strstr(r.text, "page 15, line 225: expenditure 2010602 "
			   "一般行政管理事务 general_budget: total 100000.00, "
			   "basic 0.00, project 100000.00 (基本/项目: the "
			   "one split of its 款/类 that adds up)"));
	assert_non_null(strstr(r.text, "page 9, line 120: 一般公共预算资金 "
				       "31214205.80 → income.general_budget"));
	assert_non_null(strstr(r.text, "the narrative's amounts decide"));
	import_report_free(&r);
	cJSON_Delete(doc);
}

/* ---- columns by position (pdftotext -layout) ---- */

/* Appends a line whose cells start at the given character columns, as
 * pdftotext -layout places them. */
static void lay(char **out, size_t *n, const char *const *cells,
		const int *starts, int count)
{
	int col = 0;
	for (int i = 0; i < count; i++) {
		if (cells[i] == NULL)
			continue;
		int pad = starts[i] - col;
		if (pad < 2 && col > 0)
			pad = 2;
		*out = realloc(*out, *n + (size_t)pad + strlen(cells[i]) + 2);
		memset(*out + *n, ' ', (size_t)pad);
		*n += (size_t)pad;
		col += pad;
		memcpy(*out + *n, cells[i], strlen(cells[i]));
		*n += strlen(cells[i]);
		col += imp_chars(cells[i], strlen(cells[i]));
	}
	(*out)[(*n)++] = '\n';
	(*out)[*n] = '\0';
}

static const cJSON *line_of(const cJSON *doc, const char *function)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "expenditure"))
	{
		if (strcmp(json_str(e, "function"), function) == 0)
			return e;
	}
	fail_msg("no line %s", function);
	return NULL;
}

static void test_columns_by_position(void **state)
{
	(void)state;
	/* Two lines of 100,000 under one 款 of 100,000 basic and 100,000
	 * project: the sums fit either way; only the columns tell. */
	static const int at[] = {0, 6, 12, 18, 40, 58, 76};
	for (int swap = 0; swap < 2; swap++) {
		char *text = strdup("2026年部门一般公共预算支出功能分类预算表\n"
				    "编制部门：示例局        单位：元\n");
		size_t n = strlen(text);
		const char *head[] = {"类",   "款",	  "项",	     "科目名称",
				      "合计", "基本支出", "项目支出"};
		lay(&text, &n, head, at, 7);
		const char *r1[] = {
		    "201",	  NULL,		NULL,	     "一般公共服务支出",
		    "200,000.00", "100,000.00", "100,000.00"};
		lay(&text, &n, r1, at, 7);
		const char *r2[] = {"201",	 "01",	       NULL,
				    "人大事务",	 "200,000.00", "100,000.00",
				    "100,000.00"};
		lay(&text, &n, r2, at, 7);
		const char *r3[] = {"201",
				    "01",
				    "01",
				    "行政运行",
				    "100,000.00",
				    swap ? NULL : "100,000.00",
				    swap ? "100,000.00" : NULL};
		lay(&text, &n, r3, at, 7);
		const char *r4[] = {"201",
				    "01",
				    "02",
				    "一般行政管理事务",
				    "100,000.00",
				    swap ? "100,000.00" : NULL,
				    swap ? NULL : "100,000.00"};
		lay(&text, &n, r4, at, 7);
		const char *total[] = {"合计",	    NULL,	  NULL,
				       NULL,	    "200,000.00", "100,000.00",
				       "100,000.00"};
		lay(&text, &n, total, at, 7);
		struct import_options o = {.department = "215099",
					   .verbose = true};
		cJSON *doc = NULL;
		struct import_report r = {0};
		if (import_text(text, n, "layout", &o, &doc, &r) != 0)
			fail_msg("%s\n%s", text, r.text);
		const cJSON *run = line_of(doc, "2010101");
		const cJSON *admin = line_of(doc, "2010102");
		assert_int_equal(
		    amount(cJSON_GetObjectItem(run, "basic"), "total", false),
		    swap ? 0 : 10000000);
		assert_int_equal(
		    amount(cJSON_GetObjectItem(admin, "basic"), "total", false),
		    swap ? 10000000 : 0);
		assert_non_null(strstr(r.text, "the column it stands under"));
		import_report_free(&r);
		cJSON_Delete(doc);
		free(text);
	}

	/* The Henan nine columns with the empty cells gone, as pdftotext
	 * renders them: the headings' positions place every amount. */
	/* Headings 20 columns apart, as wide as the printed table; each
	 * amount starts two columns into its heading, as pdftotext puts
	 * right-aligned figures under centred headings. */
	static const int at9[] = {0,   5,   10,	 15,  24,  60, 80,
				  100, 120, 140, 160, 180, 200};
	char *text = strdup("2023 年一般公共预算支出预算表\n"
			    "部门名称：示例局\n单位：万元\n");
	size_t n = strlen(text);
	const char *h1[] = {
	    NULL,   NULL,	NULL, "单位代码", "单位（科目名称）",
	    "合计", "基本支出", NULL, NULL,	  NULL,
	    NULL,   "项目支出", NULL};
	lay(&text, &n, h1, at9, 13);
	const char *h2[] = {NULL, NULL,	  NULL,	       NULL, NULL,
			    NULL, "小计", "人员经费",  NULL, "公用经费",
			    NULL, "小计", "其他运转类"};
	lay(&text, &n, h2, at9, 13);
	const char *h3[] = {"类",
			    "款",
			    "项",
			    NULL,
			    NULL,
			    NULL,
			    NULL,
			    "工资福利支出",
			    "对个人和家庭的补助",
			    "商品和服务支出",
			    "资本性支出",
			    NULL,
			    NULL};
	lay(&text, &n, h3, at9, 13);
	/* 特定目标类 heads a column of its own, right of 其他运转类. */
	static const int at9b[] = {220};
	const char *h4[] = {"特定目标类"};
	lay(&text, &n, h4, at9b, 1);
	static const int cols[] = {0,	5,   10,  15,  24,  62,	 82,
				   102, 122, 142, 162, 182, 202, 222};
	const char *row1[] = {"201",   "03",	"01",	 "116001", "行政运行",
			      "65.14", "65.14", "62.54", NULL,	   "2.60",
			      NULL,    NULL,	NULL,	 NULL};
	lay(&text, &n, row1, cols, 14);
	const char *row2[] = {"201",
			      "03",
			      "99",
			      "116001",
			      "其他政府办公厅（室）及相关机构事务支出",
			      "122.10",
			      NULL,
			      NULL,
			      NULL,
			      NULL,
			      NULL,
			      "122.10",
			      "65.62",
			      "56.48"};
	lay(&text, &n, row2, cols, 14);
	const char *sum[] = {NULL,     NULL,	 NULL,	  NULL,	  "合计",
			     "187.24", "65.14",	 "62.54", NULL,	  "2.60",
			     NULL,     "122.10", "65.62", "56.48"};
	lay(&text, &n, sum, cols, 14);
	struct import_options o = {.department = "116001"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, n, "henan-layout", &o, &doc, &r) != 0)
		fail_msg("%s\n%s", text, r.text);
	const cJSON *run = line_of(doc, "2010301");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(run, "basic"), "wages", true), 62540000);
	assert_int_equal(
	    amount(cJSON_GetObjectItem(run, "basic"), "goods", true), 2600000);
	const cJSON *other = line_of(doc, "2010399");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(other, "project"), "operating", true),
	    65620000);
	assert_int_equal(
	    amount(cJSON_GetObjectItem(other, "project"), "targeted", true),
	    56480000);
	import_report_free(&r);
	cJSON_Delete(doc);
	free(text);
}

/* Last year's total only where the narrative's change is said of this
 * year's total. */
static void test_previous_year(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t previous; /* 分; -1: left out */
	} cases[] = {
	    /* 18,976.76万元 … 比2024年预算增加3,355.65万元 */
	    {"putuo-wanli-2025-budget", 15621105100},
	    /* 17,192万元 (rounded) … 比2024年预算减少990万元 */
	    {"shanghai-finance-2025-unit-budget", 18181516900},
	    /* the change is said of 财政拨款收入 950.12万元; there is 事业收入
	     * too, so the total's change is not printed */
	    {"putuo-welfare-home-2024-unit-budget", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/published/%s.txt", DATA,
			 cases[i].name);
		cJSON *doc;
		struct import_report r;
		assert_int_equal(import_path(path, &with_code, &doc, &r), 0);
		const cJSON *prev = cJSON_GetObjectItem(doc, "previous_year");
		if (cases[i].previous < 0)
			assert_null(prev);
		else
			assert_int_equal(amount(prev, "total", false),
					 cases[i].previous);
		import_report_free(&r);
		cJSON_Delete(doc);
	}
}

/* A department of several units prints a 科目 once per unit: one line,
 * their sum.  The same 科目 twice for one unit with other amounts is a
 * problem. */
static void test_units_and_repeats(void **state)
{
	(void)state;
	size_t len;
	char *text = test_read_file(DATA "/fengquan-116001-2023.txt", &len);
	assert_non_null(text);
	const char *row = "201\t03\t01\t116001\t行政运行\t65. 14\t65. 14\t"
			  "62. 54\t\t2. 60\t\t\t\t\n";
	char *two_units = replace_once(
	    text, row,
	    "201\t03\t01\t116001\t行政运行\t65. 14\t65. 14\t62. 54\t\t2. "
	    "60\t\t\t\t\n201\t03\t01\t116002\t行政运行\t10. 00\t10. "
	    "00\t10. 00\t\t\t\t\t\t\n",
	    0);
	struct import_report r;
	cJSON *doc = import_string(two_units, &r);
	const cJSON *run = line_of(doc, "2010301");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(run, "basic"), "wages", true), 72540000);
	assert_int_equal(amount(run, "total", true), 75140000);
	assert_non_null(strstr(r.text, "of unit 116002 added into"));
	import_report_free(&r);
	cJSON_Delete(doc);
	free(two_units);

	char *repeated = replace_once(
	    text, row,
	    "201\t03\t01\t116001\t行政运行\t65. 14\t65. 14\t62. 54\t\t2. "
	    "60\t\t\t\t\n201\t03\t01\t116001\t行政运行\t10. 00\t10. "
	    "00\t10. 00\t\t\t\t\t\t\n",
	    0);
	memset(&r, 0, sizeof r);
	cJSON *none = NULL;
	assert_int_equal(
	    import_text(repeated, strlen(repeated), "t", &with_code, &none, &r),
	    -EINVAL);
	assert_non_null(strstr(r.text, "printed twice with different amounts"));
	import_report_free(&r);
	free(repeated);
	free(text);
}

/* Lines paid from two sources besides the fiscal ones: the one way each
 * source's lines add up to its income decides; a tie is refused. */
static void test_two_other_sources(void **state)
{
	(void)state;
	static const char budget[] =
	    "2026年部门财务收支预算总表\n"
	    "编制部门：示例局,,,单位：元\n"
	    "部门编码：215098\n"
	    "项目,预算数,项目,预算数\n"
	    "1. 一般公共预算资金,1000,一、一般公共服务支出,1200\n"
	    "二、事业收入,%d,二、社会保障和就业支出,%d\n"
	    "四、其他收入,%d,,\n"
	    "收入总计,%d,支出总计,%d\n"
	    "2026年部门支出预算总表\n"
	    "编制部门：示例局,,,,,,单位：元\n"
	    "类,款,项,科目名称,合计,基本支出,项目支出\n"
	    "201,01,01,行政运行,1200,1200,0\n"
	    "208,05,05,机关事业单位基本养老保险缴费支出,%d,%d,0\n"
	    "合计,,,,%d,%d,0\n"
	    "2026年部门一般公共预算支出功能分类预算表\n"
	    "编制部门：示例局,,,,,,单位：元\n"
	    "类,款,项,科目名称,合计,基本支出,项目支出\n"
	    "201,01,01,行政运行,1000,1000,0\n"
	    "合计,,,,1000,1000,0\n";
	/* 事业收入 200 and 其他收入 100: 2010101's 200 and 2080505's 100. */
	char text[2048];
	int n = snprintf(text, sizeof text, budget, 200, 100, 100, 1300, 1300,
			 100, 100, 1300, 1300);
	struct import_options o = {.csv = true};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, (size_t)n, "two", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	const cJSON *e;
	int business = 0, other = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "expenditure"))
	{
		const char *src = json_str(e, "source");
		const char *fn = json_str(e, "function");
		if (strcmp(src, "business") == 0) {
			assert_string_equal(fn, "2010101");
			assert_int_equal(amount(e, "total", false), 20000);
			business++;
		}
		if (strcmp(src, "other") == 0) {
			assert_string_equal(fn, "2080505");
			assert_int_equal(amount(e, "total", false), 10000);
			other++;
		}
	}
	assert_int_equal(business, 1);
	assert_int_equal(other, 1);
	import_report_free(&r);
	cJSON_Delete(doc);

	/* 事业收入 200 and 其他收入 200 against two lines of 200: either way
	 * adds up, so neither is chosen. */
	n = snprintf(text, sizeof text, budget, 200, 200, 200, 1400, 1400, 200,
		     200, 1400, 1400);
	memset(&r, 0, sizeof r);
	doc = NULL;
	assert_int_equal(import_text(text, (size_t)n, "tie", &o, &doc, &r),
			 -EINVAL);
	assert_non_null(strstr(r.text, "do not decide which"));
	import_report_free(&r);
}

/* A name the PDF printed on the line below its row, or above it. */
static void test_wrapped_names(void **state)
{
	(void)state;
	size_t len;
	char *text = read_sample("putuo-finance-2025-budget", &len);
	static const char *const orders[] = {
	    "301 | 01 | 2,642,448.00 | 2,642,448.00 | 0.00\n基本工资\n",
	    "基本工资\n301 | 01 | 2,642,448.00 | 2,642,448.00 | 0.00\n"};
	for (int k = 0; k < 2; k++) {
		char *moved = replace_once(text, orders[0], orders[k], 0);
		struct import_report r;
		cJSON *doc = import_string(moved, &r);
		const cJSON *e, *found = NULL;
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "economic"))
		{
			if (strcmp(json_str(e, "code"), "30101") == 0)
				found = e;
		}
		assert_non_null(found);
		assert_string_equal(json_str(found, "name"), "基本工资");
		import_report_free(&r);
		cJSON_Delete(doc);
		free(moved);
	}
	free(text);
}

/* A tight layout: codes, name and amounts one space apart. */
static void test_tight_layout(void **state)
{
	(void)state;
	static const char text[] =
	    "2025年部门一般公共预算支出功能分类预算表\n"
	    "编制部门：示例局  单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "201 一般公共服务支出  16,331,840.80 16,093,326.00 238,514.80\n"
	    "201 06 财政事务  16,331,840.80 16,093,326.00 238,514.80\n"
	    "201 06 01 行政运行  16,231,840.80 16,093,326.00 138,514.80\n"
	    "2010602 一般行政管理事务  100,000.00 0.00 100,000.00\n"
	    "合计  16,331,840.80 16,093,326.00 238,514.80\n";
	struct import_options o = {.department = "215099"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, strlen(text), "tight", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	const cJSON *run = line_of(doc, "2010601");
	assert_string_equal(json_str(run, "name"), "行政运行");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(run, "basic"), "total", false),
	    1609332600);
	assert_int_equal(
	    amount(cJSON_GetObjectItem(run, "project"), "total", false),
	    13851480);
	const cJSON *admin = line_of(doc, "2010602");
	assert_string_equal(json_str(admin, "name"), "一般行政管理事务");
	assert_int_equal(r.problems, 0);
	import_report_free(&r);
	cJSON_Delete(doc);
}

/* No 编制部门 line: the name from the cover, where it ends as an
 * organisation's does; a district's cover title is not taken. */
static void test_name_from_cover(void **state)
{
	(void)state;
	static const char body[] =
	    "2025年部门一般公共预算支出功能分类预算表\n"
	    "单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "201 一般公共服务支出  100,000.00 100,000.00 0.00\n"
	    "201 06 财政事务  100,000.00 100,000.00 0.00\n"
	    "201 06 01 行政运行  100,000.00 100,000.00 0.00\n"
	    "合计  100,000.00 100,000.00 0.00\n";
	static const char *const covers[][2] = {
	    {"示例区教育局\n2025年部门预算\n", "示例区教育局"},
	    {"新乡市凤泉区政务服务和大数据管理局2025年部门预算\n",
	     "新乡市凤泉区政务服务和大数据管理局"},
	};
	struct import_options o = {.department = "215099"};
	for (size_t i = 0; i < 2; i++) {
		char text[2048];
		snprintf(text, sizeof text, "%s%s", covers[i][0], body);
		cJSON *doc = NULL;
		struct import_report r = {0};
		if (import_text(text, strlen(text), "cover", &o, &doc, &r) != 0)
			fail_msg("%s", r.text);
		assert_string_equal(
		    json_str(cJSON_GetObjectItem(doc, "department"), "name"),
		    covers[i][1]);
		import_report_free(&r);
		cJSON_Delete(doc);
	}
	char text[2048];
	snprintf(text, sizeof text, "上海市普陀区2025年区级部门预算\n%s", body);
	cJSON *doc = NULL;
	struct import_report r = {0};
	assert_int_equal(import_text(text, strlen(text), "cover", &o, &doc, &r),
			 -EINVAL);
	assert_non_null(strstr(r.text, "name was not found"));
	import_report_free(&r);
}

/* The words type a figure only where they are certain. */
static void test_narrative_typing(void **state)
{
	(void)state;
	static const char text[] =
	    "一、收支预算总体情况\n"
	    "2025年“三公”经费支出预算为 22.91 万元，一般公共预算基本支出 "
	    "110.21 万元，财政拨款支出预算 150.00 万元。\n"
	    "上年结转收入预算 5.00 万元，机关运行经费 3.61 万元。\n"
	    "截至2024年8月31日，本局共有车辆2辆，与2024年预算相比减少1辆。\n"
	    "1.“一般公共服务（类）”支出 150.00 万元。\n"
	    "2025年部门一般公共预算支出功能分类预算表\n"
	    "编制部门：示例局  单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "201 一般公共服务支出  150,000.00 100,000.00 50,000.00\n"
	    "201 06 财政事务  150,000.00 100,000.00 50,000.00\n"
	    "201 06 01 行政运行  150,000.00 100,000.00 50,000.00\n"
	    "合计  150,000.00 100,000.00 50,000.00\n";
	struct import_options o = {.department = "215099"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, strlen(text), "words", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	const cJSON *n = cJSON_GetObjectItem(doc, "narrative");
	assert_int_equal(cJSON_GetArraySize(n), 2);
	/* A 类 behind an ordinal and a quotation mark. */
	const cJSON *cls = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(n, 1), "figures"), 0);
	assert_string_equal(json_str(cls, "quantity"), "class.201");
	const cJSON *st = cJSON_GetArrayItem(n, 0);
	assert_string_equal(json_str(st, "section"), "一、收支预算总体情况");
	const cJSON *f = cJSON_GetObjectItem(st, "figures");
	assert_int_equal(cJSON_GetArraySize(f), 3);
	assert_string_equal(json_str(cJSON_GetArrayItem(f, 0), "quantity"),
			    "three_public.total");
	assert_string_equal(json_str(cJSON_GetArrayItem(f, 1), "quantity"),
			    "basic_total");
	assert_string_equal(json_str(cJSON_GetArrayItem(f, 2), "quantity"),
			    "appropriation_expenditure");
	/* 上年结转 and 机关运行经费 are not typed; the sentence with the date
	 * names only the budget year, compared, and a point in time. */
	assert_non_null(strstr(r.text, "2 amounts in the text not typed"));
	import_report_free(&r);
	cJSON_Delete(doc);
}

/* "…财政拨款支出预算表" without a 一般公共预算 table: read as it, less the
 * lines of the 政府性基金 table. */
static void test_fiscal_expenditure_table(void **state)
{
	(void)state;
	static const char text[] =
	    "上海市普陀区人民政府长征镇社区卫生服务中心附属康复护理站第二分站老"
	    "年照护部2025年"
	    "单位财政拨款支出预算表\n"
	    "编制部门：示例局  单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "201 一般公共服务支出  100,000.00 100,000.00 0.00\n"
	    "201 06 财政事务  100,000.00 100,000.00 0.00\n"
	    "201 06 01 行政运行  100,000.00 100,000.00 0.00\n"
	    "212 城乡社区支出  50,000.00 0.00 50,000.00\n"
	    "212 05 城乡社区环境卫生  50,000.00 0.00 50,000.00\n"
	    "212 05 01 城乡社区环境卫生  50,000.00 0.00 50,000.00\n"
	    "合计  150,000.00 100,000.00 50,000.00\n"
	    "2025年部门政府性基金预算支出功能分类预算表\n"
	    "编制部门：示例局  单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "212 城乡社区支出  50,000.00 0.00 50,000.00\n"
	    "212 05 城乡社区环境卫生  50,000.00 0.00 50,000.00\n"
	    "212 05 01 城乡社区环境卫生  50,000.00 0.00 50,000.00\n"
	    "合计  50,000.00 0.00 50,000.00\n";
	struct import_options o = {.department = "215099"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, strlen(text), "fiscal", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	const cJSON *lines = cJSON_GetObjectItem(doc, "expenditure");
	assert_int_equal(cJSON_GetArraySize(lines), 2);
	const cJSON *run = line_of(doc, "2010601");
	assert_string_equal(json_str(run, "source"), "general_budget");
	const cJSON *clean = line_of(doc, "2120501");
	assert_string_equal(json_str(clean, "source"), "fund_budget");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(clean, "project"), "total", false),
	    5000000);
	assert_non_null(strstr(r.text, "read as the 一般公共预算 table"));
	import_report_free(&r);
	cJSON_Delete(doc);
}

/* A name wrapped in two with its amounts centred between the parts. */
static void test_name_split_around_amounts(void **state)
{
	(void)state;
	static const char text[] =
	    "2025年部门一般公共预算支出功能分类预算表\n"
	    "编制部门：示例局  单位：元\n"
	    "功能分类科目名称  合计 基本支出 项目支出\n"
	    "201 一般公共服务支出  150,000.00 100,000.00 50,000.00\n"
	    "201 06 财政事务  100,000.00 100,000.00 0.00\n"
	    "201 06 01 行政运行  100,000.00 100,000.00 0.00\n"
	    "201 99 其他一般公共服务支出  50,000.00 0.00 50,000.00\n"
	    "          其他一般公共服务\n"
	    "2019999                   50,000.00     0.00    50,000.00\n"
	    "          支出\n"
	    "合计  150,000.00 100,000.00 50,000.00\n";
	struct import_options o = {.department = "215099"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, strlen(text), "split", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	assert_string_equal(json_str(line_of(doc, "2019999"), "name"),
			    "其他一般公共服务支出");
	assert_int_equal(r.problems, 0);
	import_report_free(&r);
	cJSON_Delete(doc);
}

/* Twenty lines under one 款, each 基本 or 项目 with the cell dropped: the
 * one split that adds up is found (all but the 1 元 line are 基本). */
static void test_many_children(void **state)
{
	(void)state;
	char *text = strdup("2025年部门一般公共预算支出功能分类预算表\n"
			    "编制部门：示例局 | 单位：元\n");
	size_t n = strlen(text);
	char line[256];
	int64_t total = (1 << 20) - 1;
	snprintf(line, sizeof line, "201 | 01 | 人大事务 | %lld | %lld | 1\n",
		 (long long)total, (long long)total - 1);
	text = realloc(text, n + strlen(line) + 1);
	strcpy(text + n, line);
	n += strlen(line);
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof line,
			 "201 | 01 | %02d | 项目%d | %d | %d\n", 10 + i, i,
			 1 << i, 1 << i);
		text = realloc(text, n + strlen(line) + 1);
		strcpy(text + n, line);
		n += strlen(line);
	}
	snprintf(line, sizeof line, "合计 | %lld | %lld | 1\n",
		 (long long)total, (long long)total - 1);
	text = realloc(text, n + strlen(line) + 1);
	strcpy(text + n, line);
	n += strlen(line);
	struct import_options o = {.department = "215099"};
	cJSON *doc = NULL;
	struct import_report r = {0};
	if (import_text(text, n, "many", &o, &doc, &r) != 0)
		fail_msg("%s", r.text);
	const cJSON *one = line_of(doc, "2010110");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(one, "project"), "total", false), 100);
	const cJSON *big = line_of(doc, "2010129");
	assert_int_equal(
	    amount(cJSON_GetObjectItem(big, "basic"), "total", false),
	    (1 << 19) * 100);
	import_report_free(&r);
	cJSON_Delete(doc);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amounts),
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_fengquan_equals_transcription),
	    cmocka_unit_test(test_shanghai_text_and_pdf),
	    cmocka_unit_test(test_final_accounts_refused),
	    cmocka_unit_test(test_other_layouts),
	    cmocka_unit_test(test_tight_summary_and_pages),
	    cmocka_unit_test(test_name_from_cover),
	    cmocka_unit_test(test_name_split_around_amounts),
	    cmocka_unit_test(test_narrative_typing),
	    cmocka_unit_test(test_fiscal_expenditure_table),
	    cmocka_unit_test(test_document_errors_reported),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_csv_template),
	    cmocka_unit_test(test_verbose_trail),
	    cmocka_unit_test(test_columns_by_position),
	    cmocka_unit_test(test_previous_year),
	    cmocka_unit_test(test_units_and_repeats),
	    cmocka_unit_test(test_two_other_sources),
	    cmocka_unit_test(test_wrapped_names),
	    cmocka_unit_test(test_tight_layout),
	    cmocka_unit_test(test_many_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
