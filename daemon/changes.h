/*
 * The totals a stored revision moved, as the store keeps them in its
 * event's row ("changes"), and back in the form the publisher sends.
 *
 * Kept compact, since every accepted revision writes one: runs of changes
 * of one year and dimension share a group, amounts are whole 分 as
 * strings (exact at any size; a JSON number is a double to most readers):
 *
 *   [[2025,"function:class","201","0","1234500","205","100","200"],…]
 *
 * that is [year, dimension, then key, before, after for each change].
 * Rows written before this form hold an array of objects
 * ({"year","dimension","key","before","after"}, amounts in 元): still
 * read.
 */
#ifndef BUDGETD_CHANGES_H
#define BUDGETD_CHANGES_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>

/* The stored text of n changes (free() it), or NULL when out of memory. */
char *changes_encode(const struct bd_total_change *changes, size_t n);

/*
 * The changes of stored text as the publisher sends them: an array of
 * {"year","dimension","key","before","after","delta"}, amounts in unit.
 * NULL when out of memory or when the text is not a form budgetd wrote
 * (*why says which); an unreadable change is left out, not guessed.
 */
cJSON *changes_decode(const char *stored, enum bd_unit unit, const char **why);

#endif
