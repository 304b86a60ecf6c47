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
#include "json_text.h"
#include "log.h"
#include "model.h"
#include "ops.h"
#include "reply.h"

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

/* What a stored transition does to a case. */
static void case_take(struct review_case *c, const struct store_transition *t)
{
	enum wf_stage stage = WF_STAGE_NONE;
	enum wf_state state = WF_STATE_NONE;
	wf_stage_from_name(t->stage, &stage);
	wf_state_from_name(t->to_state, &state);
	c->at = (struct wf_position){stage, t->round, state};
	if (t->parent[0])
		snprintf(c->parent, sizeof c->parent, "%s", t->parent);
	if (t->revision)
		c->revision = t->revision;
	if (state == WF_STATE_APPROVED) {
		c->approved = t->revision;
		if (stage == WF_STAGE_BUDGET && c->original == 0)
			c->original = t->revision;
	}
	if (t->at)
		snprintf(c->since, sizeof c->since, "%s", t->at);
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
	int64_t standing =
	    wf_is_standing(c->at.state) ? c->revision : c->approved;
	view_put(d, c, HOST_VIEW_SUBMITTED, standing);
	view_put(d, c, HOST_VIEW_APPROVED, c->approved);
	view_put(d, c, HOST_VIEW_ORIGINAL, c->original);
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

static int control_from_rows(struct review *r, int year, const char *dept,
			     const struct store_control_row *rows, size_t n);

struct control_rows {
	struct review *review;
	struct store_control_row *rows;
	/* what the rows point at, copied (the store's are the statement's) */
	struct control_text {
		char key[40], department[13], set_by[72], set_at[40];
	} * text;
	size_t n, cap;
};

static int flush_control(struct control_rows *cr)
{
	if (cr->n == 0)
		return 0;
	int rc = control_from_rows(cr->review, cr->rows[0].year,
				   cr->rows[0].department, cr->rows, cr->n);
	cr->n = 0;
	return rc;
}

static int load_control(void *ctx, const struct store_control_row *row)
{
	struct control_rows *cr = ctx;
	if (cr->n > 0 && (cr->rows[0].year != row->year ||
			  strcmp(cr->rows[0].department, row->department)))
		if (flush_control(cr) < 0)
			return -ENOMEM;
	if (cr->n == cr->cap) {
		size_t cap = cr->cap ? cr->cap * 2 : 16;
		void *rows = realloc(cr->rows, cap * sizeof *cr->rows);
		if (rows)
			cr->rows = rows;
		void *text = realloc(cr->text, cap * sizeof *cr->text);
		if (text)
			cr->text = text;
		if (rows == NULL || text == NULL)
			return -ENOMEM;
		cr->cap = cap;
		/* The rows point into text, which may have moved. */
		for (size_t i = 0; i < cr->n; i++) {
			cr->rows[i].key = cr->text[i].key;
			cr->rows[i].department = cr->text[i].department;
			cr->rows[i].set_by = cr->text[i].set_by;
			cr->rows[i].set_at = cr->text[i].set_at;
		}
	}
	struct store_control_row *mine = &cr->rows[cr->n];
	struct control_text *t = &cr->text[cr->n];
	*mine = *row;
	snprintf(t->key, sizeof t->key, "%s", row->key);
	snprintf(t->department, sizeof t->department, "%s", row->department);
	snprintf(t->set_by, sizeof t->set_by, "%s", row->set_by);
	snprintf(t->set_at, sizeof t->set_at, "%s", row->set_at);
	mine->key = t->key;
	mine->department = t->department;
	mine->set_by = t->set_by;
	mine->set_at = t->set_at;
	cr->n++;
	return 0;
}

int review_load(struct daemon *d)
{
	int rc = store_transitions_each(&d->store, NULL, 0, load_transition, d);
	struct control_rows cr = {.review = &d->review};
	if (rc == 0)
		rc = store_controls_each(&d->store, 0, load_control, &cr);
	if (rc == 0)
		rc = flush_control(&cr);
	else
		flush_control(&cr);
	free(cr.rows);
	free(cr.text);
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

static int control_from_rows(struct review *r, int year, const char *dept,
			     const struct store_control_row *rows, size_t n)
{
	struct review_control *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -ENOMEM;
	c->items = calloc(n ? n : 1, sizeof *c->items);
	c->keys = calloc(n ? n : 1, sizeof *c->keys);
	if (c->items == NULL || c->keys == NULL) {
		control_free(c);
		return -ENOMEM;
	}
	snprintf(c->department, sizeof c->department, "%s", dept);
	for (size_t i = 0; i < n; i++) {
		snprintf(c->keys[i], sizeof c->keys[i], "%s", rows[i].key);
		c->items[i].key = c->keys[i];
		c->items[i].amount = rows[i].amount;
	}
	if (n > 0) {
		snprintf(c->set_by, sizeof c->set_by, "%s", rows[0].set_by);
		snprintf(c->set_at, sizeof c->set_at, "%s", rows[0].set_at);
		c->seq = rows[0].seq;
	}
	c->control = (struct bd_control){
	    .year = year,
	    .department = c->department,
	    .version = n ? rows[0].version : 0,
	    .items = c->items,
	    .n_items = n,
	};
	char key[32];
	case_key(key, sizeof key, year, dept);
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
	struct store_control_row *rows = calloc(n ? n : 1, sizeof *rows);
	if (rows == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct store_control_row){
		    .year = year,
		    .department = department,
		    .version = version,
		    .key = items[i].key,
		    .amount = items[i].amount,
		    .seq = seq,
		    .set_by = set_by,
		    .set_at = set_at,
		};
	int rc = control_from_rows(&d->review, year, department, rows, n);
	free(rows);
	return rc;
}

/* ---- publishing ---- */

static const char *topic_prefix(struct daemon *d)
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

/* "budgetd.review.YEAR.PARENT.DEPT" with the transition as JSON. */
static void publish_transition(struct daemon *d, uint64_t seq,
			       const struct store_transition *tr)
{
	char topic[160];
	snprintf(topic, sizeof topic, "%s.review.%d.%s.%s", topic_prefix(d),
		 tr->year, tr->parent[0] ? tr->parent : "-", tr->department);
	struct json_text t = {0};
	json_text_raw(&t, "{\"seq\":");
	json_text_int(&t, (int64_t)seq);
	json_text_raw(&t, ",\"kind\":");
	char kind[48];
	snprintf(kind, sizeof kind, "review.%s", tr->to_state);
	json_text_string(&t, kind);
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

static bool year_locked(struct daemon *d, int year)
{
	for (int i = 0; i < d->n_locked_years; i++)
		if (d->locked_years[i] == year)
			return true;
	return false;
}

enum bd_stage review_stage_for(struct daemon *d, int year,
			       const char *department, const char *asked)
{
	enum wf_stage s = WF_STAGE_NONE;
	if (asked && *asked && wf_stage_from_name(asked, &s) == 0)
		return (enum bd_stage)s;
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
		      const struct bd_submission *sub, const char *stage_asked,
		      struct store_transition **transition)
{
	struct daemon *d = call->d;
	*transition = NULL;
	enum wf_stage stage = WF_STAGE_NONE;
	if (stage_asked && *stage_asked &&
	    wf_stage_from_name(stage_asked, &stage) < 0) {
		reply_fail(
		    d, call->req, "bad_request",
		    "\"stage\" is \"%s\"; it must be proposal, budget or "
		    "adjustment (or left out: the stage the department "
		    "is in)",
		    stage_asked);
		return -EINVAL;
	}
	struct review_case *c =
	    case_get(&d->review, sub->year, sub->department.code);
	if (c == NULL) {
		reply_fail(d, call->req, "internal", "out of memory");
		return -ENOMEM;
	}
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
	bool open_adjustment = c->at.stage == WF_STAGE_ADJUSTMENT &&
			       next.stage == WF_STAGE_ADJUSTMENT;
	if (year_locked(d, sub->year) && !open_adjustment) {
		reply_fail(
		    d, call->req, "locked",
		    "fiscal year %d is locked: its budgets are final and "
		    "no revision is accepted without an adjustment "
		    "opened by an admin (budgetctl adjust open %s --year "
		    "%d); nothing was stored",
		    sub->year, sub->department.code, sub->year);
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
	c->at = next;
	c->pending++;
	*transition = &o->t;
	return 0;
}

/* A queued job of the case failed: read it back once nothing is queued. */
static void case_reread(struct daemon *d, struct review_case *c)
{
	if (c->pending > 0)
		return;
	struct review_case fresh = {.year = c->year};
	memcpy(fresh.department, c->department, sizeof fresh.department);
	memcpy(fresh.view_revision, c->view_revision,
	       sizeof fresh.view_revision);
	fresh.views_pending = c->views_pending; /* it may be in the list */
	*c = fresh;
	store_transitions_each(&d->store, c->department, c->year,
			       load_transition, d);
	c->dirty = false;
	views_follow(d, c);
}

void review_submission_done(struct daemon *d, struct store_job *job,
			    struct store_transition *t)
{
	if (t == NULL)
		return;
	struct review_case *c = review_find(&d->review, t->year, t->department);
	if (c != NULL) {
		c->pending--;
		if (job->rc < 0 || job->outcome != STORE_ACCEPTED) {
			c->dirty = true;
		} else {
			c->revision = job->revision;
			snprintf(c->since, sizeof c->since, "%s", t->stored_at);
			if (!c->dirty)
				views_follow(d, c);
			publish_transition(d, job->seq, t);
		}
		if (c->dirty)
			case_reread(d, c);
	}
	transition_free(t);
}

/* ---- review ops ---- */

/* A record on its way to the store, and the request it answers. */
struct review_job {
	struct store_job job;
	struct rpc_request *req;
	struct owned_transition *transition;
	struct store_control_set *controls; /* control.set */
	void (*done)(struct daemon *d, struct review_job *rj);
	cJSON *reply_extra; /* moved into the reply */
};

static void review_job_free(struct review_job *rj)
{
	transition_free(rj->transition ? &rj->transition->t : NULL);
	if (rj->controls) {
		for (size_t i = 0; i < rj->controls->n; i++)
			free(rj->controls->departments[i].items);
		free(rj->controls->departments);
		free(rj->controls);
	}
	cJSON_Delete(rj->reply_extra);
	free(rj);
}

void review_record_done(struct daemon *d, struct store_job *job)
{
	struct review_job *rj = job->owner;
	d->in_flight--;
	rj->done(d, rj);
	review_job_free(rj);
}

static const char *string_member(const cJSON *env, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool int_member(const cJSON *env, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, name);
	if (!cJSON_IsNumber(v) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

static bool valid_date(const char *s)
{
	int y, m, day;
	char tail;
	return s && strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &day, &tail) == 3 &&
	       y >= 1990 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 &&
	       day <= 31;
}

static void transition_done(struct daemon *d, struct review_job *rj)
{
	struct store_transition *t = &rj->transition->t;
	struct review_case *c = review_find(&d->review, t->year, t->department);
	if (c)
		c->pending--;
	if (rj->job.rc < 0) {
		if (c) {
			c->dirty = true;
			case_reread(d, c);
		}
		reply_fail(d, rj->req, "store_failed",
			   "%s; the %s of %s/%d was not stored", rj->job.error,
			   t->action, t->department, t->year);
		return;
	}
	if (c) {
		if (c->dirty)
			case_reread(d, c);
		else {
			snprintf(c->since, sizeof c->since, "%s", t->stored_at);
			views_follow(d, c);
		}
	}
	publish_transition(d, rj->job.seq, t);
	log_info("%s/%d: %s by %s: %s → %s (revision %lld, seq %llu)",
		 t->department, t->year, t->action, t->actor, t->from_state,
		 t->to_state, (long long)t->revision,
		 (unsigned long long)rj->job.seq);
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "department", t->department);
	cJSON_AddNumberToObject(reply, "year", t->year);
	cJSON_AddStringToObject(reply, "stage", t->stage);
	if (t->round)
		cJSON_AddNumberToObject(reply, "round", t->round);
	cJSON_AddStringToObject(reply, "from", t->from_state);
	cJSON_AddStringToObject(reply, "state", t->to_state);
	if (t->revision)
		cJSON_AddNumberToObject(reply, "revision", (double)t->revision);
	cJSON_AddNumberToObject(reply, "seq", (double)rj->job.seq);
	if (rj->reply_extra) {
		cJSON *item;
		while ((item = rj->reply_extra->child) != NULL) {
			cJSON_DetachItemViaPointer(rj->reply_extra, item);
			cJSON_AddItemToObject(reply, item->string, item);
		}
	}
	reply_send(d, rj->req, reply);
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

void ops_review(const struct op_call *call)
{
	struct daemon *d = call->d;
	struct rpc_request *req = call->req;
	const char *action_name = string_member(call->env, "action");
	const char *department = string_member(call->env, "department");
	int64_t year = 0, revision = 0;
	enum wf_action action;
	if (action_name == NULL ||
	    wf_action_from_name(action_name, &action) < 0 ||
	    action == WF_ACTION_SUBMIT) {
		reply_fail(d, req, "bad_request",
			   "\"action\" must be forward, return, approve or "
			   "open_adjustment (a budget is submitted with "
			   "\"submit\")");
		return;
	}
	if (department == NULL || !int_member(call->env, "year", &year)) {
		reply_fail(d, req, "bad_request",
			   "\"department\" (its code) and \"year\" (a number) "
			   "are required");
		return;
	}
	struct review_case *c = review_find(&d->review, (int)year, department);
	if (c == NULL || c->at.stage == WF_STAGE_NONE) {
		reply_fail(d, req, "not_found",
			   "%s/%lld has sent nothing yet: there is nothing to "
			   "%s",
			   department, (long long)year, action_name);
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
	    strcmp(c->department, call->who->scope) == 0 &&
	    action != WF_ACTION_SUBMIT) {
		access_forbid(
		    d, req, call->who,
		    "a 主管部门 reviews its units, not its own budget "
		    "(%s): the bureau does",
		    c->department);
		return;
	}
	if (c->pending > 0 || c->dirty) {
		reply_fail(d, req, "busy",
			   "%s/%d has %u change%s on the way to the disk; "
			   "nothing was done, send again shortly",
			   c->department, c->year, c->pending,
			   c->pending == 1 ? "" : "s");
		return;
	}
	bool has_revision = int_member(call->env, "revision", &revision);
	if (action == WF_ACTION_APPROVE && !has_revision) {
		reply_fail(d, req, "bad_request",
			   "\"revision\" is required to approve: the number of "
			   "the revision approved (%s/%d is at revision %lld)",
			   c->department, c->year, (long long)c->revision);
		return;
	}
	if (has_revision && action != WF_ACTION_OPEN_ADJUSTMENT &&
	    revision != c->revision) {
		reply_fail(d, req, "stale",
			   "%s/%d: revision %lld is not the one under review: "
			   "the latest is revision %lld (%s %s); nothing was "
			   "done",
			   c->department, c->year, (long long)revision,
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
	const char *reason = string_member(call->env, "reason");
	const char *number = string_member(call->env, "approval_number");
	const char *date = string_member(call->env, "approval_date");
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
	}
	struct review_job *rj = calloc(1, sizeof *rj);
	struct owned_transition *o =
	    rj ? transition_new(c, action, &next, call->who) : NULL;
	const cJSON *concerns =
	    cJSON_GetObjectItemCaseSensitive(call->env, "concerns");
	if (o) {
		o->reason = reason ? strdup(reason) : NULL;
		o->approval_number =
		    action == WF_ACTION_APPROVE ? strdup(number) : NULL;
		o->approval_date =
		    action == WF_ACTION_APPROVE ? strdup(date) : NULL;
		if (cJSON_IsArray(concerns))
			o->concerns = cJSON_PrintUnformatted(concerns);
		o->t.reason = o->reason;
		o->t.approval_number = o->approval_number;
		o->t.approval_date = o->approval_date;
		o->t.concerns = o->concerns;
	}
	if (rj == NULL || o == NULL) {
		free(rj);
		transition_free(o ? &o->t : NULL);
		reply_fail(d, req, "internal", "out of memory");
		return;
	}
	rj->req = req;
	rj->transition = o;
	rj->done = transition_done;
	rj->job.kind = STORE_JOB_RECORD;
	rj->job.owner = rj;
	char kind[32];
	snprintf(kind, sizeof kind, "review.%s", o->to);
	static const char *const kinds[] = {
	    "review.open", "review.submitted", "review.forwarded",
	    "review.returned", "review.approved"};
	rj->job.event_kind = kinds[0];
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i], kind) == 0)
			rj->job.event_kind = kinds[i];
	snprintf(rj->job.department, sizeof rj->job.department, "%s",
		 c->department);
	rj->job.year = c->year;
	rj->job.revision = c->revision;
	rj->job.write_rows = store_write_transition;
	rj->job.rows = &o->t;
	if (action == WF_ACTION_APPROVE) {
		c->approved = c->revision;
		if (next.stage == WF_STAGE_BUDGET && c->original == 0)
			c->original = c->revision;
	}
	c->at = next;
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
	int64_t year = 0;
	const char *stage = string_member(call->env, "stage");
	const cJSON *date = cJSON_GetObjectItemCaseSensitive(call->env, "date");
	enum wf_stage s;
	if (!int_member(call->env, "year", &year) || stage == NULL ||
	    wf_stage_from_name(stage, &s) < 0 ||
	    !(cJSON_IsNull(date) ||
	      (cJSON_IsString(date) && valid_date(date->valuestring)))) {
		reply_fail(d, call->req, "bad_request",
			   "\"year\", \"stage\" (proposal, budget or "
			   "adjustment) and \"date\" (YYYY-MM-DD, or null to "
			   "remove it) are required");
		return;
	}
	int rc =
	    store_set_deadline(&d->store, (int)year, stage,
			       cJSON_IsString(date) ? date->valuestring : NULL);
	if (rc < 0) {
		reply_fail(d, call->req, "store_failed",
			   "the deadline was not stored (%s)", strerror(-rc));
		return;
	}
	log_info("deadline of %s %lld set to %s by %s", stage, (long long)year,
		 cJSON_IsString(date) ? date->valuestring : "none",
		 call->who->name);
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", (double)year);
	cJSON_AddStringToObject(reply, "stage", stage);
	if (cJSON_IsString(date))
		cJSON_AddStringToObject(reply, "date", date->valuestring);
	reply_send(d, call->req, reply);
}

struct deadline_list {
	char stage[WF_STAGE_COUNT][12];
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

struct progress_group {
	char parent[13];
	int counts[WF_STAGE_COUNT][WF_STATE_COUNT];
	int departments;
	cJSON *overdue, *not_sent;
};

static struct progress_group *group_for(struct progress_group *groups,
					size_t *n, size_t cap,
					const char *parent)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(groups[i].parent, parent) == 0)
			return &groups[i];
	if (*n == cap)
		return NULL;
	struct progress_group *g = &groups[(*n)++];
	snprintf(g->parent, sizeof g->parent, "%s", parent);
	g->overdue = cJSON_CreateArray();
	g->not_sent = cJSON_CreateArray();
	return g;
}

/* The departments expected to send a budget for year: every case of the
 * year, every department given control numbers, every department that
 * had an accepted revision the year before. */
struct expected {
	char (*codes)[13];
	char (*parents)[13];
	size_t n, cap;
};

static void expect_add(struct expected *e, const char *code, const char *parent)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->codes[i], code) == 0) {
			if (parent[0] && !e->parents[i][0])
				snprintf(e->parents[i], 13, "%s", parent);
			return;
		}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		void *c = realloc(e->codes, cap * sizeof *e->codes);
		if (c)
			e->codes = c;
		void *p = realloc(e->parents, cap * sizeof *e->parents);
		if (p)
			e->parents = p;
		if (c == NULL || p == NULL)
			return;
		e->cap = cap;
	}
	snprintf(e->codes[e->n], 13, "%s", code);
	snprintf(e->parents[e->n], 13, "%s", parent);
	e->n++;
}

struct expected_walk {
	struct expected *e;
	int year;
};

static void expect_previous(void *ctx, const struct registry_entry *entry)
{
	struct expected_walk *w = ctx;
	const struct bd_submission *s = entry->revision.submission;
	if (s->year == w->year - 1 || s->year == w->year)
		expect_add(w->e, s->department.code, s->department.parent);
}

void ops_progress(const struct op_call *call)
{
	struct daemon *d = call->d;
	int64_t year = 0;
	const char *only = string_member(call->env, "parent");
	if (!int_member(call->env, "year", &year)) {
		reply_fail(d, call->req, "bad_request",
			   "\"year\" (a number) is required");
		return;
	}
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
	store_deadlines_each(&d->store, (int)year, take_deadline, &deadlines);
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);

	struct expected e = {0};
	struct expected_walk walk = {&e, (int)year};
	registry_each(&d->registry, expect_previous, &walk);
	for (size_t i = 0; i < d->review.n_controls; i++)
		if (d->review.controls[i]->control.year == year) {
			const char *code = d->review.controls[i]->department;
			struct review_case *c =
			    review_find(&d->review, (int)year, code);
			expect_add(&e, code, c ? c->parent : "");
		}
	for (size_t i = 0; i < d->review.n_cases; i++)
		if (d->review.cases[i]->year == year)
			expect_add(&e, d->review.cases[i]->department,
				   d->review.cases[i]->parent);

	enum { MAX_GROUPS = 512 };
	struct progress_group *groups = calloc(MAX_GROUPS, sizeof *groups);
	size_t n_groups = 0;
	struct progress_group total = {.parent = ""};
	total.overdue = cJSON_CreateArray();
	total.not_sent = cJSON_CreateArray();
	for (size_t i = 0; groups && i < e.n; i++) {
		const char *parent = e.parents[i][0] ? e.parents[i] : "";
		/* A 主管部门 counts with its own units. */
		const char *group_key = parent[0] ? parent : e.codes[i];
		if (only && strcmp(group_key, only) != 0 &&
		    strcmp(e.codes[i], only) != 0)
			continue;
		struct progress_group *g =
		    group_for(groups, &n_groups, MAX_GROUPS, group_key);
		if (g == NULL)
			continue;
		struct review_case *c =
		    review_find(&d->review, (int)year, e.codes[i]);
		struct progress_group *both[2] = {g, &total};
		for (int k = 0; k < 2; k++) {
			both[k]->departments++;
			if (c == NULL || c->at.stage == WF_STAGE_NONE)
				cJSON_AddItemToArray(
				    both[k]->not_sent,
				    cJSON_CreateString(e.codes[i]));
			else
				both[k]->counts[c->at.stage][c->at.state]++;
			for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT;
			     s++) {
				if (!deadlines.date[s][0] ||
				    strcmp(today, deadlines.date[s]) <= 0 ||
				    reached(c, (enum wf_stage)s))
					continue;
				/* Adjustments are due only where one is open.
				 */
				if (s == WF_STAGE_ADJUSTMENT &&
				    (c == NULL ||
				     c->at.stage != WF_STAGE_ADJUSTMENT))
					continue;
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "department",
							e.codes[i]);
				cJSON_AddStringToObject(o, "stage",
							wf_stage_name(s));
				cJSON_AddStringToObject(o, "deadline",
							deadlines.date[s]);
				cJSON_AddStringToObject(
				    o, "state",
				    c ? wf_state_name(c->at.state) : "none");
				cJSON_AddItemToArray(both[k]->overdue, o);
			}
		}
	}
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", (double)year);
	cJSON_AddStringToObject(reply, "today", today);
	cJSON *dl = cJSON_AddObjectToObject(reply, "deadlines");
	for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT; s++)
		if (deadlines.date[s][0])
			cJSON_AddStringToObject(dl, wf_stage_name(s),
						deadlines.date[s]);
	cJSON *array = cJSON_AddArrayToObject(reply, "parents");
	for (size_t i = 0; i <= n_groups; i++) {
		struct progress_group *g = i < n_groups ? &groups[i] : &total;
		cJSON *o = cJSON_CreateObject();
		if (i < n_groups)
			cJSON_AddStringToObject(o, "parent", g->parent);
		cJSON_AddNumberToObject(o, "departments", g->departments);
		cJSON *states = cJSON_AddObjectToObject(o, "states");
		for (int s = WF_STAGE_PROPOSAL; s < WF_STAGE_COUNT; s++)
			for (int st = 0; st < WF_STATE_COUNT; st++) {
				if (g->counts[s][st] == 0)
					continue;
				char key[32];
				snprintf(key, sizeof key, "%s.%s",
					 wf_stage_name(s), wf_state_name(st));
				cJSON_AddNumberToObject(states, key,
							g->counts[s][st]);
			}
		cJSON_AddItemToObject(o, "overdue", g->overdue);
		cJSON_AddItemToObject(o, "not_sent", g->not_sent);
		if (i < n_groups)
			cJSON_AddItemToArray(array, o);
		else
			cJSON_AddItemToObject(reply, "total", o);
	}
	free(groups);
	free(e.codes);
	free(e.parents);
	reply_send(d, call->req, reply);
}
