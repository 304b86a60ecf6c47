/* The plugin host: loads plugins, checks their ABI, runs their stages. */
#ifndef BUDGETD_HOST_H
#define BUDGETD_HOST_H

#include <budgetd/plugin.h>
#include <pthread.h>
#include <cjson/cJSON.h>

#include "arena.h"
#include "audit.h"
#include "config.h"

/* The stage views (ABI 2.3): which revision of each department counts.
 * LATEST is the plugins' own state; the others are further instances of
 * the plugins that have both apply and query. */
enum host_view {
	HOST_VIEW_LATEST = 0, /* the latest accepted revision */
	HOST_VIEW_SUBMITTED,  /* the latest not returned, else the approved */
	HOST_VIEW_APPROVED,   /* the latest approved (adjustments included) */
	HOST_VIEW_ORIGINAL,   /* the budget as first approved (年初预算) */
	HOST_VIEW_COUNT
};
const char *host_view_name(enum host_view view);
/* "latest", "submitted", "approved" or "adjusted" (the same view),
 * "original"; -EINVAL for anything else. */
int host_view_from_name(const char *name, enum host_view *view);

struct bd_plugin_handle {
	struct host *host;
	const struct bd_plugin *desc;
	void *dl;
	void *state;
	char *name;
	char *path;
	char *section; /* "plugin.NAME" */
	bool initialised;
	/* ABI 2.3: the states of the stage views (index 0 unused: state),
	 * for a plugin with apply and query; else all NULL. */
	void *view_state[HOST_VIEW_COUNT];
	bool has_views;
	char last_error[512]; /* the plugin's last error log line */
	/* Time spent in validate, and how often (any thread; /metrics). */
	_Atomic uint64_t validate_ns, validations;
};

struct bd_query {
	const cJSON *request;
	cJSON *reply;
	char error_code[48];
	char error_message[512];
	bool failed;
};

struct host {
	struct bd_plugin_handle *plugins;
	size_t n_plugins;
	const struct config *config;
	char conf_dir[4096]; /* where relative plugin paths start */
	struct bd_host table;
	/* Services of the daemon that plugins reach through the table. */
	int (*publish)(void *ctx, const char *topic, const char *body,
		       size_t len);
	void *publish_ctx;
	/* The latest revision, parsed into arena when the registry keeps
	 * no document (the host frees arena after the plugin's callback). */
	const struct bd_revision *(*latest_revision)(void *ctx, int year,
						     const char *department,
						     struct arena *arena);
	int (*subscribers)(void *publish_ctx); /* PUB peers connected now */
	void *latest_ctx;
	/* The bureau's control numbers (ctx: latest_ctx). */
	const struct bd_control *(*control_numbers)(void *ctx, int year,
						    const char *department);
	/* Held shared by every audit on a worker thread and exclusive by the
	 * loop while it changes what such an audit reads (the config and the
	 * plugins' settings on reload, the control numbers): see the
	 * Threading notes of budgetd/plugin.h. */
	pthread_rwlock_t audit_lock;
	pthread_mutex_t log_lock;   /* last_error, written from any thread */
	size_t n_serial_validators; /* validate without the concurrent flag */
	/* Some plugin's apply needs prev's document: the registry keeps every
	 * latest document parsed. */
	bool keeps_documents;
};

/*
 * Loads config->plugins in order from plugin_dir and initialises them.
 * A plugin that is missing, refuses the ABI, has an unknown key in its
 * config section or fails init aborts the whole load: the daemon does not
 * start with a broken plugin list.  err says which and why.
 */
int host_load(struct host *host, const struct config *config,
	      const char *plugin_dir, char *err, size_t err_size);
void host_unload(struct host *host);

/* Switches to a new config (after a reload) and tells every plugin; on a
 * refusal err says which plugin and why. */
int host_reconfigure(struct host *host, const struct config *config, char *err,
		     size_t err_size);

/* Which plugins' validate host_validate calls: all of them (on the loop
 * thread), those that may run concurrently (on a worker, inside
 * host_audit_shared), or the others (on the loop, after the worker). */
enum host_validators {
	HOST_VALIDATE_ALL,
	HOST_VALIDATE_CONCURRENT,
	HOST_VALIDATE_SERIAL,
};
int host_validate(struct host *host, const struct bd_submission *submission,
		  struct bd_audit *audit, enum host_validators which);
/* Brackets an audit on a worker thread. */
void host_audit_shared_begin(struct host *host);
void host_audit_shared_end(struct host *host);
/* Brackets a change, on the loop, of what a concurrent audit reads. */
void host_audit_exclusive_begin(struct host *host);
void host_audit_exclusive_end(struct host *host);
/* Applies a committed revision to every plugin; apply collects the
 * totals it moved, or is NULL where nobody reads them (the rebuild). */
int host_apply(struct host *host, const struct bd_revision *prev,
	       const struct bd_revision *next, struct bd_apply *apply);
/* Which plugins' publish host_publish calls: those that must publish on
 * the loop, or those with BD_PLUGIN_PUBLISH_OFF_LOOP (on the sender
 * thread: never at the same time as host_reconfigure or unload). */
enum host_publishers {
	HOST_PUBLISH_ON_LOOP,
	HOST_PUBLISH_OFF_LOOP,
};
void host_publish(struct host *host, const struct bd_event *event,
		  enum host_publishers which);
/* Applies a revision to one stage view's instances (not LATEST: that
 * is host_apply).  A department withdrawn from a view is applied as a
 * submission of its code and year with nothing in it. */
int host_apply_view(struct host *host, enum host_view view,
		    const struct bd_revision *prev,
		    const struct bd_revision *next);
/* Whether some plugin keeps stage views. */
bool host_has_views(const struct host *host);
/* host_query in a view: -ENOTSUP when the plugin answering op keeps no
 * views (built for ABI 2.2 or older).  The reply may hold members a
 * plugin wrote as JSON text (cJSON_Raw), for the wire: json_text_expand
 * makes trees of them for a reader in process. */
int host_query_view(struct host *host, enum host_view view, const char *op,
		    const struct bd_scope *scope, struct bd_query *query);
/* host_query_view with the reply in trees throughout, for a reader in
 * process; a reply that cannot be read back fails the query (-EINVAL,
 * with its error code and message). */
int host_query_trees(struct host *host, enum host_view view, const char *op,
		     const struct bd_scope *scope, struct bd_query *query);
/* Answers op for a principal of the given scope, in trees throughout (for
 * a reader in process): -ENOENT when no plugin answers op, -EACCES when
 * the scope is restricted and the op is not declared BD_QUERY_SCOPED (the
 * plugin is never called). */
int host_query(struct host *host, const char *op, const struct bd_scope *scope,
	       struct bd_query *query);

#endif
