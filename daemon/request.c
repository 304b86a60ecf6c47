/* The wire protocol: JSON request envelopes in, JSON replies out. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"
#include "model.h"
#include "money.h"
#include "utf8.h"
#include "verify.h"

#define EVENTS_LIMIT_MAX 1000

static const char *const core_ops =
    "submit, validate, totals, departments, show, history, events, status, "
    "verify, reload, lock, credential.add, credential.remove, credential.list";

/* A submission travelling through audit → store → apply → reply. */
struct pending {
	struct store_job job;
	struct rpc_request *req;
	char *body; /* the document, byte for byte as received */
	char *findings_json;
	struct registry_entry *entry; /* the parsed submission */
	cJSON *findings;
	enum bd_unit unit;
	size_t n_errors;
	char first_error[300];
	char sender[180];    /* principal and peer, for the trail */
	char connection[16]; /* limits key */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- replies ---- */

static void reply_bytes(struct daemon *d, struct rpc_request *req,
			const char *body, size_t len)
{
	if (d->send_reply != NULL)
		d->send_reply(d, req, body, len);
	else
		rpc_reply(&d->rpc, req, body, len);
}

static void send_json(struct daemon *d, struct rpc_request *req, cJSON *reply)
{
	char *text = cJSON_PrintUnformatted(reply);
	if (text == NULL) {
		static const char oom[] = "{\"ok\":false,\"error\":{\"code\":"
					  "\"internal\",\"message\":\"out of "
					  "memory building the reply\"}}";
		reply_bytes(d, req, oom, sizeof oom - 1);
	} else {
		reply_bytes(d, req, text, strlen(text));
		free(text);
	}
	cJSON_Delete(reply);
}

static cJSON *error_reply(const char *code, const char *message)
{
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddFalseToObject(reply, "ok");
	cJSON *err = cJSON_AddObjectToObject(reply, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	return reply;
}

BD_PRINTF(4, 5)
static void send_error(struct daemon *d, struct rpc_request *req,
		       const char *code, const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	log_debug("request from %s refused: %s: %s", req->peer, code, message);
	send_json(d, req, error_reply(code, message));
}

static cJSON *ok_reply(void)
{
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(reply, "ok");
	return reply;
}

/* ---- decoding ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* Skips one JSON value that cJSON has already found well-formed. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;
	do {
		p = skip_ws(p, end);
		if (p >= end)
			return end;
		if (*p == '"') {
			p = skip_string(p, end);
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (*p == ',' || *p == ':') {
			p++;
		} else {
			while (p < end && !strchr(",:]} \t\r\n", *p))
				p++;
		}
	} while (depth > 0);
	return p;
}

/*
 * Finds the raw text of a top-level member, so that a document is stored
 * byte for byte as the department sent it.  Returns 0 with the span in start
 * and len, or -ENOENT (the caller then falls back to cJSON's printing).
 */
static int member_span(const char *text, size_t n, const char *key,
		       const char **start, size_t *len)
{
	const char *p = text, *end = text + n;
	size_t klen = strlen(key);
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -ENOENT;
	p++;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return -ENOENT;
		const char *k = p + 1;
		p = skip_string(p, end);
		bool match =
		    (size_t)(p - 1 - k) == klen && memcmp(k, key, klen) == 0;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return -ENOENT;
		p = skip_ws(p + 1, end);
		const char *v = p;
		p = skip_value(p, end);
		if (match) {
			*start = v;
			*len = (size_t)(p - v);
			return 0;
		}
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			return -ENOENT;
		p++;
	}
}

static void describe_parse_error(const char *text, size_t n, char *buf,
				 size_t size)
{
	const char *at = cJSON_GetErrorPtr();
	if (at == NULL || at < text || at > text + n) {
		snprintf(buf, size, "request is not valid JSON");
		return;
	}
	/* Unclosed brackets at the end: the sender cut the message short. */
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_string = false;
		} else if (text[i] == '"') {
			in_string = true;
		} else if (text[i] == '{' || text[i] == '[') {
			depth++;
		} else if (text[i] == '}' || text[i] == ']') {
			depth--;
		}
	}
	if (depth > 0 || in_string) {
		snprintf(
		    buf, size,
		    "request is not valid JSON: it ends after %zu bytes with "
		    "%d unclosed bracket%s%s (truncated?)",
		    n, depth, depth == 1 ? "" : "s",
		    in_string ? " inside a string" : "");
		return;
	}
	size_t offset = (size_t)(at - text), line = 1, column = 1;
	for (const char *p = text; p < at; p++) {
		if (*p == '\n')
			line++, column = 1;
		else
			column++;
	}
	if (offset >= n)
		snprintf(
		    buf, size,
		    "request is not valid JSON: it ends early (truncated?) "
		    "after %zu bytes",
		    n);
	else {
		/* The body is not NUL-terminated: copy at most what is there,
		 * and never half a character. */
		char near[24];
		size_t take = n - offset < 20 ? n - offset : 20;
		memcpy(near, at, take);
		near[take] = '\0';
		utf8_trim_partial(near);
		snprintf(buf, size,
			 "request is not valid JSON: syntax error at byte %zu "
			 "(line %zu, column %zu) near \"%s\"",
			 offset, line, column, near);
	}
}

/* A string parameter, or NULL with an error sent. */
static const char *param_string(struct daemon *d, struct rpc_request *req,
				const cJSON *env, const char *key,
				bool required, bool *failed)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(env, key);
	if (item == NULL || cJSON_IsNull(item)) {
		if (required) {
			send_error(d, req, "bad_request",
				   "\"%s\" is required for this op", key);
			*failed = true;
		}
		return NULL;
	}
	if (!cJSON_IsString(item)) {
		send_error(d, req, "bad_request", "\"%s\" must be a string",
			   key);
		*failed = true;
		return NULL;
	}
	return item->valuestring;
}

/* An integer parameter in [min, max]; `fallback` when absent. */
static long long param_int(struct daemon *d, struct rpc_request *req,
			   const cJSON *env, const char *key, long long min,
			   long long max, long long fallback, bool *failed)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(env, key);
	if (item == NULL || cJSON_IsNull(item))
		return fallback;
	/* Range first: casting an out-of-range double (1e400 is inf) to an
	 * integer is undefined behaviour. */
	if (!cJSON_IsNumber(item) || !(item->valuedouble >= (double)min) ||
	    !(item->valuedouble <= (double)max) ||
	    item->valuedouble != floor(item->valuedouble)) {
		send_error(d, req, "bad_request",
			   "\"%s\" must be an integer from %lld to %lld", key,
			   min, max);
		*failed = true;
		return fallback;
	}
	return (long long)item->valuedouble;
}

/* ---- who may do what ---- */

static int authenticate(struct daemon *d, struct rpc_request *req,
			const cJSON *env, struct principal *who)
{
	memset(who, 0, sizeof *who);
	if (daemon_listener_trusted(d, req->listener_index)) {
		who->role = AUTH_ADMIN;
		snprintf(who->name, sizeof who->name, "local");
		return 0;
	}
	const cJSON *token = cJSON_GetObjectItemCaseSensitive(env, "token");
	if (!cJSON_IsString(token)) {
		log_warning("unauthenticated request from %s refused",
			    req->peer);
		send_error(
		    d, req, "unauthenticated",
		    "this listener requires a credential: send \"token\": "
		    "\"NAME.SECRET\" (budgetctl --token or $BUDGETD_TOKEN)");
		return -1;
	}
	if (strlen(token->valuestring) >= AUTH_TOKEN_MAX ||
	    auth_verify(&d->auth, token->valuestring, who) < 0) {
		log_warning(
		    "request from %s with an invalid credential refused",
		    req->peer);
		send_error(d, req, "unauthenticated",
			   "the credential is not valid (unknown name or wrong "
			   "secret)");
		return -1;
	}
	return 0;
}

BD_PRINTF(4, 5)
static void forbid(struct daemon *d, struct rpc_request *req,
		   const struct principal *who, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	log_warning("%s (%s %s) from %s refused: %s", who->name,
		    auth_role_name(who->role), who->scope, req->peer, why);
	send_error(d, req, "forbidden", "%s as %s (%s%s%s)", why, who->name,
		   auth_role_name(who->role), who->scope[0] ? " of " : "",
		   who->scope);
}

static bool require_role(struct daemon *d, struct rpc_request *req,
			 const struct principal *who, enum auth_role least,
			 const char *op)
{
	if (who->role >= least)
		return true;
	forbid(d, req, who, "\"%s\" needs the %s role", op,
	       auth_role_name(least));
	return false;
}

/* The 主管部门 of a department, from any year's latest revision. */
static const char *parent_of(struct daemon *d, const char *code)
{
	for (size_t i = 0; i < d->registry.n_buckets; i++)
		for (struct registry_entry *e = d->registry.buckets[i]; e;
		     e = e->next_in_bucket)
			if (strcmp(e->revision.submission->department.code,
				   code) == 0)
				return e->revision.submission->department
				    .parent;
	return NULL;
}

/* A document may be sent only for a department the principal covers. */
static bool may_send_document(struct daemon *d, struct rpc_request *req,
			      const struct principal *who, const cJSON *env,
			      bool storing)
{
	if (who->role == AUTH_ADMIN)
		return true;
	if (who->role == AUTH_OPERATOR) {
		if (!storing)
			return true;
		forbid(d, req, who, "operators read; they do not submit");
		return false;
	}
	const cJSON *dept = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(env, "document"), "department");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(dept, "code");
	const cJSON *parent = cJSON_GetObjectItemCaseSensitive(dept, "parent");
	if (!cJSON_IsString(code)) {
		forbid(d, req, who, "the document names no department.code");
		return false;
	}
	if (auth_covers(who, code->valuestring,
			cJSON_IsString(parent) ? parent->valuestring : NULL))
		return true;
	forbid(d, req, who, "a budget of department %.12s may not be sent",
	       code->valuestring);
	return false;
}

static bool may_read_department(struct daemon *d, struct rpc_request *req,
				const struct principal *who, const char *code)
{
	/* Only a 主管部门's rights depend on the parent: the others need not
	 * scan the registry for it. */
	const char *parent =
	    who->role == AUTH_PARENT ? parent_of(d, code) : NULL;
	if (auth_covers(who, code, parent))
		return true;
	forbid(d, req, who, "department %.12s may not be read", code);
	return false;
}

/* ---- submit and validate ---- */

static void pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->body);
	free(p->findings_json);
	cJSON_Delete(p->findings);
	registry_entry_free(p->entry);
	free(p);
}

static cJSON *problems_to_json(const struct model_problems *problems)
{
	cJSON *array = cJSON_CreateArray();
	for (size_t i = 0; i < problems->n; i++) {
		const struct model_problem *pr = &problems->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "severity",
					pr->is_error ? "error" : "warning");
		cJSON_AddStringToObject(o, "rule",
					pr->is_error ? "format.invalid"
						     : "format.unknown_key");
		cJSON_AddStringToObject(o, "path", pr->path);
		cJSON_AddStringToObject(o, "message", pr->message);
		cJSON_AddItemToArray(array, o);
	}
	if (problems->n_dropped > 0) {
		char msg[120];
		snprintf(msg, sizeof msg, "%zu further problems not listed",
			 problems->n_dropped);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "severity", "error");
		cJSON_AddStringToObject(o, "rule", "format.invalid");
		cJSON_AddStringToObject(o, "path", "$");
		cJSON_AddStringToObject(o, "message", msg);
		cJSON_AddItemToArray(array, o);
	}
	return array;
}

/*
 * Parses and audits the document of a submit/validate request.  Fills in
 * p's outcome, findings and parsed entry; returns -1 after sending an error
 * reply when the request itself is unusable.
 */
static int audit_document(struct daemon *d, struct rpc_request *req,
			  const cJSON *env, const char *text, size_t n,
			  struct pending *p)
{
	const cJSON *document =
	    cJSON_GetObjectItemCaseSensitive(env, "document");
	if (document == NULL) {
		send_error(d, req, "bad_request",
			   "\"document\" is required: the budget-submission/1 "
			   "document as a JSON object");
		return -1;
	}
	if (!cJSON_IsObject(document)) {
		send_error(d, req, "bad_request",
			   "\"document\" must be a JSON object (a "
			   "budget-submission/1 document), not a %s",
			   cJSON_IsString(document) ? "string"
						    : "scalar or array");
		return -1;
	}
	const char *start;
	size_t len;
	if (member_span(text, n, "document", &start, &len) == 0)
		p->body = strndup(start, len);
	else
		p->body = cJSON_PrintUnformatted(document);
	p->entry = calloc(1, sizeof *p->entry);
	if (p->body == NULL || p->entry == NULL) {
		send_error(d, req, "internal", "out of memory");
		return -1;
	}
	arena_init(&p->entry->arena);

	struct model_problems *problems = malloc(sizeof *problems);
	struct bd_submission *sub = NULL;
	if (problems == NULL) {
		send_error(d, req, "internal", "out of memory");
		return -1;
	}
	int rc = model_parse(document, &p->entry->arena, &sub, problems);
	if (rc == -ENOMEM) {
		free(problems);
		send_error(d, req, "internal",
			   "out of memory parsing the document");
		return -1;
	}
	p->findings = problems_to_json(problems);
	if (rc < 0) {
		p->job.outcome = STORE_INVALID;
		p->n_errors = problems->n_errors;
		for (size_t i = 0; i < problems->n; i++) {
			if (problems->items[i].is_error) {
				snprintf(p->first_error, sizeof p->first_error,
					 "%.100s: %.190s",
					 problems->items[i].path,
					 problems->items[i].message);
				utf8_trim_partial(p->first_error);
				break;
			}
		}
		/* Keep what can be told of the sender for the trail. */
		const cJSON *dept =
		    cJSON_GetObjectItemCaseSensitive(document, "department");
		const cJSON *code =
		    cJSON_GetObjectItemCaseSensitive(dept, "code");
		if (cJSON_IsString(code) && strlen(code->valuestring) < 13)
			strcpy(p->job.department, code->valuestring);
		free(problems);
		return 0;
	}
	free(problems);
	p->entry->revision.submission = sub;
	p->unit = sub->unit;
	p->job.year = sub->year;
	strcpy(p->job.department, sub->department.code);

	struct bd_audit audit;
	audit_init(&audit, d->config);
	rc = host_validate(&d->host, sub, &audit);
	if (rc < 0) {
		audit_free(&audit);
		send_error(d, req, "internal",
			   "the audit failed (%s); see the daemon log",
			   strerror(-rc));
		return -1;
	}
	cJSON *audit_json = audit_to_json(&audit, sub->unit);
	cJSON *f;
	while ((f = cJSON_DetachItemFromArray(audit_json, 0)) != NULL)
		cJSON_AddItemToArray(p->findings, f);
	cJSON_Delete(audit_json);
	p->n_errors = audit.n_errors;
	p->job.outcome = audit.n_errors ? STORE_REJECTED : STORE_ACCEPTED;
	for (size_t i = 0; i < audit.n; i++) {
		if (audit.items[i].severity == BD_SEVERITY_ERROR) {
			snprintf(p->first_error, sizeof p->first_error,
				 "%.100s: %.190s", audit.items[i].path,
				 audit.items[i].message);
			utf8_trim_partial(p->first_error);
			break;
		}
	}
	audit_free(&audit);
	return 0;
}

static void add_outcome(cJSON *reply, const struct pending *p)
{
	static const char *const names[] = {"accepted", "rejected", "invalid"};
	cJSON_AddStringToObject(reply, "outcome", names[p->job.outcome]);
	if (p->job.department[0])
		cJSON_AddStringToObject(reply, "department", p->job.department);
	if (p->job.year)
		cJSON_AddNumberToObject(reply, "year", p->job.year);
	if (p->job.outcome != STORE_INVALID)
		cJSON_AddStringToObject(reply, "unit",
					money_unit_name(p->unit));
}

static cJSON *rejection_reply(const struct pending *p)
{
	char message[512];
	snprintf(message, sizeof message, "%s: %zu error%s; first: %s",
		 p->job.outcome == STORE_INVALID
		     ? "not a valid budget-submission/1 document"
		     : "the audit found errors",
		 p->n_errors, p->n_errors == 1 ? "" : "s", p->first_error);
	cJSON *reply = error_reply(
	    p->job.outcome == STORE_INVALID ? "invalid_document" : "rejected",
	    message);
	add_outcome(reply, p);
	return reply;
}

static void handle_validate(struct daemon *d, struct rpc_request *req,
			    const struct principal *who, const cJSON *env,
			    const char *text, size_t n)
{
	if (!may_send_document(d, req, who, env, false))
		return;
	struct pending *p = calloc(1, sizeof *p);
	if (p == NULL) {
		send_error(d, req, "internal", "out of memory");
		return;
	}
	if (audit_document(d, req, env, text, n, p) == 0) {
		cJSON *reply = p->job.outcome == STORE_ACCEPTED
				   ? ok_reply()
				   : rejection_reply(p);
		if (p->job.outcome == STORE_ACCEPTED)
			add_outcome(reply, p);
		cJSON_AddItemToObject(reply, "findings", p->findings);
		p->findings = NULL;
		send_json(d, req, reply);
	}
	pending_free(p);
}

static void handle_submit(struct daemon *d, struct rpc_request *req,
			  const struct principal *who, const cJSON *env,
			  const char *text, size_t n)
{
	if (!may_send_document(d, req, who, env, true))
		return;
	if (d->stopping) {
		send_error(d, req, "unavailable",
			   "the daemon is shutting down; nothing was stored, "
			   "submit again when it is back");
		return;
	}
	if (d->config->max_in_flight > 0 &&
	    d->in_flight >= (size_t)d->config->max_in_flight) {
		send_error(
		    d, req, "busy",
		    "%zu submissions are waiting for the disk (max_in_flight); "
		    "nothing was stored, submit again shortly",
		    d->in_flight);
		return;
	}
	char connection[16];
	snprintf(connection, sizeof connection, "%u", req->pipe_id);
	if (!throttle_submission_start(&d->throttle, connection, now_ms())) {
		send_error(
		    d, req, "busy",
		    "this connection already has %d submissions waiting for "
		    "the "
		    "disk (max_in_flight_per_connection); nothing was stored",
		    d->config->max_in_flight_per_connection);
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	if (p == NULL) {
		send_error(d, req, "internal", "out of memory");
		return;
	}
	if (audit_document(d, req, env, text, n, p) < 0) {
		throttle_submission_done(&d->throttle, connection);
		pending_free(p);
		return;
	}
	for (int i = 0; i < d->n_locked_years; i++) {
		if (p->job.year == d->locked_years[i]) {
			throttle_submission_done(&d->throttle, connection);
			send_error(d, req, "locked",
				   "fiscal year %d is locked: its budgets are "
				   "final and no "
				   "revision is accepted (an admin can unlock "
				   "it); nothing "
				   "was stored",
				   p->job.year);
			pending_free(p);
			return;
		}
	}
	p->findings_json = cJSON_PrintUnformatted(p->findings);
	if (p->findings_json == NULL) {
		throttle_submission_done(&d->throttle, connection);
		send_error(d, req, "internal", "out of memory");
		pending_free(p);
		return;
	}
	p->req = req;
	snprintf(p->connection, sizeof p->connection, "%s", connection);
	p->job.owner = p;
	p->job.body = p->body;
	p->job.body_len = strlen(p->body);
	p->job.findings_json = p->findings_json;
	snprintf(p->sender, sizeof p->sender, "%s %s", who->name, req->peer);
	p->job.sender = p->sender;
	d->in_flight++;
	store_submit(&d->store, &p->job);
}

/* The notification for a stored submission, after apply. */
static void publish_event(struct daemon *d, const struct pending *p,
			  const struct bd_submission *sub,
			  const struct bd_apply *apply)
{
	static const char *const kinds[] = {
	    "revision.accepted", "submission.rejected", "submission.invalid"};
	struct bd_event ev = {
	    .seq = p->job.seq,
	    .kind = kinds[p->job.outcome],
	    .year = p->job.year,
	    .department = p->job.department,
	    .parent = sub ? sub->department.parent : "",
	    .revision = p->job.revision,
	    .changes = apply ? apply->items : NULL,
	    .n_changes = apply ? apply->n : 0,
	};
	host_publish(&d->host, &ev);
}

/* Queues the totals an event moved for its row in the store, so that a
 * subscriber catching up with "events" sees them too. */
static void annotate_event(struct daemon *d, uint64_t seq,
			   const struct bd_apply *apply)
{
	if (apply->n == 0)
		return;
	cJSON *changes = cJSON_CreateArray();
	for (size_t i = 0; changes && i < apply->n; i++) {
		const struct bd_total_change *c = &apply->items[i];
		char before[MONEY_TEXT_MAX], after[MONEY_TEXT_MAX];
		money_format(c->before, BD_UNIT_YUAN, before, sizeof before);
		money_format(c->after, BD_UNIT_YUAN, after, sizeof after);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "year", c->year);
		cJSON_AddStringToObject(o, "dimension", c->dimension);
		cJSON_AddStringToObject(o, "key", c->key);
		cJSON_AddStringToObject(o, "before", before);
		cJSON_AddStringToObject(o, "after", after);
		cJSON_AddItemToArray(changes, o);
	}
	struct store_job *job = calloc(1, sizeof *job);
	char *json = changes ? cJSON_PrintUnformatted(changes) : NULL;
	cJSON_Delete(changes);
	if (job == NULL || json == NULL) {
		/* Derived data: its loss costs a subscriber detail, not a
		 * total. */
		log_warning("event %llu: changes not recorded (out of memory)",
			    (unsigned long long)seq);
		free(job);
		free(json);
		return;
	}
	job->kind = STORE_JOB_ANNOTATION;
	job->annotate_seq = seq;
	job->changes_json = json;
	store_submit(&d->store, job);
}

void request_store_done(struct daemon *d, struct store_job *job)
{
	if (job->kind == STORE_JOB_ANNOTATION) {
		if (job->rc < 0)
			log_warning("event %llu: changes not recorded: %s",
				    (unsigned long long)job->annotate_seq,
				    job->error);
		free(job->changes_json);
		free(job);
		return;
	}
	struct pending *p = job->owner;
	d->in_flight--;
	throttle_submission_done(&d->throttle, p->connection);
	if (job->rc < 0) {
		log_error("submission from %s for %s/%d not stored: %s",
			  p->req->peer, job->department, job->year, job->error);
		send_error(d, p->req, "store_failed",
			   "%s; nothing was stored, submit again later",
			   job->error);
		pending_free(p);
		return;
	}
	if (job->outcome != STORE_ACCEPTED) {
		publish_event(d, p,
			      p->entry ? p->entry->revision.submission : NULL,
			      NULL);
		cJSON *reply = rejection_reply(p);
		cJSON_AddNumberToObject(reply, "document_id",
					(double)job->document_id);
		cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
		cJSON_AddItemToObject(reply, "findings", p->findings);
		p->findings = NULL;
		log_info("%s %s/%d from %s: %zu error%s (document %lld)",
			 job->outcome == STORE_INVALID ? "invalid document for"
						       : "rejected",
			 job->department[0] ? job->department : "?", job->year,
			 p->req->peer, p->n_errors, p->n_errors == 1 ? "" : "s",
			 (long long)job->document_id);
		send_json(d, p->req, reply);
		pending_free(p);
		return;
	}

	struct registry_entry *entry = p->entry, *replaced = NULL;
	p->entry = NULL;
	entry->revision.number = job->revision;
	entry->revision.document_id = job->document_id;
	entry->revision.seq = job->seq;
	if (registry_replace(&d->registry, entry, &replaced) < 0) {
		/* Stored but not applied: the totals would be stale, and only a
		 * restart (which rebuilds from the store) can mend that. */
		log_error("out of memory applying %s/%d revision %lld; restart "
			  "budgetd to rebuild the totals",
			  job->department, job->year, (long long)job->revision);
		registry_entry_free(entry);
		send_error(d, p->req, "internal",
			   "stored as revision %lld, but the daemon ran out of "
			   "memory applying it",
			   (long long)job->revision);
		pending_free(p);
		return;
	}
	struct bd_apply apply;
	apply_init(&apply);
	int applied =
	    host_apply(&d->host, replaced ? &replaced->revision : NULL,
		       &entry->revision, &apply);
	publish_event(d, p, entry->revision.submission, &apply);
	annotate_event(d, job->seq, &apply);

	cJSON *reply = ok_reply();
	add_outcome(reply, p);
	cJSON_AddNumberToObject(reply, "revision", (double)job->revision);
	cJSON_AddNumberToObject(reply, "document_id", (double)job->document_id);
	cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
	cJSON_AddNumberToObject(reply, "totals_changed", (double)apply.n);
	if (applied < 0)
		/* Stored and durable, but a plugin's state may now lag: say so
		 * rather than let the sender believe the totals moved. */
		cJSON_AddStringToObject(
		    reply, "warning",
		    "stored, but a plugin failed to apply this "
		    "revision (see the daemon log); run "
		    "budgetctl verify, restart budgetd to rebuild");
	cJSON_AddItemToObject(reply, "findings", p->findings);
	p->findings = NULL;
	log_info("accepted %s/%d revision %lld from %s (seq %llu, %zu totals "
		 "moved)",
		 job->department, job->year, (long long)job->revision,
		 p->req->peer, (unsigned long long)job->seq, apply.n);
	apply_free(&apply);
	registry_entry_free(replaced);
	send_json(d, p->req, reply);
	pending_free(p);
}

/* ---- queries ---- */

struct department_list {
	cJSON *array;
	int year;
	const struct principal *who;
};

static void add_department(void *ctx, const struct registry_entry *e)
{
	struct department_list *list = ctx;
	const struct bd_submission *s = e->revision.submission;
	if (list->year && s->year != list->year)
		return;
	if (!auth_covers(list->who, s->department.code, s->department.parent))
		return;
	bd_fen total = 0;
	for (size_t i = 0; i < s->n_lines; i++)
		total += bd_line_total(&s->lines[i]);
	char text[MONEY_TEXT_MAX];
	money_format(total, BD_UNIT_YUAN, text, sizeof text);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", s->department.code);
	cJSON_AddStringToObject(o, "name", s->department.name);
	if (s->department.parent[0])
		cJSON_AddStringToObject(o, "parent", s->department.parent);
	cJSON_AddNumberToObject(o, "year", s->year);
	cJSON_AddNumberToObject(o, "revision", (double)e->revision.number);
	cJSON_AddNumberToObject(o, "seq", (double)e->revision.seq);
	cJSON_AddStringToObject(o, "expenditure_total", text);
	cJSON_AddNumberToObject(o, "lines", (double)s->n_lines);
	cJSON_AddNumberToObject(o, "projects", (double)s->n_projects);
	cJSON_AddItemToArray(list->array, o);
}

static int compare_departments(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a,
		    *y = *(const cJSON *const *)b;
	int dy = cJSON_GetObjectItem(x, "year")->valueint -
		 cJSON_GetObjectItem(y, "year")->valueint;
	if (dy)
		return dy;
	return strcmp(cJSON_GetObjectItem(x, "code")->valuestring,
		      cJSON_GetObjectItem(y, "code")->valuestring);
}

static void handle_departments(struct daemon *d, struct rpc_request *req,
			       const struct principal *who, const cJSON *env)
{
	bool failed = false;
	int year = (int)param_int(d, req, env, "year", 2000, 2100, 0, &failed);
	if (failed)
		return;
	struct department_list list = {cJSON_CreateArray(), year, who};
	registry_each(&d->registry, add_department, &list);

	/* Stable order for people and scripts: year, then code. */
	int n = cJSON_GetArraySize(list.array);
	cJSON **items = malloc(sizeof *items * (size_t)(n ? n : 1));
	cJSON *sorted = cJSON_CreateArray();
	if (items != NULL && sorted != NULL) {
		for (int i = 0; i < n; i++)
			items[i] = cJSON_DetachItemFromArray(list.array, 0);
		qsort(items, (size_t)n, sizeof *items, compare_departments);
		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(sorted, items[i]);
	}
	free(items);
	cJSON_Delete(list.array);
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "unit", "元");
	cJSON_AddItemToObject(reply, "departments", sorted);
	send_json(d, req, reply);
}

/* The newest year a department has an accepted revision for, or 0. */
struct latest_year {
	const char *code;
	int year;
};

static void find_latest_year(void *ctx, const struct registry_entry *e)
{
	struct latest_year *ly = ctx;
	const struct bd_submission *s = e->revision.submission;
	if (strcmp(s->department.code, ly->code) == 0 && s->year > ly->year)
		ly->year = s->year;
}

static void handle_show(struct daemon *d, struct rpc_request *req,
			const struct principal *who, const cJSON *env)
{
	bool failed = false;
	const char *code =
	    param_string(d, req, env, "department", true, &failed);
	if (failed || !may_read_department(d, req, who, code))
		return;
	int year = (int)param_int(d, req, env, "year", 2000, 2100, 0, &failed);
	long long revision =
	    param_int(d, req, env, "revision", 1, INT64_MAX / 2, 0, &failed);
	if (failed)
		return;
	if (year == 0) {
		struct latest_year ly = {code, 0};
		registry_each(&d->registry, find_latest_year, &ly);
		year = ly.year;
		if (year == 0) {
			send_error(d, req, "not_found",
				   "department %s has no accepted revision",
				   code);
			return;
		}
	}
	char *body = NULL;
	int64_t number = 0;
	int rc =
	    store_document(&d->store, code, year, revision, &body, &number);
	if (rc == -ENOENT) {
		if (revision)
			send_error(d, req, "not_found",
				   "department %s has no revision %lld for %d",
				   code, revision, year);
		else
			send_error(
			    d, req, "not_found",
			    "department %s has no accepted revision for %d",
			    code, year);
		return;
	}
	if (rc < 0) {
		send_error(d, req, "store_failed",
			   "reading the store failed: %s", strerror(-rc));
		return;
	}
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "department", code);
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddNumberToObject(reply, "revision", (double)number);
	struct registry_entry *latest = registry_find(&d->registry, year, code);
	cJSON_AddBoolToObject(reply, "latest",
			      latest && latest->revision.number == number);
	/* The stored bytes go out as they came in. */
	cJSON_AddItemToObject(reply, "document", cJSON_CreateRaw(body));
	free(body);
	send_json(d, req, reply);
}

static void handle_history(struct daemon *d, struct rpc_request *req,
			   const struct principal *who, const cJSON *env)
{
	bool failed = false;
	const char *code =
	    param_string(d, req, env, "department", true, &failed);
	if (failed || !may_read_department(d, req, who, code))
		return;
	int year = (int)param_int(d, req, env, "year", 2000, 2100, 0, &failed);
	if (failed)
		return;
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "department", code);
	cJSON *history = cJSON_AddArrayToObject(reply, "history");
	int rc = store_history(&d->store, code, year, history);
	if (rc < 0) {
		cJSON_Delete(reply);
		send_error(d, req, "store_failed",
			   "reading the store failed: %s", strerror(-rc));
		return;
	}
	send_json(d, req, reply);
}

static void handle_events(struct daemon *d, struct rpc_request *req,
			  const cJSON *env)
{
	bool failed = false;
	long long since =
	    param_int(d, req, env, "since", 0, INT64_MAX / 2, 0, &failed);
	int limit = (int)param_int(d, req, env, "limit", 1, EVENTS_LIMIT_MAX,
				   EVENTS_LIMIT_MAX, &failed);
	if (failed)
		return;
	cJSON *reply = ok_reply();
	cJSON *events = cJSON_AddArrayToObject(reply, "events");
	int rc = store_events_since(&d->store, (uint64_t)since, limit, events);
	if (rc < 0) {
		cJSON_Delete(reply);
		send_error(d, req, "store_failed",
			   "reading the store failed: %s", strerror(-rc));
		return;
	}
	send_json(d, req, reply);
}

static void handle_status(struct daemon *d, struct rpc_request *req)
{
	struct store_counts counts;
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "version", PROJECT_VERSION);
	cJSON_AddNumberToObject(reply, "plugin_abi", BD_ABI_MAJOR);
	cJSON_AddNumberToObject(reply, "uptime_seconds",
				(double)(time(NULL) - d->started));
	cJSON *listen = cJSON_AddArrayToObject(reply, "listen");
	for (size_t i = 0; i < d->config->n_listen; i++) {
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "url", d->config->listen[i]);
		cJSON_AddStringToObject(l, "policy",
					daemon_listener_trusted(d, (int)i)
					    ? "trust"
					    : "credentials");
		cJSON_AddItemToArray(listen, l);
	}
	cJSON_AddStringToObject(reply, "you", req->peer);
	cJSON_AddStringToObject(reply, "publish", d->config->publish);
	cJSON_AddStringToObject(reply, "store", d->store.path);
	cJSON_AddNumberToObject(reply, "max_message_size",
				(double)d->config->max_message_size);
	cJSON *plugins = cJSON_AddArrayToObject(reply, "plugins");
	for (size_t i = 0; i < d->host.n_plugins; i++) {
		const struct bd_plugin_handle *p = &d->host.plugins[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(
		    o, "version", p->desc->version ? p->desc->version : "");
		cJSON_AddItemToArray(plugins, o);
	}
	cJSON_AddNumberToObject(reply, "departments",
				(double)d->registry.n_entries);
	cJSON *locked = cJSON_AddArrayToObject(reply, "locked_years");
	for (int i = 0; i < d->n_locked_years; i++)
		cJSON_AddItemToArray(locked,
				     cJSON_CreateNumber(d->locked_years[i]));
	cJSON_AddNumberToObject(reply, "model_bytes",
				(double)d->registry.bytes);
	if (store_counts(&d->store, &counts) == 0) {
		cJSON *c = cJSON_AddObjectToObject(reply, "stored");
		cJSON_AddNumberToObject(c, "documents",
					(double)counts.documents);
		cJSON_AddNumberToObject(c, "accepted", (double)counts.accepted);
		cJSON_AddNumberToObject(c, "rejected", (double)counts.rejected);
		cJSON_AddNumberToObject(c, "invalid", (double)counts.invalid);
		cJSON_AddNumberToObject(c, "revisions",
					(double)counts.revisions);
		cJSON_AddNumberToObject(reply, "last_seq",
					(double)counts.last_seq);
	}
	cJSON_AddNumberToObject(reply, "requests", (double)d->requests);
	cJSON_AddNumberToObject(reply, "in_flight", (double)d->in_flight);
	pthread_mutex_lock(&d->store.lock);
	cJSON_AddNumberToObject(reply, "commits", (double)d->store.commits);
	cJSON_AddNumberToObject(reply, "committed_jobs",
				(double)d->store.jobs_committed);
	/* Group commit at work: submissions per transaction that had any. */
	cJSON_AddNumberToObject(reply, "submission_commits",
				(double)d->store.submission_commits);
	cJSON_AddNumberToObject(reply, "submissions_committed",
				(double)d->store.submissions_committed);
	pthread_mutex_unlock(&d->store.lock);
	send_json(d, req, reply);
}

static void handle_reload(struct daemon *d, struct rpc_request *req)
{
	char err[1024];
	if (daemon_reload(d, err, sizeof err) < 0) {
		send_error(d, req, "reload_failed",
			   "%s; the previous configuration stays in force",
			   err);
		return;
	}
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(
	    reply, "config", d->config->path ? d->config->path : "(built-in)");
	send_json(d, req, reply);
}

static void handle_plugin_query(struct daemon *d, struct rpc_request *req,
				const struct principal *who, const char *op,
				cJSON *env)
{
	/* A department sees its own figures, a 主管部门 those of its units:
	 * their queries carry a cut they cannot remove. */
	if (who->role == AUTH_DEPARTMENT || who->role == AUTH_PARENT) {
		char cut[40];
		snprintf(cut, sizeof cut, "%s:%s",
			 who->role == AUTH_DEPARTMENT ? "department" : "parent",
			 who->scope);
		cJSON *where = cJSON_GetObjectItemCaseSensitive(env, "where");
		if (cJSON_IsString(where)) {
			cJSON *list = cJSON_CreateArray();
			cJSON_AddItemToArray(
			    list, cJSON_CreateString(where->valuestring));
			cJSON_ReplaceItemInObjectCaseSensitive(env, "where",
							       list);
			where = list;
		} else if (where == NULL) {
			where = cJSON_AddArrayToObject(env, "where");
		}
		if (!cJSON_IsArray(where)) {
			send_error(d, req, "bad_request",
				   "\"where\" must be a list");
			return;
		}
		cJSON_AddItemToArray(where, cJSON_CreateString(cut));
	}
	struct bd_query q = {.request = env, .reply = ok_reply()};
	int rc = host_query(&d->host, op, &q);
	if (rc == -ENOENT) {
		cJSON_Delete(q.reply);
		send_error(d, req, "unknown_op",
			   "unknown op \"%s\"; expected one of %s", op,
			   core_ops);
		return;
	}
	if (q.failed || rc < 0) {
		cJSON_Delete(q.reply);
		send_error(d, req, q.failed ? q.error_code : "internal", "%s",
			   q.failed ? q.error_message : "the query failed");
		return;
	}
	send_json(d, req, q.reply);
}

/* ---- locking a fiscal year (admin) ---- */

static void handle_lock(struct daemon *d, struct rpc_request *req,
			const cJSON *env)
{
	bool failed = false;
	int year = (int)param_int(d, req, env, "year", 2000, 2100, 0, &failed);
	if (failed)
		return;
	if (year == 0) {
		send_error(d, req, "bad_request", "\"year\" is required");
		return;
	}
	const cJSON *locked = cJSON_GetObjectItemCaseSensitive(env, "locked");
	bool lock = locked == NULL || cJSON_IsTrue(locked);
	if (locked != NULL && !cJSON_IsBool(locked)) {
		send_error(d, req, "bad_request",
			   "\"locked\" must be true or false");
		return;
	}
	int rc = store_set_locked(&d->store, year, lock);
	if (rc == 0) {
		rc = store_locked_years(&d->store, d->locked_years, 64);
		if (rc >= 0) {
			d->n_locked_years = rc;
			rc = 0;
		}
	}
	if (rc < 0) {
		send_error(d, req, "store_failed", "%s", strerror(-rc));
		return;
	}
	log_info("fiscal year %d %s", year, lock ? "locked" : "unlocked");
	cJSON *reply = ok_reply();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddBoolToObject(reply, "locked", lock);
	send_json(d, req, reply);
}

/* ---- credentials (admin) ---- */

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ0123456789_-",
			    name[i]))
			return false;
	return true;
}

static void handle_credential_add(struct daemon *d, struct rpc_request *req,
				  const cJSON *env)
{
	bool failed = false;
	const char *name = param_string(d, req, env, "name", true, &failed);
	const char *role =
	    failed ? NULL : param_string(d, req, env, "role", true, &failed);
	const char *scope =
	    failed ? NULL
		   : param_string(d, req, env, "department", false, &failed);
	if (failed)
		return;
	struct credential cred = {0};
	if (!valid_name(name)) {
		send_error(d, req, "bad_request",
			   "\"name\" is 1..63 of letters, digits, '_' and '-'");
		return;
	}
	if (auth_role_from_name(role, &cred.role) < 0) {
		send_error(d, req, "bad_request",
			   "\"role\" is department, parent, operator or admin");
		return;
	}
	bool scoped = cred.role == AUTH_DEPARTMENT || cred.role == AUTH_PARENT;
	if (scoped &&
	    (scope == NULL || strlen(scope) < 3 || strlen(scope) > 12 ||
	     strspn(scope, "0123456789") != strlen(scope))) {
		send_error(d, req, "bad_request",
			   "a %s credential needs \"department\": its 3 to 12 "
			   "digit code",
			   role);
		return;
	}
	snprintf(cred.name, sizeof cred.name, "%s", name);
	snprintf(cred.scope, sizeof cred.scope, "%s", scoped ? scope : "");
	char token[AUTH_TOKEN_MAX];
	int rc = auth_issue(&cred, token, sizeof token);
	if (rc == 0)
		rc = store_credential_put(&d->store, &cred);
	if (rc == 0)
		rc = store_credentials_load(&d->store, &d->auth);
	if (rc < 0) {
		send_error(d, req, "store_failed",
			   "the credential was not stored: %s", strerror(-rc));
		return;
	}
	log_info("credential %s (%s %s) issued", cred.name, role, cred.scope);
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "name", cred.name);
	cJSON_AddStringToObject(reply, "role", role);
	if (scoped)
		cJSON_AddStringToObject(reply, "department", cred.scope);
	/* Shown once: only its hash is kept. */
	cJSON_AddStringToObject(reply, "token", token);
	send_json(d, req, reply);
}

static void handle_credential_remove(struct daemon *d, struct rpc_request *req,
				     const cJSON *env)
{
	bool failed = false;
	const char *name = param_string(d, req, env, "name", true, &failed);
	if (failed)
		return;
	int rc = store_credential_remove(&d->store, name);
	if (rc == 0)
		rc = store_credentials_load(&d->store, &d->auth);
	if (rc == -ENOENT) {
		send_error(d, req, "not_found", "no credential named \"%s\"",
			   name);
		return;
	}
	if (rc < 0) {
		send_error(d, req, "store_failed", "%s", strerror(-rc));
		return;
	}
	log_info("credential %s removed", name);
	cJSON *reply = ok_reply();
	cJSON_AddStringToObject(reply, "removed", name);
	send_json(d, req, reply);
}

static void handle_credential_list(struct daemon *d, struct rpc_request *req)
{
	cJSON *reply = ok_reply();
	cJSON *list = cJSON_AddArrayToObject(reply, "credentials");
	for (size_t i = 0; i < d->auth.n; i++) {
		const struct credential *c = &d->auth.items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "role", auth_role_name(c->role));
		if (c->scope[0])
			cJSON_AddStringToObject(o, "department", c->scope);
		cJSON_AddItemToArray(list, o);
	}
	send_json(d, req, reply);
}

/* ---- dispatch ---- */

void request_handle(struct daemon *d, struct rpc_request *req)
{
	const char *text = nng_msg_body(req->msg);
	size_t n = nng_msg_len(req->msg);
	char why[256];

	d->requests++;
	char connection[16];
	unsigned retry_ms;
	snprintf(connection, sizeof connection, "%u", req->pipe_id);
	if (!throttle_take(&d->throttle, connection, now_ms(), &retry_ms)) {
		send_error(
		    d, req, "rate_limited",
		    "more than %d requests per second on this connection "
		    "(rate_limit); retry in %u ms",
		    d->config->rate_limit, retry_ms);
		return;
	}
	if (n > d->config->max_message_size) {
		send_error(
		    d, req, "message_too_large",
		    "request is %zu bytes; this server accepts at most %zu "
		    "(max_message_size)",
		    n, d->config->max_message_size);
		return;
	}
	if (n == 0) {
		send_error(d, req, "bad_request",
			   "empty request; send a JSON object such as "
			   "{\"op\":\"status\"}");
		return;
	}
	long bad = utf8_invalid_at((const unsigned char *)text, n);
	if (bad >= 0) {
		send_error(d, req, "bad_encoding",
			   "request is not valid UTF-8 at byte %ld", bad);
		return;
	}
	if (memchr(text, '\0', n) != NULL) {
		send_error(
		    d, req, "bad_encoding",
		    "request contains a NUL byte at offset %zu",
		    (size_t)((const char *)memchr(text, '\0', n) - text));
		return;
	}
	cJSON *env = cJSON_ParseWithLength(text, n);
	if (env == NULL) {
		describe_parse_error(text, n, why, sizeof why);
		send_error(d, req, "bad_json", "%s", why);
		return;
	}
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(env, "op");
	struct principal who;
	if (!cJSON_IsObject(env)) {
		send_error(d, req, "bad_request",
			   "the request must be a JSON object with an \"op\"");
	} else if (op == NULL) {
		send_error(d, req, "bad_request",
			   "the request has no \"op\"; expected one of %s",
			   core_ops);
	} else if (!cJSON_IsString(op)) {
		send_error(d, req, "bad_request", "\"op\" must be a string");
	} else if (authenticate(d, req, env, &who) < 0) {
		/* refused and logged */
	} else if (strcmp(op->valuestring, "submit") == 0) {
		handle_submit(d, req, &who, env, text, n);
	} else if (strcmp(op->valuestring, "validate") == 0) {
		handle_validate(d, req, &who, env, text, n);
	} else if (strcmp(op->valuestring, "departments") == 0) {
		handle_departments(d, req, &who, env);
	} else if (strcmp(op->valuestring, "show") == 0) {
		handle_show(d, req, &who, env);
	} else if (strcmp(op->valuestring, "history") == 0) {
		handle_history(d, req, &who, env);
	} else if (strcmp(op->valuestring, "events") == 0) {
		if (require_role(d, req, &who, AUTH_OPERATOR, "events"))
			handle_events(d, req, env);
	} else if (strcmp(op->valuestring, "status") == 0) {
		handle_status(d, req);
	} else if (strcmp(op->valuestring, "verify") == 0) {
		if (require_role(d, req, &who, AUTH_OPERATOR, "verify"))
			send_json(d, req, verify_run(d));
	} else if (strcmp(op->valuestring, "reload") == 0) {
		if (require_role(d, req, &who, AUTH_ADMIN, "reload"))
			handle_reload(d, req);
	} else if (strcmp(op->valuestring, "lock") == 0) {
		if (require_role(d, req, &who, AUTH_ADMIN, "lock"))
			handle_lock(d, req, env);
	} else if (strcmp(op->valuestring, "credential.add") == 0) {
		if (require_role(d, req, &who, AUTH_ADMIN, "credential.add"))
			handle_credential_add(d, req, env);
	} else if (strcmp(op->valuestring, "credential.remove") == 0) {
		if (require_role(d, req, &who, AUTH_ADMIN, "credential.remove"))
			handle_credential_remove(d, req, env);
	} else if (strcmp(op->valuestring, "credential.list") == 0) {
		if (require_role(d, req, &who, AUTH_ADMIN, "credential.list"))
			handle_credential_list(d, req);
	} else if (strlen(op->valuestring) < 64) {
		handle_plugin_query(d, req, &who, op->valuestring, env);
	} else {
		send_error(d, req, "unknown_op",
			   "unknown op; expected one of %s", core_ops);
	}
	cJSON_Delete(env);
}
