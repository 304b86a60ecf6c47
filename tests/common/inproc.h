/*
 * The daemon in process, without sockets: config, plugins, registry and a
 * real store in a scratch directory, driven through request_handle() as
 * requests from a socket would be.  For the unit tests of the request
 * path and the fuzzer.
 */
#ifndef BUDGETD_TEST_INPROC_H
#define BUDGETD_TEST_INPROC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "daemon.h"

struct inproc {
	struct daemon d;
	char state_dir[64];
	char *last_reply; /* the text of the last reply (malloc'ed) */
	size_t last_len;
	int replies; /* replies sent so far */
};

/* Starts it with the built-in config and these plugin and conf dirs (and
 * config_path over them, when not NULL).  Returns 0, or -1 with the reason
 * on stderr. */
int inproc_start(struct inproc *p, const char *plugin_dir, const char *conf_dir,
		 const char *config_path);
/* Opens a second daemon on the first one's store (p must be stopped). */
int inproc_restart(struct inproc *p, const char *plugin_dir,
		   const char *conf_dir);
/* Sends bytes as a request from listener listener_index (0 is the trusted
 * ipc listener of the built-in config; -1 one that requires credentials),
 * waits for the store when it is a submission, and returns how many
 * replies it got (exactly 1 is right). */
int inproc_send(struct inproc *p, const void *data, size_t len,
		int listener_index);
/* The same for text; returns the parsed reply, NULL unless exactly one. */
cJSON *inproc_call(struct inproc *p, const char *request, int listener_index);
/* Stops the writer, answers what it finished, frees everything; the
 * store stays on disk until inproc_remove(). */
void inproc_stop(struct inproc *p);
void inproc_remove(struct inproc *p);

#endif
