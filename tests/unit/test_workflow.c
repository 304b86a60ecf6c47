/* The budget year's state machine: every position × action × actor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "workflow.h"

/* Every position a case can be in. */
static const struct wf_position positions[] = {
    {WF_STAGE_NONE, 0, WF_STATE_NONE},
    {WF_STAGE_PROPOSAL, 0, WF_STATE_SUBMITTED},
    {WF_STAGE_PROPOSAL, 0, WF_STATE_FORWARDED},
    {WF_STAGE_PROPOSAL, 0, WF_STATE_RETURNED},
    {WF_STAGE_BUDGET, 0, WF_STATE_SUBMITTED},
    {WF_STAGE_BUDGET, 0, WF_STATE_FORWARDED},
    {WF_STAGE_BUDGET, 0, WF_STATE_RETURNED},
    {WF_STAGE_BUDGET, 0, WF_STATE_APPROVED},
    {WF_STAGE_ADJUSTMENT, 2, WF_STATE_OPEN},
    {WF_STAGE_ADJUSTMENT, 2, WF_STATE_SUBMITTED},
    {WF_STAGE_ADJUSTMENT, 2, WF_STATE_FORWARDED},
    {WF_STAGE_ADJUSTMENT, 2, WF_STATE_RETURNED},
    {WF_STAGE_ADJUSTMENT, 2, WF_STATE_APPROVED},
};
#define N_POSITIONS (sizeof positions / sizeof positions[0])

/* The expected outcome, written from docs/workflow.md's table rather
 * than from the code: the next position, or refused. */
static int expect(const struct wf_position *now, enum wf_action action,
		  enum wf_stage asked, enum wf_actor actor,
		  struct wf_position *next)
{
	*next = *now;
	bool reviewer = actor == WF_ACTOR_OPERATOR || actor == WF_ACTOR_ADMIN;
	switch (action) {
	case WF_ACTION_SUBMIT: {
		enum wf_stage s = asked;
		if (s == WF_STAGE_NONE)
			s = now->stage == WF_STAGE_NONE ? WF_STAGE_PROPOSAL
							: now->stage;
		bool ok;
		if (now->state == WF_STATE_APPROVED)
			ok = false;
		else if (now->stage == WF_STAGE_NONE ||
			 now->stage == WF_STAGE_PROPOSAL)
			ok = s == WF_STAGE_PROPOSAL || s == WF_STAGE_BUDGET;
		else if (now->stage == WF_STAGE_BUDGET)
			ok = s == WF_STAGE_BUDGET;
		else
			ok = s == WF_STAGE_ADJUSTMENT;
		if (!ok)
			return -EPERM;
		next->stage = s;
		next->state = WF_STATE_SUBMITTED;
		return 0;
	}
	case WF_ACTION_FORWARD:
		if (actor != WF_ACTOR_PARENT)
			return -EACCES;
		if (now->state != WF_STATE_SUBMITTED)
			return -EPERM;
		next->state = WF_STATE_FORWARDED;
		return 0;
	case WF_ACTION_RETURN:
		if (actor == WF_ACTOR_DEPARTMENT)
			return -EACCES;
		if (now->state == WF_STATE_SUBMITTED ||
		    (now->state == WF_STATE_FORWARDED && reviewer)) {
			next->state = WF_STATE_RETURNED;
			return 0;
		}
		return -EPERM;
	case WF_ACTION_APPROVE:
		if (!reviewer)
			return -EACCES;
		if (now->stage != WF_STAGE_PROPOSAL &&
		    (now->state == WF_STATE_SUBMITTED ||
		     now->state == WF_STATE_FORWARDED)) {
			next->state = WF_STATE_APPROVED;
			return 0;
		}
		return -EPERM;
	case WF_ACTION_OPEN_ADJUSTMENT:
		if (actor != WF_ACTOR_ADMIN)
			return -EACCES;
		if (now->state != WF_STATE_APPROVED)
			return -EPERM;
		next->stage = WF_STAGE_ADJUSTMENT;
		next->round =
		    now->stage == WF_STAGE_ADJUSTMENT ? now->round + 1 : 1;
		next->state = WF_STATE_OPEN;
		return 0;
	default:
		return -EINVAL;
	}
}

static void every_pair_of_state_and_action(void **unused)
{
	(void)unused;
	size_t allowed = 0, refused = 0;
	for (size_t p = 0; p < N_POSITIONS; p++)
		for (int a = 0; a < WF_ACTION_COUNT; a++)
			for (int s = 0; s < WF_STAGE_COUNT; s++)
				for (int who = 0; who < WF_ACTOR_COUNT; who++) {
					const struct wf_position *now =
					    &positions[p];
					struct wf_position want, got;
					char why[256] = "";
					int e =
					    expect(now, (enum wf_action)a,
						   (enum wf_stage)s,
						   (enum wf_actor)who, &want);
					int rc = wf_step(now, (enum wf_action)a,
							 (enum wf_stage)s,
							 (enum wf_actor)who,
							 &got, why, sizeof why);
					if (rc != e)
						fail_msg(
						    "%s %s %s by %s from "
						    "%s/%s: %d, want %d "
						    "(%s)",
						    wf_action_name(a),
						    wf_stage_name(s), "",
						    wf_actor_name(who),
						    wf_stage_name(now->stage),
						    wf_state_name(now->state),
						    rc, e, why);
					if (rc == 0) {
						allowed++;
						assert_int_equal(got.stage,
								 want.stage);
						assert_int_equal(got.state,
								 want.state);
						if (got.stage ==
						    WF_STAGE_ADJUSTMENT)
							assert_int_equal(
							    got.round,
							    want.round);
					} else {
						refused++;
						/* Nothing moves, and the why
						 * names the state. */
						assert_memory_equal(&got, now,
								    sizeof got);
						if (rc == -EPERM)
							assert_non_null(strstr(
							    why,
							    wf_state_name(
								now->state)));
						else
							assert_non_null(strstr(
							    why, "may not"));
					}
				}
	print_message("%zu combinations: %zu allowed, %zu refused\n",
		      allowed + refused, allowed, refused);
	/* Both kinds occur: the table is not all one way. */
	assert_true(allowed > 50);
	assert_true(refused > 300);
}

static void a_year_in_order(void **unused)
{
	(void)unused;
	struct wf_position p = {0}, n;
	char why[256];
	assert_int_equal(wf_step(&p, WF_ACTION_SUBMIT, WF_STAGE_NONE,
				 WF_ACTOR_DEPARTMENT, &n, why, sizeof why),
			 0);
	assert_int_equal(n.stage, WF_STAGE_PROPOSAL);
	p = n;
	assert_int_equal(wf_step(&p, WF_ACTION_SUBMIT, WF_STAGE_BUDGET,
				 WF_ACTOR_DEPARTMENT, &n, why, sizeof why),
			 0);
	p = n;
	assert_int_equal(wf_step(&p, WF_ACTION_RETURN, WF_STAGE_NONE,
				 WF_ACTOR_OPERATOR, &n, why, sizeof why),
			 0);
	p = n;
	assert_int_equal(n.state, WF_STATE_RETURNED);
	/* A returned budget cannot be approved; the message says so. */
	assert_int_equal(wf_step(&p, WF_ACTION_APPROVE, WF_STAGE_NONE,
				 WF_ACTOR_OPERATOR, &n, why, sizeof why),
			 -EPERM);
	assert_non_null(strstr(why, "budget returned"));
	assert_non_null(strstr(why, "allowed from returned: submit"));
	assert_int_equal(wf_step(&p, WF_ACTION_SUBMIT, WF_STAGE_NONE,
				 WF_ACTOR_DEPARTMENT, &n, why, sizeof why),
			 0);
	p = n;
	assert_int_equal(n.stage, WF_STAGE_BUDGET);
	assert_int_equal(wf_step(&p, WF_ACTION_FORWARD, WF_STAGE_NONE,
				 WF_ACTOR_PARENT, &n, why, sizeof why),
			 0);
	p = n;
	assert_int_equal(wf_step(&p, WF_ACTION_APPROVE, WF_STAGE_NONE,
				 WF_ACTOR_OPERATOR, &n, why, sizeof why),
			 0);
	p = n;
	for (int round = 1; round <= 3; round++) {
		assert_int_equal(wf_step(&p, WF_ACTION_OPEN_ADJUSTMENT,
					 WF_STAGE_NONE, WF_ACTOR_ADMIN, &n, why,
					 sizeof why),
				 0);
		assert_int_equal(n.round, round);
		p = n;
		assert_int_equal(wf_step(&p, WF_ACTION_SUBMIT, WF_STAGE_NONE,
					 WF_ACTOR_DEPARTMENT, &n, why,
					 sizeof why),
				 0);
		assert_int_equal(n.stage, WF_STAGE_ADJUSTMENT);
		assert_int_equal(n.round, round);
		p = n;
		assert_int_equal(wf_step(&p, WF_ACTION_APPROVE, WF_STAGE_NONE,
					 WF_ACTOR_ADMIN, &n, why, sizeof why),
				 0);
		p = n;
	}
}

static void names_round_trip(void **unused)
{
	(void)unused;
	for (int s = 1; s < WF_STAGE_COUNT; s++) {
		enum wf_stage back;
		assert_int_equal(wf_stage_from_name(wf_stage_name(s), &back),
				 0);
		assert_int_equal(back, s);
	}
	for (int s = 0; s < WF_STATE_COUNT; s++) {
		enum wf_state back;
		assert_int_equal(wf_state_from_name(wf_state_name(s), &back),
				 0);
		assert_int_equal(back, s);
	}
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		enum wf_action back;
		assert_int_equal(wf_action_from_name(wf_action_name(a), &back),
				 0);
		assert_int_equal(back, a);
	}
	enum wf_stage st;
	assert_int_equal(wf_stage_from_name("none", &st), -EINVAL);
	assert_int_equal(wf_stage_from_name("Budget", &st), -EINVAL);
	assert_int_equal(wf_stage_from_name(NULL, &st), -EINVAL);
	assert_true(wf_is_standing(WF_STATE_FORWARDED));
	assert_false(wf_is_standing(WF_STATE_RETURNED));
	assert_false(wf_is_standing(WF_STATE_OPEN));
}

static void control_keys(void **unused)
{
	(void)unused;
	const char *arg;
	assert_int_equal(wf_control_key("total", &arg), WF_BOUND_TOTAL);
	assert_null(arg);
	assert_int_equal(wf_control_key("kind:basic.public", &arg),
			 WF_BOUND_PUBLIC);
	assert_int_equal(wf_control_key("class:201", &arg), WF_BOUND_CLASS);
	assert_string_equal(arg, "201");
	assert_int_equal(wf_control_key("project:4107", &arg),
			 WF_BOUND_PROJECT);
	assert_string_equal(arg, "4107");
	/* Near misses are not keys. */
	const char *bad[] = {"Total",
			     "class:20",
			     "class:2011",
			     "class:20x",
			     "project:",
			     "kind:basic.",
			     "source:",
			     "source:state_capital",
			     "project:01234567890123456789012345678901",
			     NULL};
	for (int i = 0; bad[i]; i++)
		if (wf_control_key(bad[i], &arg) != WF_BOUND_UNKNOWN)
			fail_msg("\"%s\" taken as a control number", bad[i]);
	assert_int_equal(wf_control_key(NULL, &arg), WF_BOUND_UNKNOWN);
	assert_non_null(strstr(wf_control_keys, "class:NNN"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_pair_of_state_and_action),
	    cmocka_unit_test(a_year_in_order),
	    cmocka_unit_test(names_round_trip),
	    cmocka_unit_test(control_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
