#include "offloop.h"

#include <errno.h>
#include <stddef.h>

/* Touched by offloop_start and offloop_ended, both on the loop. */
static size_t running;

static void *offloop_main(void *arg)
{
	struct offloop *o = arg;
	o->run(o->arg);
	event_active(o->ended, EV_READ, 0);
	return NULL;
}

static void offloop_ended(evutil_socket_t fd, short what, void *arg)
{
	struct offloop *o = arg;
	(void)fd, (void)what;
	pthread_join(o->thread, NULL);
	running--;
	o->done(o->arg);
}

int offloop_init(struct offloop *o, struct event_base *base,
		 void (*run)(void *arg), void (*done)(void *arg), void *arg)
{
	*o = (struct offloop){.run = run, .done = done, .arg = arg};
	if (base == NULL)
		return -EINVAL;
	o->ended = event_new(base, -1, 0, offloop_ended, o);
	return o->ended ? 0 : -ENOMEM;
}

int offloop_start(struct offloop *o, const char *name)
{
	int rc = pthread_create(&o->thread, NULL, offloop_main, o);
	if (rc != 0)
		return -rc;
	running++;
	pthread_setname_np(o->thread, name);
	return 0;
}

size_t offloop_running(void)
{
	return running;
}

void offloop_free(struct offloop *o)
{
	if (o->ended != NULL)
		event_free(o->ended);
	o->ended = NULL;
}
