/*
 * The departments op's list, indexed by code: the district workbook and
 * the Fiscal Data Package look a department (and its 主管部门) up for
 * each of their rows, and a search of the list each time was quadratic.
 */
#ifndef BUDGETD_EXPORT_DEPARTMENTS_H
#define BUDGETD_EXPORT_DEPARTMENTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "strmap.h"

struct departments {
	struct strmap by_code; /* code -> index into entries */
	const cJSON **entries; /* the list's own objects */
	size_t n, cap;
};

/* Indexes list (its objects stay the caller's, and must outlive the
 * index); the first of a code wins, as a search would find.  0 or
 * -ENOMEM; departments_free either way. */
int departments_index(struct departments *ds, const cJSON *list);
/* The list's object of a code, or NULL. */
const cJSON *departments_get(const struct departments *ds, const char *code);
void departments_free(struct departments *ds);

#endif
