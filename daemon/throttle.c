#include "throttle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

/* Peers idle this long with nothing in flight are forgotten. */
#define THROTTLE_IDLE_MS 60000

int throttle_init(struct throttle *l, unsigned rate, unsigned burst,
		  unsigned max_in_flight_per_peer)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->lock, NULL);
	l->n_slots = 1024;
	l->peers = calloc(l->n_slots, sizeof *l->peers);
	throttle_set(l, rate, burst, max_in_flight_per_peer);
	return l->peers ? 0 : -ENOMEM;
}

void throttle_set(struct throttle *l, unsigned rate, unsigned burst,
		  unsigned max_in_flight_per_peer)
{
	pthread_mutex_lock(&l->lock);
	l->rate = rate;
	/* No burst given: a second's worth. */
	l->burst = burst ? burst : (rate ? rate : 1);
	l->max_in_flight_per_peer = max_in_flight_per_peer;
	pthread_mutex_unlock(&l->lock);
}

void throttle_free(struct throttle *l)
{
	free(l->peers);
	pthread_mutex_destroy(&l->lock);
	memset(l, 0, sizeof *l);
}

static struct throttle_peer *slot_for(struct throttle_peer *table,
				      size_t n_slots, const char *peer)
{
	size_t mask = n_slots - 1;
	for (size_t i = hash_str(peer) & mask;; i = (i + 1) & mask)
		if (!table[i].used || strcmp(table[i].peer, peer) == 0)
			return &table[i];
}

/*
 * Rebuilds the table with only the peers worth remembering (something in
 * flight, or seen lately), doubling it if those alone fill half of it.
 * Many short connections otherwise grow it without bound.
 */
static int sweep(struct throttle *l, uint64_t now_ms)
{
	size_t live = 0;
	for (size_t i = 0; i < l->n_slots; i++) {
		const struct throttle_peer *p = &l->peers[i];
		live += p->used && (p->in_flight ||
				    now_ms - p->last_ms < THROTTLE_IDLE_MS);
	}
	size_t n = l->n_slots;
	while (live * 2 >= n)
		n *= 2;
	struct throttle_peer *fresh = calloc(n, sizeof *fresh);
	if (fresh == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_slots; i++) {
		const struct throttle_peer *p = &l->peers[i];
		if (p->used &&
		    (p->in_flight || now_ms - p->last_ms < THROTTLE_IDLE_MS))
			*slot_for(fresh, n, p->peer) = *p;
	}
	free(l->peers);
	l->peers = fresh;
	l->n_slots = n;
	l->n_used = live;
	return 0;
}

static struct throttle_peer *find(struct throttle *l, const char *peer,
				  uint64_t now_ms)
{
	if ((l->n_used + 1) * 4 > l->n_slots * 3 && sweep(l, now_ms) < 0)
		return NULL;
	struct throttle_peer *p = slot_for(l->peers, l->n_slots, peer);
	if (!p->used) {
		snprintf(p->peer, sizeof p->peer, "%s", peer);
		p->tokens = l->burst;
		p->last_ms = now_ms;
		p->in_flight = 0;
		p->used = true;
		l->n_used++;
	}
	return p;
}

static bool take(struct throttle *l, const char *peer, uint64_t now_ms,
		 unsigned *retry_ms)
{
	if (l->rate == 0)
		return true;
	struct throttle_peer *p = find(l, peer, now_ms);
	if (p == NULL)
		return true; /* out of memory: do not refuse for that */
	p->tokens += (double)(now_ms - p->last_ms) * l->rate / 1000.0;
	if (p->tokens > l->burst)
		p->tokens = l->burst;
	p->last_ms = now_ms;
	if (p->tokens >= 1.0) {
		p->tokens -= 1.0;
		return true;
	}
	*retry_ms = (unsigned)((1.0 - p->tokens) * 1000.0 / l->rate) + 1;
	return false;
}

static bool submission_start(struct throttle *l, const char *peer,
			     uint64_t now_ms)
{
	if (l->max_in_flight_per_peer == 0)
		return true;
	struct throttle_peer *p = find(l, peer, now_ms);
	if (p == NULL)
		return true;
	if (p->in_flight >= l->max_in_flight_per_peer)
		return false;
	p->in_flight++;
	return true;
}

static void submission_done(struct throttle *l, const char *peer)
{
	if (l->max_in_flight_per_peer == 0)
		return;
	struct throttle_peer *p = slot_for(l->peers, l->n_slots, peer);
	if (p->used && p->in_flight > 0)
		p->in_flight--;
}

bool throttle_take(struct throttle *l, const char *peer, uint64_t now_ms,
		   unsigned *retry_ms)
{
	pthread_mutex_lock(&l->lock);
	bool taken = take(l, peer, now_ms, retry_ms);
	pthread_mutex_unlock(&l->lock);
	return taken;
}

bool throttle_submission_start(struct throttle *l, const char *peer,
			       uint64_t now_ms)
{
	pthread_mutex_lock(&l->lock);
	bool started = submission_start(l, peer, now_ms);
	pthread_mutex_unlock(&l->lock);
	return started;
}

void throttle_submission_done(struct throttle *l, const char *peer)
{
	pthread_mutex_lock(&l->lock);
	submission_done(l, peer);
	pthread_mutex_unlock(&l->lock);
}

uint64_t throttle_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
