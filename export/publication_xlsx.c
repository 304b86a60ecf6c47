/* A department's publication tables as an .xlsx workbook: the very tables
 * publish_tables() lays out as text, one sheet each, every amount a
 * numeric cell exact to the 分. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "publication_xlsx.h"
#include "grow.h"
#include "sheet.h"
#include "xlsx_style.h"

#define MAX_CELLS 32

struct pub_cell {
	const char *text; /* not NUL-terminated */
	size_t len;
	const struct publish_amount *amount; /* NULL: a text cell */
};

struct pub_row {
	struct pub_cell cell[MAX_CELLS];
	size_t n;
};

/* One table: its title, its meta lines and its grid. */
struct pub_table {
	char title[160];
	char department_line[256], unit_line[64];
	struct pub_row *rows;
	size_t n_rows, cap_rows, n_columns, heading_rows;
};

struct pub_reader {
	const struct publication *pub;
	size_t next_amount;
};

static bool cell_is(const struct pub_cell *c, const char *text)
{
	return c->len == strlen(text) && memcmp(c->text, text, c->len) == 0;
}

static bool cell_ends(const struct pub_cell *c, const char *text)
{
	size_t n = strlen(text);
	return c->len >= n && memcmp(c->text + c->len - n, text, n) == 0;
}

/* Splits line [from, to) into cells, pairing each with its amount. */
static int read_row(struct pub_reader *r, size_t from, size_t to,
		    struct pub_row *row)
{
	const struct publication *pub = r->pub;
	row->n = 0;
	size_t at = from;
	for (;;) {
		const char *tab = memchr(pub->text + at, '\t', to - at);
		size_t end = tab ? (size_t)(tab - pub->text) : to;
		if (row->n == MAX_CELLS)
			return -E2BIG;
		struct pub_cell *c = &row->cell[row->n++];
		c->text = pub->text + at;
		c->len = end - at;
		c->amount = NULL;
		while (r->next_amount < pub->n_amounts &&
		       pub->amounts[r->next_amount].offset < at)
			r->next_amount++;
		if (r->next_amount < pub->n_amounts &&
		    pub->amounts[r->next_amount].offset == at && c->len > 0)
			c->amount = &pub->amounts[r->next_amount++];
		if (tab == NULL)
			return 0;
		at = end + 1;
	}
}

static void copy_cell(char *out, size_t size, const struct pub_cell *c)
{
	snprintf(out, size, "%.*s", (int)c->len, c->text);
}

static bool row_has_amount(const struct pub_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		if (row->cell[i].amount)
			return true;
	return false;
}

/* Reads the table in [from, to) of the text. */
static int read_table(struct pub_reader *r, size_t from, size_t to,
		      struct pub_table *t)
{
	memset(t, 0, sizeof *t);
	const char *text = r->pub->text;
	for (size_t at = from; at < to;) {
		const char *nl = memchr(text + at, '\n', to - at);
		size_t end = nl ? (size_t)(nl - text) : to;
		if (end > at) {
			if (GROW(t->rows, t->cap_rows, t->n_rows + 1, 32) < 0)
				return -ENOMEM;
			struct pub_row *row = &t->rows[t->n_rows];
			int rc = read_row(r, at, end, row);
			if (rc < 0)
				return rc;
			const struct pub_cell *first = &row->cell[0];
			if (t->title[0] == '\0' && row->n == 1)
				copy_cell(t->title, sizeof t->title, first);
			else if (row->n == 1 &&
				 first->len > strlen("部门名称：") &&
				 memcmp(first->text, "部门名称：",
					strlen("部门名称：")) == 0)
				copy_cell(t->department_line,
					  sizeof t->department_line, first);
			else if (row->n == 1 && first->len > strlen("单位：") &&
				 memcmp(first->text, "单位：",
					strlen("单位：")) == 0)
				copy_cell(t->unit_line, sizeof t->unit_line,
					  first);
			else {
				if (row->n > t->n_columns)
					t->n_columns = row->n;
				t->n_rows++;
			}
		}
		at = end + 1;
	}
	/* The heading rows are those above the first row with amounts. */
	while (t->heading_rows < t->n_rows &&
	       !row_has_amount(&t->rows[t->heading_rows]))
		t->heading_rows++;
	if (t->heading_rows == t->n_rows)
		t->heading_rows = t->n_rows < 2 ? t->n_rows : 2;
	return 0;
}

static const struct pub_cell *cell_at(const struct pub_table *t, size_t row,
				      size_t column)
{
	static const struct pub_cell empty = {"", 0, NULL};
	if (row >= t->n_rows || column >= t->rows[row].n)
		return &empty;
	return &t->rows[row].cell[column];
}

/* A sheet's name: the title without its year, at most 31 characters and
 * none of those Excel forbids. */
static void tab_name(const char *title, int year, char *out, size_t size)
{
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%d年", year);
	if (strncmp(title, prefix, strlen(prefix)) == 0)
		title += strlen(prefix);
	size_t n = 0, chars = 0;
	for (const char *p = title; *p && chars < 31 && n + 4 < size; chars++) {
		size_t len = 1;
		while ((p[len] & 0xC0) == 0x80)
			len++;
		bool forbidden = len == 1 && strchr("[]:*?/\\", *p);
		for (size_t k = 0; k < len; k++)
			out[n++] = forbidden ? '_' : p[k];
		p += len;
	}
	out[n] = '\0';
}

/* Heading cells merged as printed: a cell spans the empty cells to its
 * right, and the empty rows below it where nothing stands under it. */
static void write_headings(lxw_worksheet *ws, const struct pub_table *t,
			   lxw_row_t top, const struct xlsx_formats *f)
{
	size_t h = t->heading_rows, w = t->n_columns;
	bool *covered = calloc(h * w + 1, sizeof *covered);
	if (covered == NULL)
		return;
	char text[256];
	for (size_t r = 0; r < h; r++)
		for (size_t c = 0; c < w; c++) {
			if (covered[r * w + c])
				continue;
			const struct pub_cell *cell = cell_at(t, r, c);
			lxw_row_t at = (lxw_row_t)(top + r);
			if (cell->len == 0) {
				worksheet_write_blank(ws, at, (lxw_col_t)c,
						      f->heading);
				continue;
			}
			size_t right = c;
			while (right + 1 < w &&
			       cell_at(t, r, right + 1)->len == 0 &&
			       !covered[r * w + right + 1])
				right++;
			size_t down = r;
			for (bool empty = true; empty && down + 1 < h;) {
				for (size_t k = c; k <= right; k++)
					empty &=
					    cell_at(t, down + 1, k)->len == 0 &&
					    !covered[(down + 1) * w + k];
				if (empty)
					down++;
			}
			for (size_t rr = r; rr <= down; rr++)
				for (size_t k = c; k <= right; k++)
					covered[rr * w + k] = true;
			copy_cell(text, sizeof text, cell);
			if (right > c || down > r)
				worksheet_merge_range(ws, at, (lxw_col_t)c,
						      (lxw_row_t)(top + down),
						      (lxw_col_t)right, text,
						      f->heading);
			else
				worksheet_write_string(ws, at, (lxw_col_t)c,
						       text, f->heading);
		}
	free(covered);
}

/* Total and subtotal rows are printed bold. */
static bool row_is_total(const struct pub_row *row)
{
	for (size_t i = 0; i < row->n; i++) {
		const struct pub_cell *c = &row->cell[i];
		if (c->amount == NULL &&
		    (cell_ends(c, "合计") || cell_ends(c, "总计") ||
		     cell_is(c, "类") || cell_is(c, "款")))
			return true;
	}
	return false;
}

static int write_table(lxw_workbook *book, const struct publication *pub,
		       const struct pub_table *t, const struct xlsx_formats *f,
		       char *err, size_t err_size)
{
	char tab[128];
	tab_name(t->title, pub->year, tab, sizeof tab);
	lxw_worksheet *ws = workbook_add_worksheet(book, tab);
	if (ws == NULL) {
		snprintf(err, err_size, "cannot add sheet \"%s\"", tab);
		return -EINVAL;
	}
	lxw_col_t last = (lxw_col_t)(t->n_columns ? t->n_columns - 1 : 0);
	worksheet_set_row(ws, 0, 30, NULL);
	if (last > 0)
		worksheet_merge_range(ws, 0, 0, 0, last, t->title, f->title);
	else
		worksheet_write_string(ws, 0, 0, t->title, f->title);
	worksheet_write_string(ws, 1, 0, t->department_line, f->note);
	worksheet_write_string(ws, 1, last, t->unit_line, f->note_right);
	lxw_row_t top = 2;
	write_headings(ws, t, top, f);

	size_t width[MAX_CELLS] = {0};
	char text[1024];
	for (size_t r = 0; r < t->n_rows; r++) {
		const struct pub_row *row = &t->rows[r];
		bool bold = row_is_total(row);
		lxw_row_t at = (lxw_row_t)(top + r);
		for (size_t c = 0; c < t->n_columns; c++) {
			const struct pub_cell *cell = cell_at(t, r, c);
			copy_cell(text, sizeof text, cell);
			size_t wide = xlsx_display_width(text);
			/* The lowest heading row names one column each. */
			if (r + 1 >= t->heading_rows && wide > width[c])
				width[c] = wide;
			if (r < t->heading_rows)
				continue;
			lxw_col_t col = (lxw_col_t)c;
			if (cell->amount == NULL) {
				worksheet_write_string(ws, at, col, text,
						       bold ? f->name_bold[0]
							    : f->name[0]);
				continue;
			}
			double value;
			if (sheet_amount_value(cell->amount->fen, pub->unit,
					       &value) < 0) {
				snprintf(err, err_size,
					 "sheet %s, row %zu: an amount of more "
					 "than 15 significant digits, which a "
					 "spreadsheet cannot hold exactly",
					 tab, r + 1);
				return -ERANGE;
			}
			worksheet_write_number(ws, at, col, value,
					       bold ? f->amount_bold
						    : f->amount);
		}
	}
	for (size_t c = 0; c < t->n_columns; c++) {
		size_t w = width[c] < 8 ? 8 : width[c] > 48 ? 48 : width[c];
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
				     (double)w + 2, NULL);
	}
	xlsx_print_setup(ws, (lxw_row_t)(top + t->heading_rows), 0);
	return 0;
}

/* The cover: the lines before the first table, one a row. */
static void write_cover(lxw_workbook *book, const struct publication *pub,
			size_t end, const struct xlsx_formats *f)
{
	lxw_worksheet *ws = workbook_add_worksheet(book, "封面");
	if (ws == NULL)
		return;
	worksheet_set_column(ws, 0, 0, 60, NULL);
	lxw_row_t row = 0;
	char text[512];
	for (size_t at = 0; at < end;) {
		const char *nl = memchr(pub->text + at, '\n', end - at);
		size_t stop = nl ? (size_t)(nl - pub->text) : end;
		if (stop > at) {
			snprintf(text, sizeof text, "%.*s", (int)(stop - at),
				 pub->text + at);
			worksheet_write_string(ws, row, 0, text,
					       row < 2 ? f->title : f->note);
			row++;
		}
		at = stop + 1;
	}
}

static int publication_decimals(const struct publication *pub)
{
	int decimals = 2;
	for (size_t i = 0; i < pub->n_amounts; i++)
		decimals = sheet_decimals_for(pub->amounts[i].fen, pub->unit,
					      decimals);
	return decimals;
}

int publication_write_xlsx(const struct publication *pub,
			   const char *department_name, const char *path,
			   char *err, size_t err_size)
{
	lxw_workbook *book = workbook_new(path);
	if (book == NULL) {
		snprintf(err, err_size, "cannot create %s", path);
		return -EIO;
	}
	char title[256], comments[160];
	snprintf(title, sizeof title, "%s %d年部门预算", department_name,
		 pub->year);
	snprintf(comments, sizeof comments,
		 "budgetd：部门编码 %s，%d 年度；金额为数值，精确到分",
		 pub->department, pub->year);
	xlsx_set_properties(book, title, "部门预算公开", "部门预算, 预算公开",
			    comments);
	struct xlsx_formats f =
	    xlsx_formats_new(book, publication_decimals(pub));
	struct pub_reader r = {.pub = pub};
	const char *ff = memchr(pub->text, '\f', pub->len);
	size_t at = ff ? (size_t)(ff - pub->text) : pub->len;
	write_cover(book, pub, at, &f);
	int rc = 0;
	while (rc == 0 && at < pub->len) {
		size_t from = at + 1;
		ff = memchr(pub->text + from, '\f', pub->len - from);
		at = ff ? (size_t)(ff - pub->text) : pub->len;
		struct pub_table t;
		rc = read_table(&r, from, at, &t);
		if (rc == -E2BIG)
			snprintf(err, err_size,
				 "a table row of more than %d cells",
				 MAX_CELLS);
		else if (rc == -ENOMEM)
			snprintf(err, err_size, "out of memory");
		else if (t.n_rows > 0)
			rc = write_table(book, pub, &t, &f, err, err_size);
		free(t.rows);
	}
	return xlsx_close(book, path, rc, err, err_size);
}
