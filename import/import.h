/*
 * Importing published budgets (text, PDF, CSV) into budget-submission/1.
 *
 * The importer reads the tables a department publishes, recognises each by
 * its title and headers, and maps the amounts into one document.  It never
 * guesses: whatever it cannot read or place is written to the report, and a
 * budget with such a gap is refused unless the caller asks to keep going.
 */
#ifndef BUDGETD_IMPORT_H
#define BUDGETD_IMPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct import_options {
	const char *department; /* code, when the document prints none */
	const char *parent;	/* 主管部门 code */
	int year;		/* 0: the year the document prints */
	bool keep_going;	/* write a document despite problems */
	const char *pdftotext;	/* program; NULL: "pdftotext" on PATH */
	bool csv;		/* import_text(): the text is CSV */
	bool verbose;		/* report every row: where it went, and why */
	const char *unit;	/* "元"/"万元" for tables that print none */
};

/* What the importer did, in lines a person reads. */
struct import_report {
	char *text;
	size_t len, cap;
	int problems; /* each one alone makes the import refused */
	int warnings; /* the document disagrees with itself, or a repair */
	int tables;
	int rows_used;
	int rows_skipped;
	bool final_accounts; /* a 决算, not a budget */
	cJSON *findings;     /* each problem and warning: severity, file,
				page, line, message */
};

/*
 * Imports one published budget from one or more files (several CSV sheets
 * make one budget).  On success returns 0 and sets *doc; returns -EINVAL
 * when the input is refused (the report says why), -EIO when a file cannot
 * be read or converted.  The report is filled in either case and must be
 * released with import_report_free().
 */
int import_files(const char *const *paths, size_t n_paths,
		 const struct import_options *options, cJSON **doc,
		 struct import_report *report);

/* The same over text already in memory (tests, fuzzing).  `name` labels the
 * report. */
int import_text(const char *text, size_t len, const char *name,
		const struct import_options *options, cJSON **doc,
		struct import_report *report);

void import_report_free(struct import_report *report);

#endif
