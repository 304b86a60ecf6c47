/*
 * The audit pool: threads that run the pure, CPU-heavy part of a request
 * (UTF-8 check, JSON, the model, the plugins' concurrent validate) so that
 * the loop thread keeps serving while documents are audited.  A job runs
 * on a worker and comes back to the loop, where its done() is called: the
 * loop stays the only owner of the daemon's state.
 *
 * With no threads (audit_workers = 0, and in-process tests that never
 * start the pool) a job runs at once on the calling thread, done() too.
 */
#ifndef BUDGETD_WORKERS_H
#define BUDGETD_WORKERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct workers_job {
	void (*run)(struct workers_job *job);  /* a worker thread */
	void (*done)(struct workers_job *job); /* the loop thread */
	uint64_t began_ns, ended_ns; /* run's, on clock_ns (for the stages) */
	struct workers_job *next;
};

struct workers {
	pthread_t *threads;
	size_t n_threads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done_ready;		   /* for workers_wait_done */
	struct workers_job *head, *tail;	   /* waiting to run */
	struct workers_job *done_head, *done_tail; /* back to the loop */
	bool stopping;
	void (*notify)(void *arg); /* wakes the loop; from a worker */
	void *notify_arg;
	atomic_uint_fast64_t jobs_run, busy_ns; /* for status and /metrics */
	size_t queued;				/* waiting or running */
};

/* Whether the calling thread is one of the pool's. */
bool workers_on_worker(void);
/* The number of threads `audit_workers = auto` means: the online CPUs. */
size_t workers_default_count(void);
/* Starts n threads (0: none, jobs run inline).  0 or -errno. */
int workers_start(struct workers *w, size_t n, void (*notify)(void *arg),
		  void *notify_arg);
/* Runs job->run on a worker; job->done follows on the loop once
 * workers_take_done hands it back. */
void workers_submit(struct workers *w, struct workers_job *job);
/* The jobs whose run has finished, oldest first (loop thread). */
struct workers_job *workers_take_done(struct workers *w);
/* workers_take_done, waiting until some job is done (NULL at once when
 * none is queued): for a caller without an event loop (the rebuild). */
struct workers_job *workers_wait_done(struct workers *w);
/* Lets queued jobs finish, joins the threads; their done() is still the
 * caller's to run through workers_take_done. */
void workers_stop(struct workers *w);

#endif
