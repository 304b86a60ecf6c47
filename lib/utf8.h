/* UTF-8 checks for text that crosses the wire. */
#ifndef BUDGETD_UTF8_H
#define BUDGETD_UTF8_H

#include <stddef.h>

/* Offset of the first byte that is not valid UTF-8 (overlong forms and
 * surrogates included), or -1 when all n bytes are valid. */
long utf8_invalid_at(const unsigned char *s, size_t n);

/* Cuts an incomplete character off the end of a NUL-terminated string, as
 * left by snprintf truncating at a byte count. */
void utf8_trim_partial(char *s);

/* Columns a string takes in a terminal or in pdftotext's layout: East
 * Asian wide and fullwidth characters count two, combining marks none.
 * The one width rule of budgetd (tables, reports, the importer). */
size_t utf8_display_width(const char *text);

#endif
