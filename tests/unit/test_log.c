#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/uio.h>

#include "log.h"

/* What log calls wrote to stderr while f ran. */
static char captured[8192];

static void capture(void (*f)(void))
{
	char path[] = "/tmp/budgetd-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	f();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, captured, sizeof captured - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static void four_levels(void)
{
	log_error("disk is %s", "full");
	log_warning("slow commit: %d ms", 250);
	log_info("accepted %s/%d", "116001", 2023);
	log_debug("detail");
}

/* Logs at the four levels with journald (JOURNAL_STREAM) or without. */
static void log_four(bool journal, const char *level)
{
	if (journal)
		setenv("JOURNAL_STREAM", "8:12345", 1);
	else
		unsetenv("JOURNAL_STREAM");
	log_init();
	assert_int_equal(log_set_level_name(level), 0);
	capture(four_levels);
}

static void test_levels_filter(void **state)
{
	(void)state;
	log_four(false, "warning");
	assert_non_null(strstr(captured, "budgetd error: disk is full\n"));
	assert_non_null(strstr(captured, "budgetd warning: slow commit: 250"));
	assert_null(strstr(captured, "accepted"));
	assert_null(strstr(captured, "detail"));
	log_four(false, "debug");
	assert_non_null(strstr(captured, "budgetd info: accepted 116001/2023"));
	assert_non_null(strstr(captured, "budgetd debug: detail"));
	assert_int_equal(log_set_level_name("loud"), -EINVAL);
}

/* A journal that is not there (no socket): the stream is used. */
static int no_journal(const struct iovec *iov, int n)
{
	(void)iov, (void)n;
	return -ENOENT;
}

/* The entries a journal would have received, "FIELD=value" per line. */
static char entries[8192];

static int capture_journal(const struct iovec *iov, int n)
{
	size_t used = strlen(entries);
	for (int i = 0; i < n && used < sizeof entries - 2; i++) {
		int len = snprintf(entries + used, sizeof entries - used,
				   "%.*s\n", (int)iov[i].iov_len,
				   (const char *)iov[i].iov_base);
		used += len > 0 ? (size_t)len : 0;
	}
	if (used < sizeof entries - 2)
		strcat(entries, "--\n");
	return 0;
}

static void log_submission(void)
{
	struct log_fields f = {.department = "116001",
			       .year = 2023,
			       .rule = "arith.line.total",
			       .peer = "tcp 10.1.2.3:51522"};
	log_with(BD_LOG_INFO, &f, "rejected %s/%d", f.department, f.year);
	log_with(BD_LOG_WARNING, &(struct log_fields){.peer = "ipc"},
		 "refused");
}

static void test_journal_fields(void **state)
{
	(void)state;
	entries[0] = '\0';
	log_set_journal_sink(capture_journal);
	setenv("JOURNAL_STREAM", "8:12345", 1);
	log_init();
	assert_int_equal(log_set_level_name("info"), 0);
	capture(log_submission);
	assert_non_null(strstr(entries, "MESSAGE=rejected 116001/2023\n"
					"PRIORITY=6\n"
					"SYSLOG_IDENTIFIER=budgetd\n"
					"DEPARTMENT=116001\nYEAR=2023\n"
					"RULE=arith.line.total\n"
					"PEER=tcp 10.1.2.3:51522\n--\n"));
	assert_non_null(strstr(entries, "MESSAGE=refused\nPRIORITY=4\n"
					"SYSLOG_IDENTIFIER=budgetd\nPEER=ipc\n"
					"--\n"));
	/* Nothing on the stream: it went to the journal. */
	assert_string_equal(captured, "");
	/* Without journald: plain lines, no fields. */
	unsetenv("JOURNAL_STREAM");
	log_init();
	entries[0] = '\0';
	capture(log_submission);
	assert_string_equal(entries, "");
	assert_non_null(
	    strstr(captured, "budgetd info: rejected 116001/2023\n"));
	assert_null(strstr(captured, "DEPARTMENT"));
	log_set_journal_sink(NULL);
}

static void test_journal_priorities(void **state)
{
	(void)state;
	/* Under systemd, with no journal socket to send entries to, the
	 * stream reads "<N>" and the journal stamps lines itself. */
	log_set_journal_sink(no_journal);
	log_four(true, "info");
	log_set_journal_sink(NULL);
	assert_non_null(strstr(captured, "<3>disk is full\n"));
	assert_non_null(strstr(captured, "<4>slow commit: 250 ms\n"));
	assert_non_null(strstr(captured, "<6>accepted 116001/2023\n"));
	assert_null(strstr(captured, "<7>"));
	assert_null(strstr(captured, "budgetd error"));
	unsetenv("JOURNAL_STREAM");
	log_init();
}

static void long_line(void)
{
	char text[5000];
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	log_error("%s", text);
}

static void test_long_line_is_one_line(void **state)
{
	(void)state;
	capture(long_line);
	/* Cut, not split: one line, ending in a newline. */
	char *nl = strchr(captured, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	assert_true(strlen(captured) > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels_filter),
	    cmocka_unit_test(test_journal_priorities),
	    cmocka_unit_test(test_journal_fields),
	    cmocka_unit_test(test_long_line_is_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
