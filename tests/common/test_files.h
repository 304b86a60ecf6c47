/* Reading whole files in tests. */
#ifndef BUDGETD_TEST_FILES_H
#define BUDGETD_TEST_FILES_H

#include <stddef.h>

/* The whole file, NUL-terminated (malloc'ed), its size in *len; NULL when
 * it cannot be read. */
char *test_read_file(const char *path, size_t *len);

#endif
