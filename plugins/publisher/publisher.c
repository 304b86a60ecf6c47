/*
 * publisher: one PUB message per stored submission.
 *
 *   <prefix>.<kind>.<year>.<parent>.<department> {json}
 *
 * The topic reads coarse to fine, so nng SUB prefix filters select a kind,
 * a year, a 主管部门 or one department.  The body carries the global
 * sequence number: PUB drops messages for slow subscribers, and a gap in
 * seq is how a subscriber learns to re-query ("events" op).
 */
#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct publisher {
	const struct bd_host *host;
	struct bd_plugin_handle *self;
	char prefix[64];
	enum bd_unit unit;
	bool include_changes;
	bool per_total_topics;
};

static const struct bd_config_key publisher_config[] = {
    {"topic_prefix", BD_CONFIG_STRING, "budgetd",
     "first element of every topic"},
    {"unit", BD_CONFIG_STRING, "万元",
     "unit of the amounts in events: 元 or 万元"},
    {"include_changes", BD_CONFIG_BOOL, "true",
     "list the totals that moved, with old and new values"},
    {"per_total_topics", BD_CONFIG_BOOL, "true",
     "also publish each moved total on PREFIX.total.YEAR.DIMENSION.KEY"},
    {0},
};

static int publisher_reconfigure(void *state)
{
	struct publisher *p = state;
	const char *prefix = p->host->config_string(p->self, "topic_prefix");
	const char *unit = p->host->config_string(p->self, "unit");

	if (prefix == NULL || *prefix == '\0' ||
	    strlen(prefix) >= sizeof p->prefix || strchr(prefix, ' ') != NULL) {
		p->host->log(
		    p->self, BD_LOG_ERROR,
		    "topic_prefix must be 1..63 characters without spaces");
		return -EINVAL;
	}
	if (strcmp(unit, "元") != 0 && strcmp(unit, "万元") != 0) {
		p->host->log(p->self, BD_LOG_ERROR,
			     "unit must be 元 or 万元, got %s", unit);
		return -EINVAL;
	}
	p->per_total_topics = p->host->config_bool(p->self, "per_total_topics");
	snprintf(p->prefix, sizeof p->prefix, "%s", prefix);
	p->unit = strcmp(unit, "元") == 0 ? BD_UNIT_YUAN : BD_UNIT_WANYUAN;
	p->include_changes = p->host->config_bool(p->self, "include_changes");
	return 0;
}

static int publisher_init(const struct bd_host *host,
			  struct bd_plugin_handle *self, void **state)
{
	struct publisher *p = calloc(1, sizeof *p);
	if (p == NULL)
		return -ENOMEM;
	p->host = host;
	p->self = self;
	*state = p;
	return publisher_reconfigure(p);
}

static void publisher_fini(void *state)
{
	free(state);
}

static void add_amount(struct publisher *p, cJSON *o, const char *key,
		       bd_fen fen)
{
	char text[40];
	p->host->format_amount(fen, p->unit, text, sizeof text);
	cJSON_AddStringToObject(o, key, text);
}

static int publisher_publish(void *state, const struct bd_event *ev)
{
	struct publisher *p = state;
	char topic[160];
	/* PUB drops what no one receives: then build nothing (the stored
	 * events still serve a subscriber that catches up later). */
	if (BD_HOST_HAS(p->host, subscribers) &&
	    p->host->subscribers(p->self) == 0)
		return 0;
	cJSON *body = cJSON_CreateObject();
	if (body == NULL)
		return -ENOMEM;

	snprintf(topic, sizeof topic, "%s.%s.%d.%s.%s", p->prefix, ev->kind,
		 ev->year, ev->parent && *ev->parent ? ev->parent : "-",
		 ev->department && *ev->department ? ev->department : "-");
	cJSON_AddNumberToObject(body, "seq", (double)ev->seq);
	cJSON_AddStringToObject(body, "kind", ev->kind);
	cJSON_AddNumberToObject(body, "year", ev->year);
	cJSON_AddStringToObject(body, "department",
				ev->department ? ev->department : "");
	if (ev->parent && *ev->parent)
		cJSON_AddStringToObject(body, "parent", ev->parent);
	if (ev->revision)
		cJSON_AddNumberToObject(body, "revision", (double)ev->revision);
	cJSON_AddStringToObject(body, "unit",
				p->unit == BD_UNIT_YUAN ? "元" : "万元");
	cJSON_AddNumberToObject(body, "changed", (double)ev->n_changes);
	if (p->include_changes) {
		cJSON *changes = cJSON_AddArrayToObject(body, "changes");
		for (size_t i = 0; i < ev->n_changes; i++) {
			const struct bd_total_change *c = &ev->changes[i];
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "year", c->year);
			cJSON_AddStringToObject(o, "dimension", c->dimension);
			cJSON_AddStringToObject(o, "key", c->key);
			add_amount(p, o, "before", c->before);
			add_amount(p, o, "after", c->after);
			add_amount(p, o, "delta", c->after - c->before);
			cJSON_AddItemToArray(changes, o);
		}
	}
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (text == NULL)
		return -ENOMEM;
	int rc = p->host->publish(p->self, topic, text, strlen(text));
	free(text);
	if (rc < 0 || !p->per_total_topics)
		return rc;
	/* One message per moved total, for subscribers that follow a figure:
	 * PREFIX.total.YEAR.DIMENSION.KEY (the grand total's key is "all"). */
	for (size_t i = 0; i < ev->n_changes; i++) {
		const struct bd_total_change *c = &ev->changes[i];
		cJSON *o = cJSON_CreateObject();
		if (o == NULL)
			return -ENOMEM;
		snprintf(topic, sizeof topic, "%s.total.%d.%s.%s", p->prefix,
			 c->year, c->dimension, c->key[0] ? c->key : "all");
		cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
		cJSON_AddStringToObject(o, "department",
					ev->department ? ev->department : "");
		cJSON_AddNumberToObject(o, "revision", (double)ev->revision);
		cJSON_AddNumberToObject(o, "year", c->year);
		cJSON_AddStringToObject(o, "dimension", c->dimension);
		cJSON_AddStringToObject(o, "key", c->key);
		cJSON_AddStringToObject(
		    o, "unit", p->unit == BD_UNIT_YUAN ? "元" : "万元");
		add_amount(p, o, "before", c->before);
		add_amount(p, o, "after", c->after);
		add_amount(p, o, "delta", c->after - c->before);
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (text == NULL)
			return -ENOMEM;
		rc = p->host->publish(p->self, topic, text, strlen(text));
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

BD_PLUGIN_DEFINE = {
    BD_PLUGIN_ABI,
    .name = "publisher",
    .version = "1.0",
    .description = "publishes every stored submission, with the totals it "
		   "moved, on the PUB socket",
    .config = publisher_config,
    .init = publisher_init,
    .fini = publisher_fini,
    .reconfigure = publisher_reconfigure,
    .publish = publisher_publish,
};
