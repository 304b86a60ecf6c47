/* The look every budgetctl workbook shares: cell formats, column widths
 * for Chinese text, and the print set-up finance staff expect. */
#ifndef BUDGETCTL_XLSX_STYLE_H
#define BUDGETCTL_XLSX_STYLE_H

#include <stdbool.h>
#include <stddef.h>
#include <xlsxwriter.h>

struct xlsx_formats {
	lxw_format *title, *note, *note_right, *heading;
	lxw_format *code, *code_bold;
	lxw_format *name[4], *name_bold[4]; /* by level */
	lxw_format *amount, *amount_bold, *percent, *percent_bold, *count;
};

/* The formats of a workbook whose amounts show `decimals` decimals. */
struct xlsx_formats xlsx_formats_new(lxw_workbook *book, int decimals);
/* The document properties every budgetctl workbook carries. */
void xlsx_set_properties(lxw_workbook *book, const char *title,
			 const char *subject, const char *keywords,
			 const char *comments);
/* Closes (writes) book; rc is the writing's outcome so far.  Returns it,
 * or -EIO when closing failed, with err saying why; on any failure the
 * file at path is removed, so nothing half-written is left. */
int xlsx_close(lxw_workbook *book, const char *path, int rc, char *err,
	       size_t err_size);
/* Display width: a wide (CJK) character takes two columns. */
size_t xlsx_display_width(const char *text);
/* Frozen headings (and columns), A4 landscape, headings repeated on each
 * page, fit to the page's width, page numbers in the footer. */
void xlsx_print_setup(lxw_worksheet *ws, lxw_row_t heading_rows,
		      lxw_col_t frozen_columns);

#endif
