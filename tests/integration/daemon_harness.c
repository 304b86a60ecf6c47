#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "test_files.h"

#include <errno.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int harness_tcp_port(int salt)
{
	int start = (int)((getpid() * 7 + salt * 1009) % 12000);
	for (int i = 0; i < 12000; i++) {
		int port = 20000 + (start + i) % 12000;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		struct sockaddr_in at = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr =
					     htonl(INADDR_LOOPBACK)};
		int taken = bind(fd, (struct sockaddr *)&at, sizeof at);
		close(fd);
		if (taken == 0)
			return port;
	}
	return -1;
}

int harness_init(struct harness *h, const char *name)
{
	char cmd[512];
	memset(h, 0, sizeof *h);
	snprintf(h->dir, sizeof h->dir, "/tmp/budgetd-it-%s-%d", name,
		 getpid());
	snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", h->dir, h->dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(h->request_url, sizeof h->request_url, "ipc://%s/req.sock",
		 h->dir);
	snprintf(h->publish_url, sizeof h->publish_url, "ipc://%s/pub.sock",
		 h->dir);
	return 0;
}

int harness_write_config(struct harness *h, const char *text)
{
	/* Relative plugin paths start at the config's directory: give it the
	 * shipped catalogues, as an installation has them. */
	char link_path[256];
	snprintf(link_path, sizeof link_path, "%s/catalog", h->dir);
	if (access(link_path, F_OK) != 0 &&
	    symlink(BUDGETD_TEST_CONF_DIR "/catalog", link_path) != 0)
		return -1;
	snprintf(h->config_path, sizeof h->config_path, "%s/budgetd.conf",
		 h->dir);
	FILE *f = fopen(h->config_path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return 0;
}

/* A daemon that did not come up: the end of its log goes to the test's
 * output, since the scratch directory is removed with the test. */
static void start_failed(const struct harness *h, const char *what)
{
	char path[256], tail[2048];
	snprintf(path, sizeof path, "%s/daemon.log", h->dir);
	FILE *f = fopen(path, "r");
	size_t n = 0;
	if (f != NULL) {
		if (fseek(f, -(long)(sizeof tail - 1), SEEK_END) != 0)
			rewind(f); /* shorter than that */
		n = fread(tail, 1, sizeof tail - 1, f);
		fclose(f);
	}
	tail[n] = '\0';
	fprintf(stderr, "budgetd (%s) %s; the end of its log:\n%s\n",
		h->extra_listen[0] ? h->extra_listen : h->request_url, what,
		tail);
}

int harness_start(struct harness *h)
{
	char exe[512], state[256], log[256];
	snprintf(exe, sizeof exe, "%s/budgetd", BUDGETD_TEST_BIN_DIR);
	snprintf(state, sizeof state, "%s/state", h->dir);
	snprintf(log, sizeof log, "%s/daemon.log", h->dir);

	char listen[400];
	snprintf(listen, sizeof listen, "%s%s%s", h->request_url,
		 h->extra_listen[0] ? "," : "", h->extra_listen);
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (h->config_path[0])
			execl(exe, exe, "--config", h->config_path,
			      "--state-dir", state, "--listen", listen,
			      "--publish", h->publish_url, "--log-level",
			      "debug", (char *)NULL);
		else
			execl(exe, exe, "--state-dir", state, "--listen",
			      listen, "--publish", h->publish_url,
			      "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int status;
		if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
			h->pid = 0;
			start_failed(h, "exited during start-up");
			return -1;
		}
		cJSON *reply = harness_call_text(h, "{\"op\":\"status\"}");
		if (reply != NULL) {
			cJSON_Delete(reply);
			return 0;
		}
		usleep(50000);
	}
	start_failed(h, "did not answer status within 5 s");
	return -1;
}

int harness_stop(struct harness *h)
{
	int status;
	if (h->pid <= 0)
		return -1;
	kill(h->pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
			h->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(25000);
	}
	/* Five seconds and still there: that is a hang, and a failure. */
	kill(h->pid, SIGKILL);
	waitpid(h->pid, &status, 0);
	h->pid = 0;
	return -1;
}

void harness_cleanup(struct harness *h)
{
	char cmd[512];
	if (h->pid > 0)
		harness_stop(h);
	if (getenv("BUDGETD_KEEP_TEST_DIRS") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", h->dir);
	}
}

static cJSON *call_url(const char *url, const char *request, size_t len,
		       int timeout_ms);

cJSON *harness_call(const struct harness *h, const char *request, size_t len,
		    int timeout_ms)
{
	return call_url(h->request_url, request, len, timeout_ms);
}

cJSON *harness_call_url(const char *url, const char *request, int timeout_ms)
{
	return call_url(url, request, strlen(request), timeout_ms);
}

/* nng_send() takes a non-const buffer: send a message of our own. */
static int send_text(nng_socket sock, const char *text, size_t len)
{
	nng_msg *msg = NULL;
	int rv = nng_msg_alloc(&msg, 0);
	if (rv == 0 && (rv = nng_msg_append(msg, text, len)) == 0 &&
	    (rv = nng_sendmsg(sock, msg, 0)) == 0)
		return 0;
	if (msg != NULL)
		nng_msg_free(msg);
	return rv;
}

static cJSON *call_url(const char *url, const char *request, size_t len,
		       int timeout_ms)
{
	nng_socket sock;
	nng_msg *msg = NULL;
	cJSON *reply = NULL;
	if (nng_req0_open(&sock) != 0)
		return NULL;
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
	/* Idempotent requests are resent if a reply does not come (a request
	 * can be lost with a connection); a submission never is. */
	bool submit = memmem(request, len, "\"op\":\"submit\"", 13) != NULL;
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME,
			  submit ? NNG_DURATION_INFINITE : 2000);
	if (nng_dial(sock, url, NULL, 0) == 0 &&
	    send_text(sock, request, len) == 0 &&
	    nng_recvmsg(sock, &msg, 0) == 0) {
		reply =
		    cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
	}
	nng_close(sock);
	return reply;
}

cJSON *harness_call_text(const struct harness *h, const char *request)
{
	return harness_call(h, request, strlen(request), 10000);
}

cJSON *harness_send_document(const struct harness *h, const char *op,
			     const char *document)
{
	size_t n = strlen(document) + 64;
	char *request = malloc(n);
	snprintf(request, n, "{\"op\":\"%s\",\"document\":%s}", op, document);
	cJSON *reply = harness_call_text(h, request);
	free(request);
	return reply;
}

char *harness_read_file(const char *path, size_t *len)
{
	return test_read_file(path, len);
}

char *harness_read_data(const char *file)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof path, "%s/%s", BUDGETD_TEST_DATA_DIR, file);
	return harness_read_file(path, &len);
}

bool harness_ok(const cJSON *reply)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"));
}

const char *harness_error_code(const cJSON *reply)
{
	const cJSON *c =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "error"), "code");
	return cJSON_IsString(c) ? c->valuestring : "";
}

int harness_teardown(void **state)
{
	harness_cleanup(*state);
	return 0;
}

int harness_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	signal(SIGPIPE, SIG_IGN);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

const char *harness_outcome(const cJSON *reply)
{
	if (harness_ok(reply))
		return "ok";
	const char *code = harness_error_code(reply);
	return code[0] ? code : "?";
}

void harness_read_log(const struct harness *h, char *log, size_t size)
{
	char path[256];
	snprintf(path, sizeof path, "%s/daemon.log", h->dir);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(log, 1, size - 1, f) : 0;
	log[n] = '\0';
	if (f)
		fclose(f);
}
