#include "json_text.h"

#include "digits.h"
#include "grow.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; false (and failed) when out of
 * memory. */
static bool room_for(struct json_text *t, size_t n)
{
	if (t->failed)
		return false;
	if (n >= SIZE_MAX / 4 - t->len) { /* no doubling would reach it */
		t->failed = true;
		return false;
	}
	if (GROW(t->buf, t->cap, t->len + n + 1, 1024) < 0) {
		t->failed = true;
		return false;
	}
	return true;
}

void json_text_reserve(struct json_text *t, size_t n)
{
	room_for(t, n);
}

void json_text_put(struct json_text *t, const char *s, size_t n)
{
	if (!room_for(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

char *json_text_claim(struct json_text *t, size_t max)
{
	return room_for(t, max) ? t->buf + t->len : NULL;
}

void json_text_commit(struct json_text *t, size_t n)
{
	if (t->failed)
		return;
	t->len += n;
	t->buf[t->len] = '\0';
}

size_t json_escape(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		}
	}
	return (size_t)(o - out);
}

void json_text_string_n(struct json_text *t, const char *s, size_t n)
{
	/* A bounded piece at a time, so that a long string does not claim
	 * six times its length. */
	enum { PIECE = 1024 };
	json_text_put(t, "\"", 1);
	do {
		size_t piece = n < PIECE ? n : PIECE;
		char *out = json_text_claim(t, 6 * piece);
		if (out == NULL)
			return;
		json_text_commit(t, json_escape(out, s, piece));
		s += piece;
		n -= piece;
	} while (n > 0);
	json_text_put(t, "\"", 1);
}

void json_text_string(struct json_text *t, const char *s)
{
	json_text_string_n(t, s, strlen(s));
}

void json_text_int(struct json_text *t, int64_t v)
{
	char digits[24];
	/* Through the unsigned magnitude, so INT64_MIN is not negated. */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = digits_before(digits + sizeof digits, m);
	if (v < 0)
		*--p = '-';
	json_text_put(t, p, (size_t)(digits + sizeof digits - p));
}

static void put_number(struct json_text *t, double d)
{
	char text[32];
	if (!isfinite(d)) {
		json_text_raw(t, "null"); /* as cJSON: JSON has no inf */
		return;
	}
	/* Integral and exact in a double: the common case, without printf. */
	if (d == trunc(d) && fabs(d) < 9007199254740992.0) {
		json_text_int(t, (int64_t)d);
		return;
	}
	/* The shortest of cJSON's two precisions that reads back the same. */
	snprintf(text, sizeof text, "%1.15g", d);
	if (strtod(text, NULL) != d)
		snprintf(text, sizeof text, "%1.17g", d);
	json_text_raw(t, text);
}

void json_text_cjson(struct json_text *t, const cJSON *item)
{
	if (item == NULL) {
		json_text_raw(t, "null");
		return;
	}
	switch (item->type & 0xff) {
	case cJSON_False:
		json_text_raw(t, "false");
		break;
	case cJSON_True:
		json_text_raw(t, "true");
		break;
	case cJSON_Number:
		put_number(t, item->valuedouble);
		break;
	case cJSON_String:
		json_text_string(t, item->valuestring ? item->valuestring : "");
		break;
	case cJSON_Raw:
		json_text_raw(t, item->valuestring ? item->valuestring : "");
		break;
	case cJSON_Array:
	case cJSON_Object: {
		bool object = (item->type & 0xff) == cJSON_Object;
		json_text_put(t, object ? "{" : "[", 1);
		for (const cJSON *c = item->child; c; c = c->next) {
			if (c != item->child)
				json_text_put(t, ",", 1);
			if (object) {
				json_text_string(t, c->string ? c->string : "");
				json_text_put(t, ":", 1);
			}
			json_text_cjson(t, c);
		}
		json_text_put(t, object ? "}" : "]", 1);
		break;
	}
	default: /* cJSON_NULL, or an invalid item */
		json_text_raw(t, "null");
	}
}

char *json_text_print(const cJSON *item)
{
	struct json_text t = {0};
	json_text_cjson(&t, item);
	if (t.failed) {
		json_text_free(&t);
		return NULL;
	}
	return t.buf; /* something was written: never NULL here */
}

void json_text_free(struct json_text *t)
{
	free(t->buf);
	*t = (struct json_text){0};
}

int json_text_expand(struct cJSON *object)
{
	for (cJSON *c = object ? object->child : NULL; c; c = c->next) {
		if ((c->type & 0xff) != cJSON_Raw)
			continue;
		/* Fails when memory runs out or a plugin wrote text that is
		 * not JSON; cJSON does not say which. */
		cJSON *tree = cJSON_Parse(c->valuestring ? c->valuestring : "");
		if (tree == NULL)
			return -ENOMEM;
		/* The member's name moves to the tree (replacing by pointer
		 * does not carry it). */
		tree->string = c->string;
		tree->type |= c->type & cJSON_StringIsConst;
		c->string = NULL;
		if (!cJSON_ReplaceItemViaPointer(object, c, tree)) {
			cJSON_Delete(tree);
			return -ENOMEM;
		}
		c = tree;
	}
	return 0;
}
