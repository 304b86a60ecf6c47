/*
 * Online backup while submissions keep arriving, and the restore of the
 * copy: the backup holds every revision acknowledged before it started
 * (and perhaps more), never a half of one, and a restored store rebuilds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "test_json.h"

#define SUBMITTERS 4
#define MAX_ACKS   20000

static struct harness h;
static atomic_bool stop_submitting;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long long acked[MAX_ACKS]; /* the seq of every acknowledgement */
static int n_acked;

static void *submitter_main(void *p)
{
	int index = *(int *)p;
	char *text = harness_read_data("fengquan-116001-2023-corrected.json");
	for (int k = 0; !atomic_load(&stop_submitting) && k < 5000; k++) {
		char code[16], *doc = strdup(text);
		snprintf(code, sizeof code, "%d%05d", 7 + index % 3,
			 index * 10000 + k);
		memcpy(strstr(doc, "116001"), code, 6);
		cJSON *r = harness_send_document(&h, "submit", doc);
		if (r != NULL && harness_ok(r)) {
			pthread_mutex_lock(&lock);
			if (n_acked < MAX_ACKS)
				acked[n_acked++] =
				    (long long)cJSON_GetNumberValue(
					cJSON_GetObjectItem(r, "seq"));
			pthread_mutex_unlock(&lock);
		}
		cJSON_Delete(r);
		free(doc);
	}
	free(text);
	return NULL;
}

static long long single(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Each of seqs is in db as a revision with its document and event. */
static void assert_all_stored(sqlite3 *db, const long long *seqs, int n,
			      const char *what)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(
			     db,
			     "SELECT COUNT(*) FROM revisions r JOIN documents "
			     "d ON d.id = r.document_id JOIN events e ON "
			     "e.seq = r.seq WHERE r.seq = ?",
			     -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, seqs[i]);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != 1)
			fail_msg("acknowledged seq %lld is not in %s", seqs[i],
				 what);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void test_backup_while_submitting(void **state)
{
	pthread_t threads[SUBMITTERS];
	int index[SUBMITTERS];
	char copy[256], request[400];
	(void)state;
	assert_int_equal(harness_init(&h, "backup"), 0);
	assert_int_equal(harness_start(&h), 0);
	for (int i = 0; i < SUBMITTERS; i++) {
		index[i] = i;
		pthread_create(&threads[i], NULL, submitter_main, &index[i]);
	}
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&lock);
		int n = n_acked;
		pthread_mutex_unlock(&lock);
		if (n >= 40)
			break;
		usleep(10000);
	}
	/* What was acknowledged when the backup was asked for. */
	pthread_mutex_lock(&lock);
	int before = n_acked;
	long long *snapshot = malloc(sizeof *snapshot * (size_t)before);
	memcpy(snapshot, acked, sizeof *snapshot * (size_t)before);
	pthread_mutex_unlock(&lock);
	snprintf(copy, sizeof copy, "%s/copy.db", h.dir);
	snprintf(request, sizeof request, "{\"op\":\"backup\",\"file\":\"%s\"}",
		 copy);
	cJSON *r = harness_call(&h, request, strlen(request), 60000);
	pthread_mutex_lock(&lock);
	int during = n_acked - before;
	pthread_mutex_unlock(&lock);
	atomic_store(&stop_submitting, true);
	for (int i = 0; i < SUBMITTERS; i++)
		pthread_join(threads[i], NULL);
	assert_non_null(r);
	if (!harness_ok(r))
		fail_msg("backup: %s", harness_error_code(r));
	assert_string_equal(json_str(r, "integrity"), "ok");
	fprintf(
	    stderr,
	    "  backup of %lld revisions (%lld bytes) in %.3f s; %d "
	    "acknowledged before it, %d while it ran, %d in all\n",
	    (long long)cJSON_GetNumberValue(
		cJSON_GetObjectItem(r, "revisions")),
	    (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "bytes")),
	    cJSON_GetNumberValue(cJSON_GetObjectItem(r, "seconds")), before,
	    during, n_acked);
	cJSON_Delete(r);
	struct stat st;
	assert_int_equal(stat(copy, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* Every acknowledged revision is in the copy, whole. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_all_stored(db, snapshot, before, "the copy");
	/* Of one moment: events gap-free, every revision with its
	 * document and event, every event with its document. */
	long long events = single(db, "SELECT COUNT(*) FROM events");
	assert_true(events >= before);
	assert_int_equal(single(db, "SELECT MAX(seq) FROM events"), events);
	assert_int_equal(single(db, "SELECT COUNT(*) FROM revisions r LEFT "
				    "JOIN documents d ON d.id = r.document_id "
				    "WHERE d.id IS NULL"),
			 0);
	assert_int_equal(single(db, "SELECT COUNT(*) FROM events e LEFT JOIN "
				    "documents d ON d.id = e.document_id WHERE "
				    "d.id IS NULL"),
			 0);
	long long departments =
	    single(db, "SELECT COUNT(DISTINCT department) FROM revisions");
	sqlite3_close(db);
	free(snapshot);

	/* Refused while the daemon runs on that store. */
	char restore[800];
	snprintf(restore, sizeof restore,
		 "%s/budgetd --state-dir %s/state --restore %s >%s/restore.log "
		 "2>&1",
		 BUDGETD_TEST_BIN_DIR, h.dir, copy, h.dir);
	int rc = system(restore);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);
	/* Killed, so that its last commits may be only in its WAL: the copy
	 * goes in place, and the store it replaces is kept whole, WAL and
	 * all, with every revision ever acknowledged. */
	kill(h.pid, SIGKILL);
	waitpid(h.pid, &rc, 0);
	h.pid = 0;
	char wal[300];
	snprintf(wal, sizeof wal, "%s/state/budgetd.db-wal", h.dir);
	bool had_wal = access(wal, F_OK) == 0;
	assert_int_equal(system(restore), 0);
	glob_t kept;
	char pattern[300];
	snprintf(pattern, sizeof pattern,
		 "%s/state/budgetd.db.before-restore-*[0-9]", h.dir);
	assert_int_equal(glob(pattern, 0, NULL, &kept), 0);
	assert_int_equal(kept.gl_pathc, 1);
	assert_int_equal(
	    sqlite3_open_v2(kept.gl_pathv[0], &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	assert_all_stored(db, acked, n_acked, "the store kept aside");
	sqlite3_close(db);
	globfree(&kept);
	fprintf(stderr, "  restore after SIGKILL: the old store had %s WAL\n",
		had_wal ? "a" : "no");
	assert_int_equal(harness_start(&h), 0);
	r = harness_call_text(&h, "{\"op\":\"departments\"}");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r, "departments")),
	    departments);
	cJSON_Delete(r);
	r = harness_call_text(&h, "{\"op\":\"verify\"}");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "consistent")));
	cJSON_Delete(r);
}

static void test_backup_refusals(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "backup-no"), 0);
	assert_int_equal(harness_start(&h), 0);
	cJSON *r =
	    harness_call_text(&h, "{\"op\":\"backup\",\"file\":\"x.db\"}");
	assert_string_equal(harness_error_code(r), "bad_request");
	cJSON_Delete(r);
	/* Never written over a file. */
	char path[256], request[400];
	snprintf(path, sizeof path, "%s/there.db", h.dir);
	FILE *f = fopen(path, "w");
	fputs("precious", f);
	fclose(f);
	snprintf(request, sizeof request, "{\"op\":\"backup\",\"file\":\"%s\"}",
		 path);
	r = harness_call_text(&h, request);
	assert_string_equal(harness_error_code(r), "backup_failed");
	cJSON_Delete(r);
	size_t len;
	char *kept = harness_read_file(path, &len);
	assert_string_equal(kept, "precious");
	free(kept);
	/* A file that is not a store is not restored. */
	assert_int_equal(harness_stop(&h), 0);
	char restore[800];
	snprintf(restore, sizeof restore,
		 "%s/budgetd --state-dir %s/state --restore %s >/dev/null 2>&1",
		 BUDGETD_TEST_BIN_DIR, h.dir, path);
	int rc = system(restore);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    HARNESS_TEST(test_backup_while_submitting, &h),
	    HARNESS_TEST(test_backup_refusals, &h),
	};
	return harness_run("test_backup", tests,
			   sizeof tests / sizeof tests[0]);
}
