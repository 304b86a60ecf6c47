#include "rpc.h"

#include <errno.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "clock.h"
#include "log.h"

enum rpc_state { RPC_RECV, RPC_WAIT, RPC_SEND };

/* Messages queued per subscriber before PUB drops. */
#define RPC_PUB_QUEUE 1024

struct rpc_ctx {
	struct rpc *rpc;
	nng_ctx ctx;
	nng_aio *aio;
	enum rpc_state state;
	bool open;
};

static void describe_peer(struct rpc *rpc, nng_msg *msg,
			  struct rpc_request *req)
{
	nng_pipe pipe = nng_msg_get_pipe(msg);
	nng_sockaddr sa;

	req->listener_index = -1;
	req->pipe_id = (uint32_t)nng_pipe_id(pipe);
	snprintf(req->peer, sizeof req->peer, "unknown");
	nng_listener l = nng_pipe_listener(pipe);
	for (size_t i = 0; i < rpc->n_listeners; i++)
		if (nng_listener_id(rpc->listeners[i]) == nng_listener_id(l))
			req->listener_index = (int)i;
	if (nng_pipe_get_addr(pipe, NNG_OPT_REMADDR, &sa) != 0)
		return;
	char host[INET6_ADDRSTRLEN] = "";
	switch (sa.s_family) {
	case NNG_AF_INET:
		inet_ntop(AF_INET, &sa.s_in.sa_addr, host, sizeof host);
		snprintf(req->peer, sizeof req->peer, "tcp %s:%u", host,
			 ntohs(sa.s_in.sa_port));
		break;
	case NNG_AF_INET6:
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, host, sizeof host);
		snprintf(req->peer, sizeof req->peer, "tcp [%s]:%u", host,
			 ntohs(sa.s_in6.sa_port));
		break;
	case NNG_AF_IPC:
		snprintf(req->peer, sizeof req->peer, "ipc %.80s",
			 sa.s_ipc.sa_path);
		break;
	default:
		break;
	}
}

static void ctx_recv(struct rpc_ctx *c)
{
	c->state = RPC_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

/* Runs on an nng thread. */
static void ctx_callback(void *arg)
{
	struct rpc_ctx *c = arg;
	struct rpc *rpc = c->rpc;
	int rv = nng_aio_result(c->aio);

	if (c->state == RPC_SEND) {
		if (rv != 0) {
			/* The requester went away; the reply is ours to free.
			 */
			nng_msg_free(nng_aio_get_msg(c->aio));
		}
		if (rv == NNG_ECLOSED)
			return;
		ctx_recv(c);
		return;
	}
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return;
	if (rv != 0) {
		ctx_recv(c);
		return;
	}
	struct rpc_request *req = calloc(1, sizeof *req);
	if (req == NULL) {
		nng_msg_free(nng_aio_get_msg(c->aio));
		ctx_recv(c);
		return;
	}
	req->received_ns = clock_ns();
	req->ctx = c;
	req->msg = nng_aio_get_msg(c->aio);
	describe_peer(rpc, req->msg, req);
	if (rpc->hooks.prepare != NULL)
		rpc->hooks.prepare(req, rpc->max_message_size, rpc->hooks.arg);
	c->state = RPC_WAIT;
	pthread_mutex_lock(&rpc->lock);
	if (rpc->tail)
		rpc->tail->next = req;
	else
		rpc->head = req;
	rpc->tail = req;
	pthread_mutex_unlock(&rpc->lock);
	rpc->hooks.notify(rpc->hooks.arg);
}

/* A tls+tcp:// listener: our certificate, and client certificates from
 * the configured CA required when there is one. */
static int listen_tls(struct rpc *rpc, const char *url,
		      const struct rpc_tls *tls, nng_listener *l, char *err,
		      size_t err_size)
{
	nng_tls_config *cfg = NULL;
	int rv;
	if (tls == NULL || tls->cert_key_file == NULL) {
		snprintf(err, err_size,
			 "%s: a tls+tcp listener needs tls_cert_key "
			 "(certificate and key in one PEM file)",
			 url);
		return -EINVAL;
	}
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_cert_key_file(cfg, tls->cert_key_file,
					       NULL)) != 0) {
		snprintf(err, err_size, "%s: cannot use %s: %s", url,
			 tls->cert_key_file, nng_strerror(rv));
		goto fail;
	}
	if (tls->client_ca_file != NULL &&
	    ((rv = nng_tls_config_ca_file(cfg, tls->client_ca_file)) != 0 ||
	     (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) !=
		 0)) {
		snprintf(err, err_size, "%s: cannot use client CA %s: %s", url,
			 tls->client_ca_file, nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_listener_create(l, rpc->rep, url)) != 0 ||
	    (rv = nng_listener_set_ptr(*l, NNG_OPT_TLS_CONFIG, cfg)) != 0 ||
	    (rv = nng_listener_start(*l, 0)) != 0) {
		snprintf(err, err_size, "cannot listen on %s: %s", url,
			 nng_strerror(rv));
		goto fail;
	}
	nng_tls_config_free(cfg); /* the listener holds its own reference */
	return 0;
fail:
	if (cfg)
		nng_tls_config_free(cfg);
	return -EIO;
}

static void count_subscriber(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct rpc *rpc = arg;
	(void)pipe;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&rpc->subscribers, 1);
	else
		atomic_fetch_sub(&rpc->subscribers, 1);
}

int rpc_subscribers(struct rpc *rpc)
{
	return atomic_load(&rpc->subscribers);
}

int rpc_open(struct rpc *rpc, char *const *urls, size_t n_urls,
	     const char *publish_url, size_t max_message_size, size_t n_ctxs,
	     const struct rpc_tls *tls, const struct rpc_hooks *hooks,
	     char *err, size_t err_size)
{
	int rv;
	memset(rpc, 0, sizeof *rpc);
	pthread_mutex_init(&rpc->lock, NULL);
	rpc->hooks = *hooks;
	rpc->max_message_size = max_message_size;

	if (n_urls > sizeof rpc->listeners / sizeof rpc->listeners[0]) {
		snprintf(err, err_size, "too many listen URLs");
		return -E2BIG;
	}
	if ((rv = nng_rep0_open(&rpc->rep)) != 0) {
		snprintf(err, err_size, "cannot open REP socket: %s",
			 nng_strerror(rv));
		return -EIO;
	}
	rpc->rep_open = true;
	/* Set before listening: nng 1.5 defaults to unlimited. */
	nng_socket_set_size(rpc->rep, NNG_OPT_RECVMAXSZ, max_message_size * 4);

	rpc->ctxs = calloc(n_ctxs, sizeof *rpc->ctxs);
	if (rpc->ctxs == NULL)
		return -ENOMEM;
	rpc->n_ctxs = n_ctxs;
	for (size_t i = 0; i < n_ctxs; i++) {
		struct rpc_ctx *c = &rpc->ctxs[i];
		c->rpc = rpc;
		if ((rv = nng_aio_alloc(&c->aio, ctx_callback, c)) != 0 ||
		    (rv = nng_ctx_open(&c->ctx, rpc->rep)) != 0) {
			snprintf(err, err_size, "cannot open context: %s",
				 nng_strerror(rv));
			return -EIO;
		}
		c->open = true;
	}
	for (size_t i = 0; i < n_urls; i++) {
		if (strncmp(urls[i], "tls+tcp://", 10) == 0) {
			int rc = listen_tls(rpc, urls[i], tls,
					    &rpc->listeners[i], err, err_size);
			if (rc < 0)
				return rc;
			rpc->n_listeners = i + 1;
			continue;
		}
		rv = nng_listen(rpc->rep, urls[i], &rpc->listeners[i], 0);
		if (rv != 0) {
			snprintf(err, err_size, "cannot listen on %s: %s",
				 urls[i], nng_strerror(rv));
			return -EADDRINUSE;
		}
		rpc->n_listeners = i + 1;
	}
	if ((rv = nng_pub0_open(&rpc->pub)) != 0) {
		snprintf(err, err_size, "cannot open PUB socket: %s",
			 nng_strerror(rv));
		return -EIO;
	}
	rpc->pub_open = true;
	/* Room for a burst per subscriber: the sender thread sends a batch's
	 * events back to back, and PUB drops what a full queue of a slow
	 * subscriber cannot take (16 by default: the bench's subscriber lost
	 * 10 of 2,000 messages with 8 clients, 575 with 32).  Not fatal, but
	 * said: subscribers would see more gaps. */
	if ((rv = nng_socket_set_int(rpc->pub, NNG_OPT_SENDBUF,
				     RPC_PUB_QUEUE)) != 0)
		log_warning("PUB socket: cannot queue %d messages per "
			    "subscriber (%s); nng's default of 16 stands",
			    RPC_PUB_QUEUE, nng_strerror(rv));
	/* Counted from nng's threads; read by the loop before publishing. */
	nng_pipe_notify(rpc->pub, NNG_PIPE_EV_ADD_POST, count_subscriber, rpc);
	nng_pipe_notify(rpc->pub, NNG_PIPE_EV_REM_POST, count_subscriber, rpc);
	if (publish_url != NULL && *publish_url &&
	    (rv = nng_listen(rpc->pub, publish_url, NULL, 0)) != 0) {
		snprintf(err, err_size, "cannot publish on %s: %s", publish_url,
			 nng_strerror(rv));
		return -EADDRINUSE;
	}
	outbox_init(&rpc->outbox, OUTBOX_MAX_PUBLICATIONS);
	if ((rv = outbox_start(&rpc->outbox, "budgetd:send")) < 0) {
		snprintf(err, err_size, "cannot start the sender thread: %s",
			 strerror(-rv));
		return rv;
	}
	for (size_t i = 0; i < n_ctxs; i++)
		ctx_recv(&rpc->ctxs[i]);
	return 0;
}

struct rpc_request *rpc_take(struct rpc *rpc)
{
	pthread_mutex_lock(&rpc->lock);
	struct rpc_request *list = rpc->head;
	rpc->head = rpc->tail = NULL;
	pthread_mutex_unlock(&rpc->lock);
	return list;
}

void rpc_reply(struct rpc *rpc, struct rpc_request *req, const char *body,
	       size_t len)
{
	struct rpc_ctx *c = req->ctx;
	nng_msg *msg = req->msg;

	req->msg = NULL;
	free(req);
	/* Reuse the request message for the reply: one allocation less. */
	nng_msg_clear(msg);
	if (nng_msg_append(msg, body, len) != 0) {
		nng_msg_free(msg);
		ctx_recv(c);
		return;
	}
	c->state = RPC_SEND;
	nng_aio_set_msg(c->aio, msg);
	outbox_reply(&rpc->outbox, c->ctx, c->aio);
}

int rpc_publish(struct rpc *rpc, const char *topic, const char *body,
		size_t len)
{
	size_t tlen = strlen(topic);
	nng_msg *msg;
	int rv;

	if (!rpc->pub_open)
		return 0;
	if ((rv = nng_msg_alloc(&msg, 0)) != 0)
		return -ENOMEM;
	if (nng_msg_append(msg, topic, tlen) != 0 ||
	    nng_msg_append(msg, " ", 1) != 0 ||
	    nng_msg_append(msg, body, len) != 0) {
		nng_msg_free(msg);
		return -ENOMEM;
	}
	/* PUB never blocks: a slow subscriber loses messages and learns of
	 * it from the sequence numbers. */
	return outbox_publish(&rpc->outbox, rpc->pub, msg);
}

void rpc_close(struct rpc *rpc)
{
	/* What the loop queued goes out first, as it did when sent inline. */
	outbox_stop(&rpc->outbox);
	for (size_t i = 0; i < rpc->n_ctxs; i++)
		if (rpc->ctxs[i].aio)
			nng_aio_stop(rpc->ctxs[i].aio);
	if (rpc->rep_open)
		nng_close(rpc->rep);
	for (size_t i = 0; i < rpc->n_ctxs; i++)
		if (rpc->ctxs[i].aio)
			nng_aio_free(rpc->ctxs[i].aio);
	free(rpc->ctxs);
	if (rpc->pub_open)
		nng_close(rpc->pub);
	struct rpc_request *r = rpc_take(rpc);
	while (r) {
		struct rpc_request *next = r->next;
		if (r->prepared != NULL && rpc->hooks.forget != NULL)
			rpc->hooks.forget(r);
		nng_msg_free(r->msg);
		free(r);
		r = next;
	}
	pthread_mutex_destroy(&rpc->lock);
	memset(rpc, 0, sizeof *rpc);
}
