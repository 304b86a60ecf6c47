#include "table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

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
	size_t w = utf8_display_width(text);
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
		widths[c] = utf8_display_width(t->headers[c]);
		for (size_t r = 0; r < t->n_rows; r++) {
			size_t w =
			    utf8_display_width(t->cells[r * t->n_columns + c]);
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
