/*
 * Request limits per connection (peer address) and overall: a token bucket
 * for the request rate, and counts of submissions waiting for the disk.
 * Locked: the loop asks, and so do nng's threads for the large requests
 * they decode as they arrive (one over its connection's rate is refused
 * before it is parsed).
 */
#ifndef BUDGETD_THROTTLE_H
#define BUDGETD_THROTTLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct throttle_peer {
	char peer[96];
	double tokens;
	uint64_t last_ms; /* of the last refill */
	unsigned in_flight;
	bool used;
};

struct throttle {
	pthread_mutex_t lock;
	struct throttle_peer *peers;
	size_t n_slots, n_used;
	unsigned rate;	/* requests per second per peer; 0: unlimited */
	unsigned burst; /* bucket size */
	unsigned max_in_flight_per_peer; /* 0: unlimited */
};

int throttle_init(struct throttle *l, unsigned rate, unsigned burst,
		  unsigned max_in_flight_per_peer);
void throttle_free(struct throttle *l);
/* New limits (a reload); the peers and their counts are kept. */
void throttle_set(struct throttle *l, unsigned rate, unsigned burst,
		  unsigned max_in_flight_per_peer);
/* Takes one request's token; false (and *retry_ms) when over the rate. */
bool throttle_take(struct throttle *l, const char *peer, uint64_t now_ms,
		   unsigned *retry_ms);
/* Counts a submission waiting for the disk; false when the peer has
 * max_in_flight_per_peer already. */
bool throttle_submission_start(struct throttle *l, const char *peer,
			       uint64_t now_ms);
void throttle_submission_done(struct throttle *l, const char *peer);

/* The monotonic clock in milliseconds, as the limits count it. */
uint64_t throttle_now_ms(void);

#endif
