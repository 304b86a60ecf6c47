/*
 * Durable storage in SQLite (WAL, synchronous=FULL).
 *
 * One writer thread owns the write connection: it drains every queued job
 * into one transaction (group commit), so many concurrent submissions
 * share one fsync.  A job's result is reported only after COMMIT returned,
 * i.e. after the WAL is on disk: that is what an ack waits for.
 *
 * The loop thread reads through a second connection; WAL lets those reads
 * run while the writer commits.
 */
#ifndef BUDGETD_STORE_H
#define BUDGETD_STORE_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

struct store;

enum store_outcome {
	STORE_ACCEPTED = 0,
	STORE_REJECTED,
	STORE_INVALID, /* not a valid budget-submission/1 document */
};

enum store_job_kind {
	STORE_JOB_SUBMISSION = 0,
	/* Attaches the totals an event moved to its row: derived data written
	 * after the fact, never waited for by an ack. */
	STORE_JOB_ANNOTATION,
	/* A workflow record (a transition, control numbers): an event of
	 * event_kind with no document, and the rows write_rows adds. */
	STORE_JOB_RECORD,
};

struct store_job {
	enum store_job_kind kind;
	/* annotation: the event and its changes (JSON, owned by the job) */
	uint64_t annotate_seq;
	char *changes_json;
	/* in: owned by whoever queued the job */
	const char *body;
	size_t body_len;
	char department[13]; /* may be empty for invalid documents */
	int year;	     /* 0 when unknown */
	enum store_outcome outcome;
	const char *findings_json;
	const char *sender;
	/* record: the event's kind ("review.returned"); department, year
	 * and revision (an input here) name what it concerns */
	const char *event_kind;
	/* record, and optionally an accepted submission: further rows,
	 * written on the writer thread inside the job's savepoint once seq
	 * (and a submission's revision) are known; returns an SQLite code */
	int (*write_rows)(struct store *store, struct store_job *job,
			  const char *now);
	void *rows; /* what write_rows writes: the owner's */
	/* out */
	int rc; /* 0 or negative errno */
	char error[256];
	int64_t document_id;
	int64_t revision; /* accepted only */
	uint64_t seq;
	uint64_t commit_began_ns, committed_ns; /* its batch's, on clock_ns */
	/* bookkeeping */
	void *owner;
	struct store_job *next;
};

#define STORE_HIST_BUCKETS 12
/* The histograms' upper bounds: commit time in µs, batch size in jobs. */
extern const uint64_t store_commit_bounds_us[STORE_HIST_BUCKETS];
extern const uint64_t store_batch_bounds[STORE_HIST_BUCKETS];

struct store_counts {
	int64_t documents, accepted, rejected, invalid, revisions;
	uint64_t last_seq;
};

struct store {
	char *path;
	sqlite3 *writer;
	sqlite3 *reader;
	sqlite3 *admin; /* loop thread: rare writes (credentials) */
	sqlite3_stmt *insert_document, *next_revision, *insert_revision,
	    *insert_event, *annotate_event, *insert_transition;
	/* Each job of a batch in a savepoint of its own. */
	sqlite3_stmt *savepoint, *release, *rollback_to;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct store_job *queue_head, *queue_tail;
	size_t queued_jobs; /* of the queue, those not annotations */
	/* What the writer sleeps for: nothing (it commits), any job (its
	 * queue is empty), or a job that is not an annotation (it holds
	 * annotations back for the next submission's transaction). */
	enum {
		STORE_WAITS_NOT,
		STORE_WAITS_FOR_ANY,
		STORE_WAITS_FOR_JOB
	} writer_waits;
	struct store_job *done_head, *done_tail;
	struct store_job *answering; /* taken from done, not yet answered */
	bool stopping;
	int batch_max;
	void (*notify)(void *ctx);
	void *notify_ctx;
	/* statistics, written by the writer thread under lock */
	uint64_t commits, jobs_committed;
	uint64_t
	    submission_commits; /* transactions with a submission in them */
	uint64_t submissions_committed;
	uint64_t last_commit_us, max_commit_us; /* BEGIN to COMMIT */
	uint64_t commit_us_total;    /* all of them: how busy the writer is */
	struct store_counts counted; /* kept as jobs commit; status reads it */
	uint64_t commit_failures;
	bool last_commit_failed;
	/* Histograms for /metrics: commits by how long they took and by how
	 * many jobs they carried (bucket i: up to the i-th bound; the last,
	 * beyond every bound). */
	uint64_t commit_hist[STORE_HIST_BUCKETS + 1];
	uint64_t batch_hist[STORE_HIST_BUCKETS + 1];
};

struct store_revision_row {
	const char *department;
	int year;
	int64_t revision;
	int64_t document_id;
	uint64_t seq;
	const char *body;
	size_t body_len;
};

/* For permission errors about the state directory and the store:
 * "owned by root:root, mode 0644" of path (-errno when it cannot be
 * read), and "uid 998 (budgetd)" of this process. */
int store_describe_owner(const char *path, char *buf, size_t size);
void store_describe_self(char *buf, size_t size);

/* Opens (creating if needed) DIR/budgetd.db. */
int store_open(struct store *store, const char *state_dir, int batch_max,
	       char *err, size_t err_size);
/* Starts the writer thread; notify(ctx) is called from it when jobs finish. */
int store_start(struct store *store, void (*notify)(void *ctx), void *ctx);
void store_submit(struct store *store, struct store_job *job);
/* Finished jobs, in commit order (loop thread). */
struct store_job *store_take_done(struct store *store);
/* The next finished job to answer, one at a time and in commit order, or
 * NULL (loop thread): the loop answers a batch between its other events. */
struct store_job *store_next_done(struct store *store);
/* Whether a finished job is still to be answered: one taken and not yet
 * handed out, or one the writer finished since (loop thread). */
bool store_done_waiting(struct store *store);
/* Lets the writer finish its queue, then joins it. */
void store_stop(struct store *store);
void store_close(struct store *store);

/* ---- reads (loop thread) ---- */
int store_each_latest(struct store *store,
		      int (*each)(void *ctx,
				  const struct store_revision_row *row),
		      void *ctx);
/* store_document of a revision number on a connection of its own: for
 * threads other than the loop (the store's connections are the loop's
 * and the writer's). */
int store_document_apart(const struct store *store, const char *department,
			 int year, int64_t revision, char **body);
/* The body of a revision (revision 0: the latest).  *body is malloc'ed.
 * -ENOENT when there is none. */
int store_document(struct store *store, const char *department, int year,
		   int64_t revision, char **body, int64_t *revision_out);

/* ---- snapshots (any thread) ---- */
/* A read transaction on a connection of its own: the store as it stood
 * when the snapshot was opened, however many commits follow, for reads
 * too long for the loop (verify).  One thread at a time. */
struct store_snapshot {
	sqlite3 *db;
	sqlite3_stmt *document; /* store_snapshot_document's, once prepared */
	uint64_t last_seq;	/* the last event it sees */
};
int store_snapshot_open(const struct store *store, struct store_snapshot *snap);
int store_snapshot_each_latest(
    struct store_snapshot *snap,
    int (*each)(void *ctx, const struct store_revision_row *row), void *ctx);
/* A revision's body (revision 0: the latest); -ENOENT when there is none. */
int store_snapshot_document(struct store_snapshot *snap, const char *department,
			    int year, int64_t revision, char **body);
void store_snapshot_close(struct store_snapshot *snap);
/* Appends {revision?, document_id, received_at, outcome, seq, …} objects. */
int store_history(struct store *store, const char *department, int year,
		  cJSON *array);
/* The findings of a department's newest document (of year, or of
 * document_id when not 0), whatever its outcome, with its id, outcome
 * and revision, added to reply; -ENOENT when there is none. */
int store_findings(struct store *store, const char *department, int year,
		   int64_t document_id, cJSON *reply);
/* What the store holds, from counters the writer keeps (no query). */
int store_counts(struct store *store, struct store_counts *counts);
/* The same, counted by SQL (at open, and for the tests). */
int store_recount(struct store *store, struct store_counts *counts);
/* Appends up to limit stored events with seq > since. */
int store_events_since(struct store *store, uint64_t since, int limit,
		       cJSON *array);

/* ---- locked fiscal years (loop thread) ---- */
/* Fills years[] (at most max) with the locked years; returns how many. */
int store_locked_years(struct store *store, int *years, int max);
int store_set_locked(struct store *store, int year, bool locked);

/* ---- the budget year's workflow (store_review.c) ---- */

/* One transition of a department's case (docs/workflow.md). */
struct store_transition {
	uint64_t seq;	/* read: the event that published it */
	const char *at; /* read */
	char department[13], parent[13];
	int year;
	const char *stage;
	int round; /* adjustment number; 0 outside adjustments */
	const char *action, *from_state, *to_state;
	int64_t revision; /* a submission's: the job's, once known */
	const char *actor, *reason, *approval_number, *approval_date;
	const char *concerns; /* JSON array of findings or paths, or NULL */
	char stored_at[40];   /* written: the time it was stored with */
};
/* write_rows of a transition record, or of a submission carrying one:
 * job->rows is a struct store_transition. */
int store_write_transition(struct store *store, struct store_job *job,
			   const char *now);
/* Every transition in seq order, of one department (NULL: all) and year
 * (0: all). */
int store_transitions_each(
    struct store *store, const char *department, int year,
    int (*each)(void *ctx, const struct store_transition *t), void *ctx);

struct store_control_item {
	char key[40]; /* "total", "source:fund_budget", "class:201", … */
	bd_fen amount;
};
struct store_control_department {
	char code[13];
	struct store_control_item *items;
	size_t n_items;
	int64_t version; /* out: the version this set became */
};
/* job->rows of a control-number record: one new version for each
 * department. */
struct store_control_set {
	int year;
	const char *actor;
	struct store_control_department *departments;
	size_t n;
	char stored_at[40]; /* written: the time it was stored with */
};
int store_write_controls(struct store *store, struct store_job *job,
			 const char *now);
struct store_control_row {
	int year;
	const char *department;
	int64_t version;
	const char *key;
	bd_fen amount;
	uint64_t seq;
	const char *set_by, *set_at;
};
/* The newest version of each department's control numbers, a row per
 * item, by year (0: every year), department, key. */
int store_controls_each(struct store *store, int year,
			int (*each)(void *ctx,
				    const struct store_control_row *row),
			void *ctx);
/* Every version of one department's control numbers, a row per item, by
 * version and key. */
int store_control_versions_each(
    struct store *store, int year, const char *department,
    int (*each)(void *ctx, const struct store_control_row *row), void *ctx);
/* A stage's deadline (YYYY-MM-DD; NULL removes it). */
int store_set_deadline(struct store *store, int year, const char *stage,
		       const char *date);
int store_deadlines_each(struct store *store, int year,
			 int (*each)(void *ctx, int year, const char *stage,
				     const char *date),
			 void *ctx);

/* ---- credentials (loop thread) ---- */
int store_credentials_load(struct store *store, struct auth *auth);
/* -EEXIST when the name exists and replace is false. */
int store_credential_put(struct store *store, const struct credential *cred,
			 bool replace);
/* -ENOENT when there is no such credential. */
int store_credential_remove(struct store *store, const char *name);

/* A job names its department as the model does: same buffer, no cut. */
_Static_assert(sizeof(((struct store_job *)0)->department) ==
		   sizeof(((struct bd_submission *)0)->department.code),
	       "store_job.department must hold any department code");

#endif
