/*
 * Control numbers (控制数, 一下): the bureau sets them per department and
 * year; every change is a new version, stored with its event and who set
 * it, published, and followed by a re-audit of each department's latest
 * revision against them (the control plugin does the checking).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "grow.h"
#include "json_text.h"
#include "log.h"
#include "money.h"
#include "ops.h"
#include "reply.h"
#include "review.h"

#define CONTROL_MAX_DEPARTMENTS 20000
#define CONTROL_MAX_ITEMS	128

/* ---- in memory: the newest version of each department's numbers ---- */

static struct review_control *control_new(int year, const char *department,
					  int64_t version, uint64_t seq,
					  const char *set_by,
					  const char *set_at);
static int control_add(struct review_control *c, const char *key,
		       bd_fen amount);
static int control_install(struct review *r, struct review_control *c);

/* The control numbers come a row per item, a department's rows together. */
struct control_load {
	struct review *review;
	struct review_control *current;
};

static int load_control(void *ctx, const struct store_control_row *row)
{
	struct control_load *l = ctx;
	struct review_control *c = l->current;
	if (c && (c->control.year != row->year ||
		  strcmp(c->department, row->department) != 0)) {
		l->current = NULL;
		if (control_install(l->review, c) < 0)
			return -ENOMEM;
		c = NULL;
	}
	if (c == NULL && (c = l->current = control_new(
			      row->year, row->department, row->version,
			      row->seq, row->set_by, row->set_at)) == NULL)
		return -ENOMEM;
	return control_add(c, row->key, row->amount);
}

static void control_free(struct review_control *c)
{
	if (c == NULL)
		return;
	free(c->items);
	free(c->keys);
	free(c);
}

static struct review_control *control_new(int year, const char *department,
					  int64_t version, uint64_t seq,
					  const char *set_by,
					  const char *set_at)
{
	struct review_control *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	snprintf(c->department, sizeof c->department, "%s", department);
	snprintf(c->set_by, sizeof c->set_by, "%s", set_by);
	snprintf(c->set_at, sizeof c->set_at, "%s", set_at);
	c->seq = seq;
	c->control = (struct bd_control){
	    .year = year, .department = c->department, .version = version};
	return c;
}

static int control_add(struct review_control *c, const char *key, bd_fen amount)
{
	/* Two arrays of one capacity, as in audit.c's apply. */
	size_t cap_items = c->cap_items, cap_keys = c->cap_items;
	if (GROW(c->items, cap_items, c->control.n_items + 1, 8) < 0 ||
	    GROW(c->keys, cap_keys, c->control.n_items + 1, 8) < 0)
		return -ENOMEM;
	c->cap_items = cap_items;
	size_t i = c->control.n_items++;
	snprintf(c->keys[i], sizeof c->keys[i], "%s", key);
	c->items[i] = (struct bd_control_item){.amount = amount};
	return 0;
}

/* Makes c (whole now) the newest of its department and year; frees it
 * when it cannot. */
static int control_install(struct review *r, struct review_control *c)
{
	/* The keys moved as they grew: point at them only now. */
	for (size_t i = 0; i < c->control.n_items; i++)
		c->items[i].key = c->keys[i];
	c->control.items = c->items;
	char key[32];
	review_key(key, sizeof key, c->control.year, c->department);
	if (strmap_contains(&r->control_index, key)) {
		size_t at = (size_t)strmap_get(&r->control_index, key);
		control_free(r->controls[at]);
		r->controls[at] = c;
		return 0;
	}
	if (GROW(r->controls, r->cap_controls, r->n_controls + 1, 64) < 0) {
		control_free(c);
		return -ENOMEM;
	}
	if (strmap_set(&r->control_index, key, (bd_fen)r->n_controls) < 0) {
		control_free(c);
		return -ENOMEM;
	}
	r->controls[r->n_controls++] = c;
	return 0;
}

const struct review_control *review_control_find(struct review *r, int year,
						 const char *department)
{
	char key[32];
	review_key(key, sizeof key, year, department);
	if (!strmap_contains(&r->control_index, key))
		return NULL;
	return r->controls[strmap_get(&r->control_index, key)];
}

const struct bd_control *review_control_numbers(void *ctx, int year,
						const char *department)
{
	struct daemon *d = ctx;
	const struct review_control *c =
	    review_control_find(&d->review, year, department);
	return c ? &c->control : NULL;
}

int review_control_replace(struct daemon *d, int year, const char *department,
			   const struct store_control_item *items, size_t n,
			   int64_t version, uint64_t seq, const char *set_by,
			   const char *set_at)
{
	struct review_control *c =
	    control_new(year, department, version, seq, set_by, set_at);
	if (c == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (control_add(c, items[i].key, items[i].amount) < 0) {
			control_free(c);
			return -ENOMEM;
		}
	/* An audit on a worker may be reading the numbers this replaces. */
	host_audit_exclusive_begin(&d->host);
	int rc = control_install(&d->review, c);
	host_audit_exclusive_end(&d->host);
	return rc;
}

int control_numbers_load(struct daemon *d)
{
	struct control_load cl = {.review = &d->review};
	int rc = store_controls_each(&d->store, 0, load_control, &cl);
	if (cl.current && rc == 0)
		rc = control_install(&d->review, cl.current);
	else if (cl.current)
		control_free(cl.current);
	return rc;
}

void control_numbers_free(struct review *r)
{
	for (size_t i = 0; i < r->n_controls; i++)
		control_free(r->controls[i]);
	free(r->controls);
}

/* ---- the ops ---- */

/* Whether key names something a control number can bound. */
static bool valid_key(const char *key, char *why, size_t why_size)
{
	const char *arg;
	if (wf_control_key(key, &arg) != WF_BOUND_UNKNOWN)
		return true;
	snprintf(why, why_size, "\"%.40s\" is not a control number: use %s",
		 key, wf_control_keys);
	return false;
}

static void set_free(struct store_control_set *set)
{
	if (set == NULL)
		return;
	for (size_t k = 0; k < set->n; k++)
		free(set->departments[k].items);
	free(set->departments);
	free(set);
}

/* The set a request asks for; replies and returns NULL when it is bad. */
static struct store_control_set *read_set(const struct op_call *call, int year,
					  enum bd_unit unit)
{
	struct daemon *d = call->d;
	const cJSON *list =
	    cJSON_GetObjectItemCaseSensitive(call->env, "departments");
	int n = cJSON_GetArraySize(list);
	if (!cJSON_IsArray(list) || n < 1 || n > CONTROL_MAX_DEPARTMENTS) {
		reply_fail(d, call->req, "bad_request",
			   "\"departments\" must be an array of 1 to %d "
			   "{\"department\": CODE, \"items\": {KEY: AMOUNT}}",
			   CONTROL_MAX_DEPARTMENTS);
		return NULL;
	}
	struct store_control_set *set = calloc(1, sizeof *set);
	if (set)
		set->departments = calloc((size_t)n, sizeof *set->departments);
	if (set == NULL || set->departments == NULL) {
		free(set);
		reply_fail(d, call->req, "internal", "out of memory");
		return NULL;
	}
	set->year = year;
	char why[400] = "";
	int index = 0;
	/* Which codes came already: 20,000 departments are compared by hash,
	 * not each with all before it. */
	struct strmap seen;
	if (strmap_init(&seen) < 0)
		snprintf(why, sizeof why, "out of memory");
	const cJSON *dep;
	cJSON_ArrayForEach(dep, list)
	{
		if (why[0])
			break;
		const cJSON *code =
		    cJSON_GetObjectItemCaseSensitive(dep, "department");
		const cJSON *items =
		    cJSON_GetObjectItemCaseSensitive(dep, "items");
		int n_items = cJSON_GetArraySize(items);
		struct store_control_department *out =
		    &set->departments[set->n];
		if (!cJSON_IsString(code) || strlen(code->valuestring) < 3 ||
		    strlen(code->valuestring) > 12 ||
		    strspn(code->valuestring, "0123456789") !=
			strlen(code->valuestring)) {
			snprintf(why, sizeof why,
				 "departments[%d].department must be a "
				 "department code of 3 to 12 digits",
				 index);
			break;
		}
		if (strmap_contains(&seen, code->valuestring)) {
			snprintf(
			    why, sizeof why,
			    "departments[%d]: %s is listed twice (first "
			    "as departments[%lld])",
			    index, code->valuestring,
			    (long long)strmap_get(&seen, code->valuestring));
			break;
		}
		if (strmap_set(&seen, code->valuestring, index) < 0) {
			snprintf(why, sizeof why, "out of memory");
			break;
		}
		if (!cJSON_IsObject(items) || n_items < 1 ||
		    n_items > CONTROL_MAX_ITEMS) {
			snprintf(why, sizeof why,
				 "departments[%d].items must be an object of "
				 "1 to %d control numbers ({\"total\": "
				 "\"1200000.00\", …})",
				 index, CONTROL_MAX_ITEMS);
			break;
		}
		struct store_control_item *its =
		    calloc((size_t)n_items, sizeof *its);
		if (its == NULL) {
			snprintf(why, sizeof why, "out of memory");
			break;
		}
		snprintf(out->code, sizeof out->code, "%s", code->valuestring);
		out->items = its;
		set->n++;
		const cJSON *item;
		cJSON_ArrayForEach(item, items)
		{
			char kwhy[300];
			const char *mwhy = NULL;
			struct store_control_item *it = &its[out->n_items];
			if (!valid_key(item->string, kwhy, sizeof kwhy)) {
				snprintf(why, sizeof why,
					 "departments[%d] (%s): %s", index,
					 out->code, kwhy);
				break;
			}
			/* JSON lets a key come twice; one version holds a
			 * key once. */
			for (size_t k = 0; k < out->n_items && !why[0]; k++)
				if (strcmp(its[k].key, item->string) == 0)
					snprintf(
					    why, sizeof why,
					    "departments[%d] (%s).items.%s "
					    "is given twice",
					    index, out->code, item->string);
			if (why[0])
				break;
			int rc =
			    cJSON_IsString(item)
				? money_parse(item->valuestring, unit,
					      &it->amount, &mwhy)
			    : cJSON_IsNumber(item)
				? money_from_double(item->valuedouble, unit,
						    &it->amount, &mwhy)
				: -EINVAL;
			if (rc == 0 && it->amount < 0)
				mwhy = "a control number cannot be negative",
				rc = -EINVAL;
			if (rc < 0) {
				snprintf(why, sizeof why,
					 "departments[%d] (%s).items.%s: %s",
					 index, out->code, item->string,
					 mwhy ? mwhy
					      : "must be an amount (a string "
						"such as \"1200000.00\")");
				break;
			}
			snprintf(it->key, sizeof it->key, "%s", item->string);
			out->n_items++;
		}
		if (why[0])
			break;
		index++;
	}
	strmap_free(&seen);
	if (why[0]) {
		set_free(set);
		bool oom = strcmp(why, "out of memory") == 0;
		reply_fail(d, call->req, oom ? "internal" : "bad_request",
			   "%s; nothing was set", why);
		return NULL;
	}
	return set;
}

struct control_job {
	struct store_job job;
	struct rpc_request *req;
	struct store_control_set *set;
	char actor[72];
};

static void control_job_free(struct control_job *cj)
{
	set_free(cj->set);
	free(cj);
}

static void publish_control(struct daemon *d, const struct control_job *cj,
			    const struct store_control_department *dep)
{
	char topic[160], amount[MONEY_TEXT_MAX];
	snprintf(topic, sizeof topic, "%s.control.%d.%s",
		 review_topic_prefix(d), cj->set->year, dep->code);
	struct json_text t = {0};
	json_text_raw(&t, "{\"seq\":");
	json_text_int(&t, (int64_t)cj->job.seq);
	json_text_raw(&t, ",\"kind\":\"control.set\",\"year\":");
	json_text_int(&t, cj->set->year);
	json_text_raw(&t, ",\"department\":");
	json_text_string(&t, dep->code);
	json_text_raw(&t, ",\"version\":");
	json_text_int(&t, dep->version);
	json_text_raw(&t, ",\"unit\":\"元\",\"items\":{");
	for (size_t i = 0; i < dep->n_items; i++) {
		json_text_raw(&t, i ? "," : "");
		json_text_string(&t, dep->items[i].key);
		money_format(dep->items[i].amount, BD_UNIT_YUAN, amount,
			     sizeof amount);
		json_text_raw(&t, ":");
		json_text_string(&t, amount);
	}
	json_text_raw(&t, "}}");
	if (!t.failed && d->host.publish)
		d->host.publish(d->host.publish_ctx, topic, t.buf, t.len);
	json_text_free(&t);
}

static void control_done(struct daemon *d, struct store_job *job)
{
	struct control_job *cj = job->owner;
	if (job->rc < 0) {
		reply_fail(d, cj->req, "store_failed",
			   "%s; no control number was set", job->error);
		control_job_free(cj);
		return;
	}
	const char *now = cj->set->stored_at;
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", cj->set->year);
	cJSON_AddNumberToObject(reply, "seq", (double)job->seq);
	cJSON *set = cJSON_AddArrayToObject(reply, "set");
	cJSON *breaks = cJSON_AddArrayToObject(reply, "reaudit");
	size_t n_broken = 0;
	for (size_t i = 0; i < cj->set->n; i++) {
		const struct store_control_department *dep =
		    &cj->set->departments[i];
		if (review_control_replace(
			d, cj->set->year, dep->code, dep->items, dep->n_items,
			dep->version, job->seq, cj->actor, now) < 0)
			log_error("control numbers of %s/%d stored but not "
				  "taken in memory (out of memory): restart "
				  "budgetd",
				  dep->code, cj->set->year);
		publish_control(d, cj, dep);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "department", dep->code);
		cJSON_AddNumberToObject(o, "version", (double)dep->version);
		cJSON_AddItemToArray(set, o);
		/* What the change does to what was already sent. */
		struct review_case *c =
		    review_find(&d->review, cj->set->year, dep->code);
		if (c == NULL || c->revision == 0)
			continue;
		/* A proposal (一上) is not held to control numbers: it is not
		 * audited again, and the reply says so rather than "within". */
		bool held = c->at.stage == WF_STAGE_BUDGET ||
			    c->at.stage == WF_STAGE_ADJUSTMENT;
		char first[400];
		size_t errors =
		    held ? review_reaudit(d, c, first, sizeof first) : 0;
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "department", dep->code);
		cJSON_AddNumberToObject(r, "revision", (double)c->revision);
		cJSON_AddStringToObject(r, "stage", wf_stage_name(c->at.stage));
		cJSON_AddStringToObject(r, "state", wf_state_name(c->at.state));
		cJSON_AddBoolToObject(r, "checked", held);
		cJSON_AddNumberToObject(r, "errors", (double)errors);
		if (errors) {
			cJSON_AddStringToObject(r, "first", first);
			n_broken++;
		}
		cJSON_AddItemToArray(breaks, r);
	}
	cJSON_AddNumberToObject(reply, "now_breaking", (double)n_broken);
	log_info("control numbers for %zu departments of %d set by %s (seq "
		 "%llu); %zu latest revisions now break them",
		 cj->set->n, cj->set->year, cj->actor,
		 (unsigned long long)job->seq, n_broken);
	reply_send(d, cj->req, reply);
	control_job_free(cj);
}

void control_record_done(struct daemon *d, struct store_job *job)
{
	d->in_flight--;
	control_done(d, job);
}

/* The request's "unit" (元 when absent); replies when it is bad. */
static int unit_asked(const struct op_call *call, enum bd_unit *unit)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(call->env, "unit");
	*unit = BD_UNIT_YUAN;
	if (v && (!cJSON_IsString(v) ||
		  money_unit_parse(v->valuestring, unit) < 0)) {
		reply_fail(call->d, call->req, "bad_request",
			   "\"unit\" must be \"元\" or \"万元\"");
		return -EINVAL;
	}
	return 0;
}

void ops_control_set(const struct op_call *call)
{
	struct daemon *d = call->d;
	bool failed = false;
	int year = envelope_year_required(call, &failed);
	enum bd_unit unit;
	if (failed || unit_asked(call, &unit) < 0)
		return;
	struct store_control_set *set = read_set(call, year, unit);
	if (set == NULL)
		return;
	struct control_job *cj = calloc(1, sizeof *cj);
	if (cj == NULL) {
		set_free(set);
		reply_fail(d, call->req, "internal", "out of memory");
		return;
	}
	cj->req = call->req;
	cj->set = set;
	snprintf(cj->actor, sizeof cj->actor, "%s (%s)", call->who->name,
		 auth_role_name(call->who->role));
	set->actor = cj->actor;
	cj->job.kind = STORE_JOB_RECORD;
	cj->job.owner = cj;
	cj->job.event_kind = "control.set";
	cj->job.year = set->year;
	if (set->n == 1)
		snprintf(cj->job.department, sizeof cj->job.department, "%s",
			 set->departments[0].code);
	cj->job.write_rows = store_write_controls;
	cj->job.rows = set;
	d->in_flight++; /* an ack waits for the disk, and so does a stop */
	store_submit(&d->store, &cj->job);
}

struct versions {
	cJSON *list, *current;
	int64_t version;
	enum bd_unit unit;
};

static int add_version_row(void *ctx, const struct store_control_row *row)
{
	struct versions *v = ctx;
	if (v->current == NULL || row->version != v->version) {
		v->current = cJSON_CreateObject();
		if (v->current == NULL)
			return -ENOMEM;
		v->version = row->version;
		cJSON_AddNumberToObject(v->current, "version",
					(double)row->version);
		cJSON_AddStringToObject(v->current, "set_by", row->set_by);
		cJSON_AddStringToObject(v->current, "set_at", row->set_at);
		cJSON_AddNumberToObject(v->current, "seq", (double)row->seq);
		cJSON_AddObjectToObject(v->current, "items");
		cJSON_AddItemToArray(v->list, v->current);
	}
	char amount[MONEY_TEXT_MAX];
	money_format(row->amount, v->unit, amount, sizeof amount);
	cJSON_AddStringToObject(
	    cJSON_GetObjectItemCaseSensitive(v->current, "items"), row->key,
	    amount);
	return 0;
}

/* Every version of one department's numbers: who set what, when. */
static void control_versions(const struct op_call *call, int year,
			     const char *department, enum bd_unit unit)
{
	struct daemon *d = call->d;
	struct review_case *c = review_find(&d->review, year, department);
	if (!auth_covers(call->who, department, c ? c->parent : NULL)) {
		access_forbid(d, call->req, call->who,
			      "%s is not within this credential's scope",
			      department);
		return;
	}
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddStringToObject(reply, "department", department);
	cJSON_AddStringToObject(reply, "unit", money_unit_name(unit));
	struct versions v = {.list = cJSON_AddArrayToObject(reply, "versions"),
			     .unit = unit};
	int rc = store_control_versions_each(&d->store, year, department,
					     add_version_row, &v);
	if (rc < 0) {
		cJSON_Delete(reply);
		reply_fail(d, call->req, "internal",
			   "the control numbers could not be read (%s)",
			   strerror(-rc));
		return;
	}
	reply_send(d, call->req, reply);
}

void ops_control_show(const struct op_call *call)
{
	struct daemon *d = call->d;
	bool failed = false;
	int year = envelope_year_required(call, &failed);
	const char *only = envelope_string(call, "department", false, &failed);
	bool versions = envelope_bool(call, "versions", false, &failed);
	enum bd_unit unit;
	if (failed || unit_asked(call, &unit) < 0)
		return;
	if (versions) {
		if (only == NULL) {
			reply_fail(d, call->req, "bad_request",
				   "\"versions\" needs \"department\": the "
				   "department whose versions are listed");
			return;
		}
		control_versions(call, year, only, unit);
		return;
	}
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddStringToObject(reply, "unit", money_unit_name(unit));
	cJSON *list = cJSON_AddArrayToObject(reply, "controls");
	for (size_t i = 0; i < d->review.n_controls; i++) {
		const struct review_control *c = d->review.controls[i];
		if (c->control.year != year)
			continue;
		if (only && strcmp(only, c->department) != 0)
			continue;
		struct review_case *rc =
		    review_find(&d->review, c->control.year, c->department);
		if (!auth_covers(call->who, c->department,
				 rc ? rc->parent : NULL))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "department", c->department);
		cJSON_AddNumberToObject(o, "version",
					(double)c->control.version);
		cJSON_AddStringToObject(o, "set_by", c->set_by);
		cJSON_AddStringToObject(o, "set_at", c->set_at);
		cJSON_AddNumberToObject(o, "seq", (double)c->seq);
		cJSON *items = cJSON_AddObjectToObject(o, "items");
		for (size_t k = 0; k < c->control.n_items; k++) {
			char amount[MONEY_TEXT_MAX];
			money_format(c->items[k].amount, unit, amount,
				     sizeof amount);
			cJSON_AddStringToObject(items, c->items[k].key, amount);
		}
		cJSON_AddItemToArray(list, o);
	}
	reply_send(d, call->req, reply);
}
