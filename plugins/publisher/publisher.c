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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "money.h"

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
    {"per_total_topics", BD_CONFIG_BOOL, "false",
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
	enum bd_unit parsed;
	if (money_unit_parse(unit, &parsed) < 0) {
		p->host->log(p->self, BD_LOG_ERROR,
			     "unit must be 元 or 万元, got %s", unit);
		return -EINVAL;
	}
	p->per_total_topics = p->host->config_bool(p->self, "per_total_topics");
	snprintf(p->prefix, sizeof p->prefix, "%s", prefix);
	p->unit = parsed;
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
	int rc = publisher_reconfigure(p);
	if (rc < 0) {
		free(p); /* a failed init gets no fini */
		return rc;
	}
	*state = p;
	return 0;
}

static void publisher_fini(void *state)
{
	free(state);
}

static void put_amount(struct publisher *p, struct json_text *t,
		       const char *key, bd_fen fen)
{
	char text[40];
	p->host->format_amount(fen, p->unit, text, sizeof text);
	json_text_raw(t, key);
	json_text_raw(t, "\"");
	json_text_raw(t, text);
	json_text_raw(t, "\"");
}

static void put_change(struct publisher *p, struct json_text *t,
		       const struct bd_total_change *c)
{
	json_text_raw(t, "\"year\":");
	json_text_int(t, c->year);
	json_text_raw(t, ",\"dimension\":");
	json_text_string(t, c->dimension);
	json_text_raw(t, ",\"key\":");
	json_text_string(t, c->key);
	put_amount(p, t, ",\"before\":", c->before);
	put_amount(p, t, ",\"after\":", c->after);
	put_amount(p, t, ",\"delta\":", c->after - c->before);
}

/*
 * Messages are written straight as JSON text (this runs for every stored
 * submission, with tens of moved totals each) and only when someone
 * listens.
 */
static int publisher_publish(void *state, const struct bd_event *ev)
{
	struct publisher *p = state;
	char topic[160];
	/* PUB drops what no one receives: then build nothing (the stored
	 * events still serve a subscriber that catches up later). */
	if (BD_HOST_HAS(p->host, subscribers) &&
	    p->host->subscribers(p->self) == 0)
		return 0;
	const char *department = ev->department ? ev->department : "";
	snprintf(topic, sizeof topic, "%s.%s.%d.%s.%s", p->prefix, ev->kind,
		 ev->year, ev->parent && *ev->parent ? ev->parent : "-",
		 *department ? department : "-");
	struct json_text t = {0};
	json_text_raw(&t, "{\"seq\":");
	json_text_int(&t, (int64_t)ev->seq);
	json_text_raw(&t, ",\"kind\":");
	json_text_string(&t, ev->kind);
	json_text_raw(&t, ",\"year\":");
	json_text_int(&t, ev->year);
	json_text_raw(&t, ",\"department\":");
	json_text_string(&t, department);
	if (ev->parent && *ev->parent) {
		json_text_raw(&t, ",\"parent\":");
		json_text_string(&t, ev->parent);
	}
	if (ev->revision) {
		json_text_raw(&t, ",\"revision\":");
		json_text_int(&t, ev->revision);
	}
	json_text_raw(&t, ",\"unit\":\"");
	json_text_raw(&t, money_unit_name(p->unit));
	json_text_raw(&t, "\",\"changed\":");
	json_text_int(&t, (int64_t)ev->n_changes);
	if (p->include_changes) {
		json_text_raw(&t, ",\"changes\":[");
		for (size_t i = 0; i < ev->n_changes; i++) {
			json_text_raw(&t, i ? ",{" : "{");
			put_change(p, &t, &ev->changes[i]);
			json_text_raw(&t, "}");
		}
		json_text_raw(&t, "]");
	}
	json_text_raw(&t, "}");
	int rc =
	    t.failed ? -ENOMEM : p->host->publish(p->self, topic, t.buf, t.len);
	/* One message per moved total, for subscribers that follow a figure:
	 * PREFIX.total.YEAR.DIMENSION.KEY (the grand total's key is "all").
	 * Opt-in: a submission moves tens of totals. */
	for (size_t i = 0; rc >= 0 && p->per_total_topics && i < ev->n_changes;
	     i++) {
		const struct bd_total_change *c = &ev->changes[i];
		snprintf(topic, sizeof topic, "%s.total.%d.%s.%s", p->prefix,
			 c->year, c->dimension, c->key[0] ? c->key : "all");
		t.len = 0;
		json_text_raw(&t, "{\"seq\":");
		json_text_int(&t, (int64_t)ev->seq);
		json_text_raw(&t, ",\"department\":");
		json_text_string(&t, department);
		json_text_raw(&t, ",\"revision\":");
		json_text_int(&t, ev->revision);
		json_text_raw(&t, ",\"unit\":\"");
		json_text_raw(&t, money_unit_name(p->unit));
		json_text_raw(&t, "\",");
		put_change(p, &t, c);
		json_text_raw(&t, "}");
		rc = t.failed ? -ENOMEM
			      : p->host->publish(p->self, topic, t.buf, t.len);
	}
	json_text_free(&t);
	return rc < 0 ? rc : 0;
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
    /* publish reads only what init and reconfigure set. */
    .flags = BD_PLUGIN_PUBLISH_OFF_LOOP,
};
