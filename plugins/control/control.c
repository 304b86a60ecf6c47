/*
 * control: a budget (二上) or an adjustment must stay within the control
 * numbers (控制数) the bureau set for the department and year.  Over one
 * is an error naming the number, the amount and the difference; under
 * one is a warning (money the department may still ask for).  Proposals
 * (一上) come before control numbers and are not checked.
 */
#include <budgetd/plugin.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workflow.h"

struct control {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	bool warn_under;
};

static const struct bd_config_key control_config[] = {
    {"warn_under", BD_CONFIG_BOOL, "true",
     "warn when a budget stays under a control number"},
    {0},
};

static int control_reconfigure(void *state)
{
	struct control *c = state;
	c->warn_under = c->host->config_bool(c->self, "warn_under");
	return 0;
}

static int control_init(const struct bd_host *host,
			struct bd_plugin_handle *self, void **state)
{
	/* Without the 2.3 host functions there is nothing to check against. */
	if (!BD_HOST_HAS(host, control_numbers) ||
	    !BD_HOST_HAS(host, audit_stage)) {
		host->log(self, BD_LOG_ERROR,
			  "this daemon has no control numbers (plugin ABI "
			  "2.3 needed): remove control from the plugin list");
		return -EPROTO;
	}
	struct control *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -ENOMEM;
	c->host = host;
	c->self = self;
	control_reconfigure(c);
	*state = c;
	return 0;
}

static void control_fini(void *state)
{
	free(state);
}

/* What one line spends under a bound. */
static bd_fen line_under(const struct bd_line *l, enum wf_bound b,
			 const char *arg)
{
	switch (b) {
	case WF_BOUND_TOTAL:
		return bd_line_total(l);
	case WF_BOUND_GENERAL:
		return l->source == BD_SOURCE_GENERAL_BUDGET ? bd_line_total(l)
							     : 0;
	case WF_BOUND_FUND:
		return l->source == BD_SOURCE_FUND_BUDGET ? bd_line_total(l)
							  : 0;
	case WF_BOUND_OTHER:
		return l->source != BD_SOURCE_GENERAL_BUDGET &&
			       l->source != BD_SOURCE_FUND_BUDGET
			   ? bd_line_total(l)
			   : 0;
	case WF_BOUND_BASIC:
		return bd_line_basic(l);
	case WF_BOUND_PERSONNEL:
		return l->column[BD_COL_WAGES] + l->column[BD_COL_FAMILY];
	case WF_BOUND_PUBLIC:
		return l->column[BD_COL_GOODS] + l->column[BD_COL_CAPITAL];
	case WF_BOUND_PROJECTS:
		return bd_line_project(l);
	case WF_BOUND_CLASS:
		return strncmp(l->function, arg, 3) == 0 ? bd_line_total(l) : 0;
	default:
		return 0;
	}
}

/* What the submission spends under one control number's key, and where
 * that figure lives (for the finding's path).  false: key unknown. */
static bool actual_of(const struct bd_submission *s, const char *key,
		      bd_fen *amount, char *path, size_t path_size)
{
	const char *arg;
	enum wf_bound b = wf_control_key(key, &arg);
	bd_fen sum = 0;
	snprintf(path, path_size, "expenditure");
	if (b == WF_BOUND_UNKNOWN)
		return false;
	if (b == WF_BOUND_PROJECT) {
		for (size_t i = 0; i < s->n_projects; i++) {
			const struct bd_project *p = &s->projects[i];
			if (p->code == NULL || strcmp(p->code, arg) != 0)
				continue;
			bd_fen total = 0;
			for (int k = 0; k < BD_SOURCE_COUNT; k++)
				total += p->sources[k];
			sum += p->total.present ? p->total.fen : total;
			snprintf(path, path_size, "projects[%zu].total", i);
		}
	} else {
		for (size_t i = 0; i < s->n_lines; i++)
			sum += line_under(&s->lines[i], b, arg);
	}
	*amount = sum;
	return true;
}

static void say(struct control *c, struct bd_audit *audit, const char *rule,
		enum bd_severity severity, const char *path, const char *key,
		bd_fen limit, bd_fen actual, int64_t version)
{
	char limit_text[40], actual_text[40], diff_text[40], message[400];
	bd_fen diff = actual > limit ? actual - limit : limit - actual;
	c->host->format_amount(limit, BD_UNIT_YUAN, limit_text,
			       sizeof limit_text);
	c->host->format_amount(actual, BD_UNIT_YUAN, actual_text,
			       sizeof actual_text);
	c->host->format_amount(diff, BD_UNIT_YUAN, diff_text, sizeof diff_text);
	snprintf(message, sizeof message,
		 "%s is %s 元, %s its control number %s 元 (version %lld) "
		 "by %s 元",
		 key, actual_text, actual > limit ? "over" : "under",
		 limit_text, (long long)version, diff_text);
	struct bd_finding f = {
	    .rule = rule,
	    .severity = severity,
	    .path = path,
	    .message = message,
	    .expected = {limit, true},
	    .actual = {actual, true},
	};
	c->host->finding(audit, &f);
}

static int control_validate(void *state, const struct bd_submission *s,
			    struct bd_audit *audit)
{
	struct control *c = state;
	enum bd_stage stage = c->host->audit_stage(audit);
	if (stage != BD_STAGE_BUDGET && stage != BD_STAGE_ADJUSTMENT)
		return 0;
	const struct bd_control *numbers =
	    c->host->control_numbers(c->self, s->year, s->department.code);
	if (numbers == NULL)
		return 0;
	for (size_t i = 0; i < numbers->n_items; i++) {
		const struct bd_control_item *item = &numbers->items[i];
		bd_fen actual;
		char path[64];
		if (!actual_of(s, item->key, &actual, path, sizeof path)) {
			c->host->log(c->self, BD_LOG_WARNING,
				     "%s/%d: control number \"%s\" is not one "
				     "this plugin knows; not checked",
				     s->department.code, s->year, item->key);
			continue;
		}
		if (actual > item->amount)
			say(c, audit, "control.over", BD_SEVERITY_ERROR, path,
			    item->key, item->amount, actual, numbers->version);
		else if (actual < item->amount && c->warn_under)
			say(c, audit, "control.under", BD_SEVERITY_WARNING,
			    path, item->key, item->amount, actual,
			    numbers->version);
	}
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .flags = BD_PLUGIN_CONCURRENT_VALIDATE,
    .name = "control",
    .version = "1.0",
    .description = "budgets and adjustments within the bureau's control "
		   "numbers (控制数)",
    .config = control_config,
    .init = control_init,
    .fini = control_fini,
    .reconfigure = control_reconfigure,
    .validate = control_validate,
};
