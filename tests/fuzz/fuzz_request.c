/*
 * Fuzzes the whole request path — UTF-8 and JSON decoding, the envelope,
 * the model, every audit plugin, the store (for submit), apply and the
 * totals query — through request_handle(), as a request from a socket
 * would go, but without sockets.  Every input must get exactly one reply
 * that is a JSON object with a boolean "ok".
 *
 * Built with clang -fsanitize=fuzzer (BUDGETD_FUZZ=ON) it is a libFuzzer
 * target; otherwise main() below replays the files given on the command
 * line (the corpus), which is how the normal test suite runs it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct daemon d;
static int replies;

static void capture_reply(struct daemon *dd, struct rpc_request *req,
			  const char *body, size_t len)
{
	(void)dd;
	cJSON *reply = cJSON_ParseWithLength(body, len);
	if (reply == NULL || !cJSON_IsBool(cJSON_GetObjectItem(reply, "ok"))) {
		fprintf(stderr, "reply is not {\"ok\": …}: %.*s\n", (int)len,
			body);
		abort();
	}
	cJSON_Delete(reply);
	nng_msg_free(req->msg);
	free(req);
	replies++;
}

static void setup(void)
{
	char err[1024], dir[] = "/tmp/budgetd-fuzz-XXXXXX";
	struct daemon_flags flags = {.plugin_dir = BUDGETD_FUZZ_PLUGIN_DIR,
				     .log_level = "error"};
	if (mkdtemp(dir) == NULL)
		abort();
	flags.state_dir = dir;
	log_init();
	if (daemon_config_load(&flags, &d.config, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	d.flags = flags;
	daemon_choose_dirs(&d);
	snprintf(d.host.conf_dir, sizeof d.host.conf_dir, "%s",
		 BUDGETD_FUZZ_CONF_DIR);
	d.send_reply = capture_reply;
	if (host_load(&d.host, d.config, d.plugin_dir, err, sizeof err) < 0 ||
	    registry_init(&d.registry) < 0 ||
	    store_open(&d.store, dir, 64, err, sizeof err) < 0 ||
	    store_start(&d.store, NULL, NULL) < 0) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (d.config == NULL)
		setup();
	struct rpc_request *req = calloc(1, sizeof *req);
	if (req == NULL || nng_msg_alloc(&req->msg, 0) != 0 ||
	    nng_msg_append(req->msg, data, size) != 0)
		abort();
	snprintf(req->peer, sizeof req->peer, "fuzz");
	int before = replies;
	request_handle(&d, req);
	/* A submission is answered after its commit: wait for the store. */
	while (d.in_flight > 0) {
		struct store_job *job = store_take_done(&d.store);
		if (job == NULL) {
			usleep(100);
			continue;
		}
		while (job != NULL) {
			struct store_job *next = job->next;
			ops_store_done(&d, job);
			job = next;
		}
	}
	if (replies != before + 1) {
		fprintf(stderr, "%d replies to one request\n",
			replies - before);
		abort();
	}
	return 0;
}

#ifndef BUDGETD_LIBFUZZER
int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		uint8_t *data = malloc((size_t)size + 1);
		if (fread(data, 1, (size_t)size, f) != (size_t)size) {
			fclose(f);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(data, (size_t)size);
		free(data);
		n++;
	}
	if (d.config != NULL) {
		store_stop(&d.store);
		for (struct store_job *job = store_take_done(&d.store), *next;
		     job; job = next) {
			next = job->next;
			ops_store_done(&d, job);
		}
	}
	printf("%d inputs replayed, %d replies, no crash\n", n, replies);
	return 0;
}
#endif
