/*
 * The outbox: one thread that hands the loop's replies and publications
 * to nng.  nng's sends take its socket and pipe locks and wake its own
 * threads; under load the loop spent more time blocked in them (about
 * 0.25 ms a submission) than it spent answering.  The loop now queues a
 * send and goes on; the sender thread waits for nng instead.  A send that
 * finds the sender idle with nothing waiting is made by the caller: the
 * locks are contended only under load, and a wake-up costs more.
 *
 * Replies go out in the order they were queued, and before anything else
 * waiting; publications and tasks in theirs.  A reply is never dropped;
 * a publication is dropped when max_publications are already waiting
 * (PUB drops for slow subscribers anyway, who learn of it from the
 * sequence numbers).
 */
#ifndef BUDGETD_OUTBOX_H
#define BUDGETD_OUTBOX_H

#include <nng/nng.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTBOX_MAX_PUBLICATIONS 65536

struct outbox_item {
	nng_aio *aio; /* set: nng_ctx_send(ctx, aio), its message set */
	nng_ctx ctx;
	void (*run)(void *arg); /* set: run(arg), on the sender thread */
	void *arg;
	nng_socket sock; /* else: nng_sendmsg(sock, msg, NONBLOCK) */
	nng_msg *msg;
};

struct outbox {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	pthread_cond_t drained; /* for outbox_drain */
	bool initialised, running, stopping, idle, busy;
	/* FIFOs: replies go before the rest (publications and tasks). */
	struct outbox_ring {
		struct outbox_item *items; /* head, then n items, wrapping */
		size_t cap, head, n;
	} replies, others;
	size_t publications;	  /* of those waiting, the publications */
	size_t max_publications;  /* waiting at most; more are dropped */
	uint64_t dropped, failed; /* publications dropped full, not sent */
};

/* An outbox that queues until started, keeping at most max_publications
 * publications waiting. */
void outbox_init(struct outbox *ob, size_t max_publications);
/* Starts the sender thread (named name for top -H and the bench). */
int outbox_start(struct outbox *ob, const char *name);
/* Queues nng_ctx_send(ctx, aio) for the sender; the aio holds its
 * message.  Sent by the caller when the sender is idle with nothing
 * waiting, the queue cannot grow, or the outbox is stopping. */
void outbox_reply(struct outbox *ob, nng_ctx ctx, nng_aio *aio);
/* Queues a publication; takes msg.  Returns 0, or -ENOBUFS after
 * dropping it when max_publications are waiting. */
int outbox_publish(struct outbox *ob, nng_socket sock, nng_msg *msg);
/* Queues run(arg) for the sender thread, in order with the sends: work
 * that ends in a send (a publication's message built off the loop).  Run
 * by the caller when nothing can be queued. */
void outbox_run(struct outbox *ob, void (*run)(void *arg), void *arg);
/* Waits until everything queued before has been sent or run (not from
 * the sender thread). */
void outbox_drain(struct outbox *ob);
/* Publications dropped (queue full) and refused by nng so far. */
void outbox_counts(struct outbox *ob, uint64_t *dropped, uint64_t *failed);
/* Sends what is queued, then joins the thread; later sends go out on the
 * caller's thread.  An outbox never initialised must be all zero: it
 * sends everything on the caller's thread (a daemon driven without its
 * sockets, in tests). */
void outbox_stop(struct outbox *ob);

#endif
