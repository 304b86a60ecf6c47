/*
 * JSON written straight into a growing buffer, for the hot paths that
 * would otherwise build cJSON objects only to print them (the changes of
 * every stored event and every published message), and the printer of
 * the replies that are built as cJSON objects.  An allocation failure
 * is sticky (json_text.failed) so a writer checks once, at the end.
 */
#ifndef BUDGETD_JSON_TEXT_H
#define BUDGETD_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_text {
	char *buf; /* NUL-terminated once anything is written */
	size_t len, cap;
	bool failed;
};

/* Appends n bytes as they are. */
void json_text_put(struct json_text *t, const char *s, size_t n);
/* Appends a C string as it is (JSON punctuation, known-safe text).
 * Inline, so that a literal's length is known where it is written: a
 * 10,000-row answer made 90,000 calls of strlen for its punctuation. */
static inline void json_text_raw(struct json_text *t, const char *s)
{
	json_text_put(t, s, __builtin_strlen(s));
}
/* Makes room for n more bytes at once: a writer that knows the size of
 * what comes saves the copies of growing by doubling. */
void json_text_reserve(struct json_text *t, size_t n);
/* Room for at most max bytes written straight into the buffer, of which
 * json_text_commit then keeps n: for a writer that knows a bound of what
 * it writes and would otherwise append it piece by piece.  NULL (and
 * failed) when out of memory. */
char *json_text_claim(struct json_text *t, size_t max);
void json_text_commit(struct json_text *t, size_t n);
/* Writes the n bytes at s as they go inside JSON quotes ('"' and '\\'
 * escaped, controls as \u00XX) at out, which has room for 6 n bytes;
 * returns how many it wrote. */
size_t json_escape(char *out, const char *s, size_t n);
/* Appends s as a JSON string: quoted, with '"', '\\' and controls escaped. */
void json_text_string(struct json_text *t, const char *s);
/* The same for the n bytes at s (a NUL among them is escaped). */
void json_text_string_n(struct json_text *t, const char *s, size_t n);
/* Appends a decimal integer. */
void json_text_int(struct json_text *t, int64_t v);
struct cJSON;
/* Appends a cJSON tree as cJSON_PrintUnformatted writes it, except that
 * an integral number is written by json_text_int (cJSON prints every
 * number through printf's floating point, most of the cost of a reply of
 * many rows) and a string's controls are escaped as \u00XX. */
void json_text_cjson(struct json_text *t, const struct cJSON *item);
/* The same as a string of its own (free() it), or NULL when out of
 * memory: what cJSON_PrintUnformatted returns. */
char *json_text_print(const struct cJSON *item);
/* Replaces each member of object written as raw JSON text (a plugin's
 * rows, see query.c of the totals plugin) by its tree, for a reader in
 * the same process; the printer writes raw text as it is.  0, or -ENOMEM
 * when memory ran out or a member's text is not JSON (cJSON's parser
 * does not tell the two apart). */
int json_text_expand(struct cJSON *object);
/* Frees the buffer and starts again empty. */
void json_text_free(struct json_text *t);

#endif
