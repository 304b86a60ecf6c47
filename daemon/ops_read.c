/* The read ops: departments, show, history, events, status, and the
 * queries plugins answer. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "changes.h"
#include "daemon.h"
#include "envelope.h"
#include "log.h"
#include "metrics.h"
#include "money.h"
#include "ops.h"
#include "health.h"
#include "reply.h"
#include "review.h"

#define EVENTS_LIMIT_MAX 1000

/* Sends reply, or "store_failed" when the read that filled it failed. */
static void send_read(const struct op_call *c, cJSON *reply, int rc)
{
	if (rc < 0) {
		cJSON_Delete(reply);
		reply_store_failed(c->d, c->req, rc);
		return;
	}
	reply_send(c->d, c->req, reply);
}

struct department_list {
	cJSON *array;
	int year;
	const struct principal *who;
};

static void add_department(void *ctx, const struct registry_entry *e)
{
	struct department_list *list = ctx;
	const struct registry_summary *s = &e->summary;
	if (list->year && s->year != list->year)
		return;
	if (!auth_covers(list->who, s->code, s->parent))
		return;
	char text[MONEY_TEXT_MAX];
	money_format(s->expenditure_total, BD_UNIT_YUAN, text, sizeof text);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", s->code);
	cJSON_AddStringToObject(o, "name", s->name);
	if (s->parent[0])
		cJSON_AddStringToObject(o, "parent", s->parent);
	cJSON_AddNumberToObject(o, "year", s->year);
	cJSON_AddNumberToObject(o, "revision", (double)e->revision.number);
	cJSON_AddNumberToObject(o, "seq", (double)e->revision.seq);
	cJSON_AddStringToObject(o, "expenditure_total", text);
	cJSON_AddNumberToObject(o, "lines", (double)s->n_lines);
	cJSON_AddNumberToObject(o, "projects", (double)s->n_projects);
	cJSON_AddItemToArray(list->array, o);
}

static int compare_departments(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a,
		    *y = *(const cJSON *const *)b;
	int dy = cJSON_GetObjectItem(x, "year")->valueint -
		 cJSON_GetObjectItem(y, "year")->valueint;
	if (dy)
		return dy;
	return strcmp(cJSON_GetObjectItem(x, "code")->valuestring,
		      cJSON_GetObjectItem(y, "code")->valuestring);
}

cJSON *ops_department_list(struct daemon *d, const struct principal *who,
			   int year)
{
	struct department_list list = {cJSON_CreateArray(), year, who};
	registry_each(&d->registry, add_department, &list);

	/* Stable order for people and scripts: year, then code. */
	int n = cJSON_GetArraySize(list.array);
	cJSON **items = malloc(sizeof *items * (size_t)(n ? n : 1));
	cJSON *sorted = cJSON_CreateArray();
	if (items != NULL && sorted != NULL) {
		for (int i = 0; i < n; i++)
			items[i] = cJSON_DetachItemFromArray(list.array, 0);
		qsort(items, (size_t)n, sizeof *items, compare_departments);
		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(sorted, items[i]);
	}
	free(items);
	cJSON_Delete(list.array);
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "unit", "元");
	cJSON_AddItemToObject(reply, "departments", sorted);
	return reply;
}

void ops_departments(const struct op_call *c)
{
	bool failed = false;
	int year = envelope_year(c, &failed);
	if (failed)
		return;
	reply_send(c->d, c->req, ops_department_list(c->d, c->who, year));
}

/* The newest year a department has an accepted revision for, or 0. */
struct latest_year {
	const char *code;
	int year;
};

static void find_latest_year(void *ctx, const struct registry_entry *e)
{
	struct latest_year *ly = ctx;
	const struct registry_summary *s = &e->summary;
	if (strcmp(s->code, ly->code) == 0 && s->year > ly->year)
		ly->year = s->year;
}

int ops_latest_year(struct daemon *d, const char *department)
{
	struct latest_year ly = {department, 0};
	registry_each(&d->registry, find_latest_year, &ly);
	return ly.year;
}

/* The department a record op reads, if the principal may read it, and
 * the year it names (0: none).  NULL after an error reply. */
static const char *department_asked(const struct op_call *c, int *year)
{
	bool failed = false;
	const char *code = envelope_string(c, "department", true, &failed);
	if (failed || !access_may_read(c->d, c->req, c->who, code))
		return NULL;
	*year = envelope_year(c, &failed);
	return failed ? NULL : code;
}

char *ops_stored_document(const struct op_call *c, const char **code, int *year,
			  int64_t *number)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	*code = department_asked(c, year);
	if (*code == NULL)
		return NULL;
	bool failed = false;
	long long revision =
	    envelope_int(c, "revision", 1, INT64_MAX / 2, 0, &failed);
	if (failed)
		return NULL;
	if (*year == 0 && (*year = ops_latest_year(d, *code)) == 0) {
		reply_fail(d, req, "not_found",
			   "department %s has no accepted revision", *code);
		return NULL;
	}
	char *body = NULL;
	int rc =
	    store_document(&d->store, *code, *year, revision, &body, number);
	if (rc == -ENOENT && revision)
		reply_fail(d, req, "not_found",
			   "department %s has no revision %lld for %d", *code,
			   revision, *year);
	else if (rc == -ENOENT)
		reply_fail(d, req, "not_found",
			   "department %s has no accepted revision for %d",
			   *code, *year);
	else if (rc < 0)
		reply_store_failed(d, req, rc);
	return rc < 0 ? NULL : body;
}

void ops_show(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	const char *code;
	int year;
	int64_t number = 0;
	char *body = ops_stored_document(c, &code, &year, &number);
	if (body == NULL)
		return;
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "department", code);
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddNumberToObject(reply, "revision", (double)number);
	struct registry_entry *latest = registry_find(&d->registry, year, code);
	cJSON_AddBoolToObject(reply, "latest",
			      latest && latest->revision.number == number);
	/* The stored bytes go out as they came in. */
	cJSON_AddItemToObject(reply, "document", cJSON_CreateRaw(body));
	free(body);
	reply_send(d, req, reply);
}

void ops_findings(const struct op_call *c)
{
	struct daemon *d = c->d;
	int year;
	const char *code = department_asked(c, &year);
	if (code == NULL)
		return;
	bool failed = false;
	long long document =
	    envelope_int(c, "document", 1, INT64_MAX / 2, 0, &failed);
	if (failed)
		return;
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "department", code);
	int rc = store_findings(&d->store, code, year, document, reply);
	if (rc == -ENOENT) {
		cJSON_Delete(reply);
		reply_fail(d, c->req, "not_found", "department %s has no %s%s",
			   code, document ? "such document" : "document",
			   year ? " for that year" : "");
		return;
	}
	send_read(c, reply, rc);
}

void ops_history(const struct op_call *c)
{
	struct daemon *d = c->d;
	int year;
	const char *code = department_asked(c, &year);
	if (code == NULL)
		return;
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "department", code);
	cJSON *history = cJSON_AddArrayToObject(reply, "history");
	int rc = store_history(&d->store, code, year, history);
	/* The workflow's side: its transitions (seq orders them among the
	 * documents) and where each year's case stands. */
	cJSON *transitions = cJSON_AddArrayToObject(reply, "transitions");
	if (rc == 0)
		rc = review_history(d, code, year, transitions);
	cJSON *cases = cJSON_AddArrayToObject(reply, "cases");
	for (size_t i = 0; rc == 0 && i < d->review.n_cases; i++) {
		const struct review_case *rc_case = d->review.cases[i];
		if (strcmp(rc_case->department, code) == 0 &&
		    (year == 0 || rc_case->year == year))
			cJSON_AddItemToArray(cases, review_case_json(rc_case));
	}
	send_read(c, reply, rc);
}

/*
 * A stored event in the form the publisher sends it: its unit, how many
 * totals moved, and each change's before, after and delta in that unit,
 * so that a subscriber filling a gap reads the same numbers it would have
 * received.
 */
void ops_event_as_published(cJSON *ev, enum bd_unit unit)
{
	cJSON_AddStringToObject(ev, "unit", money_unit_name(unit));
	cJSON *raw = cJSON_DetachItemFromObjectCaseSensitive(ev, "changes");
	const char *why = NULL;
	cJSON *changes =
	    raw ? changes_decode(raw->valuestring, unit, &why) : NULL;
	if (raw != NULL && changes == NULL)
		log_warning("event %.0f: its stored changes are left out (%s)",
			    cJSON_GetNumberValue(
				cJSON_GetObjectItemCaseSensitive(ev, "seq")),
			    why);
	cJSON_Delete(raw);
	cJSON_AddNumberToObject(ev, "changed", cJSON_GetArraySize(changes));
	if (changes != NULL)
		cJSON_AddItemToObject(ev, "changes", changes);
}

/* Events in the publisher's unit unless the request names one. */
static int events_unit(const struct op_call *c, enum bd_unit *unit)
{
	bool failed = false;
	const char *asked = envelope_string(c, "unit", false, &failed);
	if (failed)
		return -EINVAL;
	const char *published =
	    config_get(c->d->config, "plugin.publisher", "unit");
	const char *name = asked ? asked : published ? published : "万元";
	if (money_unit_parse(name, unit) < 0) {
		reply_fail(c->d, c->req, "bad_request",
			   "\"unit\" must be \"元\" or \"万元\"");
		return -EINVAL;
	}
	return 0;
}

void ops_events(const struct op_call *c)
{
	struct daemon *d = c->d;
	bool failed = false;
	long long since =
	    envelope_int(c, "since", 0, INT64_MAX / 2, 0, &failed);
	int limit = (int)envelope_int(c, "limit", 1, EVENTS_LIMIT_MAX,
				      EVENTS_LIMIT_MAX, &failed);
	enum bd_unit unit;
	if (failed || events_unit(c, &unit) < 0)
		return;
	cJSON *reply = reply_ok();
	cJSON *events = cJSON_AddArrayToObject(reply, "events");
	int rc = store_events_since(&d->store, (uint64_t)since, limit, events);
	cJSON *ev;
	cJSON_ArrayForEach(ev, events) ops_event_as_published(ev, unit);
	send_read(c, reply, rc);
}

void ops_status(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	struct store_counts counts;
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "version", PROJECT_VERSION);
	cJSON_AddNumberToObject(reply, "plugin_abi", BD_ABI_MAJOR);
	cJSON_AddNumberToObject(reply, "uptime_seconds",
				(double)(time(NULL) - d->started));
	cJSON *listen = cJSON_AddArrayToObject(reply, "listen");
	for (size_t i = 0; i < d->config->n_listen; i++) {
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "url", d->config->listen[i]);
		cJSON_AddStringToObject(l, "policy",
					access_listener_trusted(d, (int)i)
					    ? "trust"
					    : "credentials");
		cJSON_AddItemToArray(listen, l);
	}
	cJSON_AddStringToObject(reply, "you", req->peer);
	cJSON_AddStringToObject(reply, "publish", d->config->publish);
	cJSON_AddNumberToObject(reply, "subscribers", rpc_subscribers(&d->rpc));
	cJSON_AddStringToObject(reply, "store", d->store.path);
	cJSON_AddNumberToObject(reply, "max_message_size",
				(double)d->config->max_message_size);
	cJSON_AddNumberToObject(reply, "heap_in_use_bytes",
				metrics_heap_in_use());
	cJSON *plugins = cJSON_AddArrayToObject(reply, "plugins");
	for (size_t i = 0; i < d->host.n_plugins; i++) {
		const struct bd_plugin_handle *p = &d->host.plugins[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", p->name);
		cJSON_AddStringToObject(
		    o, "version", p->desc->version ? p->desc->version : "");
		cJSON_AddItemToArray(plugins, o);
	}
	cJSON_AddNumberToObject(reply, "departments",
				(double)d->registry.n_entries);
	cJSON *locked = cJSON_AddArrayToObject(reply, "locked_years");
	for (int i = 0; i < d->n_locked_years; i++)
		cJSON_AddItemToArray(locked,
				     cJSON_CreateNumber(d->locked_years[i]));
	cJSON_AddNumberToObject(reply, "model_bytes",
				(double)d->registry.bytes);
	if (store_counts(&d->store, &counts) == 0) {
		cJSON *stored = cJSON_AddObjectToObject(reply, "stored");
		cJSON_AddNumberToObject(stored, "documents",
					(double)counts.documents);
		cJSON_AddNumberToObject(stored, "accepted",
					(double)counts.accepted);
		cJSON_AddNumberToObject(stored, "rejected",
					(double)counts.rejected);
		cJSON_AddNumberToObject(stored, "invalid",
					(double)counts.invalid);
		cJSON_AddNumberToObject(stored, "revisions",
					(double)counts.revisions);
		cJSON_AddNumberToObject(reply, "last_seq",
					(double)counts.last_seq);
	}
	/* The same readings as "check", as data. */
	enum health_level level;
	cJSON_AddItemToObject(reply, "health", health_report(d, &level));
	cJSON_AddNumberToObject(reply, "requests", (double)d->requests);
	cJSON_AddNumberToObject(reply, "in_flight", (double)d->in_flight);
	/* The audit pool: its size, what it has done, what is out now. */
	cJSON_AddNumberToObject(reply, "audit_workers",
				(double)d->workers.n_threads);
	cJSON_AddNumberToObject(reply, "audits_run",
				(double)atomic_load(&d->workers.jobs_run));
	cJSON_AddNumberToObject(
	    reply, "audit_busy_ms",
	    (double)(atomic_load(&d->workers.busy_ns) / 1000000u));
	cJSON_AddNumberToObject(reply, "audits_out", (double)d->workers.queued);
	/* Where accepted submissions' round trips went, summed per stage. */
	cJSON_AddNumberToObject(reply, "submissions_timed",
				(double)d->submissions_timed);
	cJSON *stages = cJSON_AddObjectToObject(reply, "submission_stage_ms");
	for (int i = 0; i < SUBMISSION_STAGES; i++)
		cJSON_AddNumberToObject(stages, submission_stage_names[i],
					(double)d->submission_stage_ns[i] /
					    1e6);
	pthread_mutex_lock(&d->store.lock);
	cJSON_AddNumberToObject(reply, "commits", (double)d->store.commits);
	cJSON_AddNumberToObject(reply, "commit_ms_total",
				(double)d->store.commit_us_total / 1000.0);
	cJSON_AddNumberToObject(reply, "committed_jobs",
				(double)d->store.jobs_committed);
	/* Group commit at work: submissions per transaction that had any. */
	cJSON_AddNumberToObject(reply, "submission_commits",
				(double)d->store.submission_commits);
	cJSON_AddNumberToObject(reply, "submissions_committed",
				(double)d->store.submissions_committed);
	pthread_mutex_unlock(&d->store.lock);
	reply_send(d, req, reply);
}

/* A plugin's answer: in trees for a reader in process, else for the wire,
 * where it may hold members written as raw JSON text that the reply's
 * printer copies as they are. */
static int query_answer(struct daemon *d, const struct principal *who,
			const char *op, const cJSON *request,
			struct bd_query *q, bool trees)
{
	/* The host, not the plugin, decides what the principal may see: the
	 * plugin is handed the scope, and an op that does not declare that it
	 * honours one is refused to a restricted principal. */
	struct bd_scope scope;
	access_scope(who, &scope);
	*q = (struct bd_query){.request = request, .reply = reply_ok()};
	/* The stage view asked ("stage"), the latest revisions by default. */
	enum host_view view = HOST_VIEW_LATEST;
	const cJSON *stage = cJSON_GetObjectItemCaseSensitive(request, "stage");
	if (stage != NULL &&
	    (!cJSON_IsString(stage) ||
	     host_view_from_name(stage->valuestring, &view) < 0)) {
		q->failed = true;
		snprintf(q->error_code, sizeof q->error_code, "bad_request");
		snprintf(
		    q->error_message, sizeof q->error_message,
		    "\"stage\" must be latest (the default: each "
		    "department's latest accepted revision), submitted, "
		    "approved, adjusted (the same as approved) or original");
		cJSON_Delete(q->reply);
		q->reply = NULL;
		return -EINVAL;
	}
	if (view != HOST_VIEW_LATEST)
		review_views_sync(d);
	int rc = trees ? host_query_trees(&d->host, view, op, &scope, q)
		       : host_query_view(&d->host, view, op, &scope, q);
	if (rc == -ENOTSUP) {
		q->failed = true;
		snprintf(q->error_code, sizeof q->error_code, "bad_request");
		snprintf(q->error_message, sizeof q->error_message,
			 "\"%s\" is answered for the latest revisions only: "
			 "its plugin keeps no stage views (plugin ABI 2.2 or "
			 "older)",
			 op);
		rc = -EINVAL;
	}
	if (rc == 0 && view != HOST_VIEW_LATEST && q->reply)
		cJSON_AddStringToObject(q->reply, "stage",
					host_view_name(view));
	if (rc == 0 && q->failed)
		rc = -EINVAL;
	if (rc < 0) {
		cJSON_Delete(q->reply);
		q->reply = NULL;
	}
	return rc;
}

int ops_query(struct daemon *d, const struct principal *who, const char *op,
	      const cJSON *request, struct bd_query *q)
{
	return query_answer(d, who, op, request, q, true);
}

int ops_plugin_query(const struct op_call *c)
{
	struct bd_query q;
	int rc = query_answer(c->d, c->who, c->op, c->env, &q, false);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc == -EACCES)
		access_forbid(c->d, c->req, c->who,
			      "\"%s\" is answered for operators only (its "
			      "plugin does not restrict it to a department)",
			      c->op);
	else if (rc < 0)
		reply_fail(c->d, c->req, q.failed ? q.error_code : "internal",
			   "%s",
			   q.failed ? q.error_message : "the query failed");
	else
		reply_send(c->d, c->req, q.reply);
	return 0;
}
