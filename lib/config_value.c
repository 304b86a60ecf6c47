#include "config_value.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct bd_config_key *config_value_key(const struct bd_config_key *table,
					     const char *name)
{
	for (const struct bd_config_key *k = table; k && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int parse_bool(const char *text, int64_t *number)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*number = 1;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*number = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* A decimal integer, with a binary multiple (k, M, G) for sizes. */
static int parse_number(const char *text, bool size, int64_t *number)
{
	char *end;
	errno = 0;
	long long n = strtoll(text, &end, 10);
	if (end == text || errno == ERANGE || (text[0] == '-' && size))
		return -EINVAL;
	int shift = 0;
	if (size && *end) {
		const char *units = "kKmMgG";
		const char *u = strchr(units, *end);
		if (u == NULL)
			return -EINVAL;
		shift = 10 * (int)(1 + (u - units) / 2);
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	}
	if (*end != '\0')
		return -EINVAL;
	if (shift && n > (INT64_MAX >> shift))
		return -EINVAL;
	/* A multiplication: shifting a negative number is undefined. */
	*number = (int64_t)n * ((int64_t)1 << shift);
	return 0;
}

int config_value_parse(const struct bd_config_key *key, const char *text,
		       int64_t *number, char *why, size_t why_size)
{
	*number = 0;
	if (text == NULL) {
		snprintf(why, why_size, "\"%s\" has no value and no default",
			 key->name);
		return -EINVAL;
	}
	switch (key->type) {
	case BD_CONFIG_STRING:
		return 0;
	case BD_CONFIG_BOOL:
		if (parse_bool(text, number) == 0)
			return 0;
		snprintf(why, why_size,
			 "\"%s\" must be true or false, not \"%.60s\"",
			 key->name, text);
		return -EINVAL;
	case BD_CONFIG_INT:
	case BD_CONFIG_SIZE: {
		bool size = key->type == BD_CONFIG_SIZE;
		bool ranged = key->min != 0 || key->max != 0;
		if (parse_number(text, size, number) == 0 &&
		    (!ranged || (*number >= key->min && *number <= key->max)))
			return 0;
		if (ranged)
			snprintf(why, why_size,
				 "\"%s\" must be %s from %lld to %lld, not "
				 "\"%.60s\"",
				 key->name,
				 size ? "a size in bytes (k, M, G allowed)"
				      : "an integer",
				 (long long)key->min, (long long)key->max,
				 text);
		else
			snprintf(why, why_size,
				 "\"%s\" must be %s, not \"%.60s\"", key->name,
				 size ? "a size in bytes (k, M, G allowed)"
				      : "an integer",
				 text);
		*number = 0;
		return -EINVAL;
	}
	}
	snprintf(why, why_size, "\"%s\" has an unknown type %d", key->name,
		 (int)key->type);
	return -EINVAL;
}
