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

static void test_journal_priorities(void **state)
{
	(void)state;
	/* Under systemd the journal reads "<N>" and stamps lines itself. */
	log_four(true, "info");
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
	    cmocka_unit_test(test_long_line_is_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
