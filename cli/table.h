/* Terminal tables that line up Chinese text (wide characters count 2). */
#ifndef BUDGETCTL_TABLE_H
#define BUDGETCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLUMNS 12

struct table {
	size_t n_columns;
	const char *headers[TABLE_MAX_COLUMNS];
	bool right[TABLE_MAX_COLUMNS]; /* right-align (amounts) */
	char **cells;		       /* n_rows × n_columns, owned */
	size_t n_rows, cap_rows;
	size_t footer_from; /* rows from here print after a rule */
};

void table_init(struct table *t, size_t n_columns, const char *const *headers,
		const bool *right);
/* Appends a row of n_columns strings (copied; NULL prints empty). */
int table_add_row(struct table *t, const char *const *cells);
void table_start_footer(struct table *t);
void table_print(const struct table *t, FILE *out);
/* The header and the rows before the footer as CSV (RFC 4180 quoting). */
void table_print_csv(const struct table *t, FILE *out);
/* Pads the decimal numbers of a column with zeros to the most decimals
 * any of them has, so that a column reads with one number of decimals
 * (exact: "25.00" → "25.00000").  Text that is not a number is left. */
int table_align_decimals(struct table *t, size_t column);
void table_free(struct table *t);

#endif
