/* Typed config values: what a key declared by a plugin may hold. */
#ifndef BUDGETD_CONFIG_VALUE_H
#define BUDGETD_CONFIG_VALUE_H

#include <budgetd/plugin.h>

/*
 * Parses text as the value of key: an INT or SIZE key's number within its
 * range, a BOOL key's 1 or 0 (true/yes/on/1, false/no/off/0), a STRING
 * key's anything (*number 0).  Returns 0, or -EINVAL with why saying
 * which key, what it takes and what it got.
 */
int config_value_parse(const struct bd_config_key *key, const char *text,
		       int64_t *number, char *why, size_t why_size);

/* The declared key called name in a plugin's table, or NULL. */
const struct bd_config_key *config_value_key(const struct bd_config_key *table,
					     const char *name);

#endif
