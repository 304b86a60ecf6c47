/*
 * Cases of the budget year, their transitions and the stage views.
 *
 * A case's position is kept as it will be once every queued job has
 * committed (submissions and reviews of one department are checked
 * against what is already on its way to the disk, so two of them cannot
 * both start from the same state).  A review waits for nothing: while a
 * job of its case is queued it is refused as busy.  Should a queued job
 * fail, the case is read back from the store once its queue drains.
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

static void control_free(struct review_control *c)
{
	if (c == NULL)
		return;
	free(c->items);
	free(c->keys);
	free(c);
}

void review_free(struct review *r)
{
	for (size_t i = 0; i < r->n_cases; i++)
		free(r->cases[i]);
	free(r->cases);
	for (size_t i = 0; i < r->n_controls; i++)
		control_free(r->controls[i]);
	free(r->controls);
	free(r->stale);
	strmap_free(&r->case_index);
	strmap_free(&r->control_index);
	memset(r, 0, sizeof *r);
}

static void case_key(char *key, size_t size, int year, const char *department)
{
	snprintf(key, size, "%d/%s", year, department);
}

struct review_case *review_find(struct review *r, int year,
				const char *department)
{
	char key[32];
	case_key(key, sizeof key, year, department);
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
	if (r->n_cases == r->cap_cases) {
		size_t cap = r->cap_cases ? r->cap_cases * 2 : 64;
		void *grown = realloc(r->cases, cap * sizeof *r->cases);
		if (grown == NULL)
			return NULL;
		r->cases = grown;
		r->cap_cases = cap;
	}
	c = calloc(1, sizeof *c);
	char key[32];
	case_key(key, sizeof key, year, department);
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
	if (latest && latest->revision.number == number)
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
	if (r->n_stale == r->cap_stale) {
		size_t cap = r->cap_stale ? r->cap_stale * 2 : 64;
		void *grown = realloc(r->stale, cap * sizeof *r->stale);
		if (grown == NULL) {
			/* No room to wait: bring it up to date now. */
			views_apply(d, c);
			return;
		}
		r->stale = grown;
		r->cap_stale = cap;
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

static struct review_control *control_new(int year, const char *department,
					  int64_t version, uint64_t seq,
					  const char *set_by,
					  const char *set_at);
static int control_add(struct review_control *c, const char *key,
		       bd_fen amount);
static int control_install(struct review *r, struct review_control *c);

/* The control numbers come a row per item, a department's rows together. */
struct control_load {
	struct review *review;
	struct review_control *current;
};

static int load_control(void *ctx, const struct store_control_row *row)
{
	struct control_load *l = ctx;
	struct review_control *c = l->current;
	if (c && (c->control.year != row->year ||
		  strcmp(c->department, row->department) != 0)) {
		l->current = NULL;
		if (control_install(l->review, c) < 0)
			return -ENOMEM;
		c = NULL;
	}
	if (c == NULL && (c = l->current = control_new(
			      row->year, row->department, row->version,
			      row->seq, row->set_by, row->set_at)) == NULL)
		return -ENOMEM;
	return control_add(c, row->key, row->amount);
}

int review_load(struct daemon *d)
{
	int rc = store_transitions_each(&d->store, NULL, 0, load_transition, d);
	struct control_load cl = {.review = &d->review};
	if (rc == 0)
		rc = store_controls_each(&d->store, 0, load_control, &cl);
	if (cl.current && rc == 0)
		rc = control_install(&d->review, cl.current);
	else if (cl.current)
		control_free(cl.current);
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

/* ---- control numbers in memory ---- */

static struct review_control *control_new(int year, const char *department,
					  int64_t version, uint64_t seq,
					  const char *set_by,
					  const char *set_at)
{
	struct review_control *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	snprintf(c->department, sizeof c->department, "%s", department);
	snprintf(c->set_by, sizeof c->set_by, "%s", set_by);
	snprintf(c->set_at, sizeof c->set_at, "%s", set_at);
	c->seq = seq;
	c->control = (struct bd_control){
	    .year = year, .department = c->department, .version = version};
	return c;
}

static int control_add(struct review_control *c, const char *key, bd_fen amount)
{
	if (c->control.n_items == c->cap_items) {
		size_t cap = c->cap_items ? c->cap_items * 2 : 8;
		void *items = realloc(c->items, cap * sizeof *c->items);
		if (items)
			c->items = items;
		void *keys = realloc(c->keys, cap * sizeof *c->keys);
		if (keys)
			c->keys = keys;
		if (items == NULL || keys == NULL)
			return -ENOMEM;
		c->cap_items = cap;
	}
	size_t i = c->control.n_items++;
	snprintf(c->keys[i], sizeof c->keys[i], "%s", key);
	c->items[i] = (struct bd_control_item){.amount = amount};
	return 0;
}

/* Makes c (whole now) the newest of its department and year; frees it
 * when it cannot. */
static int control_install(struct review *r, struct review_control *c)
{
	/* The keys moved as they grew: point at them only now. */
	for (size_t i = 0; i < c->control.n_items; i++)
		c->items[i].key = c->keys[i];
	c->control.items = c->items;
	char key[32];
	case_key(key, sizeof key, c->control.year, c->department);
	if (strmap_contains(&r->control_index, key)) {
		size_t at = (size_t)strmap_get(&r->control_index, key);
		control_free(r->controls[at]);
		r->controls[at] = c;
		return 0;
	}
	if (r->n_controls == r->cap_controls) {
		size_t cap = r->cap_controls ? r->cap_controls * 2 : 64;
		void *grown = realloc(r->controls, cap * sizeof *r->controls);
		if (grown == NULL) {
			control_free(c);
			return -ENOMEM;
		}
		r->controls = grown;
		r->cap_controls = cap;
	}
	if (strmap_set(&r->control_index, key, (bd_fen)r->n_controls) < 0) {
		control_free(c);
		return -ENOMEM;
	}
	r->controls[r->n_controls++] = c;
	return 0;
}

const struct review_control *review_control_find(struct review *r, int year,
						 const char *department)
{
	char key[32];
	case_key(key, sizeof key, year, department);
	if (!strmap_contains(&r->control_index, key))
		return NULL;
	return r->controls[strmap_get(&r->control_index, key)];
}

const struct bd_control *review_control_numbers(void *ctx, int year,
						const char *department)
{
	struct daemon *d = ctx;
	const struct review_control *c =
	    review_control_find(&d->review, year, department);
	return c ? &c->control : NULL;
}

int review_control_replace(struct daemon *d, int year, const char *department,
			   const struct store_control_item *items, size_t n,
			   int64_t version, uint64_t seq, const char *set_by,
			   const char *set_at)
{
	struct review_control *c =
	    control_new(year, department, version, seq, set_by, set_at);
	if (c == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (control_add(c, items[i].key, items[i].amount) < 0) {
			control_free(c);
			return -ENOMEM;
		}
	return control_install(&d->review, c);
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

static bool valid_date(const char *s)
{
	int y, m, day;
	char tail;
	return s && strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &day, &tail) == 3 &&
	       y >= 1990 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 &&
	       day <= 31;
}

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
	struct registry_entry *latest =
	    registry_find(&d->registry, c->year, c->department);
	first[0] = '\0';
	if (latest == NULL || latest->revision.number != c->revision)
		return 0;
	struct bd_audit audit;
	audit_init(&audit, d->config);
	audit.stage = (enum bd_stage)c->at.stage;
	size_t errors = 0;
	if (host_validate(&d->host, latest->revision.submission, &audit) == 0)
		errors = audit.n_errors;
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
	*json = cJSON_PrintUnformatted(v);
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
		} else if (!valid_date(date)) {
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

/* ---- deadlines and progress ---- */

void ops_deadline(const struct op_call *call)
{
	struct daemon *d = call->d;
	bool failed = false;
	int year = envelope_year_required(call, &failed);
	const char *stage = envelope_string(call, "stage", true, &failed);
	const char *date = envelope_string(call, "date", false, &failed);
	if (failed)
		return;
	enum wf_stage s;
	if (wf_stage_from_name(stage, &s) < 0) {
		reply_fail(d, call->req, "bad_request",
			   "\"stage\" is \"%s\"; it must be proposal, budget "
			   "or adjustment",
			   stage);
		return;
	}
	/* null removes a deadline; leaving "date" out is a mistake. */
	if (cJSON_GetObjectItemCaseSensitive(call->env, "date") == NULL ||
	    (date && !valid_date(date))) {
		reply_fail(d, call->req, "bad_request",
			   "\"date\" must be a date as YYYY-MM-DD, or null to "
			   "remove the deadline");
		return;
	}
	int rc = store_set_deadline(&d->store, year, stage, date);
	if (rc < 0) {
		reply_fail(d, call->req, "store_failed",
			   "the deadline was not stored (%s)", strerror(-rc));
		return;
	}
	log_info("deadline of %s %d set to %s by %s", stage, year,
		 date ? date : "none", call->who->name);
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddStringToObject(reply, "stage", stage);
	if (date)
		cJSON_AddStringToObject(reply, "date", date);
	reply_send(d, call->req, reply);
}

/* A year's deadlines, by stage ("" where none is set). */
struct deadline_list {
	char date[WF_STAGE_COUNT][12];
};

static int take_deadline(void *ctx, int year, const char *stage,
			 const char *date)
{
	struct deadline_list *l = ctx;
	enum wf_stage s;
	(void)year;
	if (wf_stage_from_name(stage, &s) == 0)
		snprintf(l->date[s], sizeof l->date[s], "%s", date);
	return 0;
}

/* Whether a case has reached a stage: sent it (or something later). */
static bool reached(const struct review_case *c, enum wf_stage stage)
{
	if (c == NULL || c->at.stage == WF_STAGE_NONE)
		return false;
	if (c->at.stage > stage)
		return true;
	return c->at.stage == stage && c->at.state != WF_STATE_RETURNED &&
	       c->at.state != WF_STATE_OPEN;
}

/* One 主管部门's departments (or the district's, for the total). */
struct progress_group {
	char parent[13];
	int counts[WF_STAGE_COUNT][WF_STATE_COUNT];
	int departments;
	cJSON *overdue, *not_sent;
};

/*
 * The departments expected to send a budget for a year, each once: every
 * case of the year, every department given control numbers, every
 * department with an accepted revision that year or the year before.
 * Indexed by code, so that a district of thousands is gathered in one
 * pass, and grouped by 主管部门 the same way.
 */
struct progress {
	struct expected {
		char code[13], parent[13];
	} * expected;
	size_t n_expected, cap_expected;
	struct strmap expected_index; /* code → index */
	struct progress_group *groups;
	size_t n_groups, cap_groups;
	struct strmap group_index; /* parent → index */
	int year;
	int rc;
};

static void expect(struct progress *pr, const char *code, const char *parent)
{
	if (pr->rc < 0)
		return;
	if (strmap_contains(&pr->expected_index, code)) {
		struct expected *e =
		    &pr->expected[strmap_get(&pr->expected_index, code)];
		if (parent[0] && !e->parent[0])
			snprintf(e->parent, sizeof e->parent, "%s", parent);
		return;
	}
	if (pr->n_expected == pr->cap_expected) {
		size_t cap = pr->cap_expected ? pr->cap_expected * 2 : 64;
		void *grown = realloc(pr->expected, cap * sizeof *pr->expected);
		if (grown == NULL) {
			pr->rc = -ENOMEM;
			return;
		}
		pr->expected = grown;
		pr->cap_expected = cap;
	}
	struct expected *e = &pr->expected[pr->n_expected];
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->parent, sizeof e->parent, "%s", parent);
	if (strmap_set(&pr->expected_index, code, (bd_fen)pr->n_expected) < 0)
		pr->rc = -ENOMEM;
	else
		pr->n_expected++;
}

static void expect_registry_entry(void *ctx, const struct registry_entry *e)
{
	struct progress *pr = ctx;
	const struct bd_submission *s = e->revision.submission;
	if (s->year == pr->year - 1 || s->year == pr->year)
		expect(pr, s->department.code, s->department.parent);
}

static void group_init(struct progress_group *g, const char *parent)
{
	memset(g, 0, sizeof *g);
	snprintf(g->parent, sizeof g->parent, "%s", parent);
	g->overdue = cJSON_CreateArray();
	g->not_sent = cJSON_CreateArray();
}

static struct progress_group *group_for(struct progress *pr, const char *parent)
{
	if (strmap_contains(&pr->group_index, parent))
		return &pr->groups[strmap_get(&pr->group_index, parent)];
	if (pr->n_groups == pr->cap_groups) {
		size_t cap = pr->cap_groups ? pr->cap_groups * 2 : 16;
		void *grown = realloc(pr->groups, cap * sizeof *pr->groups);
		if (grown == NULL)
			return NULL;
		pr->groups = grown;
		pr->cap_groups = cap;
	}
	if (strmap_set(&pr->group_index, parent, (bd_fen)pr->n_groups) < 0)
		return NULL;
	struct progress_group *g = &pr->groups[pr->n_groups++];
	group_init(g, parent);
	return g;
}

/* Counts one department in g: its state, or that it sent nothing, and
 * every stage whose deadline has passed without it. */
static void count_department(struct progress_group *g, const char *code,
			     const struct review_case *c,
			     const struct deadline_list *deadlines,
			     const char *today)
{
	g->departments++;
	if (c == NULL || c->at.stage == WF_STAGE_NONE)
		cJSON_AddItemToArray(g->not_sent, cJSON_CreateString(code));
	else
		g->counts[c->at.stage][c->at.state]++;
	for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT; s++) {
		if (!deadlines->date[s][0] ||
		    strcmp(today, deadlines->date[s]) <= 0 ||
		    reached(c, (enum wf_stage)s))
			continue;
		/* Adjustments are due only where one is open. */
		if (s == WF_STAGE_ADJUSTMENT &&
		    (c == NULL || c->at.stage != WF_STAGE_ADJUSTMENT))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "department", code);
		cJSON_AddStringToObject(o, "stage", wf_stage_name(s));
		cJSON_AddStringToObject(o, "deadline", deadlines->date[s]);
		cJSON_AddStringToObject(
		    o, "state", c ? wf_state_name(c->at.state) : "none");
		cJSON_AddItemToArray(g->overdue, o);
	}
}

/* A group as the reply gives it (takes its arrays). */
static cJSON *group_json(struct progress_group *g, bool named)
{
	cJSON *o = cJSON_CreateObject();
	if (named)
		cJSON_AddStringToObject(o, "parent", g->parent);
	cJSON_AddNumberToObject(o, "departments", g->departments);
	cJSON *states = cJSON_AddObjectToObject(o, "states");
	for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT; s++)
		for (int st = 0; st < WF_STATE_COUNT; st++) {
			if (g->counts[s][st] == 0)
				continue;
			char key[32];
			snprintf(key, sizeof key, "%s.%s", wf_stage_name(s),
				 wf_state_name(st));
			cJSON_AddNumberToObject(states, key, g->counts[s][st]);
		}
	cJSON_AddItemToObject(o, "overdue", g->overdue);
	cJSON_AddItemToObject(o, "not_sent", g->not_sent);
	g->overdue = g->not_sent = NULL;
	return o;
}

static void progress_free(struct progress *pr)
{
	for (size_t i = 0; i < pr->n_groups; i++) {
		cJSON_Delete(pr->groups[i].overdue);
		cJSON_Delete(pr->groups[i].not_sent);
	}
	free(pr->groups);
	free(pr->expected);
	strmap_free(&pr->expected_index);
	strmap_free(&pr->group_index);
}

void ops_progress(const struct op_call *call)
{
	struct daemon *d = call->d;
	bool failed = false;
	int year = envelope_year_required(call, &failed);
	const char *only = envelope_string(call, "parent", false, &failed);
	if (failed)
		return;
	if (call->who->role == AUTH_PARENT) {
		if (only && strcmp(only, call->who->scope) != 0) {
			access_forbid(d, call->req, call->who,
				      "a 主管部门 sees the progress of its own "
				      "units only (%s)",
				      call->who->scope);
			return;
		}
		only = call->who->scope;
	}
	struct deadline_list deadlines = {0};
	store_deadlines_each(&d->store, year, take_deadline, &deadlines);
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);

	struct progress pr = {.year = year};
	struct progress_group total;
	group_init(&total, "");
	if (strmap_init(&pr.expected_index) < 0 ||
	    strmap_init(&pr.group_index) < 0)
		pr.rc = -ENOMEM;
	registry_each(&d->registry, expect_registry_entry, &pr);
	for (size_t i = 0; i < d->review.n_controls; i++)
		if (d->review.controls[i]->control.year == year) {
			const char *code = d->review.controls[i]->department;
			struct review_case *c =
			    review_find(&d->review, year, code);
			expect(&pr, code, c ? c->parent : "");
		}
	for (size_t i = 0; i < d->review.n_cases; i++)
		if (d->review.cases[i]->year == year)
			expect(&pr, d->review.cases[i]->department,
			       d->review.cases[i]->parent);
	for (size_t i = 0; pr.rc == 0 && i < pr.n_expected; i++) {
		const struct expected *e = &pr.expected[i];
		/* A 主管部门 counts with its own units. */
		const char *group = e->parent[0] ? e->parent : e->code;
		if (only && strcmp(group, only) != 0 &&
		    strcmp(e->code, only) != 0)
			continue;
		struct progress_group *g = group_for(&pr, group);
		if (g == NULL) {
			pr.rc = -ENOMEM;
			break;
		}
		const struct review_case *c =
		    review_find(&d->review, year, e->code);
		count_department(g, e->code, c, &deadlines, today);
		count_department(&total, e->code, c, &deadlines, today);
	}
	if (pr.rc < 0) {
		progress_free(&pr);
		cJSON_Delete(total.overdue);
		cJSON_Delete(total.not_sent);
		reply_fail(d, call->req, "internal",
			   "out of memory counting the progress of %d", year);
		return;
	}
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddStringToObject(reply, "today", today);
	cJSON *dl = cJSON_AddObjectToObject(reply, "deadlines");
	for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT; s++)
		if (deadlines.date[s][0])
			cJSON_AddStringToObject(dl, wf_stage_name(s),
						deadlines.date[s]);
	cJSON *parents = cJSON_AddArrayToObject(reply, "parents");
	for (size_t i = 0; i < pr.n_groups; i++)
		cJSON_AddItemToArray(parents, group_json(&pr.groups[i], true));
	cJSON_AddItemToObject(reply, "total", group_json(&total, false));
	progress_free(&pr);
	reply_send(d, call->req, reply);
}
