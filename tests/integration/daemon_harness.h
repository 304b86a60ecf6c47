/* Starts the real budgetd on ipc sockets in a scratch directory. */
#ifndef BUDGETD_DAEMON_HARNESS_H
#define BUDGETD_DAEMON_HARNESS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct harness {
	char dir[128];
	char request_url[192];
	char publish_url[192];
	char config_path[192];
	char extra_listen[128]; /* another listen URL, e.g. tcp://127.0.0.1:N */
	pid_t pid;
};

/* A TCP port on 127.0.0.1 that is free now, below the kernel's range of
 * ephemeral ports (where any client's connection may hold one), spread
 * over 20000..31999 by the process and salt so that tests running side by
 * side start apart; -1 if none was found. */
int harness_tcp_port(int salt);
/* Makes a fresh scratch directory (no daemon yet). */
int harness_init(struct harness *h, const char *name);
/* Writes the config file the daemon will be started with. */
int harness_write_config(struct harness *h, const char *text);
/* Starts budgetd and waits until it answers status (5 s at most). */
int harness_start(struct harness *h);
/* SIGTERM, wait; returns the exit status (or -1). */
int harness_stop(struct harness *h);
void harness_cleanup(struct harness *h);

/* One request/reply; NULL on transport failure or timeout. */
cJSON *harness_call(const struct harness *h, const char *request, size_t len,
		    int timeout_ms);
cJSON *harness_call_text(const struct harness *h, const char *request);
/* The same against any URL (another listener). */
cJSON *harness_call_url(const char *url, const char *request, int timeout_ms);
/* Submits (or validates) a document text with op. */
cJSON *harness_send_document(const struct harness *h, const char *op,
			     const char *document);

/* The daemon's log so far (stdout and stderr), NUL-terminated, cut to
 * size. */
void harness_read_log(const struct harness *h, char *log, size_t size);

/* Whether a reply says "ok": true; its error code ("" when none). */
bool harness_ok(const cJSON *reply);
const char *harness_error_code(const cJSON *reply);
/* "ok", else the error code ("?" for neither). */
const char *harness_outcome(const cJSON *reply);

/* cmocka teardown for a test whose initial state is its harness: stops
 * the daemon if it still runs and removes the scratch directory. */
int harness_teardown(void **state);
/* A test of an integration program, cleaned up after by its harness. */
#define HARNESS_TEST(fn, harness)                                              \
	cmocka_unit_test_prestate_setup_teardown(fn, NULL, harness_teardown,   \
						 harness)
/* Runs the tests with SIGPIPE ignored: a daemon killed mid-reply must not
 * take the test with it. */
int harness_run(const char *name, const struct CMUnitTest *tests, size_t n);

/* Reads a whole file (malloc'ed, NUL-terminated; *len its size). */
char *harness_read_file(const char *path, size_t *len);
/* Reads a file from the test data dir. */
char *harness_read_data(const char *file);

#endif
