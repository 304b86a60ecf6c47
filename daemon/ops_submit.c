/*
 * submit and validate: a document is parsed, audited by the plugins and,
 * for submit, handed to the store; the reply goes out only when the store
 * has committed it (an ack means durable), after the revision is applied.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "changes.h"
#include "clock.h"
#include "daemon.h"
#include "envelope.h"
#include "log.h"
#include "money.h"
#include "ops.h"
#include "reply.h"
#include "review.h"
#include "hash.h"
#include "json_scratch.h"
#include "json_text.h"
#include "model.h"
#include "utf8.h"

/*
 * A submission (or validation) travelling through audit → store → apply
 * → reply.  The audit runs on a worker (workers.h); everything else on
 * the loop.  Per department one is out at a time, from audit until its
 * reply: so submissions of a department are stored and applied in the
 * order they came, and an audit reads its department's registry entries
 * while nothing replaces them.
 */
struct pending {
	struct store_job job;
	struct workers_job work;
	struct daemon *d;
	struct rpc_request *req;
	struct principal who;
	bool storing;	 /* submit; else validate (reply only) */
	cJSON *document; /* parsed on the worker, which frees it */
	/* Where document lives when the request was decoded off the loop:
	 * the whole request's arena (else NULL, malloc'ed). */
	struct arena *document_arena;
	char *body; /* the document, byte for byte as received */
	char *findings_json;
	struct registry_entry *entry; /* the parsed submission */
	cJSON *findings;
	struct bd_audit audit;
	bool audited;	    /* audit holds findings to free */
	bool whole;	    /* findings, outcome and first error are set */
	int internal_error; /* -errno: the audit itself failed */
	enum bd_unit unit;
	size_t n_errors;
	char first_error[300];
	char first_rule[96]; /* of the first error, for the log's RULE= */
	char sender[180];    /* principal and peer, for the trail */
	char connection[16]; /* limits key */
	char lane[13];	     /* the department code sent ("" if none) */
	int sent_year;	     /* the year sent (0 if none), for the stage */
	struct pending *next_in_lane;
	/* accepted: the workflow's transition, written with the revision */
	struct store_transition *transition;
	enum wf_stage stage;	   /* what it is sent for ("stage"; NONE) */
	enum bd_stage audit_stage; /* what the audit checked it as */
	/* on clock_ns: came in (nng or HTTP), reached the loop, came back */
	uint64_t received_ns, arrived_ns, audit_back_ns;
};

const char *const submission_stage_names[SUBMISSION_STAGES] = {
    "to_loop",	  /* received by nng (or HTTP) until the loop took it */
    "audit_wait", /* behind its department's, then for a worker */
    "audit",	  /* UTF-8, JSON, model, the plugins' validate */
    "from_audit", /* the worker done until the loop saw it */
    "store_wait", /* the loop's part, then behind the writer's batch */
    "commit",	  /* its transaction, BEGIN to COMMIT and fsync */
    "from_store", /* the commit done until the loop saw it */
    "apply_reply" /* the registry, every plugin's apply, publish, reply */
};

/* Adds where an accepted submission's round trip went to the daemon's
 * sums: the stages are consecutive, so they add up to the whole. */
static void time_submission(struct daemon *d, const struct pending *p,
			    uint64_t store_done_ns)
{
	uint64_t received = p->received_ns ? p->received_ns : p->arrived_ns;
	const uint64_t at[SUBMISSION_STAGES + 1] = {received,
						    p->arrived_ns,
						    p->work.began_ns,
						    p->work.ended_ns,
						    p->audit_back_ns,
						    p->job.commit_began_ns,
						    p->job.committed_ns,
						    store_done_ns,
						    clock_ns()};
	for (int i = 0; i < SUBMISSION_STAGES; i++)
		d->submission_stage_ns[i] +=
		    at[i + 1] > at[i] ? at[i + 1] - at[i] : 0;
	d->submissions_timed++;
}

static void pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->body);
	free(p->findings_json);
	cJSON_Delete(p->findings);
	json_scratch_release(p->document, p->document_arena);
	if (p->audited)
		audit_free(&p->audit);
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

/* ---- the audit, on a worker ---- */

/* The document's findings after the plugins' audit: outcome, first error,
 * the findings as JSON (and printed, for the store). */
static int audit_conclude(struct pending *p)
{
	cJSON *audit_json = audit_to_json(&p->audit, p->unit);
	cJSON *f;
	if (audit_json == NULL)
		return -ENOMEM;
	while ((f = cJSON_DetachItemFromArray(audit_json, 0)) != NULL)
		cJSON_AddItemToArray(p->findings, f);
	cJSON_Delete(audit_json);
	p->n_errors = p->audit.n_errors;
	p->job.outcome = p->audit.n_errors ? STORE_REJECTED : STORE_ACCEPTED;
	for (size_t i = 0; i < p->audit.n; i++) {
		if (p->audit.items[i].severity == BD_SEVERITY_ERROR) {
			snprintf(p->first_error, sizeof p->first_error,
				 "%.100s: %.190s", p->audit.items[i].path,
				 p->audit.items[i].message);
			utf8_trim_partial(p->first_error);
			snprintf(p->first_rule, sizeof p->first_rule, "%s",
				 p->audit.items[i].rule);
			break;
		}
	}
	if (p->storing &&
	    (p->findings_json = json_text_print(p->findings)) == NULL)
		return -ENOMEM;
	p->whole = true;
	return 0;
}

/* An invalid document: its first problem, and who sent it, for the
 * trail. */
static void conclude_invalid(struct pending *p,
			     const struct model_problems *problems)
{
	p->job.outcome = STORE_INVALID;
	p->n_errors = problems->n_errors;
	for (size_t i = 0; i < problems->n; i++) {
		if (problems->items[i].is_error) {
			snprintf(p->first_error, sizeof p->first_error,
				 "%.100s: %.190s", problems->items[i].path,
				 problems->items[i].message);
			utf8_trim_partial(p->first_error);
			snprintf(p->first_rule, sizeof p->first_rule,
				 "format.invalid");
			break;
		}
	}
	snprintf(p->job.department, sizeof p->job.department, "%s", p->lane);
	if (p->storing &&
	    (p->findings_json = json_text_print(p->findings)) == NULL)
		p->internal_error = -ENOMEM;
	p->whole = true;
}

/*
 * Parses the document into the model and runs the plugins' audit: on a
 * worker (or inline when there are none).  Reads the daemon's config and
 * the plugins only inside host_audit_shared; writes only to p.
 */
static void audit_run(struct workers_job *work)
{
	struct pending *p =
	    (struct pending *)((char *)work - offsetof(struct pending, work));
	struct daemon *d = p->d;
	struct model_problems *problems = malloc(sizeof *problems);
	struct bd_submission *sub = NULL;
	if (p->document == NULL) /* audited once already: parse again */
		p->document = cJSON_ParseWithLength(p->body, strlen(p->body));
	if (problems == NULL || p->document == NULL) {
		free(problems);
		p->internal_error = -ENOMEM;
		return;
	}
	int rc = model_parse(p->document, &p->entry->arena, &sub, problems);
	json_scratch_release(p->document, p->document_arena);
	p->document = NULL;
	p->document_arena = NULL;
	if (rc == -ENOMEM ||
	    (p->findings = problems_to_json(problems)) == NULL) {
		free(problems);
		p->internal_error = -ENOMEM;
		return;
	}
	if (rc < 0) {
		conclude_invalid(p, problems);
		free(problems);
		return;
	}
	free(problems);
	p->entry->revision.submission = sub;
	p->unit = sub->unit;
	p->job.year = sub->year;
	strcpy(p->job.department, sub->department.code);

	host_audit_shared_begin(&d->host);
	audit_init(&p->audit, d->config);
	p->audited = true;
	p->audit.stage = p->audit_stage;
	rc = host_validate(&d->host, sub, &p->audit,
			   d->workers.n_threads ? HOST_VALIDATE_CONCURRENT
						: HOST_VALIDATE_ALL);
	host_audit_shared_end(&d->host);
	if (rc < 0)
		p->internal_error = rc;
	else if (d->workers.n_threads == 0 || d->host.n_serial_validators == 0)
		p->internal_error = audit_conclude(p);
}

/* ---- per department, one at a time ---- */

static void audit_done(struct workers_job *work);

static void audit_start(struct daemon *d, struct pending *p)
{
	p->audit_stage = review_stage_for(d, p->sent_year, p->lane, p->stage);
	p->work = (struct workers_job){.run = audit_run, .done = audit_done};
	workers_submit(&d->workers, &p->work);
}

/* Starts p's audit, or queues it behind its department's. */
static int lane_enter(struct daemon *d, struct pending *p)
{
	if (d->lanes.slots == NULL && strmap_init(&d->lanes) < 0)
		return -ENOMEM;
	bool created;
	bd_fen *out = strmap_slot(&d->lanes, p->lane, 0, &created);
	if (out == NULL)
		return -ENOMEM;
	if ((*out)++ > 0) {
		p->next_in_lane = NULL;
		if (d->lane_tail)
			d->lane_tail->next_in_lane = p;
		else
			d->lane_head = p;
		d->lane_tail = p;
		return 0;
	}
	audit_start(d, p);
	return 0;
}

/* p's department is free again: the next of it waiting starts. */
static void lane_leave(struct daemon *d, const char *lane)
{
	bool created;
	bd_fen *out = strmap_slot(&d->lanes, lane, 0, &created);
	if (out == NULL || *out == 0 || --*out == 0)
		return;
	struct pending **pp = &d->lane_head, *prev = NULL;
	for (; *pp; prev = *pp, pp = &(*pp)->next_in_lane)
		if (strcmp((*pp)->lane, lane) == 0) {
			struct pending *next = *pp;
			*pp = next->next_in_lane;
			if (d->lane_tail == next)
				d->lane_tail = prev;
			audit_start(d, next);
			return;
		}
}

/* Ends a pending that leaves its lane without reaching the store. */
static void pending_finish(struct pending *p)
{
	struct daemon *d = p->d;
	char lane[sizeof p->lane];
	if (p->storing)
		throttle_submission_done(&d->throttle, p->connection);
	snprintf(lane, sizeof lane, "%s", p->lane);
	pending_free(p);
	lane_leave(d, lane);
}

/* ---- on the loop, before and after ---- */

/*
 * What the loop does before the audit: the "stage" asked, the document's
 * shape, its bytes kept for the store, and its department for the lane.
 * Returns -1 after sending an error reply when the request is unusable.
 */
static int audit_prepare(const struct op_call *c, struct pending *p)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	if (review_stage_asked(c, &p->stage) < 0)
		return -1;
	cJSON *document = cJSON_GetObjectItemCaseSensitive(c->env, "document");
	if (document == NULL) {
		reply_fail(d, req, "bad_request",
			   "\"document\" is required: the budget-submission/1 "
			   "document as a JSON object");
		return -1;
	}
	if (!cJSON_IsObject(document)) {
		reply_fail(d, req, "bad_request",
			   "\"document\" must be a JSON object (a "
			   "budget-submission/1 document), not a %s",
			   cJSON_IsString(document) ? "string"
						    : "scalar or array");
		return -1;
	}
	const char *start = req->document_at;
	size_t len = req->document_len;
	if (start != NULL || envelope_member_span(c->text, c->len, "document",
						  &start, &len) == 0)
		p->body = strndup(start, len);
	else
		p->body = json_text_print(document);
	p->entry = calloc(1, sizeof *p->entry);
	if (p->body == NULL || p->entry == NULL) {
		reply_fail(d, req, "internal", "out of memory");
		return -1;
	}
	arena_init(&p->entry->arena);
	const cJSON *dept =
	    cJSON_GetObjectItemCaseSensitive(document, "department");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(dept, "code");
	if (cJSON_IsString(code) && strlen(code->valuestring) < sizeof p->lane)
		strcpy(p->lane, code->valuestring);
	const cJSON *year = cJSON_GetObjectItemCaseSensitive(document, "year");
	if (cJSON_IsNumber(year) && year->valuedouble >= 1900 &&
	    year->valuedouble <= 2200)
		p->sent_year = year->valueint;
	/* The worker takes the document; the envelope goes with the call,
	 * or with the document where they share an arena. */
	p->document = cJSON_DetachItemViaPointer(c->env, document);
	if (c->env_arena != NULL) {
		p->document_arena = *c->env_arena;
		*c->env_arena = NULL;
	}
	p->d = d;
	p->req = req;
	p->who = *c->who;
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
	cJSON *reply = reply_error(
	    p->job.outcome == STORE_INVALID ? "invalid_document" : "rejected",
	    message);
	add_outcome(reply, p);
	return reply;
}

/* The audit is back: validate answers; submit goes on to the store. */
static void audit_done(struct workers_job *work)
{
	struct pending *p =
	    (struct pending *)((char *)work - offsetof(struct pending, work));
	struct daemon *d = p->d;
	struct rpc_request *req = p->req;
	const struct bd_submission *sub =
	    p->entry ? p->entry->revision.submission : NULL;
	p->audit_back_ns = clock_ns();
	/* A review of this department between the audit's start and now may
	 * have changed what the document is sent as (proposal or budget),
	 * and so what it must be checked against: audit it again. */
	if (p->internal_error == 0 && sub != NULL &&
	    review_stage_for(d, sub->year, sub->department.code, p->stage) !=
		p->audit_stage) {
		if (p->audited)
			audit_free(&p->audit);
		cJSON_Delete(p->findings);
		free(p->findings_json);
		registry_entry_free(p->entry);
		p->audited = p->whole = false;
		p->findings = NULL;
		p->findings_json = NULL;
		p->job.outcome = STORE_ACCEPTED;
		p->first_error[0] = p->first_rule[0] = '\0';
		p->entry = calloc(1, sizeof *p->entry);
		if (p->entry != NULL) {
			arena_init(&p->entry->arena);
			audit_start(d, p);
			return;
		}
		p->internal_error = -ENOMEM;
	}
	if (p->internal_error == 0 && !p->whole) {
		/* Plugins that must validate on the loop thread (ABI 2.3 and
		 * those without the concurrent flag), then the conclusion. */
		p->audit.policy = d->config;
		p->internal_error = host_validate(&d->host, sub, &p->audit,
						  HOST_VALIDATE_SERIAL);
		if (p->internal_error == 0)
			p->internal_error = audit_conclude(p);
	}
	if (p->internal_error < 0) {
		reply_fail(d, req, "internal",
			   "the audit failed (%s); nothing was stored, see the "
			   "daemon log",
			   strerror(-p->internal_error));
		pending_finish(p);
		return;
	}
	if (p->audited && (d->findings_by_rule.slots != NULL ||
			   strmap_init(&d->findings_by_rule) == 0))
		for (size_t i = 0; i < p->audit.n; i++)
			strmap_add(&d->findings_by_rule, p->audit.items[i].rule,
				   1);
	if (!p->storing) {
		cJSON *reply = p->job.outcome == STORE_ACCEPTED
				   ? reply_ok()
				   : rejection_reply(p);
		if (p->job.outcome == STORE_ACCEPTED)
			add_outcome(reply, p);
		cJSON_AddItemToObject(reply, "findings", p->findings);
		p->findings = NULL;
		reply_send(d, req, reply);
		pending_finish(p);
		return;
	}
	struct op_call call = {.d = d, .req = req, .who = &p->who};
	/* An accepted budget moves its case, and the workflow knows about
	 * locked years; a rejected one is kept for the trail only where the
	 * year is still open to it (an adjustment), else refused. */
	if (p->job.outcome != STORE_ACCEPTED && p->job.year &&
	    review_year_closed(d, p->job.year, p->job.department)) {
		review_refuse_locked(&call, p->job.year, p->job.department);
		pending_finish(p);
		return;
	}
	p->job.owner = p;
	p->job.body = p->body;
	p->job.body_len = strlen(p->body);
	p->job.findings_json = p->findings_json;
	p->job.sender = p->sender;
	if (p->job.outcome == STORE_ACCEPTED) {
		if (review_submission(&call, p->entry->revision.submission,
				      p->stage, &p->transition) < 0) {
			pending_finish(p);
			return;
		}
		p->job.write_rows = store_write_transition;
		p->job.rows = p->transition;
	}
	d->in_flight++;
	store_submit(&d->store, &p->job);
}

void ops_validate(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	if (!access_may_send(d, req, c->who, c->env, false))
		return;
	struct pending *p = calloc(1, sizeof *p);
	if (p == NULL) {
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	if (audit_prepare(c, p) < 0) {
		pending_free(p);
		return;
	}
	if (lane_enter(d, p) < 0) {
		reply_fail(d, req, "internal", "out of memory");
		pending_free(p);
	}
}

void ops_submit(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	if (!access_may_send(d, req, c->who, c->env, true))
		return;
	if (d->stopping) {
		reply_fail(d, req, "unavailable",
			   "the daemon is shutting down; nothing was stored, "
			   "submit again when it is back");
		return;
	}
	if (d->config->max_in_flight > 0 &&
	    d->in_flight >= (size_t)d->config->max_in_flight) {
		reply_fail(
		    d, req, "busy",
		    "%zu submissions are waiting for the disk (max_in_flight); "
		    "nothing was stored, submit again shortly",
		    d->in_flight);
		return;
	}
	char connection[16];
	request_connection_name(req, connection, sizeof connection);
	if (!throttle_submission_start(&d->throttle, connection,
				       throttle_now_ms())) {
		reply_fail(
		    d, req, "busy",
		    "this connection already has %d submissions waiting for "
		    "the "
		    "disk (max_in_flight_per_connection); nothing was stored",
		    d->config->max_in_flight_per_connection);
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	if (p == NULL) {
		throttle_submission_done(&d->throttle, connection);
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	p->arrived_ns = clock_ns();
	p->received_ns = req->received_ns;
	if (audit_prepare(c, p) < 0) {
		throttle_submission_done(&d->throttle, connection);
		pending_free(p);
		return;
	}
	p->storing = true;
	snprintf(p->connection, sizeof p->connection, "%s", connection);
	snprintf(p->sender, sizeof p->sender, "%s %s", c->who->name, req->peer);
	if (lane_enter(d, p) < 0) {
		throttle_submission_done(&d->throttle, connection);
		reply_fail(d, req, "internal", "out of memory");
		pending_free(p);
	}
}

/*
 * What is told of a stored submission after apply: its event, published
 * by the plugins and, with the totals it moved, written to its row in the
 * store (so that a subscriber catching up with "events" sees them too).
 * The plugins that may (BD_PLUGIN_PUBLISH_OFF_LOOP) build their messages
 * on the sender thread, where the annotation is encoded too: both were a
 * quarter of the loop's time under load.  The sender runs these in the
 * order the loop queues them, which is seq order.
 */
struct publication {
	struct daemon *d;
	struct bd_apply apply; /* the totals moved, owned here */
	uint64_t seq;
	const char *kind;
	int year;
	int64_t revision;
	char department[sizeof((struct store_job *)0)->department];
	char parent[sizeof((struct registry_summary *)0)->parent];
};

static void event_of(const struct publication *pub, struct bd_event *ev)
{
	*ev = (struct bd_event){
	    .seq = pub->seq,
	    .kind = pub->kind,
	    .year = pub->year,
	    .department = pub->department,
	    .parent = pub->parent,
	    .revision = pub->revision,
	    .changes = pub->apply.items,
	    .n_changes = pub->apply.n,
	};
}

/* Queues the totals an event moved for its row in the store (any
 * thread). */
static void annotate_event(struct daemon *d, uint64_t seq,
			   const struct bd_apply *apply)
{
	if (apply->n == 0)
		return;
	struct store_job *job = calloc(1, sizeof *job);
	char *json = changes_encode(apply->items, apply->n);
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

/* On the sender thread (or the loop, when nothing can be queued). */
static void publication_run(void *arg)
{
	struct publication *pub = arg;
	struct bd_event ev;
	event_of(pub, &ev);
	host_publish(&pub->d->host, &ev, HOST_PUBLISH_OFF_LOOP);
	annotate_event(pub->d, pub->seq, &pub->apply);
	apply_free(&pub->apply);
	free(pub);
}

/* Publishes p's event and annotates its row; takes *apply's changes (or
 * none when apply is NULL). */
static void publish_event(struct daemon *d, const struct pending *p,
			  const char *parent, struct bd_apply *apply)
{
	static const char *const kinds[] = {
	    "revision.accepted", "submission.rejected", "submission.invalid"};
	struct publication *pub = calloc(1, sizeof *pub);
	if (pub == NULL) {
		log_warning("event %llu: not published, and the totals it "
			    "moved not recorded with it (out of memory)",
			    (unsigned long long)p->job.seq);
		return;
	}
	pub->d = d;
	pub->seq = p->job.seq;
	pub->kind = kinds[p->job.outcome];
	pub->year = p->job.year;
	pub->revision = p->job.revision;
	snprintf(pub->department, sizeof pub->department, "%s",
		 p->job.department);
	snprintf(pub->parent, sizeof pub->parent, "%s", parent ? parent : "");
	if (apply != NULL) {
		pub->apply = *apply;
		apply_init(apply); /* taken */
	} else {
		apply_init(&pub->apply);
	}
	struct bd_event ev;
	event_of(pub, &ev);
	host_publish(&d->host, &ev, HOST_PUBLISH_ON_LOOP);
	outbox_run(&d->rpc.outbox, publication_run, pub);
}

/* The revision number of the latest accepted revision when its stored
 * bytes are body's, else 0. */
static int64_t same_as_latest(struct daemon *d,
			      const struct registry_entry *fresh,
			      const char *body)
{
	const struct bd_submission *s = fresh->revision.submission;
	struct registry_entry *latest =
	    registry_find(&d->registry, s->year, s->department.code);
	if (latest == NULL || latest->body_len != fresh->body_len ||
	    latest->body_hash != fresh->body_hash)
		return 0;
	/* Equal hashes: make sure from the store. */
	char *stored = NULL;
	int64_t number = 0;
	bool same =
	    store_document(&d->store, s->department.code, s->year,
			   latest->revision.number, &stored, &number) == 0 &&
	    strcmp(stored, body) == 0;
	free(stored);
	return same ? latest->revision.number : 0;
}

void ops_store_done(struct daemon *d, struct store_job *job)
{
	/* Answered in commit order, each wholly before the loop does
	 * anything else: from here on this event counts as applied. */
	if (job->seq > d->answered_seq)
		d->answered_seq = job->seq;
	if (job->kind == STORE_JOB_RECORD) {
		if (job->write_rows == store_write_controls)
			control_record_done(d, job);
		else
			review_record_done(d, job);
		return;
	}
	if (job->kind == STORE_JOB_ANNOTATION) {
		if (job->rc < 0)
			log_warning("event %llu: changes not recorded: %s",
				    (unsigned long long)job->annotate_seq,
				    job->error);
		free(job->changes_json);
		free(job);
		return;
	}
	uint64_t store_done_ns = clock_ns();
	struct pending *p = job->owner;
	d->in_flight--;
	struct log_fields fields = {.department = job->department,
				    .year = job->year,
				    .rule = p->first_rule,
				    .peer = p->req->peer};
	if (job->rc < 0) {
		log_with(BD_LOG_ERROR, &fields,
			 "submission from %s for %s/%d not stored: %s",
			 p->req->peer, job->department, job->year, job->error);
		reply_fail(d, p->req, "store_failed",
			   "%s; nothing was stored, submit again later",
			   job->error);
		review_submission_done(d, job, p->transition);
		p->transition = NULL;
		pending_finish(p);
		return;
	}
	if (job->outcome != STORE_ACCEPTED) {
		const struct bd_submission *sub =
		    p->entry ? p->entry->revision.submission : NULL;
		publish_event(d, p, sub ? sub->department.parent : "", NULL);
		cJSON *reply = rejection_reply(p);
		cJSON_AddNumberToObject(reply, "document_id",
					(double)job->document_id);
		cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
		cJSON_AddItemToObject(reply, "findings", p->findings);
		p->findings = NULL;
		log_with(BD_LOG_INFO, &fields,
			 "%s %s/%d from %s: %zu error%s, first %s (document "
			 "%lld)",
			 job->outcome == STORE_INVALID ? "invalid document for"
						       : "rejected",
			 job->department[0] ? job->department : "?", job->year,
			 p->req->peer, p->n_errors, p->n_errors == 1 ? "" : "s",
			 p->first_rule, (long long)job->document_id);
		reply_send(d, p->req, reply);
		pending_finish(p);
		return;
	}

	struct registry_entry *entry = p->entry;
	p->entry = NULL;
	entry->body_len = job->body_len;
	entry->body_hash = hash_bytes(p->body, entry->body_len);
	int64_t identical_to = same_as_latest(d, entry, p->body);
	entry->revision.number = job->revision;
	entry->revision.document_id = job->document_id;
	entry->revision.seq = job->seq;
	struct bd_apply apply;
	int applied;
	apply_init(&apply);
	if (daemon_accept(d, entry, &apply, &applied) < 0) {
		/* Stored but not applied: the totals would be stale, and only a
		 * restart (which rebuilds from the store) can mend that. */
		log_error("out of memory applying %s/%d revision %lld; restart "
			  "budgetd to rebuild the totals",
			  job->department, job->year, (long long)job->revision);
		review_submission_done(d, job, p->transition);
		p->transition = NULL;
		apply_free(&apply);
		reply_fail(d, p->req, "internal",
			   "stored as revision %lld, but the daemon ran out of "
			   "memory applying it",
			   (long long)job->revision);
		pending_finish(p);
		return;
	}
	size_t totals_changed = apply.n;
	/* Before the workflow's own event, as subscribers have seen them. */
	publish_event(d, p, entry->summary.parent, &apply);
	review_submission_done(d, job, p->transition);
	p->transition = NULL;

	cJSON *reply = reply_ok();
	add_outcome(reply, p);
	cJSON_AddNumberToObject(reply, "revision", (double)job->revision);
	cJSON_AddNumberToObject(reply, "document_id", (double)job->document_id);
	cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
	cJSON_AddNumberToObject(reply, "totals_changed",
				(double)totals_changed);
	if (identical_to > 0) {
		/* Stored as sent (every document is), but the sender should
		 * know it changed nothing. */
		cJSON_AddNumberToObject(reply, "identical_to",
					(double)identical_to);
		char note[160];
		snprintf(note, sizeof note,
			 "identical to revision %lld, byte for byte: stored as "
			 "a new revision, no total moved",
			 (long long)identical_to);
		cJSON_AddStringToObject(reply, "note", note);
	}
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
	log_with(BD_LOG_INFO, &fields,
		 "accepted %s/%d revision %lld from %s (seq %llu, %zu totals "
		 "moved)",
		 job->department, job->year, (long long)job->revision,
		 p->req->peer, (unsigned long long)job->seq, totals_changed);
	reply_send(d, p->req, reply);
	apply_free(&apply);
	time_submission(d, p, store_done_ns);
	pending_finish(p);
}
