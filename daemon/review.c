/*
 * Cases of the budget year, their transitions and the stage views.
 *
 * A case's position is kept as it will be once every queued job has
 * committed (submissions and reviews of one department are checked
 * against what is already on its way to the disk, so two of them cannot
 * both start from the same state).  A review waits for nothing: while a
 * job of its case is queued it is refused as busy.  Should a queued job
 * fail, the case is read back from the store once its queue drains.
 *
 * Over 800 lines on purpose: submissions, reviews and the stage views all
 * move the same projected position (case_arrive, case_settle), and one
 * file keeps that bookkeeping private.  Deadlines and progress live in
 * progress.c, control numbers in control_numbers.c.
 */
#include "review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "grow.h"
#include "json_text.h"
#include "log.h"
#include "model.h"
#include "ops.h"
#include "reply.h"

static void case_reread(struct daemon *d, struct review_case *c);

/* ---- cases ---- */

int review_init(struct review *r)
{
	memset(r, 0, sizeof *r);
	if (strmap_init(&r->case_index) < 0)
		return -ENOMEM;
	if (strmap_init(&r->control_index) < 0) {
		strmap_free(&r->case_index);
		return -ENOMEM;
	}
	return 0;
}

void review_free(struct review *r)
{
	for (size_t i = 0; i < r->n_cases; i++)
		free(r->cases[i]);
	free(r->cases);
	control_numbers_free(r);
	free(r->stale);
	strmap_free(&r->case_index);
	strmap_free(&r->control_index);
	memset(r, 0, sizeof *r);
}

void review_key(char *key, size_t size, int year, const char *department)
{
	snprintf(key, size, "%d/%s", year, department);
}

struct review_case *review_find(struct review *r, int year,
				const char *department)
{
	char key[32];
	review_key(key, sizeof key, year, department);
	if (!strmap_contains(&r->case_index, key))
		return NULL;
	return r->cases[strmap_get(&r->case_index, key)];
}

static struct review_case *case_get(struct review *r, int year,
				    const char *department)
{
	struct review_case *c = review_find(r, year, department);
	if (c != NULL)
		return c;
	if (GROW(r->cases, r->cap_cases, r->n_cases + 1, 64) < 0)
		return NULL;
	c = calloc(1, sizeof *c);
	char key[32];
	review_key(key, sizeof key, year, department);
	if (c == NULL ||
	    strmap_set(&r->case_index, key, (bd_fen)r->n_cases) < 0) {
		free(c);
		return NULL;
	}
	c->year = year;
	snprintf(c->department, sizeof c->department, "%s", department);
	r->cases[r->n_cases++] = c;
	return c;
}

/* Where a transition leaves a case: its position, and the revision an
 * approval approves (the budget's first approval is the original). */
static void case_arrive(struct review_case *c, const struct wf_position *next,
			int64_t revision)
{
	c->at = *next;
	if (next->state == WF_STATE_APPROVED) {
		c->approved = revision;
		if (next->stage == WF_STAGE_BUDGET && c->original == 0)
			c->original = revision;
	}
}

/* What a stored transition does to a case. */
static void case_take(struct review_case *c, const struct store_transition *t)
{
	struct wf_position next = {.round = t->round};
	wf_stage_from_name(t->stage, &next.stage);
	wf_state_from_name(t->to_state, &next.state);
	if (t->parent[0])
		snprintf(c->parent, sizeof c->parent, "%s", t->parent);
	if (t->revision)
		c->revision = t->revision;
	case_arrive(c, &next, t->revision);
	if (t->at)
		snprintf(c->since, sizeof c->since, "%s", t->at);
}

/* The revision of the case a stage view counts (0: none).  "submitted"
 * is the latest not returned, else the approved one. */
static int64_t case_view_revision(const struct review_case *c,
				  enum host_view view)
{
	switch (view) {
	case HOST_VIEW_SUBMITTED:
		return wf_is_standing(c->at.state) ? c->revision : c->approved;
	case HOST_VIEW_APPROVED:
		return c->approved;
	case HOST_VIEW_ORIGINAL:
		return c->original;
	default:
		return c->revision;
	}
}

/* ---- the stage views ---- */

/* The parsed revision number of a department: the registry's when it is
 * the latest, else read from the store into *owned. */
static const struct bd_revision *revision_of(struct daemon *d,
					     const struct review_case *c,
					     int64_t number,
					     struct registry_entry **owned)
{
	*owned = NULL;
	struct registry_entry *latest =
	    registry_find(&d->registry, c->year, c->department);
	if (latest && latest->revision.number == number &&
	    latest->revision.submission != NULL) /* documents kept */
		return &latest->revision;
	char *body = NULL, why[512];
	int64_t got = 0;
	if (store_document(&d->store, c->department, c->year, number, &body,
			   &got) < 0)
		return NULL;
	struct registry_entry *e = calloc(1, sizeof *e);
	struct bd_submission *sub = NULL;
	if (e)
		arena_init(&e->arena);
	if (e == NULL || model_parse_json(body, strlen(body), &e->arena, &sub,
					  why, sizeof why) < 0) {
		log_error("%s/%d: stored revision %lld does not parse: %s",
			  c->department, c->year, (long long)number,
			  e ? why : "out of memory");
		free(body);
		registry_entry_free(e);
		return NULL;
	}
	free(body);
	e->revision = (struct bd_revision){.submission = sub, .number = got};
	*owned = e;
	return &e->revision;
}

/* Puts revision number (0: none) of the case into one view. */
static int view_put(struct daemon *d, struct review_case *c,
		    enum host_view view, int64_t number)
{
	if (c->view_revision[view] == number)
		return 0;
	struct registry_entry *owned = NULL;
	const struct bd_revision *next;
	struct bd_submission empty = {.year = c->year};
	struct bd_revision withdrawn = {.submission = &empty};
	if (number == 0) {
		/* Withdrawn: the department contributes nothing. */
		snprintf(empty.department.code, sizeof empty.department.code,
			 "%s", c->department);
		snprintf(empty.department.parent,
			 sizeof empty.department.parent, "%s", c->parent);
		next = &withdrawn;
	} else if ((next = revision_of(d, c, number, &owned)) == NULL) {
		log_error("%s/%d: revision %lld cannot be read for the %s "
			  "view; that view lags until a restart",
			  c->department, c->year, (long long)number,
			  host_view_name(view));
		return -EIO;
	}
	int rc = host_apply_view(&d->host, view, NULL, next);
	registry_entry_free(owned);
	if (rc == 0)
		c->view_revision[view] = number;
	return rc;
}

/* Brings every view of a case up to its position. */
static void views_apply(struct daemon *d, struct review_case *c)
{
	for (int v = HOST_VIEW_LATEST + 1; v < HOST_VIEW_COUNT; v++)
		view_put(d, c, (enum host_view)v,
			 case_view_revision(c, (enum host_view)v));
}

/*
 * The stage views are brought up to date when one is asked, not as cases
 * move: a submission then costs one apply (the latest), not two, and a
 * department that sends ten revisions between two questions is applied
 * once.  The cases that moved wait in a list.
 */
static void views_follow(struct daemon *d, struct review_case *c)
{
	struct review *r = &d->review;
	if (c->views_pending || !host_has_views(&d->host))
		return;
	if (GROW(r->stale, r->cap_stale, r->n_stale + 1, 64) < 0) {
		/* No room to wait: bring it up to date now. */
		views_apply(d, c);
		return;
	}
	r->stale[r->n_stale++] = c;
	c->views_pending = true;
}

void review_views_sync(struct daemon *d)
{
	struct review *r = &d->review;
	for (size_t i = 0; i < r->n_stale; i++) {
		struct review_case *c = r->stale[i];
		c->views_pending = false;
		views_apply(d, c);
	}
	r->n_stale = 0;
}

/* ---- loading ---- */

static int load_transition(void *ctx, const struct store_transition *t)
{
	struct daemon *d = ctx;
	struct review_case *c = case_get(&d->review, t->year, t->department);
	if (c == NULL)
		return -ENOMEM;
	case_take(c, t);
	return 0;
}

int review_load(struct daemon *d)
{
	int rc = store_transitions_each(&d->store, NULL, 0, load_transition, d);
	if (rc == 0)
		rc = control_numbers_load(d);
	if (rc < 0) {
		log_error("cannot read the workflow from %s (%s)",
			  d->store.path, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < d->review.n_cases; i++)
		views_follow(d, d->review.cases[i]);
	log_info("workflow: %zu cases, %zu departments with control numbers",
		 d->review.n_cases, d->review.n_controls);
	return 0;
}

/* ---- publishing ---- */

const char *review_topic_prefix(struct daemon *d)
{
	const char *p =
	    config_get(d->config, "plugin.publisher", "topic_prefix");
	return p && *p ? p : "budgetd";
}

static void add_string(struct json_text *t, const char *key, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	json_text_raw(t, ",\"");
	json_text_raw(t, key);
	json_text_raw(t, "\":");
	json_text_string(t, v);
}

/* The event a transition to state is stored and published as. */
static const char *review_kind(enum wf_state state)
{
	static const char *const kinds[WF_STATE_COUNT] = {
	    "review.none",	"review.open",	   "review.submitted",
	    "review.forwarded", "review.returned", "review.approved"};
	return (unsigned)state < WF_STATE_COUNT ? kinds[state] : "review.none";
}

/* "budgetd.review.YEAR.PARENT.DEPT" with the transition as JSON. */
static void publish_transition(struct daemon *d, uint64_t seq,
			       const struct store_transition *tr)
{
	char topic[160];
	snprintf(topic, sizeof topic, "%s.review.%d.%s.%s",
		 review_topic_prefix(d), tr->year,
		 tr->parent[0] ? tr->parent : "-", tr->department);
	struct json_text t = {0};
	json_text_raw(&t, "{\"seq\":");
	json_text_int(&t, (int64_t)seq);
	json_text_raw(&t, ",\"kind\":");
	enum wf_state to = WF_STATE_NONE;
	wf_state_from_name(tr->to_state, &to);
	json_text_string(&t, review_kind(to));
	json_text_raw(&t, ",\"year\":");
	json_text_int(&t, tr->year);
	add_string(&t, "department", tr->department);
	add_string(&t, "parent", tr->parent);
	add_string(&t, "stage", tr->stage);
	if (tr->round) {
		json_text_raw(&t, ",\"round\":");
		json_text_int(&t, tr->round);
	}
	add_string(&t, "action", tr->action);
	add_string(&t, "from", tr->from_state);
	add_string(&t, "to", tr->to_state);
	if (tr->revision) {
		json_text_raw(&t, ",\"revision\":");
		json_text_int(&t, tr->revision);
	}
	add_string(&t, "actor", tr->actor);
	add_string(&t, "reason", tr->reason);
	add_string(&t, "approval_number", tr->approval_number);
	add_string(&t, "approval_date", tr->approval_date);
	json_text_raw(&t, "}");
	if (!t.failed && d->host.publish)
		d->host.publish(d->host.publish_ctx, topic, t.buf, t.len);
	json_text_free(&t);
}

/* ---- submissions ---- */

static enum wf_actor actor_of(const struct principal *who)
{
	switch (who->role) {
	case AUTH_ADMIN:
		return WF_ACTOR_ADMIN;
	case AUTH_OPERATOR:
		return WF_ACTOR_OPERATOR;
	case AUTH_PARENT:
		return WF_ACTOR_PARENT;
	default:
		return WF_ACTOR_DEPARTMENT;
	}
}

bool review_year_closed(struct daemon *d, int year, const char *department)
{
	bool locked = false;
	for (int i = 0; i < d->n_locked_years && !locked; i++)
		locked = d->locked_years[i] == year;
	if (!locked)
		return false;
	/* An adjustment opened by an admin is the one way into a locked
	 * year. */
	const struct review_case *c = review_find(&d->review, year, department);
	return !(c && c->at.stage == WF_STAGE_ADJUSTMENT &&
		 c->at.state != WF_STATE_APPROVED);
}

void review_refuse_locked(const struct op_call *call, int year,
			  const char *department)
{
	reply_fail(call->d, call->req, "locked",
		   "fiscal year %d is locked: its budgets are final and no "
		   "revision is accepted without an adjustment opened by an "
		   "admin (budgetctl adjust open %s --year %d); nothing was "
		   "stored",
		   year, department && *department ? department : "CODE", year);
}

int review_stage_asked(const struct op_call *call, enum wf_stage *stage)
{
	bool failed = false;
	const char *name = envelope_string(call, "stage", false, &failed);
	*stage = WF_STAGE_NONE;
	if (failed)
		return -EINVAL;
	if (name && wf_stage_from_name(name, stage) < 0) {
		reply_fail(
		    call->d, call->req, "bad_request",
		    "\"stage\" is \"%s\"; it must be proposal, budget or "
		    "adjustment (or left out: the stage the department "
		    "is in)",
		    name);
		return -EINVAL;
	}
	return 0;
}

enum bd_stage review_stage_for(struct daemon *d, int year,
			       const char *department, enum wf_stage asked)
{
	if (asked != WF_STAGE_NONE)
		return (enum bd_stage)asked;
	struct review_case *c = review_find(&d->review, year, department);
	if (c == NULL || c->at.stage == WF_STAGE_NONE)
		return BD_STAGE_PROPOSAL;
	return (enum bd_stage)c->at.stage;
}

/* The transition's strings live with it: one allocation. */
struct owned_transition {
	struct store_transition t;
	char stage[16], action[20], from[16], to[16], actor[72];
	char *reason, *approval_number, *approval_date, *concerns;
};

static void transition_free(struct store_transition *t)
{
	struct owned_transition *o = (struct owned_transition *)t;
	if (o == NULL)
		return;
	free(o->reason);
	free(o->approval_number);
	free(o->approval_date);
	free(o->concerns);
	free(o);
}

static struct owned_transition *transition_new(const struct review_case *c,
					       enum wf_action action,
					       const struct wf_position *next,
					       const struct principal *who)
{
	struct owned_transition *o = calloc(1, sizeof *o);
	if (o == NULL)
		return NULL;
	snprintf(o->stage, sizeof o->stage, "%s", wf_stage_name(next->stage));
	snprintf(o->action, sizeof o->action, "%s", wf_action_name(action));
	snprintf(o->from, sizeof o->from, "%s", wf_state_name(c->at.state));
	snprintf(o->to, sizeof o->to, "%s", wf_state_name(next->state));
	snprintf(o->actor, sizeof o->actor, "%s (%s)", who->name,
		 auth_role_name(who->role));
	o->t = (struct store_transition){
	    .year = c->year,
	    .stage = o->stage,
	    .round = next->round,
	    .action = o->action,
	    .from_state = o->from,
	    .to_state = o->to,
	    .revision = c->revision,
	    .actor = o->actor,
	};
	snprintf(o->t.department, sizeof o->t.department, "%s", c->department);
	snprintf(o->t.parent, sizeof o->t.parent, "%s", c->parent);
	return o;
}

int review_submission(const struct op_call *call,
		      const struct bd_submission *sub, enum wf_stage stage,
		      struct store_transition **transition)
{
	struct daemon *d = call->d;
	*transition = NULL;
	struct review_case *c =
	    case_get(&d->review, sub->year, sub->department.code);
	if (c == NULL) {
		reply_fail(d, call->req, "internal", "out of memory");
		return -ENOMEM;
	}
	if (c->dirty)
		case_reread(d, c);
	if (c->dirty) {
		reply_fail(
		    d, call->req, "busy",
		    "%s/%d: a change to its case failed to be stored and "
		    "is being re-read; nothing was stored, send again "
		    "shortly",
		    c->department, c->year);
		return -EBUSY;
	}
	struct wf_position next;
	char why[400];
	int rc = wf_step(&c->at, WF_ACTION_SUBMIT, stage, actor_of(call->who),
			 &next, why, sizeof why);
	if (rc < 0) {
		reply_fail(d, call->req, "workflow",
			   "%s/%d: %s; nothing was stored", c->department,
			   c->year, why);
		return rc;
	}
	if (review_year_closed(d, sub->year, sub->department.code)) {
		review_refuse_locked(call, sub->year, sub->department.code);
		return -EPERM;
	}
	if (next.stage == WF_STAGE_BUDGET &&
	    d->config->require_control_numbers &&
	    review_control_find(&d->review, sub->year, sub->department.code) ==
		NULL) {
		reply_fail(d, call->req, "workflow",
			   "%s/%d: no control numbers (控制数) are set for it "
			   "yet, and the bureau requires them before a budget "
			   "(二上) is sent (require_control_numbers); nothing "
			   "was stored",
			   sub->department.code, sub->year);
		return -EPERM;
	}
	if (sub->department.parent[0])
		snprintf(c->parent, sizeof c->parent, "%s",
			 sub->department.parent);
	struct owned_transition *o =
	    transition_new(c, WF_ACTION_SUBMIT, &next, call->who);
	if (o == NULL) {
		reply_fail(d, call->req, "internal", "out of memory");
		return -ENOMEM;
	}
	/* Projected: what the case will be once this commits. */
	case_arrive(c, &next, 0);
	c->pending++;
	*transition = &o->t;
	return 0;
}

/* A queued job of the case failed: read it back once nothing is queued.
 * Should the store not answer, the case stays dirty (and refuses, as
 * busy) until a later request reads it. */
static void case_reread(struct daemon *d, struct review_case *c)
{
	if (c->pending > 0)
		return;
	struct review_case fresh = {.year = c->year, .dirty = true};
	memcpy(fresh.department, c->department, sizeof fresh.department);
	memcpy(fresh.view_revision, c->view_revision,
	       sizeof fresh.view_revision);
	fresh.views_pending = c->views_pending; /* it may be in the list */
	*c = fresh;
	int rc = store_transitions_each(&d->store, c->department, c->year,
					load_transition, d);
	if (rc < 0) {
		log_error("%s/%d: its case cannot be read back from the store "
			  "(%s); it refuses changes until it can",
			  c->department, c->year, strerror(-rc));
		return;
	}
	c->dirty = false;
	views_follow(d, c);
}

/*
 * A job that moved the case has committed (stored) or failed: the case
 * no longer waits for it.  A committed transition is published; a failed
 * one leaves the projected position wrong, so the case is read back.
 */
static void case_settle(struct daemon *d, const struct store_job *job,
			const struct store_transition *t)
{
	struct review_case *c = review_find(&d->review, t->year, t->department);
	bool stored = job->rc >= 0;
	if (c != NULL) {
		c->pending--;
		if (!stored)
			c->dirty = true;
		else if (!c->dirty) {
			if (job->kind == STORE_JOB_SUBMISSION)
				c->revision = job->revision;
			snprintf(c->since, sizeof c->since, "%s", t->stored_at);
			views_follow(d, c);
		}
		if (c->dirty)
			case_reread(d, c);
	}
	if (stored)
		publish_transition(d, job->seq, t);
}

void review_submission_done(struct daemon *d, struct store_job *job,
			    struct store_transition *t)
{
	if (t == NULL)
		return;
	case_settle(d, job, t);
	transition_free(t);
}

/* ---- review ops ---- */

/* A review on its way to the store, and the request it answers. */
struct review_job {
	struct store_job job;
	struct rpc_request *req;
	struct owned_transition *transition;
};

void review_record_done(struct daemon *d, struct store_job *job)
{
	struct review_job *rj = job->owner;
	struct store_transition *t = &rj->transition->t;
	d->in_flight--;
	case_settle(d, job, t);
	if (job->rc < 0) {
		reply_fail(d, rj->req, "store_failed",
			   "%s; the %s of %s/%d was not stored", job->error,
			   t->action, t->department, t->year);
	} else {
		log_info("%s/%d: %s by %s: %s → %s (revision %lld, seq %llu)",
			 t->department, t->year, t->action, t->actor,
			 t->from_state, t->to_state, (long long)t->revision,
			 (unsigned long long)job->seq);
		cJSON *reply = reply_ok();
		cJSON_AddStringToObject(reply, "department", t->department);
		cJSON_AddNumberToObject(reply, "year", t->year);
		cJSON_AddStringToObject(reply, "stage", t->stage);
		if (t->round)
			cJSON_AddNumberToObject(reply, "round", t->round);
		cJSON_AddStringToObject(reply, "from", t->from_state);
		cJSON_AddStringToObject(reply, "state", t->to_state);
		if (t->revision)
			cJSON_AddNumberToObject(reply, "revision",
						(double)t->revision);
		cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
		reply_send(d, rj->req, reply);
	}
	transition_free(t);
	free(rj);
}

/* The audit's errors for the case's revision now (control numbers may
 * have moved since it was accepted): 0 when there are none. */
size_t review_reaudit(struct daemon *d, const struct review_case *c,
		      char *first, size_t first_size)
{
	struct registry_entry *latest = registry_find(&d->registry, c->year,
						      c->department),
			      *owned;
	first[0] = '\0';
	if (latest == NULL || latest->revision.number != c->revision)
		return 0;
	/* The registry may keep only a summary: the store has it whole. */
	const struct bd_revision *rev = revision_of(d, c, c->revision, &owned);
	if (rev == NULL) {
		snprintf(first, first_size,
			 "revision %lld could not be read back from the store",
			 (long long)c->revision);
		return 1;
	}
	struct bd_audit audit;
	audit_init(&audit, d->config);
	audit.stage = (enum bd_stage)c->at.stage;
	size_t errors = 0;
	if (host_validate(&d->host, rev->submission, &audit,
			  HOST_VALIDATE_ALL) == 0)
		errors = audit.n_errors;
	registry_entry_free(owned);
	for (size_t i = 0; i < audit.n; i++)
		if (audit.items[i].severity == BD_SEVERITY_ERROR) {
			snprintf(first, first_size, "%s: %s (%s)",
				 audit.items[i].path, audit.items[i].message,
				 audit.items[i].rule);
			break;
		}
	audit_free(&audit);
	return errors;
}

/* "concerns": the findings or paths a return is about, as a JSON array
 * of strings (malloc'd), NULL when absent; an error after a reply. */
static int concerns_asked(const struct op_call *call, char **json)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(call->env, "concerns");
	const cJSON *item;
	*json = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	bool strings = cJSON_IsArray(v);
	cJSON_ArrayForEach(item, v) strings = strings && cJSON_IsString(item);
	if (!strings) {
		reply_fail(call->d, call->req, "bad_request",
			   "\"concerns\" must be an array of strings: the "
			   "rules or paths the review is about "
			   "(\"expenditure[3].total\")");
		return -EINVAL;
	}
	*json = json_text_print(v);
	if (*json == NULL) {
		reply_fail(call->d, call->req, "internal", "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void ops_review(const struct op_call *call)
{
	struct daemon *d = call->d;
	struct rpc_request *req = call->req;
	bool failed = false;
	const char *action_name =
	    envelope_string(call, "action", true, &failed);
	const char *department =
	    envelope_string(call, "department", true, &failed);
	int year = envelope_year_required(call, &failed);
	long long revision =
	    envelope_int(call, "revision", 1, INT64_MAX / 2, 0, &failed);
	const char *reason = envelope_string(call, "reason", false, &failed);
	const char *number =
	    envelope_string(call, "approval_number", false, &failed);
	const char *date =
	    envelope_string(call, "approval_date", false, &failed);
	if (failed)
		return;
	enum wf_action action;
	if (wf_action_from_name(action_name, &action) < 0 ||
	    action == WF_ACTION_SUBMIT) {
		reply_fail(d, req, "bad_request",
			   "\"action\" is \"%s\"; it must be forward, return, "
			   "approve or open_adjustment (a budget is submitted "
			   "with \"submit\")",
			   action_name);
		return;
	}
	struct review_case *c = review_find(&d->review, year, department);
	if (c == NULL || c->at.stage == WF_STAGE_NONE) {
		reply_fail(d, req, "not_found",
			   "%s/%d has sent nothing yet: there is nothing to %s",
			   department, year, action_name);
		return;
	}
	if (!auth_covers(call->who, c->department, c->parent)) {
		access_forbid(d, req, call->who,
			      "%s/%d is not within this credential's scope "
			      "(%s): a department cannot act on another",
			      c->department, c->year, call->who->scope);
		return;
	}
	if (call->who->role == AUTH_PARENT &&
	    strcmp(c->department, call->who->scope) == 0) {
		access_forbid(
		    d, req, call->who,
		    "a 主管部门 reviews its units, not its own budget "
		    "(%s): the bureau does",
		    c->department);
		return;
	}
	if (c->dirty)
		case_reread(d, c);
	if (c->pending > 0 || c->dirty) {
		reply_fail(d, req, "busy",
			   "%s/%d has a change on the way to the disk; nothing "
			   "was done, send again shortly",
			   c->department, c->year);
		return;
	}
	if (action == WF_ACTION_APPROVE && revision == 0) {
		reply_fail(d, req, "bad_request",
			   "\"revision\" is required to approve: the number of "
			   "the revision approved (%s/%d is at revision %lld)",
			   c->department, c->year, (long long)c->revision);
		return;
	}
	if (revision != 0 && action != WF_ACTION_OPEN_ADJUSTMENT &&
	    revision != c->revision) {
		reply_fail(d, req, "stale",
			   "%s/%d: revision %lld is not the one under review: "
			   "the latest is revision %lld (%s %s); nothing was "
			   "done",
			   c->department, c->year, revision,
			   (long long)c->revision, wf_stage_name(c->at.stage),
			   wf_state_name(c->at.state));
		return;
	}
	struct wf_position next;
	char why[400];
	int rc = wf_step(&c->at, action, WF_STAGE_NONE, actor_of(call->who),
			 &next, why, sizeof why);
	if (rc == -EACCES) {
		access_forbid(d, req, call->who, "%s", why);
		return;
	}
	if (rc < 0) {
		reply_fail(d, req, "workflow", "%s/%d: %s; nothing was done",
			   c->department, c->year, why);
		return;
	}
	char today[16];
	if (action == WF_ACTION_RETURN && (reason == NULL || !*reason)) {
		reply_fail(
		    d, req, "bad_request",
		    "\"reason\" is required to return a budget: say what "
		    "must change");
		return;
	}
	if (action == WF_ACTION_APPROVE) {
		if (number == NULL || !*number) {
			reply_fail(
			    d, req, "bad_request",
			    "\"approval_number\" is required to approve: "
			    "the approval document's number, such as "
			    "凤财预〔2023〕12号");
			return;
		}
		if (date == NULL) {
			time_t now = time(NULL);
			struct tm tm;
			localtime_r(&now, &tm);
			strftime(today, sizeof today, "%Y-%m-%d", &tm);
			date = today;
		} else if (!wf_valid_date(date)) {
			reply_fail(d, req, "bad_request",
				   "\"approval_date\" is \"%s\"; it must be a "
				   "date as YYYY-MM-DD",
				   date);
			return;
		}
		char first[400];
		size_t errors = review_reaudit(d, c, first, sizeof first);
		if (errors > 0) {
			reply_fail(d, req, "workflow",
				   "%s/%d revision %lld has %zu audit error%s "
				   "now (first: %s): it cannot be approved; "
				   "return it instead; nothing was done",
				   c->department, c->year,
				   (long long)c->revision, errors,
				   errors == 1 ? "" : "s", first);
			return;
		}
	} else {
		number = date = NULL; /* only an approval has them */
	}
	char *concerns = NULL;
	if (concerns_asked(call, &concerns) < 0)
		return;
	struct review_job *rj = calloc(1, sizeof *rj);
	struct owned_transition *o =
	    rj ? transition_new(c, action, &next, call->who) : NULL;
	if (o) {
		o->reason = reason ? strdup(reason) : NULL;
		o->approval_number = number ? strdup(number) : NULL;
		o->approval_date = date ? strdup(date) : NULL;
		o->concerns = concerns;
		concerns = NULL;
		o->t.reason = o->reason;
		o->t.approval_number = o->approval_number;
		o->t.approval_date = o->approval_date;
		o->t.concerns = o->concerns;
	}
	if (o == NULL || (reason && !o->reason) ||
	    (number && !o->approval_number) || (date && !o->approval_date)) {
		free(rj);
		free(concerns);
		transition_free(o ? &o->t : NULL);
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	rj->req = req;
	rj->transition = o;
	rj->job.kind = STORE_JOB_RECORD;
	rj->job.owner = rj;
	rj->job.event_kind = review_kind(next.state);
	snprintf(rj->job.department, sizeof rj->job.department, "%s",
		 c->department);
	rj->job.year = c->year;
	rj->job.revision = c->revision;
	rj->job.write_rows = store_write_transition;
	rj->job.rows = &o->t;
	/* Projected: what the case will be once this commits. */
	case_arrive(c, &next, c->revision);
	c->pending++;
	d->in_flight++; /* an ack waits for the disk, and so does a stop */
	store_submit(&d->store, &rj->job);
}

/* ---- reading ---- */

cJSON *review_case_json(const struct review_case *c)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "department", c->department);
	if (c->parent[0])
		cJSON_AddStringToObject(o, "parent", c->parent);
	cJSON_AddNumberToObject(o, "year", c->year);
	cJSON_AddStringToObject(o, "stage", wf_stage_name(c->at.stage));
	if (c->at.round)
		cJSON_AddNumberToObject(o, "round", c->at.round);
	cJSON_AddStringToObject(o, "state", wf_state_name(c->at.state));
	if (c->revision)
		cJSON_AddNumberToObject(o, "revision", (double)c->revision);
	if (c->approved)
		cJSON_AddNumberToObject(o, "approved_revision",
					(double)c->approved);
	if (c->original)
		cJSON_AddNumberToObject(o, "original_revision",
					(double)c->original);
	/* What --stage submitted counts of it: said here so that no client
	 * has to know the rule. */
	int64_t submitted = case_view_revision(c, HOST_VIEW_SUBMITTED);
	if (submitted)
		cJSON_AddNumberToObject(o, "submitted_revision",
					(double)submitted);
	if (c->since[0])
		cJSON_AddStringToObject(o, "since", c->since);
	return o;
}

static int add_transition(void *ctx, const struct store_transition *t)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return -ENOMEM;
	cJSON_AddNumberToObject(o, "seq", (double)t->seq);
	cJSON_AddStringToObject(o, "at", t->at);
	cJSON_AddNumberToObject(o, "year", t->year);
	cJSON_AddStringToObject(o, "stage", t->stage);
	if (t->round)
		cJSON_AddNumberToObject(o, "round", t->round);
	cJSON_AddStringToObject(o, "action", t->action);
	cJSON_AddStringToObject(o, "from", t->from_state);
	cJSON_AddStringToObject(o, "to", t->to_state);
	if (t->revision)
		cJSON_AddNumberToObject(o, "revision", (double)t->revision);
	cJSON_AddStringToObject(o, "actor", t->actor);
	if (t->reason)
		cJSON_AddStringToObject(o, "reason", t->reason);
	if (t->approval_number)
		cJSON_AddStringToObject(o, "approval_number",
					t->approval_number);
	if (t->approval_date)
		cJSON_AddStringToObject(o, "approval_date", t->approval_date);
	if (t->concerns)
		cJSON_AddItemToObject(o, "concerns", cJSON_Parse(t->concerns));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

int review_history(struct daemon *d, const char *department, int year,
		   cJSON *array)
{
	return store_transitions_each(&d->store, department, year,
				      add_transition, array);
}
