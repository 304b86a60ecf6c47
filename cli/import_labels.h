/* Labels of the summary tables: income sources, 类 names, ordinals. */
#ifndef BUDGETCTL_IMPORT_LABELS_H
#define BUDGETCTL_IMPORT_LABELS_H

#include <stdbool.h>

enum imp_source {
	IMP_SRC_GENERAL,
	IMP_SRC_FUND,
	IMP_SRC_CAPITAL,
	IMP_SRC_SPECIAL,
	IMP_SRC_BUSINESS,
	IMP_SRC_OPERATING,
	IMP_SRC_SUPERIOR,
	IMP_SRC_AFFILIATED,
	IMP_SRC_OTHER,
	IMP_SRC_CARRYOVER,
	IMP_SRC_COUNT
};

/* What an income label is, besides a source. */
enum {
	IMP_LABEL_NONE = -1,
	IMP_LABEL_SUBTOTAL = -2, /* 财政拨款收入: the sum of three sources */
	IMP_LABEL_TOTAL = -3,	 /* 收入总计 */
	IMP_LABEL_YEAR_TOTAL = -4, /* 本年收入合计 (without carry-over) */
};

/* Past "一、", "（一）", "1.", "1、"; *sub_item for "其中：". */
const char *imp_strip_ordinal(const char *squeezed, bool *sub_item);

/* A source (enum imp_source) or one of IMP_LABEL_*. */
int imp_income_label(const char *label);
const char *imp_source_key(enum imp_source source);

/* The 类 code ("201") a printed class name stands for, or NULL. */
const char *imp_class_code(const char *label);

#endif
