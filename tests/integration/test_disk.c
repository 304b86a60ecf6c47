/*
 * The store's disk full: submissions are refused with a clear error and
 * not acknowledged, queries keep working, and the daemon recovers when
 * space returns.  A read-only state directory stops the start with a
 * clear error.  (Linux will not remount read-only under a process that
 * has files open for writing, so "becomes read-only while running" cannot
 * be staged this way.)  Needs root to mount a small tmpfs; skipped, and
 * says so, without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "test_files.h"
#include "test_json.h"

static struct harness h;
static char mountpoint[256];
static bool mounted;

static const char *message_of(const cJSON *r)
{
	const cJSON *m =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "message");
	return cJSON_IsString(m) ? m->valuestring : "";
}

static cJSON *submit_as(const char *template, int n)
{
	char *doc = strdup(template);
	char code[8];
	snprintf(code, sizeof code, "7%05d", n);
	memcpy(strstr(doc, "116001"), code, 6);
	cJSON *r = harness_send_document(&h, "submit", doc);
	free(doc);
	return r;
}

static void test_full_then_recovered(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "disk"), 0);
	snprintf(mountpoint, sizeof mountpoint, "%s/state", h.dir);
	assert_int_equal(mkdir(mountpoint, 0755), 0);
	if (mount("tmpfs", mountpoint, "tmpfs", 0, "size=1m") != 0) {
		fprintf(stderr,
			"  cannot mount a tmpfs (%s): not root? skipped\n",
			strerror(errno));
		skip();
	}
	mounted = true;
	assert_int_equal(harness_start(&h), 0);
	char *template =
	    harness_read_data("fengquan-116001-2023-corrected.json");

	/* Fill the disk: some submissions are acknowledged, then a refusal. */
	int accepted = 0, n = 0;
	cJSON *r = NULL;
	for (n = 0; n < 2000; n++) {
		r = submit_as(template, n);
		assert_non_null(r);
		if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
			break;
		accepted++;
		cJSON_Delete(r);
	}
	assert_true(accepted > 10);
	assert_string_equal(harness_error_code(r), "store_failed");
	assert_non_null(strstr(message_of(r), "disk"));
	assert_non_null(strstr(message_of(r), "nothing was stored"));
	cJSON_Delete(r);
	/* The health check says so: a monitoring system sees CRITICAL. */
	r = harness_call_text(&h, "{\"op\":\"check\"}");
	const cJSON *health = cJSON_GetObjectItem(r, "health");
	fprintf(stderr, "  check: %s\n", json_str(health, "line"));
	assert_string_equal(json_str(health, "level"), "critical");
	assert_non_null(strstr(json_str(health, "line"), "LAST COMMIT FAILED"));
	cJSON_Delete(r);
	/* Still answering queries, with exactly the acknowledged budgets. */
	r = harness_call_text(&h, "{\"op\":\"departments\"}");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r, "departments")),
	    accepted);
	cJSON_Delete(r);

	/* Space returns: submissions are accepted again. */
	assert_int_equal(
	    mount("tmpfs", mountpoint, "tmpfs", MS_REMOUNT, "size=64m"), 0);
	r = submit_as(template, n);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("after space returned: %s", message_of(r));
	cJSON_Delete(r);
	accepted++;
	r = harness_call_text(&h, "{\"op\":\"check\"}");
	assert_string_equal(json_str(cJSON_GetObjectItem(r, "health"), "level"),
			    "ok");
	cJSON_Delete(r);

	/* Restarted, it has every acknowledged budget and nothing else. */
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start(&h), 0);
	r = harness_call_text(&h, "{\"op\":\"departments\"}");
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(r, "departments")),
	    accepted);
	cJSON_Delete(r);
	fprintf(stderr,
		"  1 MiB store: %d accepted before full; refused, recovered\n",
		accepted - 1);
	free(template);
}

static void test_readonly_state_refuses_to_start(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "rodisk"), 0);
	snprintf(mountpoint, sizeof mountpoint, "%s/state", h.dir);
	assert_int_equal(mkdir(mountpoint, 0755), 0);
	if (mount("tmpfs", mountpoint, "tmpfs", MS_RDONLY, "size=1m") != 0) {
		fprintf(stderr,
			"  cannot mount a tmpfs (%s): not root? skipped\n",
			strerror(errno));
		skip();
	}
	mounted = true;
	assert_int_equal(harness_start(&h), -1);
	char log[4096];
	harness_read_log(&h, log, sizeof log);
	fprintf(stderr, "  %s",
		strstr(log, "error") ? strstr(log, "error") : log);
	assert_non_null(strstr(log, "is not writable: Read-only file system"));
	/* --check-config (systemd's ExecStartPre) says so before a start. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "%s/budgetd --check-config --state-dir %s > %s/check.log "
		 "2>&1",
		 BUDGETD_TEST_BIN_DIR, mountpoint, h.dir);
	assert_int_not_equal(system(cmd), 0);
	char path[300];
	size_t n;
	snprintf(path, sizeof path, "%s/check.log", h.dir);
	char *out = test_read_file(path, &n);
	assert_non_null(out);
	fprintf(stderr, "  --check-config: %s", strstr(out, "state") ?: out);
	assert_non_null(strstr(out, "is not writable by uid"));
	assert_non_null(strstr(out, "Read-only file system"));
	free(out);
}

/* A store copied in that budgetd cannot write (as a restore done as
 * root leaves it): the refusal says whose the file is and what to do. */
static void test_readonly_store_is_explained(void **state)
{
	(void)state;
	assert_int_equal(harness_init(&h, "rofile"), 0);
	assert_int_equal(harness_start(&h), 0);
	assert_int_equal(harness_stop(&h), 0);
	snprintf(mountpoint, sizeof mountpoint, "%s/state/budgetd.db", h.dir);
	if (mount(mountpoint, mountpoint, NULL, MS_BIND, NULL) != 0 ||
	    mount(NULL, mountpoint, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
		  NULL) != 0) {
		fprintf(stderr, "  cannot bind-mount (%s): not root? skipped\n",
			strerror(errno));
		skip();
	}
	mounted = true;
	assert_int_equal(harness_start(&h), -1);
	char log[8192];
	harness_read_log(&h, log, sizeof log);
	const char *error = strstr(log, "cannot initialise");
	fprintf(stderr, "  %s", error ? error : log);
	assert_non_null(error);
	assert_non_null(strstr(error, "the file is owned by root:"));
	assert_non_null(strstr(error, "chmod 0640"));
}

static int teardown(void **state)
{
	(void)state;
	if (h.pid > 0)
		harness_stop(&h);
	if (mounted)
		umount2(mountpoint, MNT_DETACH);
	mounted = false;
	harness_cleanup(&h);
	return 0;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_full_then_recovered, teardown),
	    cmocka_unit_test_teardown(test_readonly_state_refuses_to_start,
				      teardown),
	    cmocka_unit_test_teardown(test_readonly_store_is_explained,
				      teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
