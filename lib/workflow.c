#include "workflow.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const stage_names[WF_STAGE_COUNT] = {"none", "proposal",
							"budget", "adjustment"};
static const char *const state_names[WF_STATE_COUNT] = {
    "none", "open", "submitted", "forwarded", "returned", "approved"};
static const char *const action_names[WF_ACTION_COUNT] = {
    "submit", "forward", "return", "approve", "open_adjustment"};
static const char *const actor_names[WF_ACTOR_COUNT] = {"department", "parent",
							"operator", "admin"};

/* Who may take each action at all, whatever the state. */
static const bool actor_may[WF_ACTION_COUNT][WF_ACTOR_COUNT] = {
    [WF_ACTION_SUBMIT] = {true, true, true, true},
    [WF_ACTION_FORWARD] = {false, true, false, false},
    [WF_ACTION_RETURN] = {false, true, true, true},
    [WF_ACTION_APPROVE] = {false, false, true, true},
    [WF_ACTION_OPEN_ADJUSTMENT] = {false, false, false, true},
};

const char *wf_stage_name(enum wf_stage s)
{
	return (unsigned)s < WF_STAGE_COUNT ? stage_names[s] : "?";
}

const char *wf_state_name(enum wf_state s)
{
	return (unsigned)s < WF_STATE_COUNT ? state_names[s] : "?";
}

const char *wf_action_name(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? action_names[a] : "?";
}

const char *wf_actor_name(enum wf_actor a)
{
	return (unsigned)a < WF_ACTOR_COUNT ? actor_names[a] : "?";
}

static int from_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

int wf_stage_from_name(const char *name, enum wf_stage *stage)
{
	int i = from_name(stage_names, WF_STAGE_COUNT, name);
	if (i <= 0) /* "none" is not a stage one can ask for */
		return -EINVAL;
	*stage = (enum wf_stage)i;
	return 0;
}

int wf_state_from_name(const char *name, enum wf_state *state)
{
	int i = from_name(state_names, WF_STATE_COUNT, name);
	if (i < 0)
		return i;
	*state = (enum wf_state)i;
	return 0;
}

int wf_action_from_name(const char *name, enum wf_action *action)
{
	int i = from_name(action_names, WF_ACTION_COUNT, name);
	if (i < 0)
		return i;
	*action = (enum wf_action)i;
	return 0;
}

bool wf_is_standing(enum wf_state s)
{
	return s == WF_STATE_SUBMITTED || s == WF_STATE_FORWARDED ||
	       s == WF_STATE_APPROVED;
}

/* The rule itself: the next position, or NULL reason on success. */
static const char *rule(const struct wf_position *now, enum wf_action action,
			enum wf_stage stage, enum wf_actor actor,
			struct wf_position *next)
{
	*next = *now;
	switch (action) {
	case WF_ACTION_SUBMIT:
		if (stage == WF_STAGE_NONE)
			stage = now->stage == WF_STAGE_NONE ? WF_STAGE_PROPOSAL
							    : now->stage;
		if (now->state == WF_STATE_APPROVED)
			return "its budget is approved: a change needs an "
			       "adjustment, opened by an admin";
		if (stage == WF_STAGE_ADJUSTMENT &&
		    now->stage != WF_STAGE_ADJUSTMENT)
			return "no adjustment is open";
		if (stage == WF_STAGE_PROPOSAL &&
		    now->stage > WF_STAGE_PROPOSAL)
			return "proposals (一上) are closed once the budget "
			       "(二上) has been sent";
		if (now->stage == WF_STAGE_ADJUSTMENT &&
		    stage != WF_STAGE_ADJUSTMENT)
			return "an adjustment is open: only an adjustment can "
			       "be sent";
		next->stage = stage;
		next->round = stage == WF_STAGE_ADJUSTMENT ? now->round : 0;
		next->state = WF_STATE_SUBMITTED;
		return NULL;
	case WF_ACTION_FORWARD:
		if (now->state != WF_STATE_SUBMITTED)
			return "only a submitted budget can be forwarded";
		next->state = WF_STATE_FORWARDED;
		return NULL;
	case WF_ACTION_RETURN:
		if (now->state == WF_STATE_FORWARDED &&
		    actor == WF_ACTOR_PARENT)
			return "it was forwarded: the bureau reviews it now";
		if (now->state != WF_STATE_SUBMITTED &&
		    now->state != WF_STATE_FORWARDED)
			return "only a submitted or forwarded budget can be "
			       "returned";
		next->state = WF_STATE_RETURNED;
		return NULL;
	case WF_ACTION_APPROVE:
		if (now->stage == WF_STAGE_PROPOSAL)
			return "a proposal (一上) is answered with control "
			       "numbers, not approved";
		if (now->state != WF_STATE_SUBMITTED &&
		    now->state != WF_STATE_FORWARDED)
			return "only a submitted or forwarded budget can be "
			       "approved";
		next->state = WF_STATE_APPROVED;
		return NULL;
	case WF_ACTION_OPEN_ADJUSTMENT:
		if (now->state != WF_STATE_APPROVED)
			return "an adjustment can be opened only once the "
			       "budget (or the last adjustment) is approved";
		next->stage = WF_STAGE_ADJUSTMENT;
		next->round =
		    now->stage == WF_STAGE_ADJUSTMENT ? now->round + 1 : 1;
		next->state = WF_STATE_OPEN;
		return NULL;
	default:
		return "unknown action";
	}
}

/* "submit, return, approve": what anyone may do from now. */
static void allowed_from(const struct wf_position *now, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		bool any = false;
		struct wf_position next;
		for (int who = 0; who < WF_ACTOR_COUNT && !any; who++)
			any = actor_may[a][who] &&
			      rule(now, (enum wf_action)a, WF_STAGE_NONE,
				   (enum wf_actor)who, &next) == NULL;
		if (any && used < size)
			used +=
			    (size_t)snprintf(buf + used, size - used, "%s%s",
					     used ? ", " : "", action_names[a]);
	}
	if (used == 0)
		snprintf(buf, size, "nothing");
}

static void describe(const struct wf_position *p, char *buf, size_t size)
{
	if (p->stage == WF_STAGE_NONE)
		snprintf(buf, size, "nothing sent yet");
	else if (p->stage == WF_STAGE_ADJUSTMENT)
		snprintf(buf, size, "adjustment %d %s", p->round,
			 wf_state_name(p->state));
	else
		snprintf(buf, size, "%s %s", wf_stage_name(p->stage),
			 wf_state_name(p->state));
}

int wf_step(const struct wf_position *now, enum wf_action action,
	    enum wf_stage stage, enum wf_actor actor, struct wf_position *next,
	    char *why, size_t why_size)
{
	char where[64], allowed[128];
	*next = *now;
	if ((unsigned)action >= WF_ACTION_COUNT ||
	    (unsigned)actor >= WF_ACTOR_COUNT) {
		if (why)
			snprintf(why, why_size, "unknown action or actor");
		return -EINVAL;
	}
	if (!actor_may[action][actor]) {
		if (why) {
			char who[96];
			size_t used = 0;
			who[0] = '\0';
			for (int a = 0; a < WF_ACTOR_COUNT; a++)
				if (actor_may[action][a])
					used += (size_t)snprintf(
					    who + used, sizeof who - used,
					    "%s%s", used ? ", " : "",
					    actor_names[a]);
			snprintf(why, why_size,
				 "a %s credential may not %s (only: %s)",
				 actor_names[actor], action_names[action], who);
		}
		return -EACCES;
	}
	const char *refusal = rule(now, action, stage, actor, next);
	if (refusal == NULL)
		return 0;
	*next = *now;
	if (why) {
		describe(now, where, sizeof where);
		allowed_from(now, allowed, sizeof allowed);
		snprintf(why, why_size,
			 "cannot %s: the case is at %s: %s; "
			 "allowed from %s: %s",
			 action_names[action], where, refusal,
			 wf_state_name(now->state), allowed);
	}
	return -EPERM;
}

const char wf_control_keys[] =
    "total, source:general_budget, source:fund_budget, source:other, "
    "kind:basic, kind:basic.personnel, kind:basic.public, kind:project, "
    "class:NNN (a function 类) or project:CODE";

enum wf_bound wf_control_key(const char *key, const char **arg)
{
	static const char *const fixed[WF_BOUND_CLASS] = {
	    [WF_BOUND_TOTAL] = "total",
	    [WF_BOUND_GENERAL] = "source:general_budget",
	    [WF_BOUND_FUND] = "source:fund_budget",
	    [WF_BOUND_OTHER] = "source:other",
	    [WF_BOUND_BASIC] = "kind:basic",
	    [WF_BOUND_PERSONNEL] = "kind:basic.personnel",
	    [WF_BOUND_PUBLIC] = "kind:basic.public",
	    [WF_BOUND_PROJECTS] = "kind:project",
	};
	*arg = NULL;
	if (key == NULL)
		return WF_BOUND_UNKNOWN;
	for (int b = 0; b < WF_BOUND_CLASS; b++)
		if (strcmp(key, fixed[b]) == 0)
			return (enum wf_bound)b;
	if (strncmp(key, "class:", 6) == 0 && strlen(key) == 9 &&
	    strspn(key + 6, "0123456789") == 3) {
		*arg = key + 6;
		return WF_BOUND_CLASS;
	}
	/* The stored key is at most 39 bytes (store_control_item). */
	if (strncmp(key, "project:", 8) == 0 && key[8] && strlen(key) < 40) {
		*arg = key + 8;
		return WF_BOUND_PROJECT;
	}
	return WF_BOUND_UNKNOWN;
}

bool wf_valid_date(const char *s)
{
	int y, m, day;
	char tail;
	return s && strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%c", &y, &m, &day, &tail) == 3 &&
	       y >= 1990 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 &&
	       day <= 31;
}
