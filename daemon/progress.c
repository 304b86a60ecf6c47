/*
 * Where the budget year stands: the deadlines an admin sets per stage, and
 * the progress of each 主管部门's departments against them (counts by
 * stage and state, who is overdue, who has sent nothing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "grow.h"
#include "log.h"
#include "ops.h"
#include "reply.h"
#include "review.h"

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
	    (date && !wf_valid_date(date))) {
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
	if (GROW(pr->expected, pr->cap_expected, pr->n_expected + 1, 64) < 0) {
		pr->rc = -ENOMEM;
		return;
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
	const struct registry_summary *s = &e->summary;
	if (s->year == pr->year - 1 || s->year == pr->year)
		expect(pr, s->code, s->parent);
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
	if (GROW(pr->groups, pr->cap_groups, pr->n_groups + 1, 16) < 0)
		return NULL;
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
