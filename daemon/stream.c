/*
 * GET /api/v1/events/stream: the event log as Server-Sent Events.  Each
 * event goes out as "id: SEQ", "event: KIND" and its JSON (as the events
 * op gives it) on one "data:" line.  A client that reconnects with
 * Last-Event-ID (or ?since=SEQ) first gets every event it missed, read
 * from the store, so a browser's automatic reconnection loses nothing;
 * without either it gets the events from now on.  A department's (or a
 * 主管部门's) credential sees its own departments' events only.
 *
 * Streams are fed on the loop thread whenever the store finishes work
 * (stream_notify from on_store): each reads what is new since its last
 * seq, so nothing is kept in memory per event.
 */
#include "stream.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "access.h"
#include "daemon.h"
#include "json_text.h"
#include "log.h"
#include "money.h"
#include "ops.h"

#define STREAM_BATCH 500

struct stream {
	struct http *http;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct principal who;
	uint64_t last_seq;
	enum bd_unit unit;
	struct stream *next;
};

static void unlink_stream(struct stream *s)
{
	struct stream **p = &s->http->streams;
	while (*p && *p != s)
		p = &(*p)->next;
	if (*p)
		*p = s->next;
	s->http->n_streams--;
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
	struct stream *s = arg;
	(void)conn;
	/* A client gone mid-reply leaves its request to us, detached from
	 * the connection (libevent frees only the requests still on it). */
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_request_free(s->req);
	unlink_stream(s);
	free(s);
}

/* Whether who may see an event of this department. */
static bool visible(struct daemon *d, const struct principal *who,
		    const cJSON *ev)
{
	if (who->role >= AUTH_OPERATOR)
		return true;
	const char *code = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(ev, "department"));
	const cJSON *year = cJSON_GetObjectItemCaseSensitive(ev, "year");
	if (code == NULL)
		return false;
	const struct registry_entry *e = registry_find(
	    &d->registry, cJSON_IsNumber(year) ? year->valueint : 0, code);
	const char *parent = e ? e->summary.parent : "";
	return auth_covers(who, code, parent);
}

/* Sends every event after s->last_seq; 0, or a negative error. */
static int catch_up(struct daemon *d, struct stream *s)
{
	struct evbuffer *out = evbuffer_new();
	if (out == NULL)
		return -ENOMEM;
	for (;;) {
		cJSON *events = cJSON_CreateArray();
		int rc = events ? store_events_since(&d->store, s->last_seq,
						     STREAM_BATCH, events)
				: -ENOMEM;
		if (rc < 0) {
			cJSON_Delete(events);
			evbuffer_free(out);
			return rc;
		}
		int n = cJSON_GetArraySize(events);
		cJSON *ev;
		cJSON_ArrayForEach(ev, events)
		{
			const cJSON *seq =
			    cJSON_GetObjectItemCaseSensitive(ev, "seq");
			s->last_seq = (uint64_t)seq->valuedouble;
			if (!visible(d, &s->who, ev))
				continue;
			ops_event_as_published(ev, s->unit);
			char *data = json_text_print(ev);
			if (data == NULL)
				continue;
			evbuffer_add_printf(
			    out, "id: %llu\nevent: %s\ndata: %s\n\n",
			    (unsigned long long)s->last_seq,
			    cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(ev, "kind")),
			    data);
			free(data);
		}
		cJSON_Delete(events);
		if (evbuffer_get_length(out) > 0)
			evhttp_send_reply_chunk(s->req, out);
		if (n < STREAM_BATCH)
			break;
	}
	evbuffer_free(out);
	return 0;
}

/* The seq a stream starts after: Last-Event-ID, else ?since, else now. */
static int start_seq(struct daemon *d, struct evhttp_request *req,
		     const char *since, uint64_t *seq)
{
	const char *last = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Last-Event-ID");
	const char *text = last ? last : since;
	if (text != NULL) {
		char *end;
		unsigned long long v = strtoull(text, &end, 10);
		if (*text == '\0' || *end != '\0' || *text == '-')
			return -EINVAL;
		*seq = v;
		return 0;
	}
	struct store_counts counts;
	int rc = store_counts(&d->store, &counts);
	*seq = rc == 0 ? counts.last_seq : 0;
	return rc;
}

int stream_open(struct http *h, struct evhttp_request *req,
		const struct principal *who, const char *since,
		const char *unit_name, char *err, size_t err_size)
{
	struct daemon *d = h->d;
	if (h->n_streams >= STREAM_MAX) {
		snprintf(err, err_size,
			 "%d event streams are open, the most served at once; "
			 "retry later",
			 STREAM_MAX);
		return -EBUSY;
	}
	enum bd_unit unit = BD_UNIT_WANYUAN;
	const char *published =
	    config_get(d->config, "plugin.publisher", "unit");
	const char *name = unit_name   ? unit_name
			   : published ? published
				       : "万元";
	if (money_unit_parse(name, &unit) < 0) {
		snprintf(err, err_size, "\"unit\" must be \"元\" or \"万元\"");
		return -EINVAL;
	}
	uint64_t seq;
	int rc = start_seq(d, req, since, &seq);
	if (rc == -EINVAL) {
		snprintf(err, err_size,
			 "Last-Event-ID (or since) must be an event's seq, "
			 "a whole number");
		return rc;
	}
	if (rc < 0) {
		snprintf(err, err_size, "reading the store failed: %s",
			 strerror(-rc));
		return rc;
	}
	struct stream *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	s->http = h;
	s->req = req;
	s->conn = evhttp_request_get_connection(req);
	s->who = *who;
	s->last_seq = seq;
	s->unit = unit;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Content-Type",
			  "text/event-stream; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (h->cors_origin[0])
		evhttp_add_header(out, "Access-Control-Allow-Origin",
				  h->cors_origin);
	evhttp_send_reply_start(req, 200, "OK");
	h->responses[2]++;
	s->next = h->streams;
	h->streams = s;
	h->n_streams++;
	evhttp_connection_set_closecb(s->conn, on_close, s);
	/* Held open as long as the client wants: no timeout for a stream. */
	evhttp_connection_set_timeout(s->conn, -1);
	struct evbuffer *hello = evbuffer_new();
	if (hello) {
		/* A comment: tells the client the stream is live. */
		evbuffer_add_printf(hello, ": budgetd events after %llu\n\n",
				    (unsigned long long)seq);
		evhttp_send_reply_chunk(req, hello);
		evbuffer_free(hello);
	}
	if (catch_up(d, s) < 0)
		log_warning("event stream to %s: reading the store failed",
			    who->name);
	return 0;
}

void stream_notify(struct http *h)
{
	for (struct stream *s = h->streams; s; s = s->next)
		if (catch_up(h->d, s) < 0)
			log_warning("event stream: reading the store failed");
}

void stream_close_all(struct http *h)
{
	while (h->streams) {
		struct stream *s = h->streams;
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
		evhttp_send_reply_end(s->req);
		h->streams = s->next;
		h->n_streams--;
		free(s);
	}
}
