/*
 * Work too long for the loop (a backup's copy, verify's count of the
 * store) run on a thread of its own, its end heard on the loop: run()
 * on the thread, then done() on the loop once the thread is joined.
 * One run at a time per offloop; it may be started again from done().
 */
#ifndef BUDGETD_OFFLOOP_H
#define BUDGETD_OFFLOOP_H

#include <event2/event.h>
#include <pthread.h>

struct offloop {
	struct event *ended; /* made active by the thread when run returns */
	pthread_t thread;
	void (*run)(void *arg);	 /* the thread */
	void (*done)(void *arg); /* the loop, after the join */
	void *arg;
};

/* Makes the event; 0 or -ENOMEM (base NULL: -EINVAL, there is no loop). */
int offloop_init(struct offloop *o, struct event_base *base,
		 void (*run)(void *arg), void (*done)(void *arg), void *arg);
/* Starts run on a thread named name (for top -H); 0 or -errno, and then
 * nothing was started: the caller may run the work itself. */
int offloop_start(struct offloop *o, const char *name);
/* Frees the event; not while a run is under way (done() may call it). */
void offloop_free(struct offloop *o);
/* Runs started and whose done() has not yet been called, of every
 * offloop (the loop thread's count): a stopping daemon waits for them,
 * since each still has a reply to send. */
size_t offloop_running(void);

#endif
