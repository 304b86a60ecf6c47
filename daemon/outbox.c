#include "outbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void send_item(struct outbox *ob, const struct outbox_item *item)
{
	if (item->aio != NULL) {
		nng_ctx_send(item->ctx, item->aio);
		return;
	}
	if (nng_sendmsg(item->sock, item->msg, NNG_FLAG_NONBLOCK) != 0) {
		nng_msg_free(item->msg);
		pthread_mutex_lock(&ob->lock);
		ob->failed++;
		pthread_mutex_unlock(&ob->lock);
	}
}

static void *sender_main(void *arg)
{
	struct outbox *ob = arg;
	pthread_mutex_lock(&ob->lock);
	for (;;) {
		while (ob->n == 0 && !ob->stopping) {
			ob->idle = true;
			pthread_cond_wait(&ob->wake, &ob->lock);
		}
		ob->idle = false;
		if (ob->n == 0)
			break;
		struct outbox_item item = ob->ring[ob->head];
		ob->head = (ob->head + 1) % ob->cap;
		ob->n--;
		ob->publications -= item.aio == NULL;
		pthread_mutex_unlock(&ob->lock);
		send_item(ob, &item);
		pthread_mutex_lock(&ob->lock);
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

void outbox_init(struct outbox *ob, size_t max_publications)
{
	memset(ob, 0, sizeof *ob);
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->wake, NULL);
	ob->max_publications = max_publications;
}

int outbox_start(struct outbox *ob, const char *name)
{
	int rc = pthread_create(&ob->thread, NULL, sender_main, ob);
	if (rc != 0)
		return -rc;
	pthread_setname_np(ob->thread, name);
	pthread_mutex_lock(&ob->lock);
	ob->running = true;
	pthread_mutex_unlock(&ob->lock);
	return 0;
}

/* Room for one more item (lock held); false when it cannot grow. */
static bool make_room(struct outbox *ob)
{
	if (ob->n < ob->cap)
		return true;
	size_t cap = ob->cap ? ob->cap * 2 : 64;
	struct outbox_item *ring = malloc(cap * sizeof *ring);
	if (ring == NULL)
		return false;
	/* Unwrapped into the new ring, oldest first. */
	for (size_t i = 0; i < ob->n; i++)
		ring[i] = ob->ring[(ob->head + i) % ob->cap];
	free(ob->ring);
	ob->ring = ring;
	ob->cap = cap;
	ob->head = 0;
	return true;
}

/* Queues item, waking the sender if it sleeps.  Returns 0; -ENOBUFS for
 * a publication past the bound; -EAGAIN when nothing can be queued (not
 * running, or no memory): the caller sends it itself. */
static int enqueue(struct outbox *ob, const struct outbox_item *item)
{
	bool publication = item->aio == NULL;
	pthread_mutex_lock(&ob->lock);
	if (publication && ob->publications >= ob->max_publications) {
		ob->dropped++;
		pthread_mutex_unlock(&ob->lock);
		return -ENOBUFS;
	}
	if (ob->stopping || !make_room(ob)) {
		pthread_mutex_unlock(&ob->lock);
		return -EAGAIN;
	}
	ob->ring[(ob->head + ob->n) % ob->cap] = *item;
	ob->n++;
	ob->publications += publication;
	/* Only a sleeping sender needs the signal, and only once: a busy one
	 * looks at the queue before it sleeps.  Fewer wake-ups, fewer times
	 * the loop is preempted by the thread it woke. */
	bool wake = ob->idle;
	ob->idle = false;
	pthread_mutex_unlock(&ob->lock);
	if (wake)
		pthread_cond_signal(&ob->wake);
	return 0;
}

void outbox_reply(struct outbox *ob, nng_ctx ctx, nng_aio *aio)
{
	const struct outbox_item item = {.aio = aio, .ctx = ctx};
	if (enqueue(ob, &item) < 0)
		nng_ctx_send(ctx, aio);
}

int outbox_publish(struct outbox *ob, nng_socket sock, nng_msg *msg)
{
	const struct outbox_item item = {.sock = sock, .msg = msg};
	int rc = enqueue(ob, &item);
	if (rc == -ENOBUFS) {
		nng_msg_free(msg);
		return rc;
	}
	if (rc < 0)
		send_item(ob, &item);
	return 0;
}

void outbox_counts(struct outbox *ob, uint64_t *dropped, uint64_t *failed)
{
	pthread_mutex_lock(&ob->lock);
	*dropped = ob->dropped;
	*failed = ob->failed;
	pthread_mutex_unlock(&ob->lock);
}

void outbox_stop(struct outbox *ob)
{
	pthread_mutex_lock(&ob->lock);
	ob->stopping = true;
	bool running = ob->running;
	pthread_mutex_unlock(&ob->lock);
	if (running) {
		pthread_cond_signal(&ob->wake);
		pthread_join(ob->thread, NULL);
		ob->running = false;
	}
	/* Queued with no thread ever started: sent here, in order. */
	for (; ob->n > 0; ob->n--, ob->head = (ob->head + 1) % ob->cap)
		send_item(ob, &ob->ring[ob->head]);
	free(ob->ring);
	ob->ring = NULL;
	ob->cap = ob->head = ob->n = ob->publications = 0;
}
