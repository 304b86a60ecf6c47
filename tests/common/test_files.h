/* Reading whole files in tests. */
#ifndef BUDGETD_TEST_FILES_H
#define BUDGETD_TEST_FILES_H

#include <stddef.h>

/* The whole file, NUL-terminated (malloc'ed), its size in *len; NULL when
 * it cannot be read. */
char *test_read_file(const char *path, size_t *len);

/* The resident set of a process in KiB (VmRSS), or -1. */
long test_rss_kib(int pid);

#endif
