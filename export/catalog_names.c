/* Code → name from the catalogue CSV: code,level,name[,…] a line. */
#include "catalog_names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct name_entry *)a)->code,
		      ((const struct name_entry *)b)->code);
}

static void names_load(struct names *names, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return;
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		char *code = line, *comma = strchr(line, ',');
		if (comma == NULL || comma - code > 10 || comma == code)
			continue;
		*comma = '\0';
		if (strspn(code, "0123456789") != strlen(code))
			continue; /* the heading line */
		char *level = comma + 1, *name = strchr(level, ',');
		if (name == NULL)
			continue;
		name++;
		char *end = strchr(name, ',');
		if (end)
			*end = '\0';
		if (GROW(names->items, names->cap, names->n + 1, 256) < 0)
			break;
		struct name_entry *e = &names->items[names->n];
		snprintf(e->code, sizeof e->code, "%.10s", code);
		if ((e->name = strdup(name)) != NULL)
			names->n++;
	}
	fclose(f);
	if (names->n)
		qsort(names->items, names->n, sizeof *names->items, by_code);
}

const char *names_get(const struct names *names, const char *code)
{
	struct name_entry key;
	snprintf(key.code, sizeof key.code, "%s", code);
	const struct name_entry *e =
	    names->n ? bsearch(&key, names->items, names->n,
			       sizeof *names->items, by_code)
		     : NULL;
	return e ? e->name : "";
}

void names_free(struct names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->items[i].name);
	free(names->items);
	memset(names, 0, sizeof *names);
}

/* Loads DIR/YEAR's names; false when that year has no catalogue. */
static bool catalogue_year(struct names *function, struct names *economic,
			   const char *dir, int year)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%d/function.csv", dir, year);
	if (access(path, R_OK) != 0)
		return false;
	names_load(function, path);
	snprintf(path, sizeof path, "%s/%d/economic.csv", dir, year);
	names_load(economic, path);
	return true;
}

int names_for_year(struct names *function, struct names *economic,
		   const char *dir, int year)
{
	for (int y = year; y >= 2000; y--)
		if (catalogue_year(function, economic, dir, y))
			return 0;
	for (int y = year + 1; y <= 2100; y++)
		if (catalogue_year(function, economic, dir, y))
			return 0;
	return -ENOENT;
}
