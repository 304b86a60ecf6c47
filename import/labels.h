/* Labels of the summary tables: income sources, 类 names, ordinals. */
#ifndef BUDGETD_IMPORT_LABELS_H
#define BUDGETD_IMPORT_LABELS_H

#include <budgetd/plugin.h>
#include <stdbool.h>

/* What an income label is, besides a source. */
enum {
	IMP_LABEL_NONE = -1,
	IMP_LABEL_SUBTOTAL = -2, /* 财政拨款收入: the sum of three sources */
	IMP_LABEL_TOTAL = -3,	 /* 收入总计 */
	IMP_LABEL_YEAR_TOTAL = -4, /* 本年收入合计 (without carry-over) */
};

/* Past "一、", "（一）", "1.", "1、"; *sub_item for "其中：". */
const char *imp_strip_ordinal(const char *squeezed, bool *sub_item);

/* A source (enum bd_source of the plugin API) or one of IMP_LABEL_*. */
int imp_income_label(const char *label);

/* The 类 code ("201") a printed class name stands for, or NULL. */
const char *imp_class_code(const char *label);

#endif
