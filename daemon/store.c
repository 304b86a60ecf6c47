#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store_private.h"

/* 2: events may have no document (workflow records); transitions,
 * control numbers. */
#define STORE_SCHEMA_VERSION "2"

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta ("
    "  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* Every document received, verbatim, whatever became of it. */
    "CREATE TABLE IF NOT EXISTS documents ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at TEXT NOT NULL,"
    "  sender TEXT,"
    "  department TEXT,"
    "  year INTEGER,"
    "  outcome TEXT NOT NULL"
    "    CHECK (outcome IN ('accepted', 'rejected', 'invalid')),"
    "  findings TEXT NOT NULL,"
    "  body TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS documents_by_department"
    "  ON documents (department, year);"
    /* Accepted revisions; the latest per (department, year) counts. */
    "CREATE TABLE IF NOT EXISTS revisions ("
    "  department TEXT NOT NULL,"
    "  year INTEGER NOT NULL,"
    "  number INTEGER NOT NULL,"
    "  document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),"
    "  seq INTEGER NOT NULL UNIQUE,"
    "  PRIMARY KEY (department, year, number));"
    /* AUTOINCREMENT: a sequence number is never handed out twice, and
     * with one writer committing in order there are no gaps. */
    "CREATE TABLE IF NOT EXISTS events ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  department TEXT,"
    "  year INTEGER,"
    "  revision INTEGER,"
    "  document_id INTEGER REFERENCES documents (id),"
    "  changes TEXT);"
    /* The budget year's workflow: every transition of a department's
     * case, with the event that published it. */
    "CREATE TABLE IF NOT EXISTS transitions ("
    "  seq INTEGER PRIMARY KEY REFERENCES events (seq),"
    "  at TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  parent TEXT,"
    "  year INTEGER NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  round INTEGER NOT NULL,"
    "  action TEXT NOT NULL,"
    "  from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL,"
    "  revision INTEGER,"
    "  actor TEXT NOT NULL,"
    "  reason TEXT,"
    "  approval_number TEXT,"
    "  approval_date TEXT,"
    "  concerns TEXT);"
    "CREATE INDEX IF NOT EXISTS transitions_by_department"
    "  ON transitions (department, year);"
    /* Control numbers (控制数): every version kept; the newest counts. */
    "CREATE TABLE IF NOT EXISTS control_numbers ("
    "  year INTEGER NOT NULL,"
    "  department TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  amount INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL REFERENCES events (seq),"
    "  set_by TEXT NOT NULL,"
    "  set_at TEXT NOT NULL,"
    "  PRIMARY KEY (year, department, version, key));"
    /* Credentials: only a salted hash of each secret. */
    "CREATE TABLE IF NOT EXISTS credentials ("
    "  name TEXT PRIMARY KEY,"
    "  role TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  created_at TEXT NOT NULL);";

static void now_utc(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	default:
		return -EIO;
	}
}

int store_prepare_read(struct store *s, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(s->reader, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: %s: %s", sql, sqlite3_errmsg(s->reader));
		return store_errno(rc);
	}
	return 0;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t err_size)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_errno(rc);
	}
	return 0;
}

void store_describe_self(char *buf, size_t size)
{
	uid_t uid = geteuid();
	struct passwd *pw = getpwuid(uid);
	snprintf(buf, size, "uid %u (%s)", (unsigned)uid,
		 pw ? pw->pw_name : "no user name");
}

int store_describe_owner(const char *path, char *buf, size_t size)
{
	struct stat st;
	buf[0] = '\0';
	if (stat(path, &st) != 0)
		return -errno;
	struct passwd *owner = getpwuid(st.st_uid);
	struct group *group = getgrgid(st.st_gid);
	char owner_id[16], group_id[16];
	snprintf(owner_id, sizeof owner_id, "%u", (unsigned)st.st_uid);
	snprintf(group_id, sizeof group_id, "%u", (unsigned)st.st_gid);
	snprintf(buf, size, "owned by %s:%s, mode %04o",
		 owner ? owner->pw_name : owner_id,
		 group ? group->gr_name : group_id,
		 (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Why a store may be refused: who owns it, who we are, the mend. */
static void describe_store_file(const char *path, char *buf, size_t size)
{
	char owner[160], self[96];
	buf[0] = '\0';
	if (store_describe_owner(path, owner, sizeof owner) < 0)
		return;
	store_describe_self(self, sizeof self);
	snprintf(buf, size,
		 " (the file is %s; budgetd runs as %s: chown budgetd:budgetd "
		 "and chmod 0640 a restored copy)",
		 owner, self);
}

/*
 * A connection with a page cache of cache_kib.  SQLite's default is 2 MiB
 * a connection; the writer appends (documents, revisions, events and their
 * indexes' right edges) and the readers scan (the rebuild, history,
 * events) or read single rows, none of which a large cache speeds up,
 * while filling it cost RSS (at 1,000 × 60, 145 → 117 bytes a line item
 * with the same submissions/s and time a transaction).
 */
static int open_connection(const char *path, int flags, int cache_kib,
			   sqlite3 **db, char *err, size_t err_size)
{
	int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "%s: %s", path,
			 *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return store_errno(rc);
	}
	sqlite3_busy_timeout(*db, 5000);
	sqlite3_extended_result_codes(*db, 1);
	char pragma[48];
	snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", cache_kib);
	rc = sqlite3_exec(*db, pragma, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, err_size, "%s: cannot set the page cache: %s",
			 path, sqlite3_errmsg(*db));
		sqlite3_close(*db);
		*db = NULL;
		return store_errno(rc);
	}
	return 0;
}

/*
 * Schema 1 stores (before the workflow) required every event to have a
 * document.  SQLite cannot drop a NOT NULL, so the table is copied, seq
 * for seq; sqlite_sequence follows the rename, so no seq is reused.
 */
static int migrate(sqlite3 *db, char *what, size_t what_size)
{
	sqlite3_stmt *st;
	int version = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT CAST(value AS INTEGER) FROM meta"
			       " WHERE key = 'schema'",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(what, what_size, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version >= 2)
		return 0;
	log_info("store: migrating schema %d to " STORE_SCHEMA_VERSION
		 " (events without a document)",
		 version);
	return exec(db,
		    "CREATE TABLE events_v2 ("
		    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
		    "  at TEXT NOT NULL, kind TEXT NOT NULL, department TEXT,"
		    "  year INTEGER, revision INTEGER,"
		    "  document_id INTEGER REFERENCES documents (id),"
		    "  changes TEXT);"
		    "INSERT INTO events_v2 SELECT seq, at, kind, department,"
		    "  year, revision, document_id, changes FROM events;"
		    "DROP TABLE events;"
		    "ALTER TABLE events_v2 RENAME TO events;"
		    "UPDATE meta SET value = '" STORE_SCHEMA_VERSION "'"
		    "  WHERE key = 'schema';",
		    what, what_size);
}

int store_open(struct store *s, const char *state_dir, int batch_max, char *err,
	       size_t err_size)
{
	char what[256];
	memset(s, 0, sizeof *s);
	s->batch_max = batch_max > 0 ? batch_max : 256;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);

	if (mkdir(state_dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, err_size, "cannot create state directory %s: %s",
			 state_dir, strerror(errno));
		return -errno;
	}
	if (access(state_dir, W_OK) != 0) {
		int e = errno;
		snprintf(err, err_size,
			 "state directory %s is not writable: %s", state_dir,
			 strerror(e));
		return -e;
	}
	if (asprintf(&s->path, "%s/budgetd.db", state_dir) < 0)
		return -ENOMEM;
	int rc =
	    open_connection(s->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    512, &s->writer, err, err_size);
	if (rc < 0)
		goto fail;
	/* WAL + FULL: COMMIT returns only after the WAL is fsync'ed. */
	rc = exec(s->writer,
		  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		  "PRAGMA foreign_keys=ON;",
		  what, sizeof what);
	if (rc == 0)
		rc = exec(s->writer, "BEGIN IMMEDIATE", what, sizeof what);
	if (rc == 0)
		rc = exec(s->writer, schema_sql, what, sizeof what);
	if (rc == 0)
		rc = exec(s->writer,
			  "INSERT OR IGNORE INTO meta VALUES ('schema', "
			  "'" STORE_SCHEMA_VERSION "')",
			  what, sizeof what);
	if (rc == 0)
		rc = migrate(s->writer, what, sizeof what);
	if (rc == 0)
		rc = exec(s->writer, "COMMIT", what, sizeof what);
	if (rc < 0) {
		char owner[400];
		describe_store_file(s->path, owner, sizeof owner);
		snprintf(err, err_size, "%s: cannot initialise: %s%s", s->path,
			 what, owner);
		goto fail;
	}
	static const struct {
		size_t offset;
		const char *sql;
	} statements[] = {
	    {offsetof(struct store, insert_document),
	     "INSERT INTO documents (received_at, sender, department, year,"
	     " outcome, findings, body) VALUES (?, ?, ?, ?, ?, ?, ?)"},
	    {offsetof(struct store, next_revision),
	     "SELECT COALESCE(MAX(number), 0) + 1 FROM revisions"
	     " WHERE department = ? AND year = ?"},
	    {offsetof(struct store, insert_revision),
	     "INSERT INTO revisions (department, year, number, document_id,"
	     " seq) VALUES (?, ?, ?, ?, ?)"},
	    {offsetof(struct store, insert_event),
	     "INSERT INTO events (at, kind, department, year, revision,"
	     " document_id) VALUES (?, ?, ?, ?, ?, ?)"},
	    {offsetof(struct store, annotate_event),
	     "UPDATE events SET changes = ? WHERE seq = ?"},
	    /* One per accepted submission: prepared once, not per row. */
	    {offsetof(struct store, insert_transition),
	     "INSERT INTO transitions (seq, at, department, parent, year,"
	     " stage, round, action, from_state, to_state, revision, actor,"
	     " reason, approval_number, approval_date, concerns)"
	     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
	    /* Two or three per job: sqlite3_exec parsed them each time. */
	    {offsetof(struct store, savepoint), "SAVEPOINT job"},
	    {offsetof(struct store, release), "RELEASE job"},
	    {offsetof(struct store, rollback_to), "ROLLBACK TO job"},
	};
	for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
		sqlite3_stmt **stmt =
		    (sqlite3_stmt **)((char *)s + statements[i].offset);
		if (sqlite3_prepare_v2(s->writer, statements[i].sql, -1, stmt,
				       NULL) != SQLITE_OK) {
			snprintf(err, err_size, "%s: %s", s->path,
				 sqlite3_errmsg(s->writer));
			rc = -EIO;
			goto fail;
		}
	}
	rc = open_connection(s->path, SQLITE_OPEN_READONLY, 256, &s->reader,
			     err, err_size);
	if (rc == 0)
		rc = open_connection(s->path, SQLITE_OPEN_READWRITE, 256,
				     &s->admin, err, err_size);
	/* Counted once; the writer keeps the counts from here on. */
	if (rc == 0 && (rc = store_recount(s, &s->counted)) < 0)
		snprintf(err, err_size, "%s: cannot count its contents",
			 s->path);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	store_close(s);
	return rc;
}

/* ---- the writer thread ---- */

static int step_done(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

void store_bind_text_or_null(sqlite3_stmt *stmt, int i, const char *text)
{
	if (text != NULL && *text)
		sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, i);
}

static void bind_year(sqlite3_stmt *stmt, int i, int year)
{
	if (year != 0)
		sqlite3_bind_int(stmt, i, year);
	else
		sqlite3_bind_null(stmt, i);
}

/* The job's event row (its document, if it has one); sets job->seq. */
static int insert_event(struct store *s, struct store_job *job, const char *now,
			const char *kind)
{
	sqlite3_stmt *st = s->insert_event;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 3, job->department);
	bind_year(st, 4, job->year);
	if (job->revision)
		sqlite3_bind_int64(st, 5, job->revision);
	else
		sqlite3_bind_null(st, 5);
	if (job->document_id)
		sqlite3_bind_int64(st, 6, job->document_id);
	else
		sqlite3_bind_null(st, 6);
	int rc = step_done(st);
	if (rc == SQLITE_OK)
		job->seq = (uint64_t)sqlite3_last_insert_rowid(s->writer);
	return rc;
}

/* Writes one job's rows; the caller wraps it in a savepoint. */
static int write_job(struct store *s, struct store_job *job, const char *now)
{
	if (job->kind == STORE_JOB_ANNOTATION) {
		sqlite3_stmt *st = s->annotate_event;
		sqlite3_bind_text(st, 1, job->changes_json, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)job->annotate_seq);
		return step_done(st);
	}
	if (job->kind == STORE_JOB_RECORD) {
		int rc = insert_event(s, job, now, job->event_kind);
		if (rc != SQLITE_OK)
			return rc;
		return job->write_rows ? job->write_rows(s, job, now)
				       : SQLITE_OK;
	}
	static const char *const outcome_names[] = {"accepted", "rejected",
						    "invalid"};
	static const char *const event_kinds[] = {
	    "revision.accepted", "submission.rejected", "submission.invalid"};
	sqlite3_stmt *st = s->insert_document;
	int rc;

	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 2, job->sender);
	store_bind_text_or_null(st, 3, job->department);
	bind_year(st, 4, job->year);
	sqlite3_bind_text(st, 5, outcome_names[job->outcome], -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 6, job->findings_json ? job->findings_json : "[]",
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, job->body, (int)job->body_len, SQLITE_STATIC);
	if ((rc = step_done(st)) != SQLITE_OK)
		return rc;
	job->document_id = sqlite3_last_insert_rowid(s->writer);

	job->revision = 0;
	if (job->outcome == STORE_ACCEPTED) {
		st = s->next_revision;
		sqlite3_bind_text(st, 1, job->department, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, job->year);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			job->revision = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return rc;
	}

	if ((rc = insert_event(s, job, now, event_kinds[job->outcome])) !=
	    SQLITE_OK)
		return rc;

	if (job->outcome == STORE_ACCEPTED) {
		st = s->insert_revision;
		sqlite3_bind_text(st, 1, job->department, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, job->year);
		sqlite3_bind_int64(st, 3, job->revision);
		sqlite3_bind_int64(st, 4, job->document_id);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)job->seq);
		if ((rc = step_done(st)) != SQLITE_OK)
			return rc;
		/* The workflow's transition, in the same transaction: an
		 * acknowledged revision is never without its state. */
		if (job->write_rows &&
		    (rc = job->write_rows(s, job, now)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static void fail_job(struct store_job *job, int rc, const char *what)
{
	job->rc = store_errno(rc);
	job->document_id = 0;
	if (job->kind != STORE_JOB_RECORD) /* a record's is an input */
		job->revision = 0;
	job->seq = 0;
	snprintf(job->error, sizeof job->error, "store %s failed: %s%s", what,
		 sqlite3_errstr(rc),
		 job->rc == -ENOSPC
		     ? " (the disk holding the state directory is full)"
		 : job->rc == -EROFS ? " (the state directory is read-only)"
				     : "");
}

/* Commits a batch; false when the transaction as a whole failed. */
static bool commit_batch(struct store *s, struct store_job *batch)
{
	char now[40], what[256];
	now_utc(now, sizeof now);

	int rc = exec(s->writer, "BEGIN IMMEDIATE", what, sizeof what);
	if (rc < 0) {
		for (struct store_job *j = batch; j; j = j->next)
			fail_job(j, sqlite3_errcode(s->writer), "begin");
		return false;
	}
	int crc = SQLITE_OK;
	const char *failed = "commit";
	for (struct store_job *j = batch; j && crc == SQLITE_OK; j = j->next) {
		j->rc = 0;
		j->error[0] = '\0';
		/* Without its savepoint a job that failed half-way could not
		 * be undone alone: it is not written. */
		int src = step_done(s->savepoint);
		if (src != SQLITE_OK) {
			fail_job(j, src, "savepoint");
			continue;
		}
		src = write_job(s, j, now);
		if (src != SQLITE_OK) {
			/* One bad job must not sink the others of the batch. */
			fail_job(j, src, "write");
			/* Not undone: its half would be committed with the
			 * others.  The batch goes instead. */
			if ((crc = step_done(s->rollback_to)) != SQLITE_OK)
				failed = "rollback of a failed job";
		}
		if (crc == SQLITE_OK &&
		    (crc = step_done(s->release)) != SQLITE_OK)
			failed = "savepoint release";
	}
	if (crc == SQLITE_OK)
		crc = sqlite3_exec(s->writer, "COMMIT", NULL, NULL, NULL);
	if (crc != SQLITE_OK) {
		log_error("store: %s in %s failed: %s", failed, s->path,
			  sqlite3_errmsg(s->writer));
		sqlite3_exec(s->writer, "ROLLBACK", NULL, NULL, NULL);
		for (struct store_job *j = batch; j; j = j->next)
			if (j->rc == 0)
				fail_job(j, crc, failed);
		return false;
	}
	return true;
}

/* A committed job in the counts status reports. */
static void count_job(struct store_counts *c, const struct store_job *j)
{
	if (j->rc < 0 || j->kind == STORE_JOB_ANNOTATION)
		return;
	if (j->kind == STORE_JOB_RECORD) {
		if (j->seq > c->last_seq)
			c->last_seq = j->seq;
		return;
	}
	c->documents++;
	c->accepted += j->outcome == STORE_ACCEPTED;
	c->rejected += j->outcome == STORE_REJECTED;
	c->invalid += j->outcome == STORE_INVALID;
	c->revisions += j->outcome == STORE_ACCEPTED;
	if (j->seq > c->last_seq)
		c->last_seq = j->seq;
}

const uint64_t store_commit_bounds_us[STORE_HIST_BUCKETS] = {
    500,   1000,   2000,   5000,   10000,   20000,
    50000, 100000, 200000, 500000, 1000000, 2000000};
const uint64_t store_batch_bounds[STORE_HIST_BUCKETS] = {
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

/* The histogram bucket of value: the first bound it does not exceed. */
static size_t bucket(const uint64_t *bounds, uint64_t value)
{
	size_t i = 0;
	while (i < STORE_HIST_BUCKETS && value > bounds[i])
		i++;
	return i;
}

static void *writer_main(void *arg)
{
	struct store *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->queue_head == NULL && !s->stopping) {
			s->writer_waits = STORE_WAITS_FOR_ANY;
			pthread_cond_wait(&s->wake, &s->lock);
		}
		s->writer_waits = STORE_WAITS_NOT;
		if (s->queue_head == NULL)
			break;
		/* Annotations wait for no one: let them ride along with the
		 * next submission's transaction rather than cost an fsync
		 * alone.  The wait goes on through the wake-ups of further
		 * annotations, which would otherwise each end it and commit
		 * a transaction of annotations only. */
		if (!s->stopping && s->queued_jobs == 0) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 50 * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			s->writer_waits = STORE_WAITS_FOR_JOB;
			while (!s->stopping && s->queued_jobs == 0 &&
			       pthread_cond_timedwait(&s->wake, &s->lock,
						      &until) != ETIMEDOUT)
				;
			s->writer_waits = STORE_WAITS_NOT;
		}
		/* Take up to batch_max jobs: that is the group commit. */
		struct store_job *batch = s->queue_head, *last = batch;
		int n = 1, submissions = batch->kind != STORE_JOB_ANNOTATION;
		while (last->next != NULL && n < s->batch_max) {
			last = last->next;
			n++;
			submissions += last->kind != STORE_JOB_ANNOTATION;
		}
		s->queue_head = last->next;
		if (s->queue_head == NULL)
			s->queue_tail = NULL;
		s->queued_jobs -= (size_t)submissions;
		last->next = NULL;
		pthread_mutex_unlock(&s->lock);

		uint64_t began = clock_ns();
		bool committed = commit_batch(s, batch);
		uint64_t ended = clock_ns(), took = (ended - began) / 1000;
		for (struct store_job *j = batch; j; j = j->next) {
			j->commit_began_ns = began;
			j->committed_ns = ended;
		}

		pthread_mutex_lock(&s->lock);
		s->last_commit_us = took;
		s->commit_us_total += took;
		if (took > s->max_commit_us)
			s->max_commit_us = took;
		s->last_commit_failed = !committed;
		s->commit_failures += !committed;
		for (struct store_job *j = batch; j; j = j->next)
			count_job(&s->counted, j);
		if (s->done_tail)
			s->done_tail->next = batch;
		else
			s->done_head = batch;
		s->done_tail = last;
		s->commits++;
		s->commit_hist[bucket(store_commit_bounds_us, took)]++;
		s->batch_hist[bucket(store_batch_bounds, (uint64_t)n)]++;
		s->jobs_committed += (uint64_t)n;
		if (submissions > 0) {
			s->submission_commits++;
			s->submissions_committed += (uint64_t)submissions;
		}
		pthread_mutex_unlock(&s->lock);
		if (s->notify)
			s->notify(s->notify_ctx);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int store_start(struct store *s, void (*notify)(void *ctx), void *ctx)
{
	s->notify = notify;
	s->notify_ctx = ctx;
	int rc = pthread_create(&s->thread, NULL, writer_main, s);
	if (rc != 0)
		return -rc;
	/* So that top -H and the benchmark can tell the writer apart. */
	pthread_setname_np(s->thread, "budgetd:store");
	s->thread_running = true;
	return 0;
}

void store_submit(struct store *s, struct store_job *job)
{
	bool annotation = job->kind == STORE_JOB_ANNOTATION;
	job->next = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->queue_tail)
		s->queue_tail->next = job;
	else
		s->queue_head = job;
	s->queue_tail = job;
	s->queued_jobs += !annotation;
	/* Wake the writer only where it waits for this job: not while it
	 * commits (it looks at the queue after), nor for an annotation while
	 * it holds annotations back.  Every needless wake-up cost the loop a
	 * preemption by the writer.  Signalled once, after the unlock. */
	bool wake = s->writer_waits == STORE_WAITS_FOR_ANY ||
		    (s->writer_waits == STORE_WAITS_FOR_JOB && !annotation);
	if (wake)
		s->writer_waits = STORE_WAITS_NOT;
	pthread_mutex_unlock(&s->lock);
	if (wake)
		pthread_cond_signal(&s->wake);
}

struct store_job *store_take_done(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	struct store_job *done = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->lock);
	return done;
}

struct store_job *store_next_done(struct store *s)
{
	if (s->answering == NULL)
		s->answering = store_take_done(s);
	struct store_job *job = s->answering;
	if (job != NULL) {
		s->answering = job->next;
		job->next = NULL;
	}
	return job;
}

bool store_done_waiting(struct store *s)
{
	if (s->answering != NULL)
		return true;
	pthread_mutex_lock(&s->lock);
	bool waiting = s->done_head != NULL;
	pthread_mutex_unlock(&s->lock);
	return waiting;
}

void store_stop(struct store *s)
{
	if (!s->thread_running)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	s->thread_running = false;
}

void store_close(struct store *s)
{
	store_stop(s);
	sqlite3_finalize(s->insert_document);
	sqlite3_finalize(s->next_revision);
	sqlite3_finalize(s->insert_revision);
	sqlite3_finalize(s->insert_event);
	sqlite3_finalize(s->annotate_event);
	sqlite3_finalize(s->insert_transition);
	sqlite3_finalize(s->savepoint);
	sqlite3_finalize(s->release);
	sqlite3_finalize(s->rollback_to);
	if (s->reader)
		sqlite3_close(s->reader);
	if (s->admin)
		sqlite3_close(s->admin);
	if (s->writer) {
		/* A clean close checkpoints the WAL into the database. */
		if (sqlite3_close(s->writer) != SQLITE_OK)
			log_error("store: closing %s: %s", s->path,
				  sqlite3_errmsg(s->writer));
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s->path);
	memset(s, 0, sizeof *s);
}

int store_credentials_load(struct store *s, struct auth *auth)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s, "SELECT name, role, scope, salt, hash FROM credentials", &st);
	if (rc < 0)
		return rc;
	auth_free(auth);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		void *grown =
		    realloc(auth->items, (auth->n + 1) * sizeof *auth->items);
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		auth->items = grown;
		struct credential *c = &auth->items[auth->n];
		memset(c, 0, sizeof *c);
		snprintf(c->name, sizeof c->name, "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(c->scope, sizeof c->scope, "%s",
			 (const char *)sqlite3_column_text(st, 2));
		if (auth_role_from_name(
			(const char *)sqlite3_column_text(st, 1), &c->role) <
			0 ||
		    sqlite3_column_bytes(st, 3) != AUTH_SALT_BYTES ||
		    sqlite3_column_bytes(st, 4) != AUTH_HASH_BYTES) {
			log_error("store: credential %s is malformed; ignored",
				  c->name);
			continue;
		}
		memcpy(c->salt, sqlite3_column_blob(st, 3), AUTH_SALT_BYTES);
		memcpy(c->hash, sqlite3_column_blob(st, 4), AUTH_HASH_BYTES);
		auth->n++;
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = store_errno(src);
	sqlite3_finalize(st);
	return rc;
}

int store_credential_put(struct store *s, const struct credential *c,
			 bool replace)
{
	sqlite3_stmt *st;
	char now[40];
	now_utc(now, sizeof now);
	int rc = sqlite3_prepare_v2(
	    s->admin,
	    replace ? "INSERT OR REPLACE INTO credentials (name, role, scope,"
		      " salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)"
		    : "INSERT INTO credentials (name, role, scope,"
		      " salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, auth_role_name(c->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->scope, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, c->salt, AUTH_SALT_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->hash, AUTH_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return -EEXIST;
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

int store_credential_remove(struct store *s, const char *name)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(
	    s->admin, "DELETE FROM credentials WHERE name = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_errno(rc);
	return sqlite3_changes(s->admin) ? 0 : -ENOENT;
}

/* ---- locked years ---- */

int store_locked_years(struct store *s, int *years, int max)
{
	sqlite3_stmt *st;
	int rc = store_prepare_read(
	    s,
	    "SELECT CAST(substr(key, 8) AS INTEGER) FROM meta"
	    " WHERE key LIKE 'locked:%' ORDER BY 1",
	    &st);
	if (rc < 0)
		return rc;
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && n < max)
		years[n++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int store_set_locked(struct store *s, int year, bool locked)
{
	sqlite3_stmt *st;
	char key[32], now[40];
	snprintf(key, sizeof key, "locked:%d", year);
	now_utc(now, sizeof now);
	int rc = sqlite3_prepare_v2(
	    s->admin,
	    locked ? "INSERT OR REPLACE INTO meta VALUES (?1, ?2)"
		   : "DELETE FROM meta WHERE key = ?1",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_errno(rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (locked)
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}
