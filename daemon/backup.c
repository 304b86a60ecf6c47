#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Pages per backup step (256 KiB at the default page size): between
 * steps the thread can report progress; the read transaction held across
 * them keeps the copy of one moment. */
#define BACKUP_STEP_PAGES 64

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int64_t single_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* "ok", or the first problem PRAGMA integrity_check reports. */
static bool integrity_ok(sqlite3 *db, char *why, size_t size)
{
	sqlite3_stmt *st;
	bool ok = false;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(why, size, "integrity_check: %s", sqlite3_errmsg(db));
		return false;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		ok = text && strcmp(text, "ok") == 0;
		if (!ok)
			snprintf(why, size, "integrity_check: %s",
				 text ? text : "no answer");
	}
	sqlite3_finalize(st);
	return ok;
}

static void counts(sqlite3 *db, struct backup_result *r)
{
	r->documents = single_int(db, "SELECT COUNT(*) FROM documents");
	r->revisions = single_int(db, "SELECT COUNT(*) FROM revisions");
	r->last_seq =
	    single_int(db, "SELECT COALESCE(MAX(seq), 0) FROM events");
}

int backup_copy(const char *store_path, const char *copy_path,
		struct backup_result *r)
{
	struct timespec t0;
	sqlite3 *src = NULL, *dst = NULL;
	int rc = -EIO;
	memset(r, 0, sizeof *r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Created by us, 0640: the copy holds every budget and credential
	 * hash. */
	int fd = open(copy_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		snprintf(r->error, sizeof r->error, "cannot create %s: %s%s",
			 copy_path, strerror(errno),
			 errno == EEXIST ? " (a backup is never written over "
					   "a file)"
					 : "");
		return rc;
	}
	close(fd);
	if (sqlite3_open_v2(store_path, &src, SQLITE_OPEN_READONLY, NULL) !=
		SQLITE_OK ||
	    sqlite3_open_v2(copy_path, &dst, SQLITE_OPEN_READWRITE, NULL) !=
		SQLITE_OK) {
		snprintf(
		    r->error, sizeof r->error, "cannot open: %s",
		    sqlite3_errmsg(src && sqlite3_errcode(src) ? src : dst));
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	/* One read transaction for the whole copy: the writer commits on,
	 * the copy is of one moment, and the backup never restarts. */
	if (sqlite3_exec(src, "BEGIN; SELECT COUNT(*) FROM meta;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(r->error, sizeof r->error, "cannot read %s: %s",
			 store_path, sqlite3_errmsg(src));
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		snprintf(r->error, sizeof r->error, "backup: %s",
			 sqlite3_errmsg(dst));
		goto out;
	}
	int step;
	double last_report = 0;
	while ((step = sqlite3_backup_step(b, BACKUP_STEP_PAGES)) ==
		   SQLITE_OK ||
	       step == SQLITE_BUSY || step == SQLITE_LOCKED) {
		if (step != SQLITE_OK) {
			sqlite3_sleep(10);
			continue;
		}
		double t = seconds_since(&t0);
		if (t - last_report >= 1.0) {
			int total = sqlite3_backup_pagecount(b);
			log_info("backup to %s: %d of %d pages copied",
				 copy_path, total - sqlite3_backup_remaining(b),
				 total);
			last_report = t;
		}
	}
	r->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	if (step != SQLITE_DONE) {
		snprintf(r->error, sizeof r->error, "backup step: %s",
			 sqlite3_errstr(step));
		goto out;
	}
	if (!integrity_ok(dst, r->error, sizeof r->error))
		goto out;
	counts(dst, r);
	struct stat st;
	if (stat(copy_path, &st) == 0)
		r->bytes = (int64_t)st.st_size;
	r->seconds = seconds_since(&t0);
	rc = 0;
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc < 0)
		unlink(copy_path);
	return rc;
}

int backup_lock_state(const char *state_dir, char *err, size_t err_size)
{
	char path[4200], pid[32] = "";
	snprintf(path, sizeof path, "%s/budgetd.lock", state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, err_size, "cannot open %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = read(fd, pid, sizeof pid - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, err_size,
			 "a budgetd (pid %s) is running on %s: stop it first",
			 pid[0] ? pid : "?", state_dir);
		close(fd);
		return -EBUSY;
	}
	/* Who holds it, for the next one that asks. */
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (write(fd, pid, (size_t)n) != n)
			log_warning("%s: could not record the pid", path);
	}
	return 0; /* the descriptor stays open: the lock lives with us */
}

int backup_restore(const char *copy_path, const char *state_dir, char *err,
		   size_t err_size)
{
	char store[4200], fresh[4300], kept[4300] = "", side[4300];
	sqlite3 *db = NULL;
	struct backup_result r;
	int rc = backup_lock_state(state_dir, err, err_size);
	if (rc < 0)
		return rc;
	if (sqlite3_open_v2(copy_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", copy_path,
			 sqlite3_errmsg(db));
		sqlite3_close(db);
		return -EIO;
	}
	bool ok = integrity_ok(db, err, err_size);
	if (ok && single_int(db, "SELECT COUNT(*) FROM meta WHERE key = "
				 "'schema'") != 1) {
		snprintf(err, err_size, "%s is not a budgetd store", copy_path);
		ok = false;
	}
	sqlite3_close(db);
	if (!ok)
		return -EINVAL;
	/* A copy of the copy, 0640 and ours, renamed into place at once. */
	snprintf(store, sizeof store, "%s/budgetd.db", state_dir);
	snprintf(fresh, sizeof fresh, "%s.restoring", store);
	unlink(fresh);
	rc = backup_copy(copy_path, fresh, &r);
	if (rc < 0) {
		snprintf(err, err_size, "%s", r.error);
		return rc;
	}
	/* The store it replaces is kept with its WAL: after a crash the
	 * last acknowledged commits may live only there.  The WAL moves
	 * first and comes back if the store cannot follow; its -shm is an
	 * index of that WAL, rebuilt on open, so it goes. */
	if (access(store, F_OK) == 0) {
		char wal[4300], kept_wal[4400];
		snprintf(kept, sizeof kept, "%s.before-restore-%ld", store,
			 (long)time(NULL));
		snprintf(wal, sizeof wal, "%s-wal", store);
		snprintf(kept_wal, sizeof kept_wal, "%s-wal", kept);
		bool wal_moved = rename(wal, kept_wal) == 0;
		if ((!wal_moved && errno != ENOENT) ||
		    rename(store, kept) != 0) {
			rc = -errno;
			if (wal_moved)
				rename(kept_wal, wal);
			snprintf(err, err_size,
				 "cannot keep %s as %s: %s; the store is "
				 "untouched, the restored copy waits in %s",
				 store, kept, strerror(-rc), fresh);
			return rc;
		}
		log_info("the store it replaces is kept as %s", kept);
	}
	/* What is left beside the store's name is not the copy's: a WAL
	 * without its store, or the -shm. */
	for (int i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", store, i ? "-shm" : "-wal");
		unlink(side);
	}
	if (rename(fresh, store) != 0) {
		rc = -errno;
		snprintf(err, err_size,
			 "cannot put %s in place as %s: %s (the store it "
			 "replaces is %s)",
			 fresh, store, strerror(-rc), kept[0] ? kept : "none");
		return rc;
	}
	log_info("restored %s from %s: %lld revisions of %lld documents, "
		 "last seq %lld",
		 store, copy_path, (long long)r.revisions,
		 (long long)r.documents, (long long)r.last_seq);
	return 0;
}
