/* Sheets into an .xlsx workbook with libxlsxwriter: numeric cells exact
 * to the 分, headings frozen and repeated on every printed page. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "sheet.h"
#include "xlsx_style.h"

#define HEADING_ROWS 4 /* title, unit line, two heading rows */

static void write_headings(lxw_worksheet *ws, const struct sheet *s,
			   const struct xlsx_formats *f)
{
	lxw_row_t top = 2, bottom = 3;
	worksheet_merge_range(ws, top, 0, bottom, 0, s->code_heading,
			      f->heading);
	worksheet_merge_range(ws, top, 1, bottom, 1, s->name_heading,
			      f->heading);
	for (size_t c = 0; c < s->n_columns;) {
		const struct sheet_column *col = &s->columns[c];
		lxw_col_t first = (lxw_col_t)(c + 2);
		if (col->group == NULL) {
			worksheet_merge_range(ws, top, first, bottom, first,
					      col->heading, f->heading);
			c++;
			continue;
		}
		size_t end = c + 1;
		while (end < s->n_columns && s->columns[end].group &&
		       strcmp(s->columns[end].group, col->group) == 0)
			end++;
		lxw_col_t last = (lxw_col_t)(end - 1 + 2);
		if (last > first)
			worksheet_merge_range(ws, top, first, top, last,
					      col->group, f->heading);
		else
			worksheet_write_string(ws, top, first, col->group,
					       f->heading);
		for (size_t k = c; k < end; k++)
			worksheet_write_string(ws, bottom, (lxw_col_t)(k + 2),
					       s->columns[k].heading,
					       f->heading);
		c = end;
	}
}

static int write_sheet(lxw_workbook *book, const struct workbook *wb,
		       const struct sheet *s, const struct xlsx_formats *f,
		       char *err, size_t err_size)
{
	lxw_worksheet *ws = workbook_add_worksheet(book, s->tab);
	if (ws == NULL) {
		snprintf(err, err_size, "cannot add sheet \"%s\"", s->tab);
		return -EINVAL;
	}
	lxw_col_t last_col = (lxw_col_t)(s->n_columns + 1);
	worksheet_set_row(ws, 0, 30, NULL);
	worksheet_merge_range(ws, 0, 0, 0, last_col, s->title, f->title);
	char line[96];
	snprintf(line, sizeof line, "单位：%s",
		 wb->unit == BD_UNIT_WANYUAN ? "万元" : "元");
	worksheet_write_string(ws, 1, 0, line, f->note);
	snprintf(line, sizeof line, "%d 年度　编制日期：%s", wb->year,
		 wb->date);
	worksheet_write_string(ws, 1, last_col, line, f->note_right);
	write_headings(ws, s, f);

	size_t name_width = xlsx_display_width(s->name_heading);
	for (size_t r = 0; r < s->n_rows; r++) {
		const struct sheet_row *row = &s->rows[r];
		lxw_row_t at = (lxw_row_t)(HEADING_ROWS + r);
		bool bold = row->subtotal || row->level == 0;
		int level = row->level < 0   ? 0
			    : row->level > 3 ? 3
					     : row->level;
		worksheet_write_string(ws, at, 0, row->code,
				       bold ? f->code_bold : f->code);
		worksheet_write_string(ws, at, 1, row->name,
				       bold ? f->name_bold[level]
					    : f->name[level]);
		size_t w = xlsx_display_width(row->name) +
			   (size_t)(level > 0 ? level - 1 : 0) * 2;
		if (w > name_width)
			name_width = w;
		for (size_t c = 0; c < s->n_columns; c++) {
			lxw_col_t col = (lxw_col_t)(c + 2);
			if (!(row->present & (1u << c))) {
				worksheet_write_blank(ws, at, col,
						      bold ? f->amount_bold
							   : f->amount);
				continue;
			}
			double value;
			switch (s->columns[c].type) {
			case SHEET_AMOUNT:
				if (sheet_amount_value(row->cell[c], wb->unit,
						       &value) < 0) {
					snprintf(err, err_size,
						 "sheet %s, row %s %s: an "
						 "amount of more than 15 "
						 "significant digits, which "
						 "a spreadsheet cannot hold "
						 "exactly",
						 s->tab, row->code, row->name);
					return -ERANGE;
				}
				worksheet_write_number(ws, at, col, value,
						       bold ? f->amount_bold
							    : f->amount);
				break;
			case SHEET_PERMILLE:
				worksheet_write_number(
				    ws, at, col, (double)row->cell[c] / 1000.0,
				    bold ? f->percent_bold : f->percent);
				break;
			case SHEET_COUNT:
				worksheet_write_number(ws, at, col,
						       (double)row->cell[c],
						       f->count);
				break;
			}
		}
	}
	worksheet_set_column(ws, 0, 0, 12, NULL);
	worksheet_set_column(
	    ws, 1, 1, (double)(name_width > 60 ? 60 : name_width) + 2, NULL);
	worksheet_set_column(ws, 2, last_col, 17, NULL);
	worksheet_set_row(ws, 2, 20, NULL);
	xlsx_print_setup(ws, HEADING_ROWS, 2);
	return 0;
}

int workbook_write_xlsx(const struct workbook *wb, const char *path, char *err,
			size_t err_size)
{
	lxw_workbook *book = workbook_new(path);
	if (book == NULL) {
		snprintf(err, err_size, "cannot create %s", path);
		return -EIO;
	}
	char comments[128];
	snprintf(comments, sizeof comments,
		 "budgetd %d 年度，编制日期 %s；金额为数值，精确到分", wb->year,
		 wb->date);
	xlsx_set_properties(book, wb->title, "部门预算汇总",
			    "预算, 功能分类, 经济分类", comments);
	struct xlsx_formats f = xlsx_formats_new(book, workbook_decimals(wb));
	int rc = 0;
	for (size_t i = 0; i < wb->n_sheets && rc == 0; i++)
		rc = write_sheet(book, wb, wb->sheets[i], &f, err, err_size);
	return xlsx_close(book, path, rc, err, err_size);
}
