/* The daemon's state: everything here is owned by the loop thread. */
#ifndef BUDGETD_DAEMON_H
#define BUDGETD_DAEMON_H

#include <event2/event.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "host.h"
#include "http.h"
#include "throttle.h"
#include "registry.h"
#include "review.h"
#include "rpc.h"
#include "store.h"
#include "strmap.h"
#include "workers.h"

/* Flags given on the command line; they win over the file on every load. */
struct daemon_flags {
	const char *config_path;
	const char *state_dir;
	const char *plugin_dir;
	const char *listen;
	const char *publish;
	const char *log_level;
};

/* The stages of an accepted submission's round trip, in order, named by
 * submission_stage_names (ops_submit.c). */
enum { SUBMISSION_STAGES = 8 };
extern const char *const submission_stage_names[SUBMISSION_STAGES];

struct daemon {
	struct daemon_flags flags;
	struct config *config;
	char plugin_dir[4096];
	struct event_base *base;
	struct event *rpc_wake, *store_wake, *workers_wake, *watchdog;
	struct event *sigterm, *sigint, *sighup;
	struct event *grace;	 /* stopping: "unavailable" until it fires */
	struct event *heartbeat; /* measures how late the loop runs timers */
	uint64_t heartbeat_due_ms;
	uint64_t loop_lag_ms, loop_max_lag_ms;
	/* requests as the last heartbeat and the last trim saw them, and
	 * how many times freed memory went back to the system */
	uint64_t requests_at_heartbeat, requests_at_trim, memory_trims;
	struct host host;
	struct store store;
	struct rpc rpc;
	struct http http;
	struct registry registry;
	struct auth auth;     /* credentials, as stored */
	struct review review; /* the budget year's cases, control numbers */
	struct throttle throttle;
	/* The audit pool, and the order it keeps: per department, the
	 * submissions and validations out (audited, or waiting for the
	 * disk) and those waiting behind them (ops_submit.c). */
	struct workers workers;
	struct strmap lanes;
	struct pending *lane_head, *lane_tail;
	int locked_years[64]; /* fiscal years closed to submissions */
	int n_locked_years;
	/* Where replies go: rpc_reply normally; the fuzzer and tests that
	 * drive requests without sockets put their own here. */
	void (*send_reply)(struct daemon *d, struct rpc_request *req,
			   const char *body, size_t len);
	/* The settings the last reload could not apply ("listen, publish"). */
	char restart_needed[256];
	char status_sent[160]; /* the last STATUS= told to systemd */
	bool backup_running;
	bool verify_running;
	/* The last committed event the loop has answered: every event up to
	 * it is applied in memory (verify reconciles its count with this). */
	uint64_t answered_seq;
	bool stopping;
	size_t in_flight; /* submissions queued to the store */
	time_t started;
	uint64_t requests;
	/* Replies by op and outcome ("ok" or the error code), for /metrics;
	 * pairs past the table's size count under op "other". */
	struct reply_count {
		char op[32], outcome[32];
		uint64_t n;
	} reply_counts[160];
	size_t n_reply_counts;
	/* Findings by rule over every audit (lazily made; the rules are the
	 * plugins' and the operator's, a bounded set), and messages
	 * published: for /metrics. */
	struct strmap findings_by_rule;
	/* Counted where the plugins publish: the loop or the sender. */
	atomic_uint_fast64_t events_published;
	/* Where the round trips of stored, accepted submissions went, stage
	 * by stage (ops_submit.c): for status, /metrics and the bench. */
	uint64_t submissions_timed;
	uint64_t submission_stage_ns[SUBMISSION_STAGES];
};

/* Reads the config file (if any) and applies the flags over it. */
int daemon_config_load(const struct daemon_flags *flags, struct config **out,
		       char *err, size_t err_size);
/* The installed config file (/etc/budgetd/budgetd.conf) when it exists and
 * this budgetd is not run from a build tree; else NULL (built-in
 * defaults). */
const char *daemon_installed_config(void);
/* Whether the state directory is writable by this process (or can be
 * created); 0, or a negative errno with who, owner and mode in err. */
int daemon_check_state_dir(const struct config *config, char *err,
			   size_t err_size);
/* Picks the plugin and config directories (flags, config, build tree,
 * installation). */
void daemon_choose_dirs(struct daemon *d);
/* The web console's files: [http] console, else share/budgetd/console
 * beside the executable (a build tree), else the installed ones. */
void daemon_console_dir(const struct config *c, char *dir, size_t size);
/* Re-reads the config (SIGHUP, "reload"); keeps the old one on error. */
int daemon_reload(struct daemon *d, char *err, size_t err_size);
/* Rebuilds the registry and every plugin's state from the store. */
int daemon_rebuild(struct daemon *d);

/*
 * Accepts a stored revision: entry becomes the latest of its department
 * and year, and every plugin applies it (their changes go to apply, or
 * nowhere for a NULL apply; their result to *applied).  Returns 0, or -ENOMEM
 * with entry freed and nothing changed.
 */
int daemon_accept(struct daemon *d, struct registry_entry *entry,
		  struct bd_apply *apply, int *applied);

/* request.c: answers one request (or queues it to the store). */
void request_handle(struct daemon *d, struct rpc_request *req);
/* rpc_hooks.prepare and forget: a large request decoded on the nng
 * thread that received it (arg unused), and that decoding freed. */
void request_prepare(struct rpc_request *req, size_t max_message_size,
		     void *arg);
void request_forget(struct rpc_request *req);
/* The key of a request's connection in the limits (throttle.h). */
void request_connection_name(const struct rpc_request *req, char *buf,
			     size_t size);

#endif
