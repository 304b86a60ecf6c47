/* Server-Sent Events of the event log, over the HTTP listener. */
#ifndef BUDGETD_STREAM_H
#define BUDGETD_STREAM_H

#include <stddef.h>

#include "auth.h"
#include "http.h"

struct evhttp_request;

#define STREAM_MAX 64 /* streams served at once */

/*
 * Starts streaming to req the events who may see: first those after
 * Last-Event-ID (or since; else none of the past), then each new one.
 * Returns 0, or a negative error with a sentence in err (nothing sent).
 */
int stream_open(struct http *h, struct evhttp_request *req,
		const struct principal *who, const char *since,
		const char *unit, char *err, size_t err_size);
/* Sends every stream what the store holds beyond what it has sent. */
void stream_notify(struct http *h);
/* Ends every stream (shutdown). */
void stream_close_all(struct http *h);

#endif
