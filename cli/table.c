#include "table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) ||
	       (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) ||
	       (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) ||
	       (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) ||
	       (cp >= 0x20000 && cp <= 0x3fffd);
}

size_t table_text_width(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t width = 0;
	while (*p) {
		uint32_t cp;
		size_t len;
		if (*p < 0x80)
			cp = *p, len = 1;
		else if ((*p & 0xe0) == 0xc0)
			cp = *p & 0x1f, len = 2;
		else if ((*p & 0xf0) == 0xe0)
			cp = *p & 0x0f, len = 3;
		else if ((*p & 0xf8) == 0xf0)
			cp = *p & 0x07, len = 4;
		else
			cp = '?', len = 1;
		for (size_t k = 1; k < len; k++) {
			if ((p[k] & 0xc0) != 0x80) {
				len = k;
				break;
			}
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		/* Combining marks take no column. */
		if (!(cp >= 0x300 && cp <= 0x36f))
			width += is_wide(cp) ? 2 : 1;
		p += len;
	}
	return width;
}

void table_init(struct table *t, size_t n_columns, const char *const *headers,
		const bool *right)
{
	memset(t, 0, sizeof *t);
	t->n_columns =
	    n_columns < TABLE_MAX_COLUMNS ? n_columns : TABLE_MAX_COLUMNS;
	t->footer_from = SIZE_MAX;
	for (size_t i = 0; i < t->n_columns; i++) {
		t->headers[i] = headers[i];
		t->right[i] = right ? right[i] : false;
	}
}

int table_add_row(struct table *t, const char *const *cells)
{
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 32;
		void *grown =
		    realloc(t->cells, cap * t->n_columns * sizeof *t->cells);
		if (grown == NULL)
			return -ENOMEM;
		t->cells = grown;
		t->cap_rows = cap;
	}
	char **row = &t->cells[t->n_rows * t->n_columns];
	for (size_t i = 0; i < t->n_columns; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (row[i] == NULL)
			return -ENOMEM;
	}
	t->n_rows++;
	return 0;
}

void table_start_footer(struct table *t)
{
	t->footer_from = t->n_rows;
}

static void print_cell(FILE *out, const char *text, size_t width, bool right,
		       bool last)
{
	size_t w = table_text_width(text);
	size_t pad = width > w ? width - w : 0;
	if (right)
		fprintf(out, "%*s%s", (int)pad, "", text);
	else if (last)
		fputs(text, out);
	else
		fprintf(out, "%s%*s", text, (int)pad, "");
}

static void print_rule(FILE *out, const size_t *widths, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += widths[i] + (i ? 2 : 0);
	for (size_t i = 0; i < total; i++)
		fputc('-', out);
	fputc('\n', out);
}

void table_print(const struct table *t, FILE *out)
{
	size_t widths[TABLE_MAX_COLUMNS] = {0};
	for (size_t c = 0; c < t->n_columns; c++) {
		widths[c] = table_text_width(t->headers[c]);
		for (size_t r = 0; r < t->n_rows; r++) {
			size_t w =
			    table_text_width(t->cells[r * t->n_columns + c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}
	for (size_t c = 0; c < t->n_columns; c++) {
		if (c)
			fputs("  ", out);
		print_cell(out, t->headers[c], widths[c], t->right[c],
			   c + 1 == t->n_columns);
	}
	fputc('\n', out);
	print_rule(out, widths, t->n_columns);
	for (size_t r = 0; r < t->n_rows; r++) {
		if (r == t->footer_from)
			print_rule(out, widths, t->n_columns);
		for (size_t c = 0; c < t->n_columns; c++) {
			if (c)
				fputs("  ", out);
			print_cell(out, t->cells[r * t->n_columns + c],
				   widths[c], t->right[c],
				   c + 1 == t->n_columns);
		}
		fputc('\n', out);
	}
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}
