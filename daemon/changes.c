#include "changes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "money.h"

static void put_fen(struct json_text *t, bd_fen fen)
{
	json_text_raw(t, ",\"");
	json_text_int(t, fen);
	json_text_raw(t, "\"");
}

char *changes_encode(const struct bd_total_change *changes, size_t n)
{
	struct json_text t = {0};
	json_text_raw(&t, "[");
	for (size_t i = 0; i < n; i++) {
		const struct bd_total_change *c = &changes[i];
		bool same_group =
		    i > 0 && c->year == changes[i - 1].year &&
		    strcmp(c->dimension, changes[i - 1].dimension) == 0;
		if (!same_group) {
			json_text_raw(&t, i ? "],[" : "[");
			json_text_int(&t, c->year);
			json_text_raw(&t, ",");
			json_text_string(&t, c->dimension);
		}
		json_text_raw(&t, ",");
		json_text_string(&t, c->key);
		put_fen(&t, c->before);
		put_fen(&t, c->after);
	}
	json_text_raw(&t, n ? "]]" : "]");
	if (t.failed) {
		json_text_free(&t);
		return NULL;
	}
	return t.buf;
}

/* Whole 分 as budgetd wrote them: digits, an optional minus. */
static bool fen_of(const cJSON *item, bd_fen *fen)
{
	if (!cJSON_IsString(item))
		return false;
	const char *s = item->valuestring;
	bool negative = *s == '-';
	s += negative;
	if (*s == '\0') /* a sign alone is no amount, not 0 */
		return false;
	bd_fen v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' ||
		    v > (BD_FEN_LIMIT - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*fen = negative ? -v : v;
	return true;
}

/* One change in the published form; false when out of memory. */
static bool add_change(cJSON *out, int year, const char *dimension,
		       const char *key, bd_fen before, bd_fen after,
		       enum bd_unit unit)
{
	char text[MONEY_TEXT_MAX];
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || !cJSON_AddItemToArray(out, o)) {
		cJSON_Delete(o);
		return false;
	}
	bool ok = cJSON_AddNumberToObject(o, "year", year) &&
		  cJSON_AddStringToObject(o, "dimension", dimension) &&
		  cJSON_AddStringToObject(o, "key", key);
	money_format(before, unit, text, sizeof text);
	ok = ok && cJSON_AddStringToObject(o, "before", text);
	money_format(after, unit, text, sizeof text);
	ok = ok && cJSON_AddStringToObject(o, "after", text);
	money_format(after - before, unit, text, sizeof text);
	return ok && cJSON_AddStringToObject(o, "delta", text);
}

/* A group [year, dimension, key, before, after, …]; false when out of
 * memory. */
static bool decode_group(const cJSON *group, enum bd_unit unit, cJSON *out)
{
	const cJSON *year = cJSON_GetArrayItem(group, 0),
		    *dimension = year ? year->next : NULL;
	if (!cJSON_IsNumber(year) || !cJSON_IsString(dimension))
		return true;
	for (const cJSON *key = dimension->next; key != NULL;) {
		const cJSON *before = key->next,
			    *after = before ? before->next : NULL;
		bd_fen b, a;
		if (cJSON_IsString(key) && fen_of(before, &b) &&
		    fen_of(after, &a) &&
		    !add_change(out, year->valueint, dimension->valuestring,
				key->valuestring, b, a, unit))
			return false;
		key = after ? after->next : NULL;
	}
	return true;
}

/* A change of the first form, {"year","dimension","key","before","after"}
 * in 元; false when out of memory. */
static bool decode_object(const cJSON *change, enum bd_unit unit, cJSON *out)
{
	const cJSON *year = cJSON_GetObjectItemCaseSensitive(change, "year"),
		    *dimension =
			cJSON_GetObjectItemCaseSensitive(change, "dimension"),
		    *key = cJSON_GetObjectItemCaseSensitive(change, "key"),
		    *before =
			cJSON_GetObjectItemCaseSensitive(change, "before"),
		    *after = cJSON_GetObjectItemCaseSensitive(change, "after");
	const char *why;
	bd_fen b, a;
	if (!cJSON_IsNumber(year) || !cJSON_IsString(dimension) ||
	    !cJSON_IsString(key) || !cJSON_IsString(before) ||
	    !cJSON_IsString(after) ||
	    money_parse(before->valuestring, BD_UNIT_YUAN, &b, &why) < 0 ||
	    money_parse(after->valuestring, BD_UNIT_YUAN, &a, &why) < 0)
		return true;
	return add_change(out, year->valueint, dimension->valuestring,
			  key->valuestring, b, a, unit);
}

cJSON *changes_decode(const char *stored, enum bd_unit unit, const char **why)
{
	cJSON *parsed = cJSON_Parse(stored ? stored : "");
	if (!cJSON_IsArray(parsed)) {
		*why = parsed ? "not an array" : "not JSON";
		cJSON_Delete(parsed);
		return NULL;
	}
	cJSON *out = cJSON_CreateArray();
	bool ok = out != NULL;
	const cJSON *item;
	cJSON_ArrayForEach(item, parsed)
	{
		if (!ok)
			break;
		ok = cJSON_IsArray(item)    ? decode_group(item, unit, out)
		     : cJSON_IsObject(item) ? decode_object(item, unit, out)
					    : true;
	}
	cJSON_Delete(parsed);
	if (!ok) {
		cJSON_Delete(out);
		*why = "out of memory";
		return NULL;
	}
	return out;
}
