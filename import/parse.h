/* The importer's own pieces: lines and cells, tables, the document. */
#ifndef BUDGETD_IMPORT_PARSE_H
#define BUDGETD_IMPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"

/* ---- lines and cells (text.c) ---- */

enum imp_cell_kind {
	IMP_EMPTY,  /* a cell the layout kept although it holds nothing */
	IMP_TEXT,   /* words, codes written with words, ordinals */
	IMP_AMOUNT, /* a printed amount: 4,188,000.00  232. 31  0 */
};

/* A printed decimal, exact: value = mantissa / 10^scale. */
struct imp_amount {
	uint64_t mantissa;
	int scale;
};

struct imp_cell {
	char *text; /* trimmed */
	enum imp_cell_kind kind;
	struct imp_amount amount; /* IMP_AMOUNT */
	int digits; /* >0: the cell is only this many digits (a code?) */
	/* Where the cell stands on its line, in characters, for layouts that
	 * place text by position (pdftotext -layout); -1 elsewhere. */
	int col, end_col;
};

struct imp_line {
	const char *file; /* set when a budget comes in several files */
	int page;	  /* 1-based; 0 before the first page mark */
	int lineno;	  /* 1-based line of the input */
	char *raw;
	char *squeezed; /* raw without any space, for matching words */
	int indent;	/* characters of space trimmed before raw */
	struct imp_cell *cells;
	int n_cells;
	bool keeps_empty; /* the layout keeps empty cells (tabs, CSV) */
	bool positioned;  /* cells carry their columns (runs of spaces) */
	bool used;	  /* taken into the document */
};

struct imp_input {
	struct imp_line *lines;
	size_t n_lines;
	int pages;
	const char *name;
	const char *format; /* "text", "PDF", "CSV" */
};

/* Splits text into lines and cells.  CSV when csv is set.  Returns 0 or
 * -ENOMEM. */
int imp_input_parse(struct imp_input *in, const char *text, size_t len,
		    bool csv, int first_page, const char *file);
void imp_input_free(struct imp_input *in);

/* Parses a printed amount ("4,188,000.00", "232. 31", "0").  Returns 0, or
 * -EINVAL when the text is not one. */
int imp_amount_parse(const char *text, struct imp_amount *amount);

/* The amount in 分 when printed in 元 (wanyuan false) or 万元.  Returns 0, or
 * -ERANGE when it does not fit or has decimals finer than 1 分. */
int imp_amount_fen(const struct imp_amount *amount, bool wanyuan, int64_t *fen);

/* ---- input (input.c) ---- */

/* Everything fd has to give, NUL-terminated (malloc'd); NULL on error,
 * with errno EFBIG past max bytes. */
char *imp_read_all(int fd, size_t max, size_t *len);

/* Runs pdftotext over a PDF and returns its text (malloc'd). */
int imp_pdf_text(const char *path, const char *program, size_t max, char **text,
		 size_t *len, char *error, size_t error_size);

/* Characters (not bytes) in the first n bytes of s. */
int imp_chars(const char *s, size_t n);

/* Text with every ASCII/ideographic space removed, for matching labels. */
void imp_squeeze(const char *text, char *out, size_t size);
bool imp_has(const char *squeezed, const char *needle);

/* ---- tables (tables.c) ---- */

enum imp_table_kind {
	IMP_T_SUMMARY,	   /* 部门(财务)收支预算(总)表 */
	IMP_T_INCOME,	   /* 部门收入预算(总)表 */
	IMP_T_EXPENDITURE, /* 部门支出预算(总)表: every source */
	IMP_T_APPROPRIATION, /* 财政拨款收支总体情况表 / 预算总表 */
	IMP_T_GENERAL, /* 一般公共预算支出(功能分类)预算表 */
	IMP_T_FUND, /* 政府性基金(预算)支出(功能分类)预算表 */
	IMP_T_CAPITAL, /* 国有资本经营预算支出功能分类预算表 */
	IMP_T_ECONOMIC, /* 一般公共预算基本支出(经济分类)(预算)表 */
	IMP_T_THREE_PUBLIC, /* “三公”经费(和机关运行经费)预算表 */
	IMP_T_PROJECTS,	    /* 项目支出预算表 */
	IMP_T_PERFORMANCE, /* 项目绩效目标表 */
	IMP_T_SOURCE, /* 非财政拨款支出预算表（事业收入）: one other source */
	IMP_T_OTHER, /* recognised, carries nothing the model keeps */
	IMP_T_FINAL, /* a 决算 table */
	IMP_T_COUNT
};

struct imp_table {
	enum imp_table_kind kind;
	size_t title;	   /* line index of the title */
	size_t begin, end; /* the lines after the title, up to the next */
	bool wanyuan;	   /* amounts in 万元 (else 元) */
	bool unit_known;
	int year; /* printed in the title, or 0 */
	bool detailed; /* function table with 工资福利…特定目标类 columns */
	bool fiscal; /* titled 财政拨款支出预算表: every fiscal source */
	bool empty; /* declared empty by a note */
	int source; /* IMP_T_SOURCE: the source its title names */
	int used, skipped;
};

const char *imp_table_name(enum imp_table_kind kind);

/* Finds the tables.  Returns how many were stored (at most max). */
size_t imp_find_tables(const struct imp_input *in, struct imp_table *tables,
		       size_t max, struct import_report *r);

/* The kinds of table the contents page lists, in its order; returns how
 * many (at most max). */
size_t imp_contents(const struct imp_input *in, int *kinds, size_t max);

/* A row of a table coded by 支出功能分类 or 经济分类. */
#define IMP_MAX_VALUES 12
struct imp_coded_row {
	size_t line;
	char code[16];	    /* "201", "20103", "2010301"; "" for a total */
	int level;	    /* 1 类, 2 款, 3 项; 0 the 合计 row */
	char unit_code[16]; /* a 单位代码 cell (Henan layout) */
	char name[192];
	int n_values;
	int64_t value[IMP_MAX_VALUES]; /* in 分 */
	int centre[IMP_MAX_VALUES]; /* twice the value's column; -1 unknown */
	/* What the column positions say where cells were dropped: -1
	 * nothing, 0 the amount is 基本支出, 1 项目支出, 2 the whole row was
	 * placed (nine columns). */
	int by_position;
	bool present[IMP_MAX_VALUES]; /* printed (else an empty cell) */
	bool positional;	      /* value[i] is column i */
	/* Resolved 合计 / 基本 / 项目 for three-column tables. */
	int64_t total, basic, project;
	bool basic_unsplit, project_unsplit; /* nine columns: subtotal only */
	bool known;
	int parent; /* index of the enclosing row, -1 for the root */
	/* How 基本/项目 were told apart where the layout dropped a cell. */
	enum {
		IMP_HOW_PRINTED,
		IMP_HOW_CHILDREN, /* the sum of its rows below */
		IMP_HOW_SIBLINGS, /* the one split of its 款/类 that adds up */
		IMP_HOW_ALL_SOURCE, /* bounded by the all-source table */
		IMP_HOW_POSITION,   /* the column its amount stands under */
	} how;
};

/*
 * Reads the rows of a table coded by function or economic classification:
 * codes split into 类/款/项 cells or in one, names wrapped onto the next
 * line, a 类 printed damaged.  Returns the number of rows (malloc'd
 * *rows), or -ENOMEM.
 */
int imp_read_coded(struct imp_input *in, struct imp_table *t, int columns,
		   struct imp_coded_row **rows, struct import_report *r);

/* The index of the row with this code at this level (the 合计 row: "" at
 * level 0), or -1. */
int imp_find_row(const struct imp_coded_row *rows, int n, const char *code,
		 int level);

/* Twice the centre column of the heading cell holding word on a line laid
 * out by position, or -1. */
int imp_heading_centre(const struct imp_line *l, const char *word);

/* ---- the report (report.c) ---- */

/* "page 9, line 115" or "a.csv, line 3": where a line stands. */
void imp_where(const struct imp_line *at, char *out, size_t size);
void imp_say(struct import_report *r, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void imp_problem(struct import_report *r, const struct imp_line *at,
		 const char *format, ...) __attribute__((format(printf, 3, 4)));
void imp_warning(struct import_report *r, const struct imp_line *at,
		 const char *format, ...) __attribute__((format(printf, 3, 4)));

#endif
