/* A table as finance staff lay it out (code, name, amount columns under
 * one or two heading rows, 类/款/项 indented, subtotals bold), and the
 * writers that put it in a workbook or CSV.  Money stays in 分 until the
 * very cell it is written to. */
#ifndef BUDGETCTL_SHEET_H
#define BUDGETCTL_SHEET_H

#include <budgetd/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SHEET_MAX_COLUMNS 12

enum sheet_column_type {
	SHEET_AMOUNT = 0, /* 分, written in the workbook's unit */
	SHEET_PERMILLE,	  /* a percentage in tenths of a percent */
	SHEET_COUNT,	  /* a plain integer */
};

struct sheet_column {
	const char *group;   /* upper heading shared by neighbours, or NULL */
	const char *heading; /* lower heading */
	enum sheet_column_type type;
};

struct sheet_row {
	int level; /* 0: a total row; 1 类, 2 款, 3 项 (or 主管部门, 部门) */
	bool subtotal; /* bold: a 类 or 款 that sums the rows under it */
	char code[16];
	char *name; /* owned */
	int64_t cell[SHEET_MAX_COLUMNS];
	uint32_t present; /* bit c: cell c is printed (else left blank) */
};

struct sheet {
	char tab[32]; /* the sheet's name: at most 31 characters */
	char *title;  /* owned */
	const char *code_heading, *name_heading;
	size_t n_columns;
	struct sheet_column columns[SHEET_MAX_COLUMNS];
	/* Headings made at run time ("2025 年"), for columns[].heading to
	 * point at: they live as long as the sheet. */
	char heading_text[2][24];
	struct sheet_row *rows;
	size_t n_rows, cap_rows;
};

struct workbook {
	const char *title; /* document property and first line of notes */
	enum bd_unit unit;
	int year;
	char date[16]; /* YYYY-MM-DD, printed on each sheet */
	struct sheet **sheets;
	size_t n_sheets;
};

struct sheet *sheet_new(struct workbook *wb, const char *tab,
			const char *title);
/* Appends a row (name copied); NULL when out of memory. */
struct sheet_row *sheet_add_row(struct sheet *s, int level, const char *code,
				const char *name);
static inline void sheet_set(struct sheet_row *r, size_t column, int64_t v)
{
	r->cell[column] = v;
	r->present |= 1u << column;
}
void workbook_free(struct workbook *wb);

/*
 * The double a cell holds for fen in unit: the nearest to the exact
 * amount, which every display of up to 15 significant digits shows
 * exactly.  Returns -ERANGE for an amount of more than 15 significant
 * digits, which no spreadsheet can hold exactly.
 */
int sheet_amount_value(bd_fen fen, enum bd_unit unit, double *value);
/* The fewest decimals (2 at least) that show every amount of the
 * workbook exactly in its unit: 2 for 元, 2 to 6 for 万元. */
int workbook_decimals(const struct workbook *wb);
/* The fewest decimals, at_least or more, that show fen exactly in unit. */
int sheet_decimals_for(bd_fen fen, enum bd_unit unit, int at_least);

/* Each writer returns 0, or a negative error after writing a sentence
 * into err. */
int workbook_write_xlsx(const struct workbook *wb, const char *path, char *err,
			size_t err_size);
/* One CSV field, quoted when it holds a comma, quote or line break. */
void sheet_csv_field(FILE *out, const char *text);
/* One sheet as CSV: heading line, then rows, amounts as exact decimals. */
int sheet_write_csv(const struct workbook *wb, const struct sheet *s,
		    FILE *out);

#endif
