/* cli/sheet.c: exact cell values at the edges, decimals, CSV. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "publication_xlsx.h"
#include "sheet.h"

static void amount_values_are_the_nearest_double(void **state)
{
	(void)state;
	double v;
	assert_int_equal(sheet_amount_value(73556, BD_UNIT_YUAN, &v), 0);
	assert_true(v == 735.56);
	assert_int_equal(sheet_amount_value(1, BD_UNIT_WANYUAN, &v), 0);
	assert_true(v == 0.000001);
	assert_int_equal(sheet_amount_value(-2323100, BD_UNIT_WANYUAN, &v), 0);
	assert_true(v == -2.3231);
	/* 15 significant digits: the largest a spreadsheet holds exactly. */
	assert_int_equal(
	    sheet_amount_value(999999999999999LL, BD_UNIT_YUAN, &v), 0);
	assert_true(v == 9999999999999.99);
	char shown[32];
	snprintf(shown, sizeof shown, "%.15g", v);
	assert_string_equal(shown, "9999999999999.99");
	/* Trailing zeros are not significant: 9e17 分 is one digit. */
	assert_int_equal(sheet_amount_value(BD_FEN_LIMIT, BD_UNIT_YUAN, &v), 0);
	assert_int_equal(
	    sheet_amount_value(1000000000000001LL, BD_UNIT_YUAN, &v), -ERANGE);
	assert_int_equal(
	    sheet_amount_value(-1234567890123456LL, BD_UNIT_WANYUAN, &v),
	    -ERANGE);
	assert_int_equal(sheet_amount_value(0, BD_UNIT_YUAN, &v), 0);
	assert_true(v == 0.0);
}

static struct workbook one_cell_book(enum bd_unit unit, bd_fen fen)
{
	struct workbook wb = {.unit = unit, .year = 2025};
	struct sheet *s = sheet_new(&wb, "t", "title");
	assert_non_null(s);
	s->n_columns = 1;
	s->columns[0] = (struct sheet_column){NULL, "合计", SHEET_AMOUNT};
	struct sheet_row *r = sheet_add_row(s, 3, "2010101", "行政运行");
	assert_non_null(r);
	sheet_set(r, 0, fen);
	sheet_add_row(s, 3, "2010102", "一般行政管理事务"); /* blank */
	return wb;
}

static void decimals_are_the_fewest_exact(void **state)
{
	(void)state;
	static const struct {
		enum bd_unit unit;
		bd_fen fen;
		int decimals;
	} cases[] = {
	    {BD_UNIT_YUAN, 1, 2},	   {BD_UNIT_WANYUAN, 10000, 2},
	    {BD_UNIT_WANYUAN, 1000, 3},	   {BD_UNIT_WANYUAN, 100, 4},
	    {BD_UNIT_WANYUAN, 10, 5},	   {BD_UNIT_WANYUAN, 1, 6},
	    {BD_UNIT_WANYUAN, -12345, 6},  {BD_UNIT_WANYUAN, 0, 2},
	    {BD_UNIT_WANYUAN, 2323100, 4},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct workbook wb = one_cell_book(cases[i].unit, cases[i].fen);
		assert_int_equal(workbook_decimals(&wb), cases[i].decimals);
		workbook_free(&wb);
	}
}

static void csv_is_exact_and_quoted(void **state)
{
	(void)state;
	struct workbook wb = one_cell_book(BD_UNIT_WANYUAN, 1);
	snprintf(wb.sheets[0]->rows[1].code, sizeof wb.sheets[0]->rows[1].code,
		 "%s", "x,\"y\"");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(sheet_write_csv(&wb, wb.sheets[0], out), 0);
	fclose(out);
	assert_string_equal(text, "科目编码,科目名称,合计\n"
				  "2010101,行政运行,0.000001\n"
				  "\"x,\"\"y\"\"\",一般行政管理事务,\n");
	free(text);
	workbook_free(&wb);
}

static void xlsx_refuses_what_it_cannot_hold(void **state)
{
	(void)state;
	char path[] = "/tmp/test-sheet-XXXXXX.xlsx";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	struct workbook wb = one_cell_book(BD_UNIT_YUAN, 1234567890123456LL);
	wb.title = "t";
	char err[256];
	assert_int_equal(workbook_write_xlsx(&wb, path, err, sizeof err),
			 -ERANGE);
	assert_non_null(strstr(err, "2010101"));
	assert_non_null(strstr(err, "15 significant digits"));
	FILE *gone = fopen(path, "r");
	assert_null(gone); /* nothing half-written is left */
	workbook_free(&wb);
	wb = one_cell_book(BD_UNIT_YUAN, 123456789012345LL);
	wb.title = "t";
	assert_int_equal(workbook_write_xlsx(&wb, path, err, sizeof err), 0);
	FILE *written = fopen(path, "r");
	assert_non_null(written);
	fclose(written);
	remove(path);
	workbook_free(&wb);
}

/* A publication of one table with one amount, built by hand. */
static struct publication one_table(char *text, bd_fen fen)
{
	struct publication pub = {.text = text,
				  .len = strlen(text),
				  .unit = BD_UNIT_YUAN,
				  .year = 2025,
				  .department = "215001"};
	static struct publish_amount amount;
	amount.offset =
	    (size_t)(strstr(text, "合计\t") - text) + strlen("合计\t");
	amount.fen = fen;
	pub.amounts = &amount;
	pub.n_amounts = 1;
	return pub;
}

static void publication_workbook_is_written_or_refused(void **state)
{
	(void)state;
	char path[] = "/tmp/test-publication-XXXXXX.xlsx";
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	char err[256] = "";
	char text[] = "单位X\n\f2025年部门支出预算表\n\n部门名称：单位X\n\n"
		      "单位：元\n\n科目\t金额\n合计\t1.00\n";
	struct publication pub = one_table(text, 100);
	assert_int_equal(
	    publication_write_xlsx(&pub, "单位X", path, err, sizeof err), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char magic[2] = {0};
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_memory_equal(magic, "PK", 2); /* a zip, as .xlsx is */

	/* More than a spreadsheet holds exactly: refused, no file left. */
	char big[] = "单位X\n\f2025年部门支出预算表\n\n部门名称：单位X\n\n"
		     "单位：元\n\n科目\t金额\n合计\t12345678901234.56\n";
	pub = one_table(big, 1234567890123456LL);
	assert_int_equal(
	    publication_write_xlsx(&pub, "单位X", path, err, sizeof err),
	    -ERANGE);
	assert_non_null(strstr(err, "部门支出预算表"));
	assert_null(fopen(path, "r"));

	/* A row wider than a table may be is refused with the reason. */
	char wide[512] = "单位X\n\f2025年表\n\n科目";
	for (int i = 0; i < 40; i++)
		strcat(wide, "\tx");
	strcat(wide, "\n合计\t1.00\n");
	pub = one_table(wide, 100);
	assert_int_equal(
	    publication_write_xlsx(&pub, "单位X", path, err, sizeof err),
	    -E2BIG);
	assert_non_null(strstr(err, "cells"));
	assert_null(fopen(path, "r"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(amount_values_are_the_nearest_double),
	    cmocka_unit_test(decimals_are_the_fewest_exact),
	    cmocka_unit_test(csv_is_exact_and_quoted),
	    cmocka_unit_test(xlsx_refuses_what_it_cannot_hold),
	    cmocka_unit_test(publication_workbook_is_written_or_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
