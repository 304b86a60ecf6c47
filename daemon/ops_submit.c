/*
 * submit and validate: a document is parsed, audited by the plugins and,
 * for submit, handed to the store; the reply goes out only when the store
 * has committed it (an ack means durable), after the revision is applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "log.h"
#include "money.h"
#include "ops.h"
#include "reply.h"
#include "review.h"
#include "hash.h"
#include "json_text.h"
#include "model.h"
#include "utf8.h"

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
	char first_rule[96]; /* of the first error, for the log's RULE= */
	char sender[180];    /* principal and peer, for the trail */
	char connection[16]; /* limits key */
	/* accepted: the workflow's transition, written with the revision */
	struct store_transition *transition;
	enum wf_stage stage; /* what it is sent for ("stage"; NONE: its own) */
};

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
static int audit_document(const struct op_call *c, struct pending *p)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	const cJSON *env = c->env;
	const char *text = c->text;
	size_t n = c->len;
	if (review_stage_asked(c, &p->stage) < 0)
		return -1;
	const cJSON *document =
	    cJSON_GetObjectItemCaseSensitive(env, "document");
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
	const char *start;
	size_t len;
	if (envelope_member_span(text, n, "document", &start, &len) == 0)
		p->body = strndup(start, len);
	else
		p->body = cJSON_PrintUnformatted(document);
	p->entry = calloc(1, sizeof *p->entry);
	if (p->body == NULL || p->entry == NULL) {
		reply_fail(d, req, "internal", "out of memory");
		return -1;
	}
	arena_init(&p->entry->arena);

	struct model_problems *problems = malloc(sizeof *problems);
	struct bd_submission *sub = NULL;
	if (problems == NULL) {
		reply_fail(d, req, "internal", "out of memory");
		return -1;
	}
	int rc = model_parse(document, &p->entry->arena, &sub, problems);
	if (rc == -ENOMEM) {
		free(problems);
		reply_fail(d, req, "internal",
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
				snprintf(p->first_rule, sizeof p->first_rule,
					 "format.invalid");
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
	audit.stage =
	    review_stage_for(d, sub->year, sub->department.code, p->stage);
	rc = host_validate(&d->host, sub, &audit);
	if (rc < 0) {
		audit_free(&audit);
		reply_fail(d, req, "internal",
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
	if (d->findings_by_rule.slots != NULL ||
	    strmap_init(&d->findings_by_rule) == 0)
		for (size_t i = 0; i < audit.n; i++)
			strmap_add(&d->findings_by_rule, audit.items[i].rule,
				   1);
	for (size_t i = 0; i < audit.n; i++) {
		if (audit.items[i].severity == BD_SEVERITY_ERROR) {
			snprintf(p->first_error, sizeof p->first_error,
				 "%.100s: %.190s", audit.items[i].path,
				 audit.items[i].message);
			utf8_trim_partial(p->first_error);
			snprintf(p->first_rule, sizeof p->first_rule, "%s",
				 audit.items[i].rule);
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
	cJSON *reply = reply_error(
	    p->job.outcome == STORE_INVALID ? "invalid_document" : "rejected",
	    message);
	add_outcome(reply, p);
	return reply;
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
	if (audit_document(c, p) == 0) {
		cJSON *reply = p->job.outcome == STORE_ACCEPTED
				   ? reply_ok()
				   : rejection_reply(p);
		if (p->job.outcome == STORE_ACCEPTED)
			add_outcome(reply, p);
		cJSON_AddItemToObject(reply, "findings", p->findings);
		p->findings = NULL;
		reply_send(d, req, reply);
	}
	pending_free(p);
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
	snprintf(connection, sizeof connection, "%u", req->pipe_id);
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
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	if (audit_document(c, p) < 0) {
		throttle_submission_done(&d->throttle, connection);
		pending_free(p);
		return;
	}
	/* An accepted budget moves its case, and the workflow knows about
	 * locked years; a rejected one is kept for the trail only where the
	 * year is still open to it (an adjustment), else refused. */
	if (p->job.outcome != STORE_ACCEPTED && p->job.year &&
	    review_year_closed(d, p->job.year, p->job.department)) {
		throttle_submission_done(&d->throttle, connection);
		review_refuse_locked(c, p->job.year, p->job.department);
		pending_free(p);
		return;
	}
	p->findings_json = cJSON_PrintUnformatted(p->findings);
	if (p->findings_json == NULL) {
		throttle_submission_done(&d->throttle, connection);
		reply_fail(d, req, "internal", "out of memory");
		pending_free(p);
		return;
	}
	p->req = req;
	snprintf(p->connection, sizeof p->connection, "%s", connection);
	p->job.owner = p;
	p->job.body = p->body;
	p->job.body_len = strlen(p->body);
	p->job.findings_json = p->findings_json;
	snprintf(p->sender, sizeof p->sender, "%s %s", c->who->name, req->peer);
	p->job.sender = p->sender;
	if (p->job.outcome == STORE_ACCEPTED) {
		if (review_submission(c, p->entry->revision.submission,
				      p->stage, &p->transition) < 0) {
			throttle_submission_done(&d->throttle, connection);
			pending_free(p);
			return;
		}
		p->job.write_rows = store_write_transition;
		p->job.rows = p->transition;
	}
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

/*
 * The totals an event moved as the JSON the store keeps for "events":
 * written straight, not built as objects and printed, since this runs
 * once for every moved total of every accepted revision.
 */
static char *changes_json(const struct bd_apply *apply)
{
	struct json_text t = {0};
	char amount[MONEY_TEXT_MAX];
	json_text_raw(&t, "[");
	for (size_t i = 0; i < apply->n; i++) {
		const struct bd_total_change *c = &apply->items[i];
		json_text_raw(&t, i ? ",{\"year\":" : "{\"year\":");
		json_text_int(&t, c->year);
		json_text_raw(&t, ",\"dimension\":");
		json_text_string(&t, c->dimension);
		json_text_raw(&t, ",\"key\":");
		json_text_string(&t, c->key);
		money_format(c->before, BD_UNIT_YUAN, amount, sizeof amount);
		json_text_raw(&t, ",\"before\":\"");
		json_text_raw(&t, amount);
		money_format(c->after, BD_UNIT_YUAN, amount, sizeof amount);
		json_text_raw(&t, "\",\"after\":\"");
		json_text_raw(&t, amount);
		json_text_raw(&t, "\"}");
	}
	json_text_raw(&t, "]");
	if (t.failed) {
		json_text_free(&t);
		return NULL;
	}
	return t.buf;
}

/* Queues the totals an event moved for its row in the store, so that a
 * subscriber catching up with "events" sees them too. */
static void annotate_event(struct daemon *d, uint64_t seq,
			   const struct bd_apply *apply)
{
	if (apply->n == 0)
		return;
	struct store_job *job = calloc(1, sizeof *job);
	char *json = changes_json(apply);
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
	struct pending *p = job->owner;
	d->in_flight--;
	throttle_submission_done(&d->throttle, p->connection);
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
		log_with(BD_LOG_INFO, &fields,
			 "%s %s/%d from %s: %zu error%s, first %s (document "
			 "%lld)",
			 job->outcome == STORE_INVALID ? "invalid document for"
						       : "rejected",
			 job->department[0] ? job->department : "?", job->year,
			 p->req->peer, p->n_errors, p->n_errors == 1 ? "" : "s",
			 p->first_rule, (long long)job->document_id);
		reply_send(d, p->req, reply);
		pending_free(p);
		return;
	}

	struct registry_entry *entry = p->entry;
	p->entry = NULL;
	entry->body_len = job->body_len;
	entry->body_hash = hash_str(p->body);
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
		pending_free(p);
		return;
	}
	publish_event(d, p, entry->revision.submission, &apply);
	annotate_event(d, job->seq, &apply);
	review_submission_done(d, job, p->transition);
	p->transition = NULL;

	cJSON *reply = reply_ok();
	add_outcome(reply, p);
	cJSON_AddNumberToObject(reply, "revision", (double)job->revision);
	cJSON_AddNumberToObject(reply, "document_id", (double)job->document_id);
	cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
	cJSON_AddNumberToObject(reply, "totals_changed", (double)apply.n);
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
		 p->req->peer, (unsigned long long)job->seq, apply.n);
	apply_free(&apply);
	reply_send(d, p->req, reply);
	pending_free(p);
}
