/*
 * A department's budget as the tables it publishes (部门预算公开), written
 * as tab-separated text in the layout the importer reads: the inverse of
 * import_text().  Importing what publish_text() writes gives back the same
 * document: every line with its columns, every source of income, project,
 * performance target, economic row, 三公 figure and stated total.
 */
#ifndef BUDGETD_PUBLISH_H
#define BUDGETD_PUBLISH_H

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

#endif
