/*
 * Reads the department's latest accepted revision while auditing a new
 * one, from the audit workers (BD_PLUGIN_CONCURRENT_VALIDATE), and says
 * what it found as a warning: "revision N: L lines, total F".  With the
 * totals plugin alone the registry keeps no parsed document, so this
 * proves latest_revision() reads it back from the store, whole.
 */
#include <budgetd/plugin.h>
#include <stdio.h>

struct previous {
	const struct bd_host *host;
	const struct bd_plugin_handle *self;
};

static struct previous instance;

static int previous_init(const struct bd_host *host,
			 struct bd_plugin_handle *self, void **state)
{
	instance = (struct previous){host, self};
	*state = &instance;
	return 0;
}

static int previous_validate(void *state, const struct bd_submission *s,
			     struct bd_audit *audit)
{
	struct previous *p = state;
	const struct bd_revision *latest =
	    p->host->latest_revision(p->self, s->year, s->department.code);
	char message[160];
	if (latest == NULL) {
		snprintf(message, sizeof message, "none");
	} else {
		bd_fen total = 0;
		for (size_t i = 0; i < latest->submission->n_lines; i++)
			total += bd_line_total(&latest->submission->lines[i]);
		snprintf(message, sizeof message,
			 "revision %lld: %zu lines, total %lld",
			 (long long)latest->number, latest->submission->n_lines,
			 (long long)total);
	}
	struct bd_finding f = {.rule = "previous.seen",
			       .severity = BD_SEVERITY_WARNING,
			       .path = "$",
			       .message = message};
	return p->host->finding(audit, &f);
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "previous",
    .version = "1.0",
    .description = "test: reads the latest revision while auditing",
    .init = previous_init,
    .validate = previous_validate,
};
