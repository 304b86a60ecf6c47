/*
 * Online backup of the store and its restore.  A backup is a consistent
 * copy made with SQLite's backup API from a read transaction of its own,
 * so the writer goes on committing while it runs; the copy is checked
 * with PRAGMA integrity_check before it is reported done.
 */
#ifndef BUDGETD_BACKUP_H
#define BUDGETD_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct backup_result {
	int64_t pages, bytes;
	int64_t documents, revisions;
	int64_t last_seq;
	double seconds;
	char error[512]; /* when it failed */
};

/*
 * Copies the store at store_path to a new file copy_path (created 0640;
 * an existing file is refused) and checks it.  Logs a progress line for
 * large stores.  Returns 0, or a negative errno with result->error.
 * Blocking: the daemon runs it on a thread of its own.
 */
int backup_copy(const char *store_path, const char *copy_path,
		struct backup_result *result);

/*
 * Puts copy_path in place as the store of state_dir, for a stopped
 * daemon: checks the copy's integrity and schema, keeps the store it
 * replaces as budgetd.db.before-restore-TIME, and writes the new one with
 * mode 0640 owned by this process.  Returns 0, or a negative errno with
 * err.
 */
int backup_restore(const char *copy_path, const char *state_dir, char *err,
		   size_t err_size);

/* Holds the state directory's lock (budgetd.lock) for the life of the
 * process; -EBUSY when a running budgetd holds it (err names its pid). */
int backup_lock_state(const char *state_dir, char *err, size_t err_size);

#endif
