/*
 * The budget year as a state machine (两上两下): one case per department
 * and fiscal year moves through the stages proposal (一上), budget (二上)
 * and adjustment (预算调整, any number after approval), and within a
 * stage through submitted, forwarded (by the 主管部门), returned (退回)
 * and approved (批复).  Pure: no store, no sockets, so that every pair of
 * state and action is unit-tested; the daemon adds what needs the world
 * (control numbers, locked years, the audit, staleness).
 */
#ifndef BUDGETD_WORKFLOW_H
#define BUDGETD_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wf_stage {
	WF_STAGE_NONE = 0, /* nothing sent yet */
	WF_STAGE_PROPOSAL, /* 一上 */
	WF_STAGE_BUDGET,   /* 二上 */
	WF_STAGE_ADJUSTMENT,
	WF_STAGE_COUNT
};

enum wf_state {
	WF_STATE_NONE = 0,
	WF_STATE_OPEN,	    /* an adjustment opened, nothing sent in it yet */
	WF_STATE_SUBMITTED, /* audited without errors, waiting for review */
	WF_STATE_FORWARDED, /* the 主管部门 reviewed it and sent it on */
	WF_STATE_RETURNED,  /* 退回: to be sent again */
	WF_STATE_APPROVED,  /* 批复 */
	WF_STATE_COUNT
};

enum wf_action {
	WF_ACTION_SUBMIT = 0,
	WF_ACTION_FORWARD,
	WF_ACTION_RETURN,
	WF_ACTION_APPROVE,
	WF_ACTION_OPEN_ADJUSTMENT,
	WF_ACTION_COUNT
};

/* Who acts, as far as the workflow cares (the daemon maps roles). */
enum wf_actor {
	WF_ACTOR_DEPARTMENT = 0,
	WF_ACTOR_PARENT, /* 主管部门 */
	WF_ACTOR_OPERATOR,
	WF_ACTOR_ADMIN,
	WF_ACTOR_COUNT
};

/* Where a department's year stands. */
struct wf_position {
	enum wf_stage stage;
	int round; /* adjustment number, 1, 2, …; 0 in other stages */
	enum wf_state state;
};

const char *wf_stage_name(enum wf_stage stage);
const char *wf_state_name(enum wf_state state);
const char *wf_action_name(enum wf_action action);
const char *wf_actor_name(enum wf_actor actor);
/* -EINVAL for an unknown name. */
int wf_stage_from_name(const char *name, enum wf_stage *stage);
int wf_state_from_name(const char *name, enum wf_state *state);
int wf_action_from_name(const char *name, enum wf_action *action);

/*
 * The position after action by actor from now.  For a submission, stage
 * is the stage it is sent for (WF_STAGE_NONE: the one the department is
 * in, a proposal when it has none); other actions ignore it.  Returns 0
 * with *next filled, -EACCES when the actor may not take the action at
 * all, or -EPERM when the action is not allowed from now; why (if not
 * NULL) then says which state the case is in and what is allowed from
 * it.
 */
int wf_step(const struct wf_position *now, enum wf_action action,
	    enum wf_stage stage, enum wf_actor actor, struct wf_position *next,
	    char *why, size_t why_size);

/* Whether a position counts as sent to the bureau (submitted, forwarded
 * or approved), i.e. not returned and not merely open. */
bool wf_is_standing(enum wf_state state);

/* Whether s is a date as YYYY-MM-DD (approvals, deadlines). */
bool wf_valid_date(const char *s);

/* What a control number (控制数) bounds, read from its key. */
enum wf_bound {
	WF_BOUND_TOTAL = 0, /* total */
	WF_BOUND_GENERAL,   /* source:general_budget */
	WF_BOUND_FUND,	    /* source:fund_budget */
	WF_BOUND_OTHER,	    /* source:other: every other source */
	WF_BOUND_BASIC,	    /* kind:basic */
	WF_BOUND_PERSONNEL, /* kind:basic.personnel */
	WF_BOUND_PUBLIC,    /* kind:basic.public */
	WF_BOUND_PROJECTS,  /* kind:project */
	WF_BOUND_CLASS,	    /* class:NNN, a function 类 */
	WF_BOUND_PROJECT,   /* project:CODE */
	WF_BOUND_UNKNOWN,
};
/* The bound a key names, with *arg the 类 or project code it carries
 * (else NULL): the one list of keys the daemon accepts and the control
 * plugin checks. */
enum wf_bound wf_control_key(const char *key, const char **arg);
/* The keys, for messages: "total, source:general_budget, …". */
extern const char wf_control_keys[];

#endif
