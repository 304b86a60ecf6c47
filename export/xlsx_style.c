/* The formats and print set-up shared by the district workbook and the
 * department publication tables. */
#include "xlsx_style.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static lxw_format *bordered(lxw_workbook *book, bool bold)
{
	lxw_format *f = workbook_add_format(book);
	format_set_border(f, LXW_BORDER_THIN);
	if (bold)
		format_set_bold(f);
	return f;
}

struct xlsx_formats xlsx_formats_new(lxw_workbook *book, int decimals)
{
	struct xlsx_formats f;
	char number[32] = "#,##0.";
	memset(number + 6, '0', (size_t)decimals);
	number[6 + decimals] = '\0';

	f.title = workbook_add_format(book);
	format_set_bold(f.title);
	format_set_font_size(f.title, 16);
	format_set_align(f.title, LXW_ALIGN_CENTER);
	format_set_align(f.title, LXW_ALIGN_VERTICAL_CENTER);
	f.note = workbook_add_format(book);
	f.note_right = workbook_add_format(book);
	format_set_align(f.note_right, LXW_ALIGN_RIGHT);
	f.heading = bordered(book, true);
	format_set_align(f.heading, LXW_ALIGN_CENTER);
	format_set_align(f.heading, LXW_ALIGN_VERTICAL_CENTER);
	format_set_bg_color(f.heading, 0xDDEBF7);
	format_set_text_wrap(f.heading);
	f.code = bordered(book, false);
	f.code_bold = bordered(book, true);
	for (int level = 0; level < 4; level++) {
		uint8_t indent = (uint8_t)(level > 0 ? level - 1 : 0);
		f.name[level] = bordered(book, false);
		format_set_indent(f.name[level], indent);
		f.name_bold[level] = bordered(book, true);
		format_set_indent(f.name_bold[level], indent);
	}
	f.amount = bordered(book, false);
	format_set_num_format(f.amount, number);
	f.amount_bold = bordered(book, true);
	format_set_num_format(f.amount_bold, number);
	f.percent = bordered(book, false);
	format_set_num_format(f.percent, "0.0%");
	f.percent_bold = bordered(book, true);
	format_set_num_format(f.percent_bold, "0.0%");
	f.count = bordered(book, false);
	format_set_num_format(f.count, "0");
	return f;
}

size_t xlsx_display_width(const char *text)
{
	size_t width = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xC0) != 0x80)
			width += *p >= 0xE0 ? 2 : 1;
	return width;
}

void xlsx_print_setup(lxw_worksheet *ws, lxw_row_t heading_rows,
		      lxw_col_t frozen_columns)
{
	worksheet_freeze_panes(ws, heading_rows, frozen_columns);
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9); /* A4 */
	worksheet_repeat_rows(ws, 0, heading_rows - 1);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

void xlsx_set_properties(lxw_workbook *book, const char *title,
			 const char *subject, const char *keywords,
			 const char *comments)
{
	/* libxlsxwriter takes char *, and copies. */
	char t[256], s[128], k[128], c[256];
	snprintf(t, sizeof t, "%s", title);
	snprintf(s, sizeof s, "%s", subject);
	snprintf(k, sizeof k, "%s", keywords);
	snprintf(c, sizeof c, "%s", comments);
	lxw_doc_properties properties = {
	    .title = t,
	    .subject = s,
	    .author = "budgetd",
	    .company = "区财政局",
	    .category = "预算",
	    .keywords = k,
	    .comments = c,
	    .created = time(NULL),
	};
	workbook_set_properties(book, &properties);
}

int xlsx_close(lxw_workbook *book, const char *path, int rc, char *err,
	       size_t err_size)
{
	lxw_error closed = workbook_close(book);
	if (rc == 0 && closed != LXW_NO_ERROR) {
		snprintf(err, err_size, "cannot write %s: %s", path,
			 lxw_strerror(closed));
		rc = -EIO;
	}
	if (rc < 0)
		remove(path);
	return rc;
}
