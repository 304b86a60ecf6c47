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
void table_free(struct table *t);

#endif
