/* The document being built, shared by the importer's table readers. */
#ifndef BUDGETD_IMPORT_IMPORTER_H
#define BUDGETD_IMPORT_IMPORTER_H

#include <cjson/cJSON.h>

#include "parse.h"
#include "labels.h"

#define MAX_TABLES	 64
#define IMPORT_MAX_BYTES (64 << 20)
#define MAX_CLASSES	 40
#define MAX_PROJECTS	 512

struct printed {
	int64_t fen;
	bool have;
};

struct by_class {
	char code[4];
	int64_t fen;
};

struct project {
	char code[64];
	char name[192];
	char function[8];
	const char *kind; /* "operating", "targeted", or NULL */
	int64_t total;
	int64_t source[BD_SOURCE_COUNT];
	cJSON *indicators;
};

struct importer {
	struct imp_input in;
	struct import_report *r;
	const struct import_options *opt;
	struct imp_table tables[MAX_TABLES];
	size_t n_tables;
	bool seen[IMP_T_COUNT];
	bool wanyuan;
	int year;
	char name[256], code[16], parent[16];

	struct printed income[BD_SOURCE_COUNT];
	struct printed income_year, income_grand, fiscal_subtotal;
	struct printed expenditure_year, expenditure_grand;
	struct printed balance_used, carry_forward; /* balance rows */
	struct by_class classes[MAX_CLASSES];
	int n_classes;
	struct printed appr_income, appr_expenditure, appr_expenditure_year;
	struct by_class appr_classes[MAX_CLASSES];
	int n_appr_classes;
	struct printed basic_total, project_total, personnel, public_,
	    operating, targeted, projects_total;
	struct printed overseas, purchase, operation, reception, tp_total;
	bool tp_wanyuan; /* the 三公 table's unit and decimals as printed */
	int tp_decimals;

	struct imp_coded_row *rows[IMP_T_COUNT];
	int n_rows[IMP_T_COUNT];
	/* The rows of each 非财政拨款支出预算表, by the source it names. */
	struct imp_coded_row *source_rows[BD_SOURCE_COUNT];
	int n_source_rows[BD_SOURCE_COUNT];
	bool source_detailed[BD_SOURCE_COUNT];
	struct project *projects;
	int n_projects;
	cJSON *economic;
	cJSON *lines;
	struct printed previous;
};

/* ---- the document (document.c) ---- */

/* fen written in the document's unit. */
void imp_fmt(const struct importer *im, int64_t fen, char *buf, size_t n);
const char *imp_unit_name(const struct importer *im);
void imp_add_amount(const struct importer *im, cJSON *o, const char *key,
		    int64_t fen);
/* Keeps the first of two printings and warns when they differ. */
void imp_set_printed(struct importer *im, struct printed *p, int64_t fen,
		     const struct imp_line *at, const char *what);
/* A cell's amount in 分 by the table's unit; a problem when it is finer. */
int imp_cell_fen(struct importer *im, const struct imp_table *t,
		 const struct imp_line *l, const struct imp_cell *c,
		 int64_t *fen);
void imp_put_class(struct importer *im, struct by_class *list, int *n,
		   const char *code, int64_t fen, const struct imp_line *at);

/* The budget-submission/1 object from what the tables gave (takes the
 * lines, economic table and indicators out of im). */
cJSON *imp_build_document(struct importer *im);
/* The explanatory text's typed statements (budget-submission/1
 * "narrative"), from the lines outside the tables; `lines` are the
 * document's expenditure lines, for the 项 the text names. */
cJSON *imp_read_narrative(struct importer *im, const cJSON *lines);
/* The stated totals the summary tables left out, from the 合计 rows of the
 * expenditure tables. */
void imp_stated_from_tables(struct importer *im);
/* The report's closing comparison of the document against the printed
 * totals. */
void imp_self_check(struct importer *im, const cJSON *doc);

/* ---- the run (import.c) ---- */

struct importer *imp_importer_new(const struct import_options *options,
				  struct import_report *report,
				  const char *name);
void imp_importer_free(struct importer *im);
/* Refuses text that is not UTF-8 (a GBK export) with the fix named. */
int imp_check_utf8(struct import_report *r, const char *name, const char *text,
		   size_t len);
/* Reads the tables of im->in and builds the document. */
int imp_run(struct importer *im, cJSON **out);

/* ---- meta.c ---- */

/* The name from 编制部门/部门名称 lines; the code from 部门编码 lines. */
void imp_find_department(struct importer *im);
void imp_find_department_code(struct importer *im);
/* The 主管部门 code from a 主管部门编码 line. */
void imp_find_parent_code(struct importer *im);
/* The year most titles print, or the cover's; 0 when none. */
int imp_find_year(struct importer *im);
/* Last year's total from the narrative's "比2024年预算增加…万元". */
void imp_find_previous_year(struct importer *im, int64_t income_total);

/* ---- readers, one per kind of table ---- */

/* summary.c: 收支预算总表, 财政拨款收支预算总表 */
void imp_read_summary(struct importer *im, struct imp_table *t);
void imp_read_appropriation(struct importer *im, struct imp_table *t);
/* three_public.c */
void imp_read_three_public(struct importer *im, struct imp_table *t);
/* functions.c: the tables by 功能分类 */
int imp_read_function_table(struct importer *im, struct imp_table *t,
			    const struct imp_coded_row *all, int n_all);
/* lines.c: the line items of the document */
void imp_emit_fiscal_lines(struct importer *im, enum imp_table_kind kind,
			   enum bd_source source);
void imp_emit_other_lines(struct importer *im);
/* The lines of each 非财政拨款支出预算表, paid from the source it names. */
void imp_emit_source_lines(struct importer *im);
/* projects.c: 经济分类, 项目支出, 绩效目标 */
int imp_read_economic(struct importer *im, struct imp_table *t);
void imp_read_projects(struct importer *im, struct imp_table *t);
void imp_read_performance(struct importer *im, struct imp_table *t);

#endif
