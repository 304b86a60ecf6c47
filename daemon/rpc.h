/*
 * The nng transport.  One REP socket with any number of listeners serves
 * requests through N contexts (cooked REP alone would serve one request at
 * a time); each received request is queued for the loop thread, which
 * answers it with rpc_reply(), possibly much later (after a commit).  One
 * PUB socket carries notifications.
 */
#ifndef BUDGETD_RPC_H
#define BUDGETD_RPC_H

#include <nng/nng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

struct rpc_ctx;

/* listener_index of a request that came over HTTP (http.c). */
#define RPC_LISTENER_HTTP (-2)

struct rpc_request {
	struct rpc_ctx *ctx;
	nng_msg *msg;
	void *http;    /* set: the HTTP exchange to answer (http.c), no ctx */
	char op[32];   /* the op asked, once known (for the metrics) */
	char peer[96]; /* "ipc", "tcp 127.0.0.1:40522", … */
	int listener_index;   /* position in the listen list, -1 unknown */
	uint32_t pipe_id;     /* the connection, for per-connection limits */
	uint64_t received_ns; /* clock_ns when it came in (0: not taken) */
	/* Where its "document" member's value lies in msg, when decoding
	 * off the loop found one (the stored bytes); else NULL. */
	const char *document_at;
	size_t document_len;
	/* What rpc_hooks.prepare made of it on the nng thread (the decoded
	 * request), for the loop to take; NULL: nothing. */
	void *prepared;
	struct rpc_request *next;
};

/* What the daemon does with a request off the loop.  notify wakes the
 * loop; prepare (may be NULL) runs on the nng thread that received the
 * request, before the loop is woken for it: a large request is decoded
 * there rather than by one more trip through the loop to a worker and
 * back.  forget frees what prepare left in a request that is dropped
 * unanswered (at close).  All three are called from nng's threads, any
 * number at once, but each request is prepared once, before anyone else
 * sees it. */
struct rpc_hooks {
	void (*notify)(void *arg);
	void (*prepare)(struct rpc_request *req, size_t max_message_size,
			void *arg);
	void (*forget)(struct rpc_request *req);
	void *arg;
};

struct rpc {
	nng_socket rep;
	nng_socket pub;
	bool rep_open, pub_open;
	nng_listener listeners[32];
	size_t n_listeners;
	struct rpc_ctx *ctxs;
	size_t n_ctxs;
	size_t max_message_size;
	pthread_mutex_t lock;
	struct rpc_request *head, *tail;
	struct rpc_hooks hooks;
	atomic_int subscribers; /* PUB peers connected */
	struct outbox outbox; /* replies and publications, sent off the loop */
};

/*
 * Opens the sockets and starts listening.  Messages larger than
 * max_message_size get a precise error reply; larger than four times that
 * nng drops them unread (a memory bound, not an answer).
 */
struct rpc_tls {
	const char *cert_key_file;  /* PEM: certificate and key */
	const char *client_ca_file; /* NULL: no client certificates asked */
};

int rpc_open(struct rpc *rpc, char *const *urls, size_t n_urls,
	     const char *publish_url, size_t max_message_size, size_t n_ctxs,
	     const struct rpc_tls *tls, const struct rpc_hooks *hooks,
	     char *err, size_t err_size);
/* Requests received since the last call, oldest first (loop thread). */
struct rpc_request *rpc_take(struct rpc *rpc);
/* Sends the reply for a request (queued for the sender thread) and frees
 * the request. */
void rpc_reply(struct rpc *rpc, struct rpc_request *req, const char *body,
	       size_t len);
int rpc_publish(struct rpc *rpc, const char *topic, const char *body,
		size_t len);
/* How many subscribers are connected to the PUB socket now. */
int rpc_subscribers(struct rpc *rpc);
/* Closes everything, from one thread; waits for nng's callbacks. */
void rpc_close(struct rpc *rpc);

#endif
