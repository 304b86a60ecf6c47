/*
 * The budget year's workflow in the daemon (docs/workflow.md): one case
 * per department and year, moved by submissions and by the review ops;
 * every transition is stored in the same transaction as its event and
 * published once it is durable.  The stage views of the totals follow the
 * cases.  Loop thread only.
 */
#ifndef BUDGETD_REVIEW_H
#define BUDGETD_REVIEW_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "host.h"
#include "strmap.h"
#include "workflow.h"

struct daemon;
struct op_call;
struct principal;
struct store_job;
struct store_transition;
struct store_control_item;

struct review_case {
	char department[13], parent[13];
	int year;
	struct wf_position at;
	int64_t revision; /* the revision its state is about */
	int64_t approved; /* the latest approved revision, 0: none */
	int64_t original; /* the budget as first approved, 0: none */
	char since[40];	  /* when it came to this state */
	unsigned pending; /* its jobs queued to the store */
	bool dirty;	  /* one failed: re-read when pending drains */
	int64_t view_revision[HOST_VIEW_COUNT]; /* what each view holds */
	bool views_pending; /* in the list of cases the views lag behind */
};

/* The newest control numbers of a department for a year. */
struct review_control {
	struct bd_control control; /* what plugins see */
	char department[13];
	struct bd_control_item *items;
	char (*keys)[40];
	size_t cap_items;
	char set_by[72], set_at[40];
	uint64_t seq;
};

struct review {
	struct review_case **cases;
	size_t n_cases, cap_cases;
	struct strmap case_index; /* "year/code" → index */
	struct review_control **controls;
	size_t n_controls, cap_controls;
	struct strmap control_index;
	/* Cases whose stage views are behind their position. */
	struct review_case **stale;
	size_t n_stale, cap_stale;
};

int review_init(struct review *review);
void review_free(struct review *review);
/* Reads every case and control number from the store (after
 * daemon_rebuild); the stage views fill on their first question. */
int review_load(struct daemon *d);
/* Brings the stage views up to every case's position: called before a
 * question to a view. */
void review_views_sync(struct daemon *d);

struct review_case *review_find(struct review *review, int year,
				const char *department);
/* "YEAR/CODE": how cases and control numbers are indexed. */
void review_key(char *key, size_t size, int year, const char *department);
/* control_numbers.c: reads the newest control numbers from the store
 * (review_load calls it), and frees them. */
int control_numbers_load(struct daemon *d);
void control_numbers_free(struct review *review);
const struct review_control *
review_control_find(struct review *review, int year, const char *department);

/*
 * A submission the audit accepted: checks it against its case (the stage
 * asked, "" for the case's own; the year's lock; control numbers where
 * required) and makes the transition the store writes with it.  Returns
 * 0 with *transition (malloc'd, handed to review_submission_done), or a
 * negative errno after replying why (nothing is stored).
 */
int review_submission(const struct op_call *c,
		      const struct bd_submission *submission,
		      enum wf_stage stage,
		      struct store_transition **transition);
/* The store finished a submission carrying transition (job->rc < 0: it
 * failed).  Frees transition. */
void review_submission_done(struct daemon *d, struct store_job *job,
			    struct store_transition *transition);
/* The stage a submission of department and year is audited for. */
enum bd_stage review_stage_for(struct daemon *d, int year,
			       const char *department, enum wf_stage asked);
/* A request's "stage" (NONE when absent); -EINVAL after a reply naming
 * the stages. */
int review_stage_asked(const struct op_call *call, enum wf_stage *stage);
/* Whether year is closed to department: locked, and no adjustment open
 * for it. */
bool review_year_closed(struct daemon *d, int year, const char *department);
/* The "locked" reply, with how an admin opens the year to one department. */
void review_refuse_locked(const struct op_call *call, int year,
			  const char *department);
/* The first element of every topic: the publisher's topic_prefix. */
const char *review_topic_prefix(struct daemon *d);

/* A record job of the workflow finished (loop thread): a transition
 * (review_record_done) or control numbers (control_record_done, told
 * apart by its write_rows). */
void review_record_done(struct daemon *d, struct store_job *job);
void control_record_done(struct daemon *d, struct store_job *job);

/* ops: review (forward, return, approve, open_adjustment), progress,
 * deadline, control.set, control.show */
void ops_review(const struct op_call *c);
void ops_progress(const struct op_call *c);
void ops_deadline(const struct op_call *c);
void ops_control_set(const struct op_call *c);
void ops_control_show(const struct op_call *c);
/* The transitions of a department (and year: 0 for all) for history. */
int review_history(struct daemon *d, const char *department, int year,
		   cJSON *array);
/* The case of a department and year as JSON (for show and history). */
cJSON *review_case_json(const struct review_case *c);

/* Makes items the newest control numbers of a department (after their
 * record committed). */
int review_control_replace(struct daemon *d, int year, const char *department,
			   const struct store_control_item *items, size_t n,
			   int64_t version, uint64_t seq, const char *set_by,
			   const char *set_at);
/* The audit's errors for the case's revision now: 0 when none (first
 * says the first). */
size_t review_reaudit(struct daemon *d, const struct review_case *c,
		      char *first, size_t first_size);

/* The host's control_numbers() (ctx: the daemon). */
const struct bd_control *review_control_numbers(void *ctx, int year,
						const char *department);

#endif
