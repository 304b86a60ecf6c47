/* Printed names as code points, with the damage of real documents undone. */
#ifndef BUDGETD_CATALOG_NAMES_H
#define BUDGETD_CATALOG_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cp_string {
	uint32_t *cp;
	size_t n;
};

/*
 * Decodes UTF-8 and drops what line wrapping and typesetting change:
 * white space (also U+3000), brackets of either width, and punctuation.
 * Returns 0 or -ENOMEM.
 */
int cp_normalise(const char *utf8, struct cp_string *out);
void cp_free(struct cp_string *s);
bool cp_equal(const struct cp_string *a, const struct cp_string *b);
/* A name cut off by a line wrap: `printed` is a prefix of `full`, and long
 * enough (4 characters) not to be a different, shorter name. */
bool cp_is_wrapped_prefix(const struct cp_string *printed,
			  const struct cp_string *full);
/* Levenshtein distance, giving up (returning max + 1) past `max`. */
size_t cp_distance(const struct cp_string *a, const struct cp_string *b,
		   size_t max);

#endif
