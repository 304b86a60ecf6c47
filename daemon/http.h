/*
 * The HTTP face of the daemon ([http] listen = HOST:PORT): the same ops
 * as nng, over libevent's evhttp on the loop thread (http.c says how
 * paths map onto ops), and Prometheus metrics (metrics.c).
 */
#ifndef BUDGETD_HTTP_H
#define BUDGETD_HTTP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct daemon;
struct config;
struct rpc_request;
struct evhttp;
struct evhttp_request;
struct evconnlistener;
struct event;
struct stream;

struct http {
	struct daemon *d;
	struct evhttp *evhttp; /* NULL: no HTTP listener configured */
	char url[300];	       /* http://HOST:PORT, for the trust policy */
	char cors_origin[256]; /* "": no CORS headers */
	/* Replies sent, by status class (index 1: 1xx … 5: 5xx). */
	uint64_t responses[6];
	struct stream *streams; /* event streams open (stream.c) */
	int n_streams;
	/* [http] max_connections: accepting pauses at the limit and resumes
	 * when connections have closed (the kernel holds the ones waiting). */
	struct evconnlistener *listener;
	struct event *resume; /* while paused: looks again every 100 ms */
	int max_connections;  /* 0: no limit */
	unsigned port;
	bool paused;
	int bound; /* at least the connections open (see on_accept) */
	uint64_t accepted, pauses; /* for /metrics */
	uint64_t counts;	   /* reads of the kernel's table */
};
/* Connections to the HTTP listener now (accepted, not yet closed), or a
 * negative errno when the kernel's table cannot be read. */
int http_connections(const struct http *h);

/* Starts listening when the config asks for it.  0, or a negative error
 * after logging why. */
int http_open(struct http *h, struct daemon *d, const struct config *c);
/* Stops listening; requests still waiting for an answer lose it. */
void http_close(struct http *h);
/* A whole reply: status, content type and body (counted, CORS as
 * configured). */
void http_send(struct http *h, struct evhttp_request *req, int status,
	       const char *type, const char *body, size_t len);
/* The same with a JSON body, which it frees. */
void http_send_json(struct http *h, struct evhttp_request *req, int status,
		    cJSON *body);
/* Sends reply (taken) to an HTTP request (reply.c) and frees the
 * request. */
void http_answer(struct rpc_request *req, cJSON *reply);

#endif
