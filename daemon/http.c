/*
 * The HTTP listener: libevent's evhttp on the daemon's own loop.  Each
 * HTTP request becomes the JSON request an nng client would send
 * ({"op":…, parameters…, "token":…}) and goes through the same dispatch
 * (request.c): the same authentication, role cuts, scopes, limits and
 * answers, so the two faces cannot disagree.  The reply's JSON is sent
 * as it is, with an HTTP status that says what its error code says.
 *
 *   GET  /api/v1/totals?by=function:class,kind&where=…&year=…&unit=…
 *   GET  /api/v1/departments[?year=]         GET /api/v1/status
 *   GET  /api/v1/departments/CODE[?year=&revision=]   (show)
 *   GET  /api/v1/departments/CODE/history[?year=]
 *   GET  /api/v1/departments/CODE/findings[?year=&document=]
 *   GET  /api/v1/three_public, /api/v1/projects, /api/v1/events?since=
 *   GET  /api/v1/export?table=district&year=…  (the .xlsx itself)
 *   GET  /api/v1/events/stream      (Server-Sent Events: stream.c)
 *   POST /api/v1/submissions, /api/v1/validations     (body: a document)
 *   GET  /metrics                                     (Prometheus text)
 *   GET  /console/…, /api/v1/names?year=   (the web console: console.c)
 *   GET  /api/3/cubes/budget/{model, aggregate, facts, members/REF}
 *        (OpenSpending Babbage: babbage.c)
 *
 * Credentials: "Authorization: Bearer NAME.SECRET"; whether the listener
 * trusts its peers is the [daemon] trust list, as for nng ("http" or the
 * listener's http:// URL).
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "babbage.h"
#include "console.h"
#include "daemon.h"
#include "clock.h"
#include "json_text.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "stream.h"

/* A request in flight: the HTTP side of an rpc_request. */
struct http_exchange {
	struct evhttp_request *req; /* NULL once the client went away */
	struct evhttp_connection *conn;
	struct http *http;
};

/* ---- building the JSON request ---- */

/* A query parameter that is a list: "a,b" → ["a","b"]. */
static void put_list(struct json_text *t, const char *key, const char *value)
{
	json_text_raw(t, ",");
	json_text_string(t, key);
	json_text_raw(t, ":[");
	for (const char *p = value;; p++) {
		size_t n = strcspn(p, ",");
		if (p != value)
			json_text_raw(t, ",");
		json_text_string_n(t, p, n);
		p += n;
		if (*p == '\0')
			break;
	}
	json_text_raw(t, "]");
}

/* The parameters the ops take as numbers or booleans; every other one
 * (codes above all: "116001" is a department, not a number) is a string.
 * A value that is not of the kind goes as a string, which the op then
 * refuses with the parameter named. */
static const char *const numeric_keys[] = {"year",  "revision", "since",
					   "limit", "offset",	"document"};
static const char *const boolean_keys[] = {"change", "explain"};

static bool listed(const char *key, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static void put_scalar(struct json_text *t, const char *key, const char *value)
{
	json_text_raw(t, ",");
	json_text_string(t, key);
	json_text_raw(t, ":");
	size_t n = strlen(value);
	bool integer = n > 0 && n < 19 &&
		       strspn(value + (value[0] == '-'), "0123456789") ==
			   n - (value[0] == '-') &&
		       n > (size_t)(value[0] == '-');
	bool boolean =
	    strcmp(value, "true") == 0 || strcmp(value, "false") == 0;
	if ((integer && listed(key, numeric_keys,
			       sizeof numeric_keys / sizeof *numeric_keys)) ||
	    (boolean && listed(key, boolean_keys,
			       sizeof boolean_keys / sizeof *boolean_keys)))
		json_text_raw(t, value);
	else
		json_text_string(t, value);
}

/* Parameters that are lists on the wire: totals' "by" (the other ops
 * group by one dimension, a string). */
static bool is_list(const char *op, const char *key)
{
	return strcmp(key, "by") == 0 && strcmp(op, "totals") == 0;
}

/* The query string's parameters into the request; "where" may repeat. */
static int put_query(struct json_text *t, const char *op,
		     const struct evkeyvalq *query, char *err, size_t err_size)
{
	size_t n_where = 0;
	for (const struct evkeyval *kv = query->tqh_first; kv;
	     kv = kv->next.tqe_next) {
		if (strcmp(kv->key, "token") == 0 ||
		    strcmp(kv->key, "op") == 0) {
			snprintf(err, err_size,
				 "\"%s\" is not a query parameter (send the "
				 "credential as Authorization: Bearer)",
				 kv->key);
			return -EINVAL;
		}
		bool bad = strlen(kv->key) == 0 || strlen(kv->key) > 32;
		for (const char *k = kv->key; !bad && *k; k++)
			bad = !(islower((unsigned char)*k) || *k == '_');
		if (bad) {
			snprintf(err, err_size,
				 "query parameter \"%.40s\" is not one of the "
				 "API's (lower-case names such as by, where, "
				 "year, unit)",
				 kv->key);
			return -EINVAL;
		}
		if (strcmp(kv->key, "where") == 0)
			n_where++;
		else if (is_list(op, kv->key))
			put_list(t, kv->key, kv->value);
		else
			put_scalar(t, kv->key, kv->value);
	}
	/* Every "where" of the query is one cut of the list. */
	if (n_where) {
		json_text_raw(t, ",\"where\":[");
		n_where = 0;
		for (const struct evkeyval *kv = query->tqh_first; kv;
		     kv = kv->next.tqe_next)
			if (strcmp(kv->key, "where") == 0) {
				if (n_where++)
					json_text_raw(t, ",");
				json_text_string(t, kv->value);
			}
		json_text_raw(t, "]");
	}
	return 0;
}

/* The op a path names, and the department it names (if any). */
struct route {
	const char *op;
	char department[16];
	bool body; /* the request body is the document */
};

static int route(const char *path, enum evhttp_cmd_type method, struct route *r)
{
	memset(r, 0, sizeof *r);
	static const struct {
		const char *path, *op;
	} plain[] = {
	    {"/api/v1/totals", "totals"},
	    {"/api/v1/departments", "departments"},
	    {"/api/v1/status", "status"},
	    {"/api/v1/three_public", "three_public"},
	    {"/api/v1/projects", "projects"},
	    {"/api/v1/events", "events"},
	    {"/api/v1/export", "export"},
	    {"/api/v1/progress", "progress"},
	    {"/api/v1/control", "control.show"},
	};
	if (method == EVHTTP_REQ_POST) {
		if (strcmp(path, "/api/v1/submissions") == 0)
			r->op = "submit";
		else if (strcmp(path, "/api/v1/validations") == 0)
			r->op = "validate";
		r->body = true;
		return r->op ? 0 : -ENOENT;
	}
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(path, plain[i].path) == 0) {
			r->op = plain[i].op;
			return 0;
		}
	static const char prefix[] = "/api/v1/departments/";
	if (strncmp(path, prefix, sizeof prefix - 1) != 0)
		return -ENOENT;
	const char *code = path + sizeof prefix - 1;
	size_t n = strspn(code, "0123456789");
	if (n == 0 || n >= sizeof r->department)
		return -ENOENT;
	memcpy(r->department, code, n);
	if (code[n] == '\0')
		r->op = "show";
	else if (strcmp(code + n, "/history") == 0)
		r->op = "history";
	else if (strcmp(code + n, "/findings") == 0)
		r->op = "findings";
	return r->op ? 0 : -ENOENT;
}

/* ---- answering ---- */

static int status_for(const char *code)
{
	static const struct {
		const char *code;
		int status;
	} map[] = {
	    {"ok", 200},
	    {"bad_request", 400},
	    {"bad_json", 400},
	    {"bad_encoding", 400},
	    {"unauthenticated", 401},
	    {"forbidden", 403},
	    {"not_found", 404},
	    {"unknown_op", 404},
	    {"method_not_allowed", 405},
	    {"exists", 409},
	    {"locked", 409},
	    {"workflow", 409},
	    {"stale", 409},
	    {"message_too_large", 413},
	    /* A refused submission answers with its findings. */
	    {"rejected", 422},
	    {"invalid_document", 422},
	    {"unrepresentable", 422},
	    {"rate_limited", 429},
	    {"busy", 503},
	    {"unavailable", 503},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 500;
}

void http_send(struct http *h, struct evhttp_request *req, int status,
	       const char *type, const char *body, size_t len)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Content-Type", type);
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (h->cors_origin[0])
		evhttp_add_header(out, "Access-Control-Allow-Origin",
				  h->cors_origin);
	h->responses[status / 100 % 6]++;
	struct evbuffer *buf = evbuffer_new();
	if (buf && body)
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", buf);
	if (buf)
		evbuffer_free(buf);
}

void http_send_json(struct http *h, struct evhttp_request *req, int status,
		    cJSON *body)
{
	struct json_text text = {0};
	json_text_cjson(&text, body);
	if (text.failed) {
		json_text_free(&text);
		cJSON_Delete(body);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	http_send(h, req, status, "application/json; charset=utf-8", text.buf,
		  text.len);
	/* The text before the tree: freeing a large text first raises
	 * malloc's trim threshold, where freeing the tree first left a huge
	 * free top of the heap that was trimmed and grown again on every
	 * write while the reply went out (300 brk calls and twice the CPU
	 * for a 5.7 MB reply). */
	json_text_free(&text);
	cJSON_Delete(body);
}

/* An error of the HTTP layer itself, in the shape every reply has. */
static void send_error(struct http *h, struct evhttp_request *req,
		       const char *code, const char *message)
{
	http_send_json(h, req, status_for(code), reply_error(code, message));
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
	struct http_exchange *x = arg;
	(void)conn;
	/* The client went away before its answer (a submission waiting for
	 * the disk).  libevent has either detached the request from the
	 * connection, leaving it to us, or frees it with the connection. */
	if (evhttp_request_get_connection(x->req) == NULL)
		evhttp_request_free(x->req);
	x->req = NULL; /* the answer, when it comes, goes nowhere */
}

/* An export over HTTP is the file itself, not JSON: the workbook
 * (downloaded under its name), or the text or CSV tables.  -EINVAL when
 * the reply carries neither (it is then sent as JSON). */
static int send_file(struct http *h, struct evhttp_request *req,
		     const cJSON *reply)
{
	const char *content = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(reply, "content"));
	const char *text = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(reply, "text"));
	const char *file = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(reply, "file"));
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	if (text != NULL) {
		http_send(h, req, 200, "text/plain; charset=utf-8", text,
			  strlen(text));
		return 0;
	}
	if (content == NULL || file == NULL)
		return -EINVAL;
	size_t n = strlen(content), len = 0;
	unsigned char *bytes = malloc(n + 1);
	if (bytes == NULL ||
	    sodium_base642bin(bytes, n + 1, content, n, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bytes);
		return -EINVAL;
	}
	char disposition[128];
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"%.64s\"", file);
	evhttp_add_header(out, "Content-Disposition", disposition);
	http_send(h, req, 200,
		  "application/vnd.openxmlformats-officedocument."
		  "spreadsheetml.sheet",
		  (const char *)bytes, len);
	free(bytes);
	return 0;
}

void http_answer(struct rpc_request *rr, cJSON *reply)
{
	struct http_exchange *x = rr->http;
	if (x->req != NULL) {
		evhttp_connection_set_closecb(x->conn, NULL, NULL);
		int status = status_for(reply_outcome(reply));
		if (status != 200 || strcmp(rr->op, "export") != 0 ||
		    send_file(x->http, x->req, reply) < 0)
			http_send_json(x->http, x->req, status, reply);
		else
			cJSON_Delete(reply);
	} else {
		cJSON_Delete(reply);
	}
	nng_msg_free(rr->msg);
	free(x);
	free(rr);
}

/* Who sends req: everyone is trusted on a trusted listener, else the
 * Bearer credential says.  false after an error reply. */
static bool principal_with(struct http *h, struct evhttp_request *req,
			   const char *query_token, struct principal *who)
{
	memset(who, 0, sizeof *who);
	if (access_listener_trusted(h->d, RPC_LISTENER_HTTP)) {
		who->role = AUTH_ADMIN;
		snprintf(who->name, sizeof who->name, "local");
		return true;
	}
	const char *auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	const char *secret = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7
			     : auth				      ? NULL
				    : query_token;
	if (secret == NULL || strlen(secret) >= AUTH_TOKEN_MAX ||
	    auth_verify(&h->d->auth, secret, who) < 0) {
		send_error(h, req, "unauthenticated",
			   "this listener requires a credential: send "
			   "Authorization: Bearer NAME.SECRET");
		return false;
	}
	return true;
}

static bool principal_of(struct http *h, struct evhttp_request *req,
			 struct principal *who)
{
	return principal_with(h, req, NULL, who);
}

/* Metrics are an operator's (Prometheus sends the credential as its
 * authorization). */
static bool metrics_allowed(struct http *h, struct evhttp_request *req)
{
	struct principal who;
	if (!principal_of(h, req, &who))
		return false;
	if (who.role < AUTH_OPERATOR) {
		send_error(h, req, "forbidden",
			   "metrics are for operators and admins");
		return false;
	}
	return true;
}

static void open_stream(struct http *h, struct evhttp_request *req,
			const struct evhttp_uri *uri)
{
	struct evkeyvalq query = {0};
	const char *q = evhttp_uri_get_query(uri);
	if (q && evhttp_parse_query_str(q, &query) < 0) {
		send_error(h, req, "bad_request",
			   "the query string does not parse");
		return;
	}
	/* A browser's EventSource cannot send a header: the stream alone
	 * takes the credential as access_token. */
	struct principal who;
	if (!principal_with(h, req, evhttp_find_header(&query, "access_token"),
			    &who)) {
		evhttp_clear_headers(&query);
		return;
	}
	char err[256];
	int rc =
	    stream_open(h, req, &who, evhttp_find_header(&query, "since"),
			evhttp_find_header(&query, "unit"), err, sizeof err);
	evhttp_clear_headers(&query);
	if (rc < 0)
		send_error(h, req, rc == -EBUSY ? "busy" : "bad_request", err);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	struct daemon *d = h->d;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	if (path == NULL) {
		send_error(h, req, "bad_request", "the request has no path");
		return;
	}
	if (strcmp(path, "/metrics") == 0 && method == EVHTTP_REQ_GET) {
		if (!metrics_allowed(h, req))
			return;
		struct evbuffer *out = evbuffer_new();
		if (out == NULL) {
			evhttp_send_error(req, 500, NULL);
			return;
		}
		metrics_write(d, out);
		size_t len = evbuffer_get_length(out);
		http_send(h, req, 200,
			  "text/plain; version=0.0.4; charset=utf-8",
			  (const char *)evbuffer_pullup(out, -1), len);
		evbuffer_free(out);
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "GET, POST");
		send_error(h, req, "method_not_allowed",
			   "only GET (queries) and POST (submissions, "
			   "validations) are served");
		return;
	}
	if (method == EVHTTP_REQ_GET && console_serve(h, req, path))
		return;
	if (strcmp(path, "/api/v1/names") == 0 && method == EVHTTP_REQ_GET) {
		struct principal who;
		if (principal_of(h, req, &who))
			console_names(h, req, evhttp_uri_get_query(uri));
		return;
	}
	if (strncmp(path, "/api/3/cubes", 12) == 0 &&
	    (path[12] == '\0' || path[12] == '/') && method == EVHTTP_REQ_GET) {
		struct principal who;
		if (principal_of(h, req, &who))
			babbage_serve(h, req, &who, path,
				      evhttp_uri_get_query(uri));
		return;
	}
	if (strcmp(path, "/api/v1/events/stream") == 0 &&
	    method == EVHTTP_REQ_GET) {
		open_stream(h, req, uri);
		return;
	}
	struct route r;
	if (route(path, method, &r) < 0) {
		char message[512];
		snprintf(
		    message, sizeof message,
		    "no %s %.200s: the API is GET /api/v1/{totals, "
		    "departments, departments/CODE, departments/CODE/"
		    "{history, findings}, three_public, projects, events, "
		    "events/stream, export, status, names}, GET "
		    "/api/3/cubes/…, "
		    "POST /api/v1/{submissions, validations}, GET /metrics",
		    method == EVHTTP_REQ_POST ? "POST" : "GET", path);
		send_error(h, req, "not_found", message);
		return;
	}
	struct evkeyvalq query = {0};
	const char *q = evhttp_uri_get_query(uri);
	if (q && evhttp_parse_query_str(q, &query) < 0) {
		send_error(h, req, "bad_request",
			   "the query string does not parse (name=value&…, "
			   "percent-encoded)");
		return;
	}
	struct json_text json = {0};
	char err[256] = "";
	json_text_raw(&json, "{\"op\":");
	json_text_string(&json, r.op);
	if (r.department[0]) {
		json_text_raw(&json, ",\"department\":");
		json_text_string(&json, r.department);
	}
	int rc = put_query(&json, r.op, &query, err, sizeof err);
	evhttp_clear_headers(&query);
	const char *auth = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	if (rc == 0 && auth) {
		if (strncmp(auth, "Bearer ", 7) != 0) {
			snprintf(
			    err, sizeof err,
			    "Authorization must be \"Bearer NAME.SECRET\"");
			rc = -EINVAL;
		} else {
			json_text_raw(&json, ",\"token\":");
			json_text_string(&json, auth + 7);
		}
	}
	if (rc == 0 && r.body) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(in);
		if (n == 0) {
			snprintf(err, sizeof err,
				 "the body must be the budget-submission/1 "
				 "document");
			rc = -EINVAL;
		} else {
			/* The document as it came: stored byte for byte. */
			json_text_raw(&json, ",\"document\":");
			json_text_put(&json,
				      (const char *)evbuffer_pullup(in, -1), n);
		}
	}
	json_text_raw(&json, "}");
	if (rc == 0 && json.failed)
		rc = -ENOMEM;
	struct rpc_request *rr = rc == 0 ? calloc(1, sizeof *rr) : NULL;
	struct http_exchange *x = rc == 0 ? calloc(1, sizeof *x) : NULL;
	nng_msg *msg = NULL;
	if (rc == 0 &&
	    (rr == NULL || x == NULL || nng_msg_alloc(&msg, json.len) != 0))
		rc = -ENOMEM;
	if (rc < 0) {
		free(rr), free(x), json_text_free(&json);
		send_error(h, req, rc == -ENOMEM ? "internal" : "bad_request",
			   rc == -ENOMEM ? "out of memory" : err);
		return;
	}
	memcpy(nng_msg_body(msg), json.buf, json.len);
	json_text_free(&json);
	x->req = req;
	x->conn = evhttp_request_get_connection(req);
	x->http = h;
	rr->msg = msg;
	rr->received_ns = clock_ns();
	rr->http = x;
	rr->listener_index = RPC_LISTENER_HTTP;
	/* One connection, one id: the per-connection limits count it. */
	rr->pipe_id = 0x80000000u | (uint32_t)((uintptr_t)x->conn >> 4);
	char *host = NULL;
	ev_uint16_t port = 0;
	evhttp_connection_get_peer(x->conn, &host, &port);
	snprintf(rr->peer, sizeof rr->peer, "http %s:%u", host ? host : "?",
		 port);
	evhttp_connection_set_closecb(x->conn, on_close, x);
	request_handle(d, rr);
}

/* ---- the connection limit ---- */

/*
 * libevent 2.1's evhttp has no connection limit and tells nobody when a
 * connection closes that never sent a request.  The kernel knows: its
 * table of TCP sockets lists every connection to our port, and those we
 * have accepted have an inode (the ones still waiting in the accept queue
 * have none).  Counted when a connection is accepted, and while paused.
 */
static int count_in(const char *path, unsigned port)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	char line[512];
	int n = 0;
	if (fgets(line, sizeof line, f) == NULL) { /* the heading */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof line, f)) {
		char local[64];
		unsigned state = 0;
		unsigned long inode = 0;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %63s %*s %x %*s %*s %*s %*s %*s %lu",
			   local, &state, &inode) != 3)
			continue;
		const char *colon = strrchr(local, ':');
		if (state == 0x01 /* ESTABLISHED */ && inode != 0 && colon &&
		    strtoul(colon + 1, NULL, 16) == port)
			n++;
	}
	fclose(f);
	return n;
}

int http_connections(const struct http *h)
{
	int v4 = count_in("/proc/net/tcp", h->port);
	int v6 = count_in("/proc/net/tcp6", h->port);
	if (v4 < 0)
		return v4;
	return v4 + (v6 > 0 ? v6 : 0);
}

static void look_again(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	(void)fd, (void)what;
	int n = http_connections(h);
	if (n >= 0 && n < h->max_connections) {
		h->bound = n;
		evconnlistener_enable(h->listener);
		h->paused = false;
		log_info("HTTP: %d connections, below max_connections (%d): "
			 "accepting again",
			 n, h->max_connections);
		return;
	}
	struct timeval tv = {0, 100 * 1000};
	evtimer_add(h->resume, &tv);
}

/*
 * evhttp asks for a bufferevent for each connection it accepts: the one
 * place that sees every connection, requests or not.  Reading the
 * kernel's table costs milliseconds (it lists every socket of the
 * machine, those in TIME_WAIT too), so it is read only when an upper
 * bound reaches the limit: the count last read plus every connection
 * accepted since (connections only close in between).
 */
static struct bufferevent *on_accept(struct event_base *base, void *arg)
{
	struct http *h = arg;
	h->accepted++;
	h->bound++;
	if (h->max_connections > 0 && !h->paused &&
	    h->bound >= h->max_connections) {
		int n = http_connections(h);
		h->counts++;
		/* An unreadable table: the bound stands, and so does the
		 * limit. */
		h->bound = n >= 0 ? n : h->bound;
		if (h->bound >= h->max_connections) {
			evconnlistener_disable(h->listener);
			h->paused = true;
			h->pauses++;
			log_warning("HTTP: %d connections, max_connections is "
				    "%d: new ones wait until some close",
				    h->bound, h->max_connections);
			struct timeval tv = {0, 100 * 1000};
			evtimer_add(h->resume, &tv);
		}
	}
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

int http_open(struct http *h, struct daemon *d, const struct config *c)
{
	memset(h, 0, sizeof *h);
	h->d = d;
	if (c->http_listen == NULL)
		return 0;
	snprintf(h->cors_origin, sizeof h->cors_origin, "%s",
		 c->http_cors_origin ? c->http_cors_origin : "");
	char host[256];
	const char *colon = strrchr(c->http_listen, ':');
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;
	if (colon == NULL || colon == c->http_listen || port <= 0 ||
	    port > 65535 || (size_t)(colon - c->http_listen) >= sizeof host) {
		log_error("[http] listen = %s: expected HOST:PORT, such as "
			  "127.0.0.1:8080",
			  c->http_listen);
		return -EINVAL;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - c->http_listen),
		 c->http_listen);
	h->evhttp = evhttp_new(d->base);
	if (h->evhttp == NULL)
		return -ENOMEM;
	/* Every method reaches on_request, which answers the others with a
	 * 405 in JSON rather than evhttp's HTML 501. */
	evhttp_set_allowed_methods(
	    h->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
			   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
			   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
			   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_max_headers_size(h->evhttp, (ev_ssize_t)c->http_max_headers);
	evhttp_set_max_body_size(h->evhttp, (ev_ssize_t)c->max_message_size);
	evhttp_set_timeout(h->evhttp, c->http_timeout);
	evhttp_set_gencb(h->evhttp, on_request, h);
	evhttp_set_bevcb(h->evhttp, on_accept, h);
	h->max_connections = c->http_max_connections;
	h->port = (unsigned)port;
	h->resume = evtimer_new(d->base, look_again, h);
	struct evhttp_bound_socket *bound =
	    h->resume ? evhttp_bind_socket_with_handle(h->evhttp, host,
						       (ev_uint16_t)port)
		      : NULL;
	if (bound == NULL) {
		log_error("[http] listen = %s: cannot bind (in use, or not an "
			  "address of this machine)",
			  c->http_listen);
		evhttp_free(h->evhttp);
		h->evhttp = NULL;
		if (h->resume)
			event_free(h->resume);
		h->resume = NULL;
		return -EADDRINUSE;
	}
	h->listener = evhttp_bound_socket_get_listener(bound);
	snprintf(h->url, sizeof h->url, "http://%s", c->http_listen);
	log_info("serving HTTP on %s (%s)", h->url,
		 access_listener_trusted(d, RPC_LISTENER_HTTP)
		     ? "peers trusted"
		     : "credentials required");
	return 0;
}

void http_close(struct http *h)
{
	if (h->resume)
		event_free(h->resume);
	h->resume = NULL;
	stream_close_all(h);
	if (h->evhttp)
		evhttp_free(h->evhttp);
	h->evhttp = NULL;
}
