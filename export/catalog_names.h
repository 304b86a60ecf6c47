/* Names of classification codes from the catalogue CSV (conf/catalog/),
 * for the exports' name columns. */
#ifndef BUDGETCTL_CATALOG_NAMES_H
#define BUDGETCTL_CATALOG_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct name_entry {
	char code[12];
	char *name;
};

/* Sorted by code once loaded. */
struct names {
	struct name_entry *items;
	size_t n, cap;
};

/* Loads the names of the newest catalogue under dir not after year (else
 * the oldest).  Returns 0, or -ENOENT when dir holds no catalogue (the
 * names stay empty and codes go without them). */
int names_for_year(struct names *function, struct names *economic,
		   const char *dir, int year);
/* The name of code ("" if the catalogue lacks it). */
const char *names_get(const struct names *names, const char *code);
void names_free(struct names *names);

#endif
