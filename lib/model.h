/* budget-submission/1: JSON document → typed struct bd_submission. */
#ifndef BUDGETD_MODEL_H
#define BUDGETD_MODEL_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>

#include "arena.h"

#define MODEL_FORMAT	   "budget-submission/1"
#define MODEL_MAX_PROBLEMS 64

struct model_problem {
	bool is_error; /* false: a warning (an unknown key, say) */
	char path[160];
	char message[240];
};

struct model_problems {
	struct model_problem items[MODEL_MAX_PROBLEMS];
	size_t n;
	size_t n_errors;
	size_t n_dropped; /* problems beyond MODEL_MAX_PROBLEMS */
};

/*
 * Parses a whole document.  Every problem found is recorded with its JSON
 * path; on any error returns -EINVAL and *out is left NULL.  Warnings alone
 * do not fail the parse.  Everything *out points to lives in `arena`.
 * Returns -ENOMEM when the arena cannot grow.
 *
 * A parsed submission guarantees: every amount is within ±BD_FEN_LIMIT and
 * non-negative, and the sum of all its amounts fits in bd_fen, so any sum a
 * plugin forms over one submission cannot overflow.
 */
int model_parse(const cJSON *document, struct arena *arena,
		struct bd_submission **out, struct model_problems *problems);

/*
 * model_parse for a caller that needs the verdict only: the problems list
 * is its own, and the first error goes to why as "PATH: MESSAGE" (why may
 * be NULL).  Returns what model_parse returns.
 */
int model_parse_brief(const cJSON *document, struct arena *arena,
		      struct bd_submission **out, char *why, size_t why_size);
/* The same from the JSON text of a stored document, which passed
 * model_parse when it came: its objects' members are not checked again
 * for unknown keys (warnings) or duplicates.  Text that is not JSON is
 * -EINVAL too, with why saying so. */
int model_parse_json(const char *text, size_t len, struct arena *arena,
		     struct bd_submission **out, char *why, size_t why_size);

/* The line of s with like's function and source (a document has one per
 * pair), or NULL: how two revisions' lines are matched. */
const struct bd_line *model_same_line(const struct bd_submission *s,
				      const struct bd_line *like);

/* Looks up a source by its wire key; returns 0 or -EINVAL. */
int model_source_from_key(const char *key, enum bd_source *source);

#endif
