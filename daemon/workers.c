#include "workers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

size_t workers_default_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (size_t)n : 1;
}

/* Runs a job, stamped for the submission's stages and counted for status. */
static void run_timed(struct workers *w, struct workers_job *job)
{
	job->began_ns = clock_ns();
	job->run(job);
	job->ended_ns = clock_ns();
	atomic_fetch_add(&w->busy_ns, job->ended_ns - job->began_ns);
	atomic_fetch_add(&w->jobs_run, 1);
}

static _Thread_local bool on_worker;

bool workers_on_worker(void)
{
	return on_worker;
}

static void *worker_main(void *arg)
{
	struct workers *w = arg;
	on_worker = true;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		struct workers_job *job = w->head;
		if (job == NULL)
			break; /* stopping, and nothing left to run */
		w->head = job->next;
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);

		run_timed(w, job);

		pthread_mutex_lock(&w->lock);
		job->next = NULL;
		bool was_empty = w->done_head == NULL;
		if (w->done_tail)
			w->done_tail->next = job;
		else
			w->done_head = job;
		w->done_tail = job;
		/* One wake-up per batch: the loop takes them all at once. */
		if (was_empty && w->notify)
			w->notify(w->notify_arg);
		pthread_cond_signal(&w->done_ready);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int workers_start(struct workers *w, size_t n, void (*notify)(void *arg),
		  void *notify_arg)
{
	memset(w, 0, sizeof *w);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done_ready, NULL);
	w->notify = notify;
	w->notify_arg = notify_arg;
	if (n == 0)
		return 0;
	w->threads = calloc(n, sizeof *w->threads);
	if (w->threads == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = pthread_create(&w->threads[i], NULL, worker_main, w);
		if (rc != 0) {
			log_error("cannot start audit worker %zu of %zu: %s",
				  i + 1, n, strerror(rc));
			workers_stop(w);
			return -rc;
		}
		char name[16]; /* the kernel keeps 15 bytes */
		snprintf(name, sizeof name, "budgetd:audit%u",
			 (unsigned)(i % 100));
		pthread_setname_np(w->threads[i], name);
		w->n_threads++;
	}
	return 0;
}

void workers_submit(struct workers *w, struct workers_job *job)
{
	job->next = NULL;
	w->queued++;
	if (w->n_threads == 0) {
		run_timed(w, job);
		w->queued--;
		job->done(job);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_mutex_unlock(&w->lock);
	/* After the unlock: a worker woken under it would wake only to wait
	 * for the lock, and the unlock would wake it a second time. */
	pthread_cond_signal(&w->wake);
}

struct workers_job *workers_take_done(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	struct workers_job *jobs = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	for (struct workers_job *j = jobs; j; j = j->next)
		w->queued--;
	return jobs;
}

struct workers_job *workers_wait_done(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->done_head == NULL && w->queued > 0 && w->n_threads > 0)
		pthread_cond_wait(&w->done_ready, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return workers_take_done(w);
}

void workers_stop(struct workers *w)
{
	if (w->threads == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
	w->n_threads = 0;
}
