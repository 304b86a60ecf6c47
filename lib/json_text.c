#include "json_text.h"

#include <stdlib.h>
#include <string.h>

void json_text_put(struct json_text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *grown = realloc(t->buf, cap);
		if (grown == NULL) {
			t->failed = true;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void json_text_raw(struct json_text *t, const char *s)
{
	json_text_put(t, s, strlen(s));
}

void json_text_string_n(struct json_text *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s; /* bytes that need no escape, copied at once */
	json_text_put(t, "\"", 1);
	for (const char *p = s;; p++) {
		unsigned char c = p < s + n ? (unsigned char)*p : 0;
		if (p < s + n && c != '"' && c != '\\' && c >= 0x20)
			continue;
		json_text_put(t, run, (size_t)(p - run));
		if (p == s + n)
			break;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			json_text_put(t, esc, 2);
		} else {
			char esc[6] = {'\\', 'u',	  '0',
				       '0',  hex[c >> 4], hex[c & 15]};
			json_text_put(t, esc, 6);
		}
		run = p + 1;
	}
	json_text_put(t, "\"", 1);
}

void json_text_string(struct json_text *t, const char *s)
{
	json_text_string_n(t, s, strlen(s));
}

void json_text_int(struct json_text *t, int64_t v)
{
	char digits[24];
	size_t n = sizeof digits;
	/* Through the unsigned magnitude, so INT64_MIN is not negated. */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		digits[--n] = (char)('0' + m % 10);
		m /= 10;
	} while (m != 0);
	if (v < 0)
		digits[--n] = '-';
	json_text_put(t, digits + n, sizeof digits - n);
}

void json_text_free(struct json_text *t)
{
	free(t->buf);
	*t = (struct json_text){0};
}
