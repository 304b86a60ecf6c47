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

/* The decimals of a plain decimal ("-12.345" has 3), or -1 for text that
 * is not one (a code, a name, "" or "-"). */
static int decimals_of(const char *text)
{
	const char *p = text + (*text == '-');
	size_t digits = strspn(p, "0123456789");
	if (digits == 0)
		return -1;
	p += digits;
	if (*p == '\0')
		return 0;
	if (*p != '.')
		return -1;
	size_t decimals = strspn(p + 1, "0123456789");
	return p[1 + decimals] == '\0' && decimals > 0 ? (int)decimals : -1;
}

int table_align_decimals(struct table *t, size_t column)
{
	int most = -1;
	for (size_t r = 0; r < t->n_rows; r++) {
		int d = decimals_of(t->cells[r * t->n_columns + column]);
		if (d > most)
			most = d;
	}
	for (size_t r = 0; most > 0 && r < t->n_rows; r++) {
		char **cell = &t->cells[r * t->n_columns + column];
		int d = decimals_of(*cell);
		if (d < 0 || d == most)
			continue;
		size_t n = strlen(*cell);
		/* Zeros appended to an exact decimal keep it exact. */
		char *wider = realloc(*cell, n + (size_t)(most - d) + 2);
		if (wider == NULL)
			return -ENOMEM;
		if (d == 0)
			wider[n++] = '.';
		memset(wider + n, '0', (size_t)(most - d));
		wider[n + (size_t)(most - d)] = '\0';
		*cell = wider;
	}
	return 0;
}

/* One CSV field; quoted when it holds a comma, a quote or a newline. */
static void csv_field(FILE *out, const char *text, bool last)
{
	if (strpbrk(text, ",\"\n\r") == NULL) {
		fputs(text, out);
	} else {
		fputc('"', out);
		for (const char *p = text; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	}
	fputc(last ? '\n' : ',', out);
}

void table_print_csv(const struct table *t, FILE *out)
{
	for (size_t c = 0; c < t->n_columns; c++)
		csv_field(out, t->headers[c], c + 1 == t->n_columns);
	size_t rows = t->footer_from < t->n_rows ? t->footer_from : t->n_rows;
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < t->n_columns; c++)
			csv_field(out, t->cells[r * t->n_columns + c],
				  c + 1 == t->n_columns);
}
