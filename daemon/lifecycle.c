/*
 * The daemon's life: its configuration at start-up and on reload, the
 * directories it works from, the one way a revision is accepted (after a
 * commit, and for every stored revision when rebuilding at start), and
 * the rebuild itself.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "json_scratch.h"
#include "log.h"
#include "workers.h"
#include "hash.h"
#include "model.h"

int daemon_config_load(const struct daemon_flags *flags, struct config **out,
		       char *err, size_t err_size)
{
	struct config *c = calloc(1, sizeof *c);
	int rc;
	if (c == NULL || config_defaults(c) < 0) {
		free(c);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if (flags->config_path != NULL &&
	    (rc = config_load(flags->config_path, c, err, err_size)) < 0)
		goto fail;
	rc = 0;
	if (flags->state_dir)
		rc = config_set_string(&c->state_dir, flags->state_dir);
	if (rc == 0 && flags->plugin_dir)
		rc = config_set_string(&c->plugin_dir, flags->plugin_dir);
	if (rc == 0 && flags->listen)
		rc = config_set_list(c->listen, &c->n_listen, flags->listen);
	if (rc == 0 && flags->publish)
		rc = config_set_string(&c->publish, flags->publish);
	if (rc == 0 && flags->log_level)
		rc = config_set_string(&c->log_level, flags->log_level);
	if (rc < 0) {
		snprintf(err, err_size, "bad command-line value (%s)",
			 strerror(-rc));
		goto fail;
	}
	if (c->n_listen == 0) {
		snprintf(err, err_size, "no listen URL configured");
		rc = -EINVAL;
		goto fail;
	}
	if (log_set_level_name(c->log_level) < 0) {
		snprintf(err, err_size, "unknown log level \"%s\"",
			 c->log_level);
		rc = -EINVAL;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	config_free(c);
	free(c);
	return rc;
}

/* A directory relative to the executable's (a build tree keeps plugins and
 * config there); false when it does not exist. */
static bool beside_executable(const char *relative, char *dir, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	int len = snprintf(dir, size, "%s/%s", exe, relative);
	return len > 0 && (size_t)len < size && access(dir, R_OK | X_OK) == 0;
}

void daemon_console_dir(const struct config *c, char *dir, size_t size)
{
	if (c->http_console != NULL)
		snprintf(dir, size, "%s", c->http_console);
	else if (!beside_executable("../share/budgetd/console", dir, size))
		snprintf(dir, size, "%s", BUDGETD_CONSOLE_INSTALL_DIR);
}

/* Plugins: the flag or config, else beside the executable, else installed. */
static void choose_plugin_dir(const struct config *c, char *dir, size_t size)
{
	if (c->plugin_dir != NULL)
		snprintf(dir, size, "%s", c->plugin_dir);
	else if (!beside_executable("../lib/budgetd/plugins", dir, size))
		snprintf(dir, size, "%s", BUDGETD_PLUGIN_INSTALL_DIR);
}

/* Relative plugin paths (catalogues, rules) start at the config file's
 * directory; without one, at etc/budgetd beside the executable (a build
 * tree), else at the installed config directory. */
static void choose_conf_dir(const struct config *c, char *dir, size_t size)
{
	if (c->path != NULL) {
		snprintf(dir, size, "%s", c->path);
		char *slash = strrchr(dir, '/');
		if (slash == NULL)
			snprintf(dir, size, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	} else if (!beside_executable("../etc/budgetd", dir, size)) {
		snprintf(dir, size, "%s", BUDGETD_CONF_INSTALL_DIR);
	}
}

const char *daemon_installed_config(void)
{
	static const char path[] = BUDGETD_CONF_INSTALL_DIR "/budgetd.conf";
	char dir[PATH_MAX], here[PATH_MAX], installed[PATH_MAX];
	/* A build tree keeps its own config beside the executable and must
	 * not pick up an installation's (a /usr/local install has its
	 * sysconfdir beside sbin too: that one is the installation). */
	if (beside_executable("../etc/budgetd", dir, sizeof dir) &&
	    (realpath(dir, here) == NULL ||
	     realpath(BUDGETD_CONF_INSTALL_DIR, installed) == NULL ||
	     strcmp(here, installed) != 0))
		return NULL;
	return access(path, F_OK) == 0 ? path : NULL;
}

int daemon_check_state_dir(const struct config *c, char *err, size_t err_size)
{
	char who[96], parent[PATH_MAX];
	struct stat st;
	const char *dir = c->state_dir;
	store_describe_self(who, sizeof who);
	if (stat(dir, &st) != 0) {
		/* Created at start: then its parent must take it. */
		snprintf(parent, sizeof parent, "%s", dir);
		char *slash = strrchr(parent, '/');
		if (slash == NULL)
			snprintf(parent, sizeof parent, ".");
		else if (slash == parent)
			parent[1] = '\0';
		else
			*slash = '\0';
		if (access(parent, W_OK | X_OK) != 0) {
			snprintf(err, err_size,
				 "state directory %s does not exist and %s "
				 "cannot create it in %s: %s",
				 dir, who, parent, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "state directory %s is not a directory",
			 dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		int e = errno;
		char owner[160];
		store_describe_owner(dir, owner, sizeof owner);
		snprintf(err, err_size,
			 "state directory %s is not writable by %s (%s): %s",
			 dir, who, owner, strerror(e));
		return -e;
	}
	return 0;
}

void daemon_choose_dirs(struct daemon *d)
{
	choose_plugin_dir(d->config, d->plugin_dir, sizeof d->plugin_dir);
	choose_conf_dir(d->config, d->host.conf_dir, sizeof d->host.conf_dir);
}

/* Appends name to the list of settings a reload could not apply. */
static void needs_restart(struct daemon *d, const char *name)
{
	size_t n = strlen(d->restart_needed);
	snprintf(d->restart_needed + n, sizeof d->restart_needed - n, "%s%s",
		 n ? ", " : "", name);
}

static bool same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_list(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/*
 * Settings bound at start (sockets, the store, shared objects, thread
 * and buffer counts) stay as they are running until a restart: fresh
 * takes the running values, so that status and the listeners' policies
 * speak of what is really there, and d->restart_needed names them.
 */
static void keep_running(struct daemon *d, struct config *fresh)
{
	struct config *run = d->config;
	char *swap;
	d->restart_needed[0] = '\0';
#define KEEP_TEXT(field, name)                                                 \
	if (!same_text(fresh->field, run->field)) {                            \
		needs_restart(d, name);                                        \
		swap = fresh->field, fresh->field = run->field,                \
		run->field = swap;                                             \
	}
#define KEEP_LIST(field, count, name)                                          \
	if (!same_list(fresh->field, fresh->count, run->field, run->count)) {  \
		needs_restart(d, name);                                        \
		for (size_t i = 0; i < CONFIG_MAX_LIST; i++)                   \
			swap = fresh->field[i],                                \
			fresh->field[i] = run->field[i], run->field[i] = swap; \
		size_t n = fresh->count;                                       \
		fresh->count = run->count, run->count = n;                     \
	}
#define KEEP_NUMBER(field, name)                                               \
	if (fresh->field != run->field) {                                      \
		needs_restart(d, name);                                        \
		fresh->field = run->field;                                     \
	}
	KEEP_LIST(listen, n_listen, "listen");
	KEEP_TEXT(publish, "publish");
	KEEP_TEXT(state_dir, "state_dir");
	KEEP_TEXT(plugin_dir, "plugin_dir");
	KEEP_LIST(plugins, n_plugins, "plugins");
	KEEP_NUMBER(max_message_size, "max_message_size");
	KEEP_NUMBER(request_contexts, "request_contexts");
	KEEP_NUMBER(audit_workers, "audit_workers");
	KEEP_NUMBER(commit_batch_max, "commit_batch_max");
	KEEP_TEXT(tls_cert_key, "tls_cert_key");
	KEEP_TEXT(tls_client_ca, "tls_client_ca");
#undef KEEP_TEXT
#undef KEEP_LIST
#undef KEEP_NUMBER
}

int daemon_reload(struct daemon *d, char *err, size_t err_size)
{
	struct config *fresh = NULL;
	int rc = daemon_config_load(&d->flags, &fresh, err, err_size);
	if (rc < 0) {
		log_error("reload refused: %s", err);
		return rc;
	}
	/* Audits on the workers read the config and the plugins' settings:
	 * they finish before either changes, and start again after. */
	host_audit_exclusive_begin(&d->host);
	/* So do the publications being built on the sender thread; only the
	 * loop queues more, and it is here. */
	outbox_drain(&d->rpc.outbox);
	keep_running(d, fresh);
	rc = host_reconfigure(&d->host, fresh, err, err_size);
	if (rc < 0) {
		host_audit_exclusive_end(&d->host);
		log_error("reload refused: %s", err);
		config_free(fresh);
		free(fresh);
		return rc;
	}
	config_free(d->config);
	free(d->config);
	d->config = fresh;
	host_audit_exclusive_end(&d->host);
	/* The request limits apply at once. */
	throttle_set(&d->throttle, (unsigned)fresh->rate_limit,
		     (unsigned)fresh->rate_burst,
		     (unsigned)fresh->max_in_flight_per_connection);
	log_info("configuration reloaded from %s",
		 fresh->path ? fresh->path : "built-in defaults");
	if (d->restart_needed[0])
		log_warning("reload: %s changed; restart budgetd for that to "
			    "take effect (the running values stay until then)",
			    d->restart_needed);
	return 0;
}

/* ---- accepting a revision ---- */

int daemon_accept(struct daemon *d, struct registry_entry *entry,
		  struct bd_apply *apply, int *applied)
{
	struct registry_entry *replaced = NULL;
	if (registry_entry_summarise(entry) < 0 ||
	    registry_replace(&d->registry, entry, &replaced) < 0) {
		registry_entry_free(entry);
		return -ENOMEM;
	}
	*applied = host_apply(&d->host, replaced ? &replaced->revision : NULL,
			      &entry->revision, apply);
	registry_entry_free(replaced);
	/* The plugins keep what they need of it; the store keeps it all. */
	if (!d->host.keeps_documents)
		registry_compact(&d->registry, entry);
	return 0;
}

/* ---- rebuild from the store ---- */

/*
 * The rebuild reads the latest revisions in one pass; the pool parses them
 * (most of the time) while this thread applies those parsed, in any
 * order: each (department, year) comes once, and sums do not care.
 */
struct rebuild {
	struct daemon *d;
	struct workers pool;
	size_t out; /* parsing or parsed, not yet applied */
	int rc;	    /* the first failure */
};

struct rebuild_job {
	struct workers_job work;
	struct rebuild *rebuild;
	struct registry_entry *entry;
	char *body;
	size_t body_len;
	char department[13];
	int year;
	int rc;
	char why[256];
};

/* Where a rebuild may have this many documents parsed ahead of it. */
#define REBUILD_AHEAD 256

static void rebuild_parse(struct workers_job *work)
{
	struct rebuild_job *j = (struct rebuild_job *)work;
	struct bd_submission *sub = NULL;
	/* The JSON tree lives only inside model_parse_json; it is about ten
	 * times its text, so most fit the arena's first chunk. */
	struct arena scratch;
	arena_init_sized(&scratch, j->body_len * 12);
	json_scratch_begin(&scratch);
	j->rc = model_parse_json(j->body, j->body_len, &j->entry->arena, &sub,
				 j->why, sizeof j->why);
	json_scratch_end();
	arena_release(&scratch);
	j->entry->revision.submission = sub;
	if (j->rc == 0)
		j->entry->body_hash = hash_bytes(j->body, j->body_len);
	free(j->body);
	j->body = NULL;
}

static void rebuild_apply(struct workers_job *work)
{
	struct rebuild_job *j = (struct rebuild_job *)work;
	struct rebuild *r = j->rebuild;
	r->out--;
	if (j->rc < 0 || r->rc < 0) {
		if (j->rc < 0 && r->rc == 0)
			log_error("store: revision %lld of %s/%d no longer "
				  "parses: %s",
				  (long long)j->entry->revision.number,
				  j->department, j->year, j->why);
		if (r->rc == 0)
			r->rc = j->rc;
		registry_entry_free(j->entry);
		free(j);
		return;
	}
	/* The totals a rebuild moves are not news: nobody collects them. */
	int applied;
	int rc = daemon_accept(r->d, j->entry, NULL, &applied);
	if (rc == 0 && applied < 0)
		rc = applied;
	if (rc < 0 && r->rc == 0)
		r->rc = rc;
	free(j);
}

static void rebuild_drain(struct rebuild *r, size_t down_to)
{
	while (r->out > down_to) {
		struct workers_job *job = workers_wait_done(&r->pool);
		if (job == NULL)
			break;
		while (job != NULL) {
			struct workers_job *next = job->next;
			job->done(job);
			job = next;
		}
	}
}

static int rebuild_one(void *ctx, const struct store_revision_row *row)
{
	struct rebuild *r = ctx;
	if (r->rc < 0)
		return r->rc;
	struct rebuild_job *j = calloc(1, sizeof *j);
	if (j == NULL || (j->entry = calloc(1, sizeof *j->entry)) == NULL ||
	    (j->body = malloc(row->body_len + 1)) == NULL) {
		if (j)
			free(j->entry);
		free(j);
		return -ENOMEM;
	}
	memcpy(j->body, row->body, row->body_len);
	j->body[row->body_len] = '\0';
	j->body_len = row->body_len;
	j->rebuild = r;
	snprintf(j->department, sizeof j->department, "%s", row->department);
	j->year = row->year;
	arena_init(&j->entry->arena);
	j->entry->body_len = row->body_len;
	j->entry->revision = (struct bd_revision){
	    .number = row->revision,
	    .document_id = row->document_id,
	    .seq = row->seq,
	};
	j->work =
	    (struct workers_job){.run = rebuild_parse, .done = rebuild_apply};
	r->out++;
	workers_submit(&r->pool, &j->work);
	rebuild_drain(r, REBUILD_AHEAD);
	return r->rc;
}

int daemon_rebuild(struct daemon *d)
{
	struct timespec t0, t1;
	struct rebuild r = {.d = d};
	size_t threads = d->config->audit_workers < 0
			     ? workers_default_count()
			     : (size_t)d->config->audit_workers;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = workers_start(&r.pool, threads, NULL, NULL);
	if (rc == 0)
		rc = store_each_latest(&d->store, rebuild_one, &r);
	rebuild_drain(&r, 0);
	workers_stop(&r.pool);
	/* The parsing threads' arenas hold the freed documents' memory
	 * (at 2,000 × 200, 19 MB with 2 KB in use): give it back. */
	malloc_trim(0);
	if (rc == 0)
		rc = r.rc;
	struct store_counts counts;
	if (rc == 0 && store_counts(&d->store, &counts) == 0)
		d->answered_seq = counts.last_seq; /* nothing waits yet */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0) {
		log_error("rebuild from %s failed (%s)", d->store.path,
			  strerror(-rc));
		return rc;
	}
	log_info("rebuilt %zu department budgets from %s in %.1f ms (%zu "
		 "threads parsing)",
		 d->registry.n_entries, d->store.path,
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		 threads);
	return 0;
}
