#include "departments.h"

#include <errno.h>
#include <stdlib.h>

#include "grow.h"

int departments_index(struct departments *ds, const cJSON *list)
{
	*ds = (struct departments){0};
	if (strmap_init(&ds->by_code) < 0)
		return -ENOMEM;
	const cJSON *d;
	cJSON_ArrayForEach(d, list)
	{
		const char *code = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "code"));
		if (code == NULL || strmap_find(&ds->by_code, code) != NULL)
			continue;
		if (GROW(ds->entries, ds->cap, ds->n + 1, 256) < 0 ||
		    strmap_set(&ds->by_code, code, (bd_fen)ds->n) < 0)
			return -ENOMEM;
		ds->entries[ds->n++] = d;
	}
	return 0;
}

const cJSON *departments_get(const struct departments *ds, const char *code)
{
	const bd_fen *i = strmap_find(&ds->by_code, code);
	return i ? ds->entries[*i] : NULL;
}

void departments_free(struct departments *ds)
{
	strmap_free(&ds->by_code);
	free(ds->entries);
	*ds = (struct departments){0};
}
