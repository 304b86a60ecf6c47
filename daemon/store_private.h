/* What store.c and store_read.c share, and nothing else sees. */
#ifndef BUDGETD_STORE_PRIVATE_H
#define BUDGETD_STORE_PRIVATE_H

#include <sqlite3.h>

struct store;

/* An SQLite result code as a negative errno (-ENOSPC for a full disk). */
int store_errno(int sqlite_rc);
/* Prepares sql on the reader connection; logs a failure. */
int store_prepare_read(struct store *store, const char *sql,
		       sqlite3_stmt **stmt);

/* Binds text, or NULL for NULL or "". */
void store_bind_text_or_null(sqlite3_stmt *stmt, int i, const char *text);

#endif
