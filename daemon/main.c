/* budgetd: start-up, the event loop, signals, reload and shutdown. */
#include <errno.h>
#include <event2/thread.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "access.h"
#include "backup.h"
#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "json_scratch.h"
#include "log.h"
#include "model.h"
#include "offloop.h"
#include "ops.h"
#include "stream.h"
#include "workers.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: budgetd [OPTION]...\n"
	    "Collects, audits and aggregates department budgets "
	    "(budget-submission/1).\n"
	    "\n"
	    "  -c, --config FILE      read FILE (INI; see conf/budgetd.conf)\n"
	    "  -s, --state-dir DIR    keep the store in DIR (default %s)\n"
	    "  -l, --listen URL[,URL] serve requests on these nng URLs\n"
	    "                         (default %s)\n"
	    "  -p, --publish URL      publish notifications on URL\n"
	    "                         (default %s)\n"
	    "  -P, --plugin-dir DIR   load plugins from DIR\n"
	    "      --log-level LEVEL  error, warning, info or debug\n"
	    "      --check-config     load config and plugins, check the "
	    "state\n"
	    "                         directory is writable, report, exit\n"
	    "      --restore FILE     with budgetd stopped: put a backup "
	    "(budgetctl\n"
	    "                         backup) in place as the store, keep the "
	    "one\n"
	    "                         it replaces, check that it rebuilds\n"
	    "      --reload           ask the running daemon (through its "
	    "first\n"
	    "                         trusted listener) to reload; exit 1 "
	    "when\n"
	    "                         it refuses the new config\n"
	    "  -h, --help             show this help and exit\n"
	    "  -V, --version          show the version and exit\n"
	    "\n"
	    "Flags override the config file.  Without --config an installed "
	    "budgetd reads\n%s/budgetd.conf when it exists; run from a build "
	    "tree, or without\nthat file, the built-in defaults load the "
	    "plugins %s.\n"
	    "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the "
	    "config.\n"
	    "Exit status: 0 clean stop, 1 failure to start.\n",
	    CONFIG_DEFAULT_STATE_DIR, CONFIG_DEFAULT_LISTEN,
	    CONFIG_DEFAULT_PUBLISH, BUDGETD_CONF_INSTALL_DIR,
	    CONFIG_DEFAULT_PLUGINS);
}

/* ---- the loop ---- */

static void wake_rpc(void *arg)
{
	struct daemon *d = arg;
	event_active(d->rpc_wake, EV_READ, 0);
}

static void wake_store(void *arg)
{
	struct daemon *d = arg;
	event_active(d->store_wake, EV_READ, 0);
}

static void wake_workers(void *arg)
{
	struct daemon *d = arg;
	event_active(d->workers_wake, EV_READ, 0);
}

/* How long a stopping daemon keeps answering "unavailable" after its
 * last commit, so that clients in the middle of a request hear why
 * instead of seeing the connection drop. */
#define STOP_GRACE_MS 500

static void on_grace_over(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd, (void)what;
	/* A thread still at work (a backup, a verify, a workbook): wait for
	 * it, it answers too. */
	if (offloop_running() > 0) {
		struct timeval tv = {0, STOP_GRACE_MS * 1000};
		evtimer_add(d->grace, &tv);
		return;
	}
	event_base_loopbreak(d->base);
}

static void maybe_finish(struct daemon *d)
{
	if (!d->stopping || d->in_flight > 0 || d->workers.queued > 0 ||
	    d->grace != NULL)
		return;
	struct timeval tv = {0, STOP_GRACE_MS * 1000};
	d->grace = evtimer_new(d->base, on_grace_over, d);
	if (d->grace == NULL || evtimer_add(d->grace, &tv) < 0)
		event_base_loopbreak(d->base);
}

static void on_rpc(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd, (void)what;
	struct rpc_request *req = rpc_take(&d->rpc);
	while (req != NULL) {
		struct rpc_request *next = req->next;
		req->next = NULL;
		request_handle(d, req);
		req = next;
	}
}

static void on_store(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd, (void)what;
	struct store_job *job = store_next_done(&d->store);
	if (job != NULL)
		ops_store_done(d, job);
	/* One job a turn: a batch's applies and replies take turns with the
	 * requests and audits that arrived meanwhile (queued behind this
	 * event), which keeps the workers and the writer fed.  The writer's
	 * wake-up for a batch it finished while this event was still active
	 * was spent on the batch before: so ask the writer's list too, or that
	 * batch would wait for the next commit to wake the loop. */
	if (store_done_waiting(&d->store)) {
		event_active(d->store_wake, EV_READ, 0);
		return;
	}
	if (d->http.streams)
		stream_notify(&d->http);
	maybe_finish(d);
}

static void on_workers(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd, (void)what;
	struct workers_job *job = workers_take_done(&d->workers);
	while (job != NULL) {
		struct workers_job *next = job->next;
		job->done(job);
		job = next;
	}
	maybe_finish(d);
}

static void count_lines(void *ctx, const struct registry_entry *e)
{
	*(size_t *)ctx += e->summary.n_lines;
}

/* One line for systemctl status, sent when it changes: the notify socket
 * is a datagram queue of a few messages, and a full one would block the
 * loop. */
static void notify_status(struct daemon *d)
{
	char text[sizeof d->status_sent];
	size_t lines = 0;
	registry_each(&d->registry, count_lines, &lines);
	snprintf(text, sizeof text,
		 "STATUS=%s %zu departments (%zu budget lines), %d locked "
		 "years",
		 d->stopping ? "stopping:" : "serving", d->registry.n_entries,
		 lines, d->n_locked_years);
	if (strcmp(text, d->status_sent) == 0)
		return;
	snprintf(d->status_sent, sizeof d->status_sent, "%s", text);
	sd_notify(0, text);
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;
	if (d->stopping)
		return;
	log_info("%s: finishing %zu queued submissions, then stopping",
		 strsignal((int)sig), d->in_flight);
	sd_notify(0, "STOPPING=1");
	d->stopping = true;
	notify_status(d);
	maybe_finish(d);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[1024];
	(void)sig, (void)what;
	sd_notify(0, "RELOADING=1");
	daemon_reload(d, err, sizeof err);
	sd_notify(0, "READY=1");
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	/* The loop turning is what the watchdog is meant to prove. */
	sd_notify(0, "WATCHDOG=1");
	notify_status(arg);
}

#define HEARTBEAT_MS 1000

/*
 * After a burst of requests malloc keeps what served it, freed: the
 * decoded requests' arenas and the buffers of every thread that handled
 * them (at 1,000 × 60 with 32 clients about 3 MB, 55 bytes a line item
 * more than the totals hold).  A heartbeat that saw no request since the
 * last, with nothing in flight, gives it back to the system, once per
 * quiet spell and never during a load (malloc_trim walks every arena).
 */
static void trim_when_quiet(struct daemon *d)
{
	bool quiet = d->requests == d->requests_at_heartbeat &&
		     d->in_flight == 0 && d->workers.queued == 0;
	d->requests_at_heartbeat = d->requests;
	if (!quiet || d->requests == d->requests_at_trim)
		return;
	d->requests_at_trim = d->requests;
	uint64_t began = clock_ns();
	int gave = malloc_trim(0);
	d->memory_trims++;
	log_debug("quiet after requests: freed memory %s back to the system "
		  "in %.2f ms",
		  gave ? "given" : "was not",
		  (double)(clock_ns() - began) / 1e6);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd, (void)what;
	uint64_t now = throttle_now_ms();
	d->loop_lag_ms =
	    now > d->heartbeat_due_ms ? now - d->heartbeat_due_ms : 0;
	if (d->loop_lag_ms > d->loop_max_lag_ms)
		d->loop_max_lag_ms = d->loop_lag_ms;
	d->heartbeat_due_ms = now + HEARTBEAT_MS;
	trim_when_quiet(d);
}

static int start_heartbeat(struct daemon *d)
{
	struct timeval tv = {HEARTBEAT_MS / 1000, (HEARTBEAT_MS % 1000) * 1000};
	d->heartbeat = event_new(d->base, -1, EV_PERSIST, on_heartbeat, d);
	if (d->heartbeat == NULL)
		return -ENOMEM;
	d->heartbeat_due_ms = throttle_now_ms() + HEARTBEAT_MS;
	return event_add(d->heartbeat, &tv);
}

static int start_watchdog(struct daemon *d)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	struct timeval tv = {.tv_sec = (time_t)(usec / 2 / 1000000),
			     .tv_usec = (suseconds_t)(usec / 2 % 1000000)};
	d->watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
	if (d->watchdog == NULL)
		return -ENOMEM;
	return event_add(d->watchdog, &tv);
}

enum mode { MODE_SERVE, MODE_CHECK, MODE_RELOAD, MODE_RESTORE };

static const char *restore_from; /* --restore FILE */

static int parse_flags(int argc, char **argv, struct daemon_flags *flags,
		       enum mode *mode)
{
	enum { OPT_LOG_LEVEL = 256, OPT_CHECK_CONFIG, OPT_RELOAD, OPT_RESTORE };
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'},
	    {"publish", required_argument, NULL, 'p'},
	    {"plugin-dir", required_argument, NULL, 'P'},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
	    {"reload", no_argument, NULL, OPT_RELOAD},
	    {"restore", required_argument, NULL, OPT_RESTORE},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:s:l:p:P:hV", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
			flags->config_path = optarg;
			break;
		case 's':
			flags->state_dir = optarg;
			break;
		case 'l':
			flags->listen = optarg;
			break;
		case 'p':
			flags->publish = optarg;
			break;
		case 'P':
			flags->plugin_dir = optarg;
			break;
		case OPT_LOG_LEVEL:
			flags->log_level = optarg;
			break;
		case OPT_CHECK_CONFIG:
			*mode = MODE_CHECK;
			break;
		case OPT_RELOAD:
			*mode = MODE_RELOAD;
			break;
		case OPT_RESTORE:
			*mode = MODE_RESTORE;
			restore_from = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("budgetd %s (plugin ABI %d.%d)\n",
			       PROJECT_VERSION, BD_ABI_MAJOR, BD_ABI_MINOR);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "budgetd: unexpected argument \"%s\"\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static const struct bd_revision *latest_revision(void *ctx, int year,
						 const char *department,
						 struct arena *arena)
{
	struct daemon *d = ctx;
	if (!workers_on_worker()) {
		/* The loop owns the registry: no lock, and the document when
		 * it is kept. */
		struct registry_entry *e =
		    registry_find(&d->registry, year, department);
		if (e == NULL || e->revision.submission != NULL)
			return e ? &e->revision : NULL;
	}
	/* Compact, or another thread (the loop may replace the entry at any
	 * moment): read the number, then the document from the store, parsed
	 * for this callback. */
	struct bd_revision latest;
	if (!registry_latest_copy(&d->registry, year, department, &latest))
		return NULL;
	struct bd_revision *rev = arena_alloc(arena, sizeof *rev);
	char *body = NULL, why[256];
	struct bd_submission *sub = NULL;
	if (rev == NULL ||
	    store_document_apart(&d->store, department, year, latest.number,
				 &body) < 0 ||
	    model_parse_json(body, strlen(body), arena, &sub, why, sizeof why) <
		0) {
		log_warning("latest_revision %s/%d: revision %lld not read "
			    "back from the store",
			    department, year, (long long)latest.number);
		free(body);
		return NULL;
	}
	free(body);
	*rev = latest;
	rev->submission = sub;
	return rev;
}

static int publish(void *ctx, const char *topic, const char *body, size_t len)
{
	struct daemon *d = ctx;
	atomic_fetch_add(&d->events_published, 1);
	return rpc_publish(&d->rpc, topic, body, len);
}

static int subscribers(void *ctx)
{
	struct daemon *d = ctx;
	return rpc_subscribers(&d->rpc);
}

int main(int argc, char **argv)
{
	static struct daemon d; /* static: signal-free, zeroed, one instance */
	enum mode mode = MODE_SERVE;
	char err[1024];
	int status = 1;

	log_init();
	signal(SIGPIPE, SIG_IGN);
	/* Replies of megabytes (a totals drilldown, a workbook) are built,
	 * sent and freed; with glibc's default trim threshold the freed top
	 * of the heap went back to the system and was faulted in again while
	 * the reply was written out (hundreds of brk calls per reply, twice
	 * the CPU of the work itself).  Keeping up to 64 MiB of free heap is
	 * the cheaper trade for a long-running daemon. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/* For the same reason the buffers of such a reply (its text, the
	 * message nng sends) come from the heap, not from mappings of their
	 * own that are faulted in page by page for each reply and unmapped
	 * after it: up to 16 MiB a buffer. */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	/* Requests are decoded on nng's task threads and freed on the
	 * workers and the loop: with glibc's default of eight arenas a core,
	 * each of those threads warms an arena of its own, and what a burst
	 * freed stays spread over them after a trim.  One arena a core
	 * (1,000 × 60, bytes of RSS a line item once quiet, load-only,
	 * alternating): 32 clients 107-117 where two a core kept 131-144
	 * and eight 125-128 (stop 28); 8 clients 94-97 against 101-107.  The
	 * rates did not differ beyond the noise (32 clients 3,223-4,210/s
	 * against 3,068-4,370/s; 8 clients at 200 lines 1,505-1,724/s
	 * against 1,413-1,634/s).  MALLOC_ARENA_MAX or GLIBC_TUNABLES in the
	 * environment say otherwise. */
	if (getenv("MALLOC_ARENA_MAX") == NULL &&
	    getenv("GLIBC_TUNABLES") == NULL)
		mallopt(M_ARENA_MAX, (int)workers_default_count());
	json_scratch_install(); /* before any thread */
	if (parse_flags(argc, argv, &d.flags, &mode) < 0)
		return 2;
	if (d.flags.config_path == NULL)
		d.flags.config_path = daemon_installed_config();
	if (daemon_config_load(&d.flags, &d.config, err, sizeof err) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (mode == MODE_RELOAD) {
		status = control_reload(&d);
		goto out_config;
	}
	daemon_choose_dirs(&d);
	d.host.latest_revision = latest_revision;
	d.host.latest_ctx = &d;
	d.host.publish = publish;
	d.host.publish_ctx = &d;
	d.host.subscribers = subscribers;
	d.host.control_numbers = review_control_numbers;
	if (host_load(&d.host, d.config, d.plugin_dir, err, sizeof err) < 0) {
		log_error("%s", err);
		log_error(
		    "not starting: fix the plugin list or its settings in %s",
		    d.config->path ? d.config->path : "the built-in defaults");
		goto out_config;
	}
	if (mode == MODE_RESTORE) {
		if (backup_restore(restore_from, d.config->state_dir, err,
				   sizeof err) < 0) {
			log_error("restore refused: %s; nothing was changed",
				  err);
			goto out_host;
		}
		/* Then it must rebuild, as a start would. */
	}
	if (mode == MODE_CHECK) {
		if (daemon_check_state_dir(d.config, err, sizeof err) < 0) {
			log_error("%s", err);
			goto out_host;
		}
		printf("configuration %s is valid; %zu plugins load from %s; "
		       "state directory %s is writable\n",
		       d.config->path ? d.config->path : "(built-in defaults)",
		       d.host.n_plugins, d.plugin_dir, d.config->state_dir);
		status = 0;
		goto out_host;
	}
	if (registry_init(&d.registry) < 0 || review_init(&d.review) < 0 ||
	    throttle_init(&d.throttle, (unsigned)d.config->rate_limit,
			  (unsigned)d.config->rate_burst,
			  (unsigned)d.config->max_in_flight_per_connection) < 0)
		goto out_host;
	if (store_open(&d.store, d.config->state_dir,
		       d.config->commit_batch_max, err, sizeof err) < 0) {
		log_error("%s", err);
		goto out_registry;
	}
	/* One budgetd per store (a restore takes the same lock). */
	if (mode == MODE_SERVE &&
	    backup_lock_state(d.config->state_dir, err, sizeof err) < 0) {
		log_error("%s", err);
		goto out_store;
	}
	if (daemon_rebuild(&d) < 0)
		goto out_store;
	if (mode == MODE_RESTORE) {
		printf("restored %s: %zu department budgets rebuild from it\n",
		       d.store.path, d.registry.n_entries);
		status = 0;
		goto out_store;
	}
	d.n_locked_years = store_locked_years(&d.store, d.locked_years, 64);
	if (d.n_locked_years >= 0 && review_load(&d) < 0)
		goto out_store;
	if (d.n_locked_years < 0 || auth_init() < 0 ||
	    store_credentials_load(&d.store, &d.auth) < 0) {
		log_error("cannot load the credentials from %s", d.store.path);
		goto out_store;
	}

	evthread_use_pthreads();
	d.base = event_base_new();
	if (d.base == NULL)
		goto out_store;
	d.rpc_wake = event_new(d.base, -1, 0, on_rpc, &d);
	d.store_wake = event_new(d.base, -1, 0, on_store, &d);
	d.workers_wake = event_new(d.base, -1, 0, on_workers, &d);
	d.sigterm = evsignal_new(d.base, SIGTERM, on_stop_signal, &d);
	d.sigint = evsignal_new(d.base, SIGINT, on_stop_signal, &d);
	d.sighup = evsignal_new(d.base, SIGHUP, on_sighup, &d);
	if (!d.rpc_wake || !d.store_wake || !d.workers_wake || !d.sigterm ||
	    !d.sigint || !d.sighup || event_add(d.sigterm, NULL) ||
	    event_add(d.sigint, NULL) || event_add(d.sighup, NULL) ||
	    start_watchdog(&d) < 0 || start_heartbeat(&d) < 0) {
		log_error("cannot set up the event loop");
		goto out_loop;
	}
	if (store_start(&d.store, wake_store, &d) < 0) {
		log_error("cannot start the store thread");
		goto out_loop;
	}
	size_t n_workers = d.config->audit_workers < 0
			       ? workers_default_count()
			       : (size_t)d.config->audit_workers;
	if (workers_start(&d.workers, n_workers, wake_workers, &d) < 0)
		goto out_loop;
	struct rpc_tls tls = {d.config->tls_cert_key, d.config->tls_client_ca};
	const struct rpc_hooks hooks = {.notify = wake_rpc,
					.prepare = request_prepare,
					.forget = request_forget,
					.arg = &d};
	if (rpc_open(&d.rpc, d.config->listen, d.config->n_listen,
		     d.config->publish, d.config->max_message_size,
		     (size_t)d.config->request_contexts, &tls, &hooks, err,
		     sizeof err) < 0) {
		log_error("%s", err);
		rpc_close(&d.rpc);
		goto out_loop;
	}
	if (http_open(&d.http, &d, d.config) < 0) {
		http_close(&d.http);
		rpc_close(&d.rpc);
		goto out_loop;
	}
	d.started = time(NULL);
	for (size_t i = 0; i < d.config->n_listen; i++)
		log_info("serving requests on %s (%s)", d.config->listen[i],
			 access_listener_trusted(&d, (int)i)
			     ? "peers trusted"
			     : "credentials required");
	log_info("publishing on %s; store %s; %zu departments",
		 d.config->publish, d.store.path, d.registry.n_entries);
	sd_notify(0, "READY=1");
	notify_status(&d);

	event_base_dispatch(d.base);

	/* Stopped with nothing in flight: every ack sent was durable. */
	http_close(&d.http);
	rpc_close(&d.rpc);
	status = 0;
	log_info("stopped cleanly");
out_loop:
	/* Nothing is queued to them now (maybe_finish waits for that), but on
	 * a failed start their jobs still answer. */
	workers_stop(&d.workers);
	for (struct workers_job *job = workers_take_done(&d.workers), *next;
	     job; job = next) {
		next = job->next;
		job->done(job);
	}
	store_stop(&d.store);
	/* What the writer finished last: annotations only, nothing waits;
	 * and what the loop had not answered when it broke off. */
	for (struct store_job *job; (job = store_next_done(&d.store));)
		ops_store_done(&d, job);
	if (d.watchdog)
		event_free(d.watchdog);
	if (d.grace)
		event_free(d.grace);
	if (d.heartbeat)
		event_free(d.heartbeat);
	if (d.rpc_wake)
		event_free(d.rpc_wake);
	if (d.store_wake)
		event_free(d.store_wake);
	if (d.workers_wake)
		event_free(d.workers_wake);
	if (d.sigterm)
		event_free(d.sigterm);
	if (d.sigint)
		event_free(d.sigint);
	if (d.sighup)
		event_free(d.sighup);
	event_base_free(d.base);
out_store:
	strmap_free(&d.findings_by_rule);
	strmap_free(&d.lanes);
	auth_free(&d.auth);
	store_close(&d.store);
out_registry:
	registry_free(&d.registry);
	review_free(&d.review);
	throttle_free(&d.throttle);
out_host:
	host_unload(&d.host);
out_config:
	config_free(d.config);
	free(d.config);
	libevent_global_shutdown();
	return status;
}
