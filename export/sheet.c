/* The sheet model, exact cell values, and CSV. */
#include "sheet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "money.h"

struct sheet *sheet_new(struct workbook *wb, const char *tab, const char *title)
{
	struct sheet *s = calloc(1, sizeof *s);
	void *grown =
	    realloc(wb->sheets, (wb->n_sheets + 1) * sizeof *wb->sheets);
	if (s == NULL || grown == NULL) {
		free(s);
		if (grown)
			wb->sheets = grown;
		return NULL;
	}
	wb->sheets = grown;
	snprintf(s->tab, sizeof s->tab, "%s", tab);
	s->title = strdup(title);
	s->code_heading = "科目编码";
	s->name_heading = "科目名称";
	if (s->title == NULL) {
		free(s);
		return NULL;
	}
	wb->sheets[wb->n_sheets++] = s;
	return s;
}

struct sheet_row *sheet_add_row(struct sheet *s, int level, const char *code,
				const char *name)
{
	if (GROW(s->rows, s->cap_rows, s->n_rows + 1, 64) < 0)
		return NULL;
	struct sheet_row *r = &s->rows[s->n_rows];
	memset(r, 0, sizeof *r);
	r->level = level;
	snprintf(r->code, sizeof r->code, "%s", code ? code : "");
	r->name = strdup(name ? name : "");
	if (r->name == NULL)
		return NULL;
	s->n_rows++;
	return r;
}

void workbook_free(struct workbook *wb)
{
	for (size_t i = 0; i < wb->n_sheets; i++) {
		struct sheet *s = wb->sheets[i];
		for (size_t r = 0; r < s->n_rows; r++)
			free(s->rows[r].name);
		free(s->rows);
		free(s->title);
		free(s);
	}
	free(wb->sheets);
	wb->sheets = NULL;
	wb->n_sheets = 0;
}

static int significant_digits(bd_fen fen)
{
	uint64_t v = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	while (v != 0 && v % 10 == 0)
		v /= 10;
	int n = 0;
	for (; v != 0; v /= 10)
		n++;
	return n;
}

int sheet_amount_value(bd_fen fen, enum bd_unit unit, double *value)
{
	if (significant_digits(fen) > 15)
		return -ERANGE;
	/* Both operands are exact doubles (|fen| < 2^53 at 15 digits) and
	 * IEEE division rounds correctly: the nearest double to the exact
	 * quotient. */
	*value = (double)fen / (unit == BD_UNIT_WANYUAN ? 1e6 : 1e2);
	return 0;
}

int sheet_decimals_for(bd_fen fen, enum bd_unit unit, int at_least)
{
	if (unit != BD_UNIT_WANYUAN)
		return at_least;
	/* 万元 with d decimals is a step of 10^(6-d) 分. */
	int decimals = at_least;
	while (decimals < 6) {
		bd_fen step = 1;
		for (int k = decimals; k < 6; k++)
			step *= 10;
		if (fen % step == 0)
			break;
		decimals++;
	}
	return decimals;
}

int workbook_decimals(const struct workbook *wb)
{
	int decimals = 2;
	for (size_t i = 0; i < wb->n_sheets; i++) {
		const struct sheet *s = wb->sheets[i];
		for (size_t r = 0; r < s->n_rows; r++)
			for (size_t c = 0; c < s->n_columns; c++)
				if (s->columns[c].type == SHEET_AMOUNT &&
				    (s->rows[r].present & (1u << c)))
					decimals = sheet_decimals_for(
					    s->rows[r].cell[c], wb->unit,
					    decimals);
	}
	return decimals;
}

void sheet_csv_field(FILE *out, const char *text)
{
	if (strpbrk(text, ",\"\n\r") == NULL) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (; *text; text++) {
		if (*text == '"')
			fputc('"', out);
		fputc(*text, out);
	}
	fputc('"', out);
}

int sheet_write_csv(const struct workbook *wb, const struct sheet *s, FILE *out)
{
	sheet_csv_field(out, s->code_heading);
	fputc(',', out);
	sheet_csv_field(out, s->name_heading);
	for (size_t c = 0; c < s->n_columns; c++) {
		char heading[128];
		snprintf(heading, sizeof heading, "%s%s%s",
			 s->columns[c].group ? s->columns[c].group : "",
			 s->columns[c].group ? "/" : "", s->columns[c].heading);
		fputc(',', out);
		sheet_csv_field(out, heading);
	}
	fputc('\n', out);
	for (size_t r = 0; r < s->n_rows; r++) {
		const struct sheet_row *row = &s->rows[r];
		sheet_csv_field(out, row->code);
		fputc(',', out);
		sheet_csv_field(out, row->name);
		for (size_t c = 0; c < s->n_columns; c++) {
			fputc(',', out);
			if (!(row->present & (1u << c)))
				continue;
			char text[MONEY_TEXT_MAX];
			int64_t v = row->cell[c];
			if (s->columns[c].type == SHEET_AMOUNT)
				money_format(v, wb->unit, text, sizeof text);
			else if (s->columns[c].type == SHEET_PERMILLE)
				snprintf(text, sizeof text, "%s%lld.%lld",
					 v < 0 ? "-" : "",
					 (long long)(v < 0 ? -v : v) / 10,
					 (long long)(v < 0 ? -v : v) % 10);
			else
				snprintf(text, sizeof text, "%lld",
					 (long long)v);
			fputs(text, out);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
