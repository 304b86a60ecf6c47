#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "test_json.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int notified;

static void notify(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	notified++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

/* Waits until n jobs came back; returns them in commit order. */
static struct store_job *wait_done(struct store *s, size_t n,
				   struct store_job **out)
{
	size_t got = 0;
	while (got < n) {
		pthread_mutex_lock(&lock);
		while (notified == 0)
			pthread_cond_wait(&cond, &lock);
		notified = 0;
		pthread_mutex_unlock(&lock);
		for (struct store_job *j = store_take_done(s); j; j = j->next)
			out[got++] = j;
	}
	return out[0];
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/budgetd-test-store-%d", getpid());
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static int teardown(void **state)
{
	return setup(state);
}

static void fill(struct store_job *j, const char *dept, int year,
		 enum store_outcome outcome, const char *body)
{
	memset(j, 0, sizeof *j);
	snprintf(j->department, sizeof j->department, "%s", dept);
	j->year = year;
	j->outcome = outcome;
	j->body = body;
	j->body_len = strlen(body);
	j->findings_json = "[]";
	j->sender = "test";
}

static int count_latest(void *ctx, const struct store_revision_row *row)
{
	int *n = ctx;
	(*n)++;
	/* Only the newest revision of each department comes back. */
	if (strcmp(row->department, "A") == 0)
		assert_int_equal(row->revision, 3);
	assert_non_null(strstr(row->body, row->department));
	return 0;
}

static void test_group_commit_and_reads(void **state)
{
	struct store s;
	char err[256];
	struct store_job jobs[6], *done[6];
	(void)state;
	assert_int_equal(store_open(&s, dir, 64, err, sizeof err), 0);
	/* Queued before the writer starts: they must share one transaction. */
	fill(&jobs[0], "A", 2023, STORE_ACCEPTED, "{\"d\":\"A\",\"r\":1}");
	fill(&jobs[1], "A", 2023, STORE_REJECTED, "{\"d\":\"A\",\"bad\":1}");
	fill(&jobs[2], "B", 2023, STORE_ACCEPTED, "{\"d\":\"B\"}");
	fill(&jobs[3], "A", 2023, STORE_ACCEPTED, "{\"d\":\"A\",\"r\":2}");
	fill(&jobs[4], "A", 2023, STORE_ACCEPTED, "{\"d\":\"A\",\"r\":3}");
	fill(&jobs[5], "", 0, STORE_INVALID, "{}");
	for (int i = 0; i < 6; i++)
		store_submit(&s, &jobs[i]);
	assert_int_equal(store_start(&s, notify, NULL), 0);
	wait_done(&s, 6, done);
	for (int i = 0; i < 6; i++) {
		assert_ptr_equal(done[i], &jobs[i]);
		assert_int_equal(jobs[i].rc, 0);
		assert_int_equal(jobs[i].seq, (uint64_t)i + 1); /* gap-free */
	}
	assert_int_equal(s.commits, 1);
	assert_int_equal(jobs[0].revision, 1);
	assert_int_equal(jobs[1].revision, 0);
	assert_int_equal(jobs[2].revision, 1);
	assert_int_equal(jobs[3].revision, 2);
	assert_int_equal(jobs[4].revision, 3);

	int n = 0;
	assert_int_equal(store_each_latest(&s, count_latest, &n), 0);
	assert_int_equal(n, 2);

	char *body;
	int64_t rev;
	assert_int_equal(store_document(&s, "A", 2023, 2, &body, &rev), 0);
	assert_string_equal(body, "{\"d\":\"A\",\"r\":2}");
	assert_int_equal(rev, 2);
	free(body);
	assert_int_equal(store_document(&s, "A", 2023, 0, &body, &rev), 0);
	assert_int_equal(rev, 3);
	free(body);
	assert_int_equal(store_document(&s, "A", 2024, 0, &body, &rev),
			 -ENOENT);

	cJSON *history = cJSON_CreateArray();
	assert_int_equal(store_history(&s, "A", 0, history), 0);
	assert_int_equal(cJSON_GetArraySize(history), 4);
	cJSON_Delete(history);
	cJSON *events = cJSON_CreateArray();
	assert_int_equal(store_events_since(&s, 4, 100, events), 0);
	assert_int_equal(cJSON_GetArraySize(events), 2);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(events, 0), "seq")->valueint,
	    5);
	assert_string_equal(json_row_str(events, 1, "kind"),
			    "submission.invalid");
	cJSON_Delete(events);
	store_close(&s);

	/* Everything acknowledged is there after a reopen, and seq goes on. */
	struct store_counts counts;
	assert_int_equal(store_open(&s, dir, 64, err, sizeof err), 0);
	assert_int_equal(store_counts(&s, &counts), 0);
	assert_int_equal(counts.documents, 6);
	assert_int_equal(counts.accepted, 4);
	assert_int_equal(counts.rejected, 1);
	assert_int_equal(counts.invalid, 1);
	assert_int_equal(counts.revisions, 4);
	assert_int_equal(counts.last_seq, 6);
	assert_int_equal(store_start(&s, notify, NULL), 0);
	fill(&jobs[0], "B", 2023, STORE_ACCEPTED, "{\"d\":\"B\",\"r\":2}");
	store_submit(&s, &jobs[0]);
	wait_done(&s, 1, done);
	assert_int_equal(jobs[0].seq, 7);
	assert_int_equal(jobs[0].revision, 2);
	/* The counters the writer keeps agree with a count by SQL. */
	struct store_counts kept, counted;
	assert_int_equal(store_counts(&s, &kept), 0);
	assert_int_equal(store_recount(&s, &counted), 0);
	assert_memory_equal(&kept, &counted, sizeof kept);
	assert_int_equal(kept.documents, 7);
	assert_int_equal(kept.last_seq, 7);
	store_close(&s);
}

/* Waits for the writer's next notification, leaving its list untaken. */
static void wait_notified(void)
{
	pthread_mutex_lock(&lock);
	while (notified == 0)
		pthread_cond_wait(&cond, &lock);
	notified = 0;
	pthread_mutex_unlock(&lock);
}

/* A batch the writer finishes while the loop is still answering the one
 * before must not wait for a further commit: its wake-up came while the
 * loop's event was still active, so the loop learns of it only by
 * asking.  (The loop used to ask its own backlog only, and such a batch
 * waited for the next commit, up to 50 ms under load.) */
static void test_batches_finished_while_answering(void **state)
{
	struct store s;
	char err[256];
	struct store_job jobs[3];
	(void)state;
	notified = 0;
	assert_int_equal(store_open(&s, dir, 64, err, sizeof err), 0);
	assert_int_equal(store_start(&s, notify, NULL), 0);
	assert_false(store_done_waiting(&s));
	assert_null(store_next_done(&s));
	fill(&jobs[0], "A", 2023, STORE_ACCEPTED, "{\"d\":\"A\"}");
	fill(&jobs[1], "B", 2023, STORE_ACCEPTED, "{\"d\":\"B\"}");
	fill(&jobs[2], "C", 2023, STORE_ACCEPTED, "{\"d\":\"C\"}");
	store_submit(&s, &jobs[0]);
	wait_notified();
	store_submit(&s, &jobs[1]);
	wait_notified();
	assert_true(store_done_waiting(&s));
	assert_ptr_equal(store_next_done(&s), &jobs[0]);
	assert_null(jobs[0].next);
	store_submit(&s, &jobs[2]); /* committed while B waits its turn */
	wait_notified();
	assert_true(store_done_waiting(&s));
	assert_ptr_equal(store_next_done(&s), &jobs[1]);
	assert_true(store_done_waiting(&s)); /* C, in the writer's list */
	assert_ptr_equal(store_next_done(&s), &jobs[2]);
	assert_false(store_done_waiting(&s));
	assert_null(store_next_done(&s));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(jobs[i].rc, 0);
		assert_int_equal(jobs[i].seq, (uint64_t)i + 1);
	}
	store_close(&s);
}

static int refuse_rows(struct store *s, struct store_job *job, const char *now)
{
	(void)s, (void)job, (void)now;
	return SQLITE_CONSTRAINT;
}

/* A job whose rows fail is rolled back to its savepoint alone: the jobs
 * around it in the batch commit, and nothing of it stays (its document,
 * its event's seq). */
static void test_failed_job_alone_rolled_back(void **state)
{
	struct store s;
	char err[256];
	struct store_job jobs[3], *done[3];
	(void)state;
	notified = 0;
	assert_int_equal(store_open(&s, dir, 64, err, sizeof err), 0);
	fill(&jobs[0], "A", 2023, STORE_ACCEPTED, "{\"d\":\"A\"}");
	fill(&jobs[1], "B", 2023, STORE_ACCEPTED, "{\"d\":\"B\"}");
	fill(&jobs[2], "C", 2023, STORE_ACCEPTED, "{\"d\":\"C\"}");
	jobs[1].write_rows = refuse_rows;
	for (int i = 0; i < 3; i++)
		store_submit(&s, &jobs[i]);
	assert_int_equal(store_start(&s, notify, NULL), 0);
	wait_done(&s, 3, done);
	assert_int_equal(s.commits, 1);
	assert_int_equal(jobs[0].rc, 0);
	assert_true(jobs[1].rc < 0);
	assert_non_null(strstr(jobs[1].error, "store write failed"));
	assert_int_equal(jobs[2].rc, 0);
	assert_int_equal(jobs[0].seq, 1);
	assert_int_equal(jobs[2].seq, 2); /* B's seq went with it */
	char *body;
	int64_t rev;
	assert_int_equal(store_document(&s, "B", 2023, 0, &body, &rev),
			 -ENOENT);
	assert_int_equal(store_document(&s, "C", 2023, 0, &body, &rev), 0);
	assert_string_equal(body, "{\"d\":\"C\"}");
	free(body);
	store_close(&s);
}

static void test_open_failure_is_explained(void **state)
{
	struct store s;
	char err[256] = "";
	(void)state;
	assert_true(store_open(&s, "/proc/budgetd-cannot-exist", 8, err,
			       sizeof err) < 0);
	assert_non_null(strstr(err, "/proc/budgetd-cannot-exist"));
}

/* A file the daemon cannot write: the description says whose it is, and
 * who the daemon is; a missing file is said to be missing. */
static void test_unwritable_file_is_described(void **state)
{
	char path[] = "/tmp/budgetd-describe-XXXXXX", why[256], self[96];
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(store_describe_owner(path, why, sizeof why), 0);
	struct passwd *me = getpwuid(geteuid());
	struct group *mine = getgrgid(getegid());
	char expect[160];
	snprintf(expect, sizeof expect, "owned by %s:%s, mode 0444",
		 me->pw_name, mine->gr_name);
	assert_string_equal(why, expect);
	store_describe_self(self, sizeof self);
	snprintf(expect, sizeof expect, "uid %u (%s)", (unsigned)geteuid(),
		 me->pw_name);
	assert_string_equal(self, expect);
	unlink(path);
	assert_int_equal(store_describe_owner(path, why, sizeof why), -ENOENT);
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_group_commit_and_reads, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_batches_finished_while_answering, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_job_alone_rolled_back,
					    setup, teardown),
	    cmocka_unit_test(test_open_failure_is_explained),
	    cmocka_unit_test(test_unwritable_file_is_described),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
