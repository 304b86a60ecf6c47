/* The administrative ops: reload, year locks, credentials, verify. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "daemon.h"
#include "envelope.h"
#include "log.h"
#include "money.h"
#include "offloop.h"
#include "ops.h"
#include "reply.h"
#include "backup.h"
#include "health.h"
#include "verify.h"

void ops_reload(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	char err[1024];
	if (daemon_reload(d, err, sizeof err) < 0) {
		reply_fail(d, req, "reload_failed",
			   "%s; the previous configuration stays in force",
			   err);
		return;
	}
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(
	    reply, "config", d->config->path ? d->config->path : "(built-in)");
	/* Said in the reply, not only in the log: the operator who reloaded
	 * must not believe a new listener is there. */
	cJSON *restart = cJSON_AddArrayToObject(reply, "restart_needed");
	char names[sizeof d->restart_needed], *save = NULL;
	snprintf(names, sizeof names, "%s", d->restart_needed);
	for (char *n = strtok_r(names, ", ", &save); n;
	     n = strtok_r(NULL, ", ", &save))
		cJSON_AddItemToArray(restart, cJSON_CreateString(n));
	reply_send(d, req, reply);
}

void ops_lock(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	bool failed = false;
	int year = envelope_year(c, &failed);
	if (failed)
		return;
	if (year == 0) {
		reply_fail(d, req, "bad_request", "\"year\" is required");
		return;
	}
	bool lock = envelope_bool(c, "locked", true, &failed);
	if (failed)
		return;
	int rc = store_set_locked(&d->store, year, lock);
	if (rc == 0) {
		rc = store_locked_years(&d->store, d->locked_years, 64);
		if (rc >= 0) {
			d->n_locked_years = rc;
			rc = 0;
		}
	}
	if (rc < 0) {
		reply_fail(d, req, "store_failed", "%s", strerror(-rc));
		return;
	}
	log_info("fiscal year %d %s", year, lock ? "locked" : "unlocked");
	cJSON *reply = reply_ok();
	cJSON_AddNumberToObject(reply, "year", year);
	cJSON_AddBoolToObject(reply, "locked", lock);
	reply_send(d, req, reply);
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
			    "YZ0123456789_-",
			    name[i]))
			return false;
	return true;
}

void ops_credential_add(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	bool failed = false;
	const char *name = envelope_string(c, "name", true, &failed);
	const char *role = envelope_string(c, "role", true, &failed);
	const char *scope = envelope_string(c, "department", false, &failed);
	bool replace = envelope_bool(c, "replace", false, &failed);
	if (failed)
		return;
	struct credential cred = {0};
	if (!valid_name(name)) {
		reply_fail(d, req, "bad_request",
			   "\"name\" is 1..63 of letters, digits, '_' and '-'");
		return;
	}
	if (auth_role_from_name(role, &cred.role) < 0) {
		reply_fail(d, req, "bad_request",
			   "\"role\" is department, parent, operator or admin");
		return;
	}
	bool scoped = cred.role == AUTH_DEPARTMENT || cred.role == AUTH_PARENT;
	if (scoped &&
	    (scope == NULL || strlen(scope) < 3 || strlen(scope) > 12 ||
	     strspn(scope, "0123456789") != strlen(scope))) {
		reply_fail(d, req, "bad_request",
			   "a %s credential needs \"department\": its 3 to 12 "
			   "digit code",
			   role);
		return;
	}
	snprintf(cred.name, sizeof cred.name, "%s", name);
	snprintf(cred.scope, sizeof cred.scope, "%s", scoped ? scope : "");
	char token[AUTH_TOKEN_MAX];
	int rc = auth_issue(&cred, token, sizeof token);
	if (rc == 0)
		rc = store_credential_put(&d->store, &cred, replace);
	if (rc == -EEXIST) {
		/* Replacing would end the old token's use without a word. */
		reply_fail(d, req, "exists",
			   "a credential named \"%s\" exists; nothing was "
			   "changed (to issue it a new secret, which stops the "
			   "old token, send \"replace\": true: budgetctl "
			   "credential add --replace)",
			   cred.name);
		return;
	}
	if (rc == 0)
		rc = store_credentials_load(&d->store, &d->auth);
	if (rc < 0) {
		reply_fail(d, req, "store_failed",
			   "the credential was not stored: %s", strerror(-rc));
		return;
	}
	log_info("credential %s (%s %s) %s", cred.name, role, cred.scope,
		 replace ? "issued or replaced" : "issued");
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "name", cred.name);
	cJSON_AddStringToObject(reply, "role", role);
	if (scoped)
		cJSON_AddStringToObject(reply, "department", cred.scope);
	/* Shown once: only its hash is kept. */
	cJSON_AddStringToObject(reply, "token", token);
	reply_send(d, req, reply);
}

void ops_credential_remove(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	bool failed = false;
	const char *name = envelope_string(c, "name", true, &failed);
	if (failed)
		return;
	int rc = store_credential_remove(&d->store, name);
	if (rc == 0)
		rc = store_credentials_load(&d->store, &d->auth);
	if (rc == -ENOENT) {
		reply_fail(d, req, "not_found", "no credential named \"%s\"",
			   name);
		return;
	}
	if (rc < 0) {
		reply_fail(d, req, "store_failed", "%s", strerror(-rc));
		return;
	}
	log_info("credential %s removed", name);
	cJSON *reply = reply_ok();
	cJSON_AddStringToObject(reply, "removed", name);
	reply_send(d, req, reply);
}

void ops_credential_list(const struct op_call *c)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	cJSON *reply = reply_ok();
	cJSON *list = cJSON_AddArrayToObject(reply, "credentials");
	for (size_t i = 0; i < d->auth.n; i++) {
		const struct credential *cred = &d->auth.items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", cred->name);
		cJSON_AddStringToObject(o, "role", auth_role_name(cred->role));
		if (cred->scope[0])
			cJSON_AddStringToObject(o, "department", cred->scope);
		cJSON_AddItemToArray(list, o);
	}
	reply_send(d, req, reply);
}

void ops_check(const struct op_call *c)
{
	enum health_level level;
	cJSON *reply = reply_ok();
	cJSON_AddItemToObject(reply, "health", health_report(c->d, &level));
	reply_send(c->d, c->req, reply);
}

void ops_verify(const struct op_call *c)
{
	verify_start(c->d, c->req);
}

/* A backup on a thread of its own; the loop hears of its end. */
struct backup_job {
	struct daemon *d;
	struct rpc_request *req;
	struct offloop thread;
	char path[4096];
	int rc;
	struct backup_result result;
};

static void backup_answer(struct backup_job *b)
{
	struct daemon *d = b->d;
	if (b->rc < 0) {
		log_error("backup to %s failed: %s", b->path, b->result.error);
		reply_fail(d, b->req, "backup_failed", "%s; no copy was kept",
			   b->result.error);
	} else {
		log_info("backup to %s: %lld revisions, %lld bytes, %.2f s",
			 b->path, (long long)b->result.revisions,
			 (long long)b->result.bytes, b->result.seconds);
		cJSON *reply = reply_ok();
		cJSON_AddStringToObject(reply, "file", b->path);
		cJSON_AddNumberToObject(reply, "bytes",
					(double)b->result.bytes);
		cJSON_AddNumberToObject(reply, "pages",
					(double)b->result.pages);
		cJSON_AddNumberToObject(reply, "documents",
					(double)b->result.documents);
		cJSON_AddNumberToObject(reply, "revisions",
					(double)b->result.revisions);
		cJSON_AddNumberToObject(reply, "last_seq",
					(double)b->result.last_seq);
		cJSON_AddStringToObject(reply, "integrity", "ok");
		cJSON_AddNumberToObject(reply, "seconds", b->result.seconds);
		reply_send(d, b->req, reply);
	}
	d->backup_running = false;
}

static void backup_run(void *arg)
{
	struct backup_job *b = arg;
	b->rc = backup_copy(b->d->store.path, b->path, &b->result);
}

static void backup_done(void *arg)
{
	struct backup_job *b = arg;
	offloop_free(&b->thread);
	backup_answer(b);
	free(b);
}

void ops_backup(const struct op_call *c)
{
	struct daemon *d = c->d;
	bool failed = false;
	const char *file = envelope_string(c, "file", true, &failed);
	if (failed)
		return;
	if (file[0] != '/' || strlen(file) >= 4096) {
		reply_fail(d, c->req, "bad_request",
			   "\"file\" must be an absolute path on the daemon's "
			   "machine (budgetctl backup makes it absolute)");
		return;
	}
	if (d->backup_running) {
		reply_fail(d, c->req, "busy",
			   "a backup is running; send again when it is done");
		return;
	}
	struct backup_job *b = calloc(1, sizeof *b);
	if (b == NULL) {
		reply_fail(d, c->req, "internal", "out of memory");
		return;
	}
	b->d = d;
	b->req = c->req;
	snprintf(b->path, sizeof b->path, "%s", file);
	d->backup_running = true;
	/* Without a loop (tests driving requests in process) it runs here. */
	if (offloop_init(&b->thread, d->base, backup_run, backup_done, b) < 0 ||
	    offloop_start(&b->thread, "budgetd:backup") < 0) {
		backup_run(b);
		backup_done(b);
		return;
	}
	log_info("backup to %s started", b->path);
}
