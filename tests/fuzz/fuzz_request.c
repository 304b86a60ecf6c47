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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct inproc daemon_in_process;
static bool started;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inproc *p = &daemon_in_process;
	if (!started) {
		if (inproc_start(p, BUDGETD_FUZZ_PLUGIN_DIR,
				 BUDGETD_FUZZ_CONF_DIR, NULL) < 0)
			abort();
		started = true;
	}
	int replies = inproc_send(p, data, size, 0);
	if (replies != 1) {
		fprintf(stderr, "%d replies to one request\n", replies);
		abort();
	}
	cJSON *reply = cJSON_ParseWithLength(p->last_reply, p->last_len);
	if (reply == NULL || !cJSON_IsBool(cJSON_GetObjectItem(reply, "ok"))) {
		fprintf(stderr, "reply is not {\"ok\": …}: %.*s\n",
			(int)p->last_len, p->last_reply);
		abort();
	}
	cJSON_Delete(reply);
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
	int replies = daemon_in_process.replies;
	if (started) {
		inproc_stop(&daemon_in_process);
		inproc_remove(&daemon_in_process);
	}
	printf("%d inputs replayed, %d replies, no crash\n", n, replies);
	return 0;
}
#endif
