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
/* Appends a C string as it is (JSON punctuation, known-safe text). */
void json_text_raw(struct json_text *t, const char *s);
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
 * the same process; the printer writes raw text as it is.  0 or
 * -ENOMEM. */
int json_text_expand(struct cJSON *object);
/* Frees the buffer and starts again empty. */
void json_text_free(struct json_text *t);

#endif
