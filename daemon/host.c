#include "host.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "config_value.h"
#include "json_text.h"
#include "log.h"
#include "money.h"

/* ---- the function table handed to plugins ----------------------------------
 */

static void host_log(const struct bd_plugin_handle *self,
		     enum bd_log_level level, const char *fmt, ...)
{
	char prefix[80];
	va_list ap;
	snprintf(prefix, sizeof prefix, "[%s] ", self ? self->name : "?");
	va_start(ap, fmt);
	log_vmsg(level, prefix, fmt, ap);
	va_end(ap);
	if (level == BD_LOG_ERROR && self != NULL) {
		/* Kept so that a refused reload can tell the operator why. */
		struct bd_plugin_handle *h =
		    &self->host->plugins[self - self->host->plugins];
		pthread_mutex_lock(&self->host->log_lock);
		va_start(ap, fmt);
		vsnprintf(h->last_error, sizeof h->last_error, fmt, ap);
		va_end(ap);
		pthread_mutex_unlock(&self->host->log_lock);
	}
}

static const struct bd_config_key *find_key(const struct bd_plugin *desc,
					    const char *key)
{
	return config_value_key(desc->config, key);
}

/* The text in force for a key: the plugin's section, else the default. */
static const char *key_text(const struct bd_plugin_handle *self,
			    const struct config *config,
			    const struct bd_config_key *k)
{
	const char *v = config_get(config, self->section, k->name);
	return v != NULL ? v : k->default_value;
}

static const char *host_config_string(const struct bd_plugin_handle *self,
				      const char *key)
{
	const struct bd_config_key *k = find_key(self->desc, key);
	return k ? key_text(self, self->host->config, k) : NULL;
}

/* Every value was checked before the plugin could ask (check_plugin_config),
 * so a parse here cannot fail for a declared key. */
static int64_t typed_value(const struct bd_plugin_handle *self, const char *key,
			   enum bd_config_type want)
{
	const struct bd_config_key *k = find_key(self->desc, key);
	int64_t n = 0;
	char why[160];
	if (k == NULL || (k->type != want && !(want == BD_CONFIG_INT &&
					       k->type == BD_CONFIG_SIZE))) {
		log_error("[%s] asked for undeclared %s key \"%s\"", self->name,
			  want == BD_CONFIG_BOOL ? "bool" : "int", key);
		return 0;
	}
	config_value_parse(k, key_text(self, self->host->config, k), &n, why,
			   sizeof why);
	return n;
}

static int64_t host_config_int(const struct bd_plugin_handle *self,
			       const char *key)
{
	return typed_value(self, key, BD_CONFIG_INT);
}

static bool host_config_bool(const struct bd_plugin_handle *self,
			     const char *key)
{
	return typed_value(self, key, BD_CONFIG_BOOL) != 0;
}

static int host_finding(struct bd_audit *audit, const struct bd_finding *f)
{
	return audit_add(audit, f);
}

static int host_format_amount(bd_fen fen, enum bd_unit unit, char *buf,
			      size_t size)
{
	return money_format(fen, unit, buf, size);
}

static int host_report_change(struct bd_apply *apply,
			      const struct bd_total_change *change)
{
	return apply_add(apply, change);
}

static int host_publish_cb(const struct bd_plugin_handle *self,
			   const char *topic, const char *body, size_t len)
{
	struct host *h = self->host;
	if (h->publish == NULL)
		return 0;
	return h->publish(h->publish_ctx, topic, body, len);
}

static const cJSON *host_query_request(const struct bd_query *q)
{
	return q->request;
}

static cJSON *host_query_reply(struct bd_query *q)
{
	return q->reply;
}

static int host_query_error(struct bd_query *q, const char *code,
			    const char *fmt, ...)
{
	va_list ap;
	q->failed = true;
	snprintf(q->error_code, sizeof q->error_code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(q->error_message, sizeof q->error_message, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int host_resolve_path(const struct bd_plugin_handle *self,
			     const char *path, char *buf, size_t size)
{
	int n = path[0] == '/'
		    ? snprintf(buf, size, "%s", path)
		    : snprintf(buf, size, "%s/%s", self->host->conf_dir, path);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

/* Revisions read from the store for one plugin callback on this thread,
 * freed when it returns (host_release_borrowed). */
struct borrowed {
	struct arena arena;
	struct borrowed *next;
};
static _Thread_local struct borrowed *borrowed_revisions;

static void host_release_borrowed(void)
{
	while (borrowed_revisions) {
		struct borrowed *b = borrowed_revisions;
		borrowed_revisions = b->next;
		arena_release(&b->arena);
		free(b);
	}
}

static const struct bd_revision *
host_latest_revision(const struct bd_plugin_handle *self, int year,
		     const char *department)
{
	struct host *h = self->host;
	if (h->latest_revision == NULL)
		return NULL;
	struct borrowed *b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	arena_init(&b->arena);
	b->next = borrowed_revisions;
	borrowed_revisions = b;
	return h->latest_revision(h->latest_ctx, year, department, &b->arena);
}

static const struct bd_control *
host_control_numbers(const struct bd_plugin_handle *self, int year,
		     const char *department)
{
	struct host *h = self->host;
	if (h->control_numbers == NULL)
		return NULL;
	return h->control_numbers(h->latest_ctx, year, department);
}

static enum bd_stage host_audit_stage(const struct bd_audit *audit)
{
	return audit ? audit->stage : BD_STAGE_NONE;
}

static const char *const view_names[HOST_VIEW_COUNT] = {"latest", "submitted",
							"approved", "original"};

const char *host_view_name(enum host_view view)
{
	return (unsigned)view < HOST_VIEW_COUNT ? view_names[view] : "?";
}

int host_view_from_name(const char *name, enum host_view *view)
{
	if (name == NULL)
		return -EINVAL;
	if (strcmp(name, "adjusted") == 0) {
		*view = HOST_VIEW_APPROVED;
		return 0;
	}
	for (int i = 0; i < HOST_VIEW_COUNT; i++)
		if (strcmp(name, view_names[i]) == 0) {
			*view = (enum host_view)i;
			return 0;
		}
	return -EINVAL;
}

static int host_subscribers(const struct bd_plugin_handle *self)
{
	struct host *h = self->host;
	return h->subscribers ? h->subscribers(h->publish_ctx) : 0;
}

/* ---- loading ---- */

/* Every key of [plugin.NAME] must be one the plugin declares, and every
 * declared key's value (set or default) must be of its type and range. */
static int check_plugin_config(const struct bd_plugin_handle *p,
			       const struct config *config, char *err,
			       size_t err_size)
{
	char why[256];
	int64_t n;
	for (size_t i = 0; i < config->n_entries; i++) {
		const struct config_entry *e = &config->entries[i];
		if (strcmp(e->section, p->section) != 0)
			continue;
		const struct bd_config_key *k = find_key(p->desc, e->key);
		if (k == NULL) {
			snprintf(err, err_size,
				 "%s:%d: plugin %s has no config key \"%s\"",
				 config->path ? config->path : "config",
				 e->line, p->name, e->key);
			return -EINVAL;
		}
		if (config_value_parse(k, e->value, &n, why, sizeof why) < 0) {
			snprintf(err, err_size, "%s:%d: [%s] %s",
				 config->path ? config->path : "config",
				 e->line, p->section, why);
			return -EINVAL;
		}
	}
	for (const struct bd_config_key *k = p->desc->config; k && k->name;
	     k++) {
		if (config_get(config, p->section, k->name) == NULL &&
		    config_value_parse(k, k->default_value, &n, why,
				       sizeof why) < 0) {
			snprintf(err, err_size,
				 "plugin %s: its default is refused: %s",
				 p->name, why);
			return -EINVAL;
		}
	}
	return 0;
}

static int load_one(struct host *h, struct bd_plugin_handle *p,
		    const char *plugin_dir, const char *name, char *err,
		    size_t err_size)
{
	char why[256];
	p->host = h;
	if (asprintf(&p->name, "%s", name) < 0 ||
	    asprintf(&p->path, "%s/%s.so", plugin_dir, name) < 0 ||
	    asprintf(&p->section, "plugin.%s", name) < 0)
		return -ENOMEM;

	p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL) {
		snprintf(err, err_size, "plugin %s: cannot load %s: %s", name,
			 p->path, dlerror());
		return -ENOENT;
	}
	p->desc = dlsym(p->dl, BD_PLUGIN_SYMBOL);
	if (p->desc == NULL) {
		snprintf(err, err_size,
			 "plugin %s: %s exports no \"%s\" symbol", name,
			 p->path, BD_PLUGIN_SYMBOL);
		return -EPROTO;
	}
	if (abi_check(p->desc, why, sizeof why) < 0) {
		snprintf(err, err_size, "plugin %s refused: %s", name, why);
		return -EPROTO;
	}
	if (strcmp(p->desc->name, name) != 0) {
		snprintf(err, err_size,
			 "plugin %s refused: %s calls itself \"%s\"", name,
			 p->path, p->desc->name);
		return -EPROTO;
	}
	int rc = check_plugin_config(p, h->config, err, err_size);
	if (rc < 0)
		return rc;
	rc = p->desc->init(&h->table, p, &p->state);
	if (rc < 0) {
		snprintf(err, err_size, "plugin %s: init failed (%s)", name,
			 strerror(-rc));
		return rc;
	}
	p->initialised = true;
	/* 2.3: one more instance per stage view, each with its own state. */
	if (p->desc->abi_minor >= 3 && p->desc->apply && p->desc->query) {
		for (int v = 1; v < HOST_VIEW_COUNT; v++) {
			rc = p->desc->init(&h->table, p, &p->view_state[v]);
			if (rc < 0) {
				snprintf(
				    err, err_size,
				    "plugin %s: init of its %s view failed "
				    "(%s)",
				    name, view_names[v], strerror(-rc));
				return rc;
			}
		}
		p->has_views = true;
	}
	log_info("plugin %s %s loaded from %s", name,
		 p->desc->version ? p->desc->version : "", p->path);
	return 0;
}

static bool validates_concurrently(const struct bd_plugin_handle *p);

int host_load(struct host *h, const struct config *config,
	      const char *plugin_dir, char *err, size_t err_size)
{
	h->config = config;
	/* Writers first: a reload waits for the audits running, not for
	 * every audit that starts after it asked. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&h->audit_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&h->log_lock, NULL);
	h->table = (struct bd_host){
	    .abi_major = BD_ABI_MAJOR,
	    .abi_minor = BD_ABI_MINOR,
	    .struct_size = sizeof(struct bd_host),
	    .log = host_log,
	    .config_string = host_config_string,
	    .config_int = host_config_int,
	    .config_bool = host_config_bool,
	    .finding = host_finding,
	    .format_amount = host_format_amount,
	    .report_change = host_report_change,
	    .publish = host_publish_cb,
	    .query_request = host_query_request,
	    .query_reply = host_query_reply,
	    .query_error = host_query_error,
	    .resolve_path = host_resolve_path,
	    .latest_revision = host_latest_revision,
	    .subscribers = host_subscribers,
	    .control_numbers = host_control_numbers,
	    .audit_stage = host_audit_stage,
	};
	h->plugins = calloc(config->n_plugins ? config->n_plugins : 1,
			    sizeof *h->plugins);
	if (h->plugins == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < config->n_plugins; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(config->plugins[i], config->plugins[j]) ==
			    0) {
				snprintf(err, err_size,
					 "plugin %s is listed twice",
					 config->plugins[i]);
				host_unload(h);
				return -EINVAL;
			}
		}
		h->n_plugins = i + 1;
		int rc = load_one(h, &h->plugins[i], plugin_dir,
				  config->plugins[i], err, err_size);
		if (rc < 0) {
			host_unload(h);
			return rc;
		}
	}
	/* Sections for plugins that are not loaded are typos, not config. */
	for (size_t i = 0; i < config->n_entries; i++) {
		const char *section = config->entries[i].section;
		if (strncmp(section, "plugin.", 7) != 0)
			continue;
		bool loaded = false;
		for (size_t j = 0; j < h->n_plugins && !loaded; j++)
			loaded = strcmp(h->plugins[j].section, section) == 0;
		if (!loaded) {
			snprintf(err, err_size,
				 "%s:%d: section [%s] names a plugin that is "
				 "not in the plugins list",
				 config->path ? config->path : "config",
				 config->entries[i].line, section);
			host_unload(h);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < h->n_plugins; i++) {
		const struct bd_plugin *desc = h->plugins[i].desc;
		if (desc->validate != NULL &&
		    !validates_concurrently(&h->plugins[i]))
			h->n_serial_validators++;
		if (desc->apply != NULL &&
		    !(desc->abi_minor >= 4 &&
		      (desc->flags & BD_PLUGIN_APPLY_WITHOUT_PREV)))
			h->keeps_documents = true;
	}
	return 0;
}

void host_unload(struct host *h)
{
	/* Reverse order: later plugins may depend on earlier ones' output. */
	for (size_t i = h->n_plugins; i-- > 0;) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (p->initialised && p->desc->fini) {
			p->desc->fini(p->state);
			for (int v = 1; v < HOST_VIEW_COUNT; v++)
				if (p->view_state[v])
					p->desc->fini(p->view_state[v]);
		}
		if (p->dl)
			dlclose(p->dl);
		free(p->name);
		free(p->path);
		free(p->section);
	}
	free(h->plugins);
	h->plugins = NULL;
	h->n_plugins = 0;
}

int host_reconfigure(struct host *h, const struct config *config, char *err,
		     size_t err_size)
{
	for (size_t i = 0; i < h->n_plugins; i++)
		if (check_plugin_config(&h->plugins[i], config, err, err_size) <
		    0)
			return -EINVAL;
	const struct config *previous = h->config;
	h->config = config;
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		p->last_error[0] = '\0';
		bool refused =
		    p->desc->reconfigure && p->desc->reconfigure(p->state) < 0;
		for (int v = 1;
		     !refused && p->desc->reconfigure && v < HOST_VIEW_COUNT;
		     v++)
			refused = p->view_state[v] &&
				  p->desc->reconfigure(p->view_state[v]) < 0;
		if (refused) {
			snprintf(
			    err, err_size, "plugin %s refused it: %s", p->name,
			    p->last_error[0] ? p->last_error : "see the log");
			/* Plugins before this one took the new config: give
			 * them the old one back, so that all agree. */
			h->config = previous;
			for (size_t k = 0; k < i; k++)
				if (h->plugins[k].desc->reconfigure)
					h->plugins[k].desc->reconfigure(
					    h->plugins[k].state);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- stages ---- */

static bool validates_concurrently(const struct bd_plugin_handle *p)
{
	/* flags came with minor 4: an older descriptor may end before it. */
	return p->desc->abi_minor >= 4 &&
	       (p->desc->flags & BD_PLUGIN_CONCURRENT_VALIDATE);
}

int host_validate(struct host *h, const struct bd_submission *submission,
		  struct bd_audit *audit, enum host_validators which)
{
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (p->desc->validate == NULL)
			continue;
		if (which != HOST_VALIDATE_ALL &&
		    validates_concurrently(p) !=
			(which == HOST_VALIDATE_CONCURRENT))
			continue;
		audit->plugin = p->name;
		struct timespec began, ended;
		clock_gettime(CLOCK_MONOTONIC, &began);
		int rc = p->desc->validate(p->state, submission, audit);
		host_release_borrowed();
		clock_gettime(CLOCK_MONOTONIC, &ended);
		atomic_fetch_add(
		    &p->validate_ns,
		    (uint64_t)((ended.tv_sec - began.tv_sec) * 1000000000LL +
			       (ended.tv_nsec - began.tv_nsec)));
		atomic_fetch_add(&p->validations, 1);
		audit->plugin = NULL;
		if (rc < 0) {
			log_error("plugin %s: validate failed (%s)", p->name,
				  strerror(-rc));
			return rc;
		}
	}
	return audit->out_of_memory ? -ENOMEM : 0;
}

void host_audit_shared_begin(struct host *h)
{
	pthread_rwlock_rdlock(&h->audit_lock);
}

void host_audit_shared_end(struct host *h)
{
	pthread_rwlock_unlock(&h->audit_lock);
}

void host_audit_exclusive_begin(struct host *h)
{
	pthread_rwlock_wrlock(&h->audit_lock);
}

void host_audit_exclusive_end(struct host *h)
{
	pthread_rwlock_unlock(&h->audit_lock);
}

/*
 * What a plugin's apply is handed for apply: a plugin of minor 6 or later
 * gets NULL where nobody reads the changes; an older one may not expect
 * NULL, so it gets a collector that drops every report (apply_add writes
 * nothing to it: one serves every thread).
 */
static struct bd_apply discarding = {.discard = true};

static struct bd_apply *apply_for(const struct bd_plugin_handle *p,
				  struct bd_apply *apply)
{
	if (apply != NULL || p->desc->abi_minor >= 6)
		return apply;
	return &discarding;
}

int host_apply(struct host *h, const struct bd_revision *prev,
	       const struct bd_revision *next, struct bd_apply *apply)
{
	int result = 0;
	/* Every plugin sees every revision, even if an earlier one failed:
	 * a plugin's state must not silently skip a committed revision. */
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (p->desc->apply == NULL)
			continue;
		int rc =
		    p->desc->apply(p->state, prev, next, apply_for(p, apply));
		host_release_borrowed();
		if (rc < 0) {
			log_error("plugin %s: apply of %s/%d revision %lld "
				  "failed (%s)",
				  p->name, next->submission->department.code,
				  next->submission->year,
				  (long long)next->number, strerror(-rc));
			result = rc;
		}
	}
	return result;
}

static bool publishes_off_loop(const struct bd_plugin_handle *p)
{
	return p->desc->abi_minor >= 5 && p->desc->publish &&
	       (p->desc->flags & BD_PLUGIN_PUBLISH_OFF_LOOP);
}

void host_publish(struct host *h, const struct bd_event *event,
		  enum host_publishers which)
{
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (publishes_off_loop(p) != (which == HOST_PUBLISH_OFF_LOOP))
			continue;
		int rc =
		    p->desc->publish ? p->desc->publish(p->state, event) : 0;
		host_release_borrowed();
		if (rc < 0)
			log_warning("plugin %s: publish of event %llu failed",
				    p->name, (unsigned long long)event->seq);
	}
}

int host_apply_view(struct host *h, enum host_view view,
		    const struct bd_revision *prev,
		    const struct bd_revision *next)
{
	int result = 0;
	if (view <= HOST_VIEW_LATEST || view >= HOST_VIEW_COUNT)
		return -EINVAL;
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (!p->has_views)
			continue;
		/* A view's moves are read by queries, not published. */
		int rc = p->desc->apply(p->view_state[view], prev, next,
					apply_for(p, NULL));
		host_release_borrowed();
		if (rc < 0) {
			log_error("plugin %s: apply of %s/%d revision %lld to "
				  "its %s view failed (%s)",
				  p->name, next->submission->department.code,
				  next->submission->year,
				  (long long)next->number, view_names[view],
				  strerror(-rc));
			result = rc;
		}
	}
	return result;
}

bool host_has_views(const struct host *h)
{
	for (size_t i = 0; i < h->n_plugins; i++)
		if (h->plugins[i].has_views)
			return true;
	return false;
}

/* The plugin that answers op, or NULL; *scoped: whether it declares the
 * op BD_QUERY_SCOPED. */
static struct bd_plugin_handle *query_plugin(struct host *h, const char *op,
					     bool *scoped)
{
	for (size_t i = 0; i < h->n_plugins; i++) {
		struct bd_plugin_handle *p = &h->plugins[i];
		if (p->desc->query == NULL || p->desc->query_ops == NULL)
			continue;
		for (const struct bd_query_op *o = p->desc->query_ops; o->name;
		     o++)
			if (strcmp(o->name, op) == 0) {
				*scoped = o->flags & BD_QUERY_SCOPED;
				return p;
			}
	}
	return NULL;
}

int host_query_view(struct host *h, enum host_view view, const char *op,
		    const struct bd_scope *scope, struct bd_query *query)
{
	bool scoped;
	struct bd_plugin_handle *p = query_plugin(h, op, &scoped);
	if (p == NULL)
		return -ENOENT;
	/* A plugin that does not say it honours the scope is not trusted
	 * to: its answers are for operators. */
	if (scope->restricted && !scoped)
		return -EACCES;
	if (view != HOST_VIEW_LATEST && !p->has_views)
		return -ENOTSUP;
	int rc = p->desc->query(view == HOST_VIEW_LATEST ? p->state
							 : p->view_state[view],
				op, scope, query);
	host_release_borrowed();
	return rc;
}

int host_query_trees(struct host *h, enum host_view view, const char *op,
		     const struct bd_scope *scope, struct bd_query *query)
{
	int rc = host_query_view(h, view, op, scope, query);
	if (rc == 0 && !query->failed && json_text_expand(query->reply) < 0) {
		query->failed = true;
		snprintf(query->error_code, sizeof query->error_code,
			 "internal");
		snprintf(
		    query->error_message, sizeof query->error_message,
		    "the answer to \"%s\" could not be read back: out of "
		    "memory, or its plugin wrote a member that is not JSON",
		    op);
		rc = -EINVAL;
	}
	return rc;
}

int host_query(struct host *h, const char *op, const struct bd_scope *scope,
	       struct bd_query *query)
{
	return host_query_trees(h, HOST_VIEW_LATEST, op, scope, query);
}
