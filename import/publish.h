/*
 * A department's budget as the tables it publishes (部门预算公开), written
 * as tab-separated text in the layout the importer reads: the inverse of
 * import_text().  Importing what publish_text() writes gives back the same
 * document: every line with its columns, every source of income, project,
 * performance target, economic row, 三公 figure and stated total.
 */
#ifndef BUDGETD_PUBLISH_H
#define BUDGETD_PUBLISH_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <stddef.h>

/*
 * Writes the tables of one budget-submission/1 document into *text
 * (malloc'd, NUL-terminated, *len bytes).  Returns 0; -EINVAL when the
 * document does not parse or holds what the layout cannot carry (a tab or
 * line break in a name), with the reason in err; -ENOMEM.
 */
int publish_text(const cJSON *document, char **text, size_t *len, char *err,
		 size_t err_size);

/* An amount cell of the text: where it starts and the exact figure. */
struct publish_amount {
	size_t offset;
	bd_fen fen;
};

/*
 * The same tables with every amount cell marked, so that a workbook can
 * hold each one as a number without reading the text back: tables are
 * separated by form feeds, rows by line breaks, cells by tabs, and the
 * text before the first form feed is the cover.
 */
struct publication {
	char *text;
	size_t len;
	enum bd_unit unit;
	int year;
	char department[16];
	struct publish_amount *amounts; /* in the order of their offsets */
	size_t n_amounts;
};

/* As publish_text(); *out is released with publication_free(). */
int publish_tables(const cJSON *document, struct publication *out, char *err,
		   size_t err_size);
void publication_free(struct publication *pub);

#endif
