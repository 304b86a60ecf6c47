/* A department's publication tables (publish_tables()) as an .xlsx
 * workbook: a cover and one sheet per table, laid out cell for cell as
 * the text export, amounts as numeric cells exact to the 分. */
#ifndef BUDGETCTL_PUBLICATION_XLSX_H
#define BUDGETCTL_PUBLICATION_XLSX_H

#include <stddef.h>

#include "publish.h"

/* 0, or a negative error after writing a sentence into err; a failed
 * write leaves no file behind. */
int publication_write_xlsx(const struct publication *pub,
			   const char *department_name, const char *path,
			   char *err, size_t err_size);

#endif
