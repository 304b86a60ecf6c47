/* Findings of one audit, and the total changes of one apply, as the host
 * collects them from plugins. */
#ifndef BUDGETD_AUDIT_H
#define BUDGETD_AUDIT_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>

#include "config.h"

struct audit_finding {
	char *plugin;
	char *rule;
	enum bd_severity severity;
	char *path;
	char *message;
	struct bd_stated expected;
	struct bd_stated actual;
};

struct bd_audit {
	const struct config *policy; /* severity overrides */
	const char *plugin;	     /* the plugin now validating */
	struct audit_finding *items;
	size_t n, cap;
	size_t n_errors, n_warnings;
	bool out_of_memory;
	enum bd_stage stage; /* what the submission is sent for (2.3) */
};

struct bd_apply {
	struct bd_total_change *items;
	/* The copies items[i].dimension and .key point at, owned here: one
	 * allocation per change, "dimension\0key\0". */
	char **strings;
	size_t n, cap;
	bool out_of_memory;
	/* Nobody reads these changes (a rebuild's or a view's, handed to a
	 * plugin older than 2.6 in place of NULL): each report is taken and
	 * dropped, not copied. */
	bool discard;
};

void audit_init(struct bd_audit *audit, const struct config *policy);
void audit_free(struct bd_audit *audit);
/* Records a finding after the policy override; OFF findings are dropped. */
int audit_add(struct bd_audit *audit, const struct bd_finding *finding);
/* Renders findings as a JSON array, amounts in `unit`. */
cJSON *audit_to_json(const struct bd_audit *audit, enum bd_unit unit);

void apply_init(struct bd_apply *apply);
void apply_free(struct bd_apply *apply);
int apply_add(struct bd_apply *apply, const struct bd_total_change *change);

#endif
