#include "audit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "money.h"
#include "utf8.h"

void audit_init(struct bd_audit *audit, const struct config *policy)
{
	memset(audit, 0, sizeof *audit);
	audit->policy = policy;
}

void audit_free(struct bd_audit *audit)
{
	for (size_t i = 0; i < audit->n; i++) {
		struct audit_finding *f = &audit->items[i];
		free(f->plugin);
		free(f->rule);
		free(f->path);
		free(f->message);
	}
	free(audit->items);
	memset(audit, 0, sizeof *audit);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

int audit_add(struct bd_audit *audit, const struct bd_finding *finding)
{
	enum bd_severity sev = finding->severity;
	if (audit->policy != NULL && finding->rule != NULL)
		sev = config_severity(audit->policy, finding->rule, sev);
	if (sev == BD_SEVERITY_OFF)
		return 0;
	if (GROW(audit->items, audit->cap, audit->n + 1, 16) < 0) {
		audit->out_of_memory = true;
		return -ENOMEM;
	}
	struct audit_finding *f = &audit->items[audit->n];
	f->plugin = dup_or_empty(audit->plugin);
	f->rule = dup_or_empty(finding->rule);
	f->path = dup_or_empty(finding->path);
	f->message = dup_or_empty(finding->message);
	f->severity = sev;
	f->expected = finding->expected;
	f->actual = finding->actual;
	if (!f->plugin || !f->rule || !f->path || !f->message) {
		free(f->plugin), free(f->rule), free(f->path), free(f->message);
		audit->out_of_memory = true;
		return -ENOMEM;
	}
	utf8_trim_partial(f->message);
	audit->n++;
	if (sev == BD_SEVERITY_ERROR)
		audit->n_errors++;
	else
		audit->n_warnings++;
	return 0;
}

static void add_amount(cJSON *obj, const char *key, struct bd_stated v,
		       enum bd_unit unit)
{
	char text[MONEY_TEXT_MAX];
	if (!v.present)
		return;
	if (money_format(v.fen, unit, text, sizeof text) >= 0)
		cJSON_AddStringToObject(obj, key, text);
}

cJSON *audit_to_json(const struct bd_audit *audit, enum bd_unit unit)
{
	cJSON *array = cJSON_CreateArray();
	for (size_t i = 0; array != NULL && i < audit->n; i++) {
		const struct audit_finding *f = &audit->items[i];
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			break;
		cJSON_AddStringToObject(
		    o, "severity",
		    f->severity == BD_SEVERITY_ERROR ? "error" : "warning");
		cJSON_AddStringToObject(o, "rule", f->rule);
		cJSON_AddStringToObject(o, "path", f->path);
		cJSON_AddStringToObject(o, "message", f->message);
		add_amount(o, "expected", f->expected, unit);
		add_amount(o, "actual", f->actual, unit);
		if (f->expected.present && f->actual.present) {
			struct bd_stated diff = {
			    f->actual.fen - f->expected.fen, true};
			add_amount(o, "difference", diff, unit);
		}
		if (f->plugin[0])
			cJSON_AddStringToObject(o, "plugin", f->plugin);
		cJSON_AddItemToArray(array, o);
	}
	return array;
}

void apply_init(struct bd_apply *apply)
{
	memset(apply, 0, sizeof *apply);
}

void apply_free(struct bd_apply *apply)
{
	for (size_t i = 0; i < apply->n; i++)
		free(apply->strings[i]);
	free(apply->strings);
	free(apply->items);
	memset(apply, 0, sizeof *apply);
}

int apply_add(struct bd_apply *apply, const struct bd_total_change *change)
{
	if (apply == NULL || apply->discard)
		return 0;
	/* Two arrays of one capacity: each grows from the same count, and
	 * the capacity moves only when both have. */
	size_t cap_items = apply->cap, cap_strings = apply->cap;
	if (GROW(apply->items, cap_items, apply->n + 1, 32) < 0 ||
	    GROW(apply->strings, cap_strings, apply->n + 1, 32) < 0) {
		apply->out_of_memory = true;
		return -ENOMEM;
	}
	apply->cap = cap_items;
	const char *dimension = change->dimension ? change->dimension : "";
	const char *key = change->key ? change->key : "";
	size_t dn = strlen(dimension) + 1, kn = strlen(key) + 1;
	char *copy = malloc(dn + kn);
	if (copy == NULL) {
		apply->out_of_memory = true;
		return -ENOMEM;
	}
	memcpy(copy, dimension, dn);
	memcpy(copy + dn, key, kn);
	struct bd_total_change *c = &apply->items[apply->n];
	*c = *change;
	c->dimension = copy;
	c->key = copy + dn;
	apply->strings[apply->n++] = copy;
	return 0;
}
