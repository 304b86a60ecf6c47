/*
 * Dispatch: every request is decoded, rate-limited, authenticated and
 * then handed to its op through one table that also says the least role
 * the op needs.  Ops not in the table go to the plugins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "json_scratch.h"
#include "ops.h"
#include "review.h"
#include "reply.h"
#include "workers.h"

/* Requests of this many bytes or more are decoded off the loop: on the
 * nng thread that received them, or (HTTP) on a worker thread. */
#define REQUEST_DECODE_OFF_LOOP 4096

static const struct op {
	const char *name;
	enum auth_role least;
	void (*handle)(const struct op_call *c);
} core_ops[] = {
    {"submit", AUTH_DEPARTMENT, ops_submit},
    {"validate", AUTH_DEPARTMENT, ops_validate},
    {"totals", AUTH_DEPARTMENT, NULL}, /* answered by a plugin */
    {"departments", AUTH_DEPARTMENT, ops_departments},
    {"show", AUTH_DEPARTMENT, ops_show},
    {"history", AUTH_DEPARTMENT, ops_history},
    {"findings", AUTH_DEPARTMENT, ops_findings},
    {"events", AUTH_OPERATOR, ops_events},
    {"status", AUTH_DEPARTMENT, ops_status},
    {"verify", AUTH_OPERATOR, ops_verify},
    {"check", AUTH_OPERATOR, ops_check},
    {"reload", AUTH_ADMIN, ops_reload},
    {"lock", AUTH_ADMIN, ops_lock},
    {"backup", AUTH_ADMIN, ops_backup},
    {"export", AUTH_DEPARTMENT, ops_export}, /* district: operator */
    {"review", AUTH_PARENT, ops_review},     /* each action its own roles */
    {"progress", AUTH_PARENT, ops_progress},
    {"deadline", AUTH_ADMIN, ops_deadline},
    {"control.set", AUTH_ADMIN, ops_control_set},
    {"control.show", AUTH_DEPARTMENT, ops_control_show},
    {"credential.add", AUTH_ADMIN, ops_credential_add},
    {"credential.remove", AUTH_ADMIN, ops_credential_remove},
    {"credential.list", AUTH_ADMIN, ops_credential_list},
};

#define N_CORE_OPS (sizeof core_ops / sizeof core_ops[0])

/* The core ops, for messages: "submit, validate, …". */
static const char *core_names(void)
{
	static char names[400];
	if (names[0] == '\0') {
		size_t used = 0;
		for (size_t i = 0; i < N_CORE_OPS && used < sizeof names; i++)
			used += (size_t)snprintf(
			    names + used, sizeof names - used, "%s%s",
			    i ? ", " : "", core_ops[i].name);
	}
	return names;
}

static const struct op *find_op(const char *name)
{
	for (size_t i = 0; i < N_CORE_OPS; i++)
		if (strcmp(core_ops[i].name, name) == 0)
			return &core_ops[i];
	return NULL;
}

/* Everything after decoding: the op, the principal, the handler. */
static void request_dispatch(struct daemon *d, struct rpc_request *req,
			     cJSON *env, struct arena *env_arena)
{
	const bool in_arena = env_arena != NULL;
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(env, "op");
	/* Named in the metrics only as an op could be named (any client can
	 * send any string). */
	if (cJSON_IsString(op) && strlen(op->valuestring) < sizeof req->op &&
	    strspn(op->valuestring, "abcdefghijklmnopqrstuvwxyz0123456789._") ==
		strlen(op->valuestring))
		snprintf(req->op, sizeof req->op, "%s", op->valuestring);
	struct principal who;
	if (op == NULL) {
		reply_fail(d, req, "bad_request",
			   "the request has no \"op\"; expected one of %s",
			   core_names());
	} else if (!cJSON_IsString(op)) {
		reply_fail(d, req, "bad_request", "\"op\" must be a string");
	} else if (strlen(op->valuestring) >= 64) {
		reply_fail(d, req, "unknown_op",
			   "unknown op; expected one of %s", core_names());
	} else if (access_authenticate(d, req, env, &who) == 0) {
		const struct op *o = find_op(op->valuestring);
		struct op_call call = {
		    .d = d,
		    .req = req,
		    .who = &who,
		    .env = env,
		    .env_arena = &env_arena,
		    .op = op->valuestring,
		    .text = nng_msg_body(req->msg),
		    .len = nng_msg_len(req->msg),
		};
		if (o != NULL &&
		    !access_require_role(d, req, &who, o->least, o->name))
			; /* refused and logged */
		else if (o != NULL && o->handle != NULL)
			o->handle(&call);
		else if (ops_plugin_query(&call) == -ENOENT)
			reply_fail(d, req, "unknown_op",
				   "unknown op \"%s\"; expected one of %s",
				   call.op, core_names());
	}
	/* An op that took the arena took env with it. */
	if (env_arena != NULL || !in_arena)
		json_scratch_release(env, env_arena);
}

/* A request decoded off the loop: its envelope, or why it has none; or,
 * from the nng thread, that it was over its connection's rate and was not
 * decoded at all. */
struct decoded {
	bool limited;
	unsigned retry_ms; /* when limited */
	cJSON *env;
	struct arena *env_arena; /* env's, or NULL: malloc'ed */
	int rc;
	struct envelope_error error;
};

/* The rate limit is per connection (an nng pipe): one client's many
 * connections each get their own allowance. */
void request_connection_name(const struct rpc_request *req, char *buf,
			     size_t size)
{
	snprintf(buf, size, "%u", req->pipe_id);
}

static void decode(struct rpc_request *req, size_t max_size,
		   struct decoded *out)
{
	const char *text = nng_msg_body(req->msg);
	size_t len = nng_msg_len(req->msg);
	/* The tree into an arena of its own: its values are freed on other
	 * threads (the document on a worker, the rest on the loop), where
	 * the parse's malloc'ed values cost a free each and fragmented this
	 * thread's fast bins.  A compact request's tree takes about five
	 * times its text: one chunk, where a second one (twice the first)
	 * would waste more than it holds. */
	struct arena *arena = malloc(sizeof *arena);
	if (arena != NULL) {
		arena_init_sized(arena, len * 6 + 4096);
		json_scratch_begin(arena);
	}
	out->rc = envelope_parse(text, len, max_size, &out->error, &out->env);
	if (arena != NULL) {
		json_scratch_end();
		/* Not there without json_scratch_install (some tests). */
		if (out->env != NULL && arena_owns(arena, out->env)) {
			out->env_arena = arena;
		} else {
			arena_release(arena);
			free(arena);
		}
	}
	/* A document's bytes are stored as sent: finding them is a scan of
	 * the whole request, done here rather than on the loop. */
	if (out->rc == 0 &&
	    cJSON_IsObject(
		cJSON_GetObjectItemCaseSensitive(out->env, "document")) &&
	    envelope_member_span(text, len, "document", &req->document_at,
				 &req->document_len) < 0)
		req->document_at = NULL;
}

static void take_decoded(struct daemon *d, struct rpc_request *req,
			 struct decoded *out)
{
	if (out->rc < 0)
		reply_fail(d, req, out->error.code, "%s", out->error.message);
	else
		request_dispatch(d, req, out->env, out->env_arena);
}

void request_prepare(struct rpc_request *req, size_t max_message_size,
		     void *arg)
{
	struct daemon *d = arg;
	if (nng_msg_len(req->msg) < REQUEST_DECODE_OFF_LOOP)
		return; /* parsed faster than the loop takes a turn */
	struct decoded *out = calloc(1, sizeof *out);
	if (out == NULL)
		return; /* the loop decodes it */
	/* The rate first, as the loop would: a connection over it costs no
	 * parse. */
	char connection[16];
	request_connection_name(req, connection, sizeof connection);
	out->limited = !throttle_take(&d->throttle, connection,
				      throttle_now_ms(), &out->retry_ms);
	if (!out->limited)
		decode(req, max_message_size, out);
	req->prepared = out;
}

void request_forget(struct rpc_request *req)
{
	struct decoded *out = req->prepared;
	req->prepared = NULL;
	if (out != NULL)
		json_scratch_release(out->env, out->env_arena);
	free(out);
}

/* An HTTP request large enough to be worth a thread (nng's were
 * prepared): decoded on a worker. */
struct decoding {
	struct workers_job work;
	struct daemon *d;
	struct rpc_request *req;
	size_t max_size;
	struct decoded out;
};

static void decode_run(struct workers_job *work)
{
	struct decoding *dc = (struct decoding *)work;
	decode(dc->req, dc->max_size, &dc->out);
}

static void decode_done(struct workers_job *work)
{
	struct decoding *dc = (struct decoding *)work;
	take_decoded(dc->d, dc->req, &dc->out);
	free(dc);
}

void request_handle(struct daemon *d, struct rpc_request *req)
{
	d->requests++;
	/* Counted once: where the nng thread decoded it, it took the token
	 * there. */
	struct decoded *prepared = req->prepared;
	char connection[16];
	unsigned retry_ms = prepared ? prepared->retry_ms : 0;
	request_connection_name(req, connection, sizeof connection);
	if (prepared ? prepared->limited
		     : !throttle_take(&d->throttle, connection,
				      throttle_now_ms(), &retry_ms)) {
		request_forget(req);
		reply_fail(
		    d, req, "rate_limited",
		    "more than %d requests per second on this connection "
		    "(rate_limit); retry in %u ms",
		    d->config->rate_limit, retry_ms);
		return;
	}
	if (d->stopping) {
		request_forget(req);
		/* Queued submissions are still committed and answered; new
		 * requests are told, not dropped. */
		reply_fail(d, req, "unavailable",
			   "budgetd is stopping; nothing was done: send again "
			   "when it is back");
		return;
	}
	if (prepared != NULL) {
		req->prepared = NULL;
		take_decoded(d, req, prepared);
		free(prepared);
		return;
	}
	/* A query is parsed faster than a thread could be woken for it; a
	 * document is not, and the loop has better things to do. */
	if (d->workers.n_threads > 0 &&
	    nng_msg_len(req->msg) >= REQUEST_DECODE_OFF_LOOP) {
		struct decoding *dc = calloc(1, sizeof *dc);
		if (dc != NULL) {
			*dc = (struct decoding){
			    .work = {.run = decode_run, .done = decode_done},
			    .d = d,
			    .req = req,
			    .max_size = d->config->max_message_size,
			};
			workers_submit(&d->workers, &dc->work);
			return;
		}
	}
	cJSON *env;
	if (envelope_decode(d, req, &env) < 0)
		return;
	request_dispatch(d, req, env, NULL);
}
