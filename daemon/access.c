/* Access: who a request comes from, and what that principal may do and
 * see.  Plugins never decide this: they are handed the scope. */
#include "access.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "reply.h"

int access_authenticate(struct daemon *d, struct rpc_request *req,
			const cJSON *env, struct principal *who)
{
	memset(who, 0, sizeof *who);
	if (access_listener_trusted(d, req->listener_index)) {
		who->role = AUTH_ADMIN;
		snprintf(who->name, sizeof who->name, "local");
		return 0;
	}
	const cJSON *token = cJSON_GetObjectItemCaseSensitive(env, "token");
	if (!cJSON_IsString(token)) {
		log_with(BD_LOG_WARNING,
			 &(struct log_fields){.peer = req->peer},
			 "unauthenticated request from %s refused", req->peer);
		reply_fail(
		    d, req, "unauthenticated",
		    "this listener requires a credential: send \"token\": "
		    "\"NAME.SECRET\" (budgetctl --token or $BUDGETD_TOKEN)");
		return -EACCES;
	}
	if (strlen(token->valuestring) >= AUTH_TOKEN_MAX ||
	    auth_verify(&d->auth, token->valuestring, who) < 0) {
		log_with(BD_LOG_WARNING,
			 &(struct log_fields){.peer = req->peer},
			 "request from %s with an invalid credential refused",
			 req->peer);
		reply_fail(d, req, "unauthenticated",
			   "the credential is not valid (unknown name or wrong "
			   "secret)");
		return -EACCES;
	}
	return 0;
}

void access_forbid(struct daemon *d, struct rpc_request *req,
		   const struct principal *who, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	log_with(
	    BD_LOG_WARNING,
	    &(struct log_fields){.department = who->scope, .peer = req->peer},
	    "%s (%s %s) from %s refused: %s", who->name,
	    auth_role_name(who->role), who->scope, req->peer, why);
	reply_fail(d, req, "forbidden", "%s as %s (%s%s%s)", why, who->name,
		   auth_role_name(who->role), who->scope[0] ? " of " : "",
		   who->scope);
}

bool access_require_role(struct daemon *d, struct rpc_request *req,
			 const struct principal *who, enum auth_role least,
			 const char *op)
{
	if (who->role >= least)
		return true;
	access_forbid(d, req, who, "\"%s\" needs the %s role", op,
		      auth_role_name(least));
	return false;
}

/* The 主管部门 of a department, from any year's latest revision. */
static const char *parent_of(struct daemon *d, const char *code)
{
	for (size_t i = 0; i < d->registry.n_buckets; i++)
		for (struct registry_entry *e = d->registry.buckets[i]; e;
		     e = e->next_in_bucket)
			if (strcmp(e->summary.code, code) == 0)
				return e->summary.parent;
	return NULL;
}

/* A document may be sent only for a department the principal covers. */
bool access_may_send(struct daemon *d, struct rpc_request *req,
		     const struct principal *who, const cJSON *env,
		     bool storing)
{
	if (who->role == AUTH_ADMIN)
		return true;
	if (who->role == AUTH_OPERATOR) {
		if (!storing)
			return true;
		access_forbid(d, req, who,
			      "operators read; they do not submit");
		return false;
	}
	const cJSON *dept = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(env, "document"), "department");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(dept, "code");
	const cJSON *parent = cJSON_GetObjectItemCaseSensitive(dept, "parent");
	if (!cJSON_IsString(code)) {
		access_forbid(d, req, who,
			      "the document names no department.code");
		return false;
	}
	if (auth_covers(who, code->valuestring,
			cJSON_IsString(parent) ? parent->valuestring : NULL))
		return true;
	access_forbid(d, req, who,
		      "a budget of department %.12s may not be sent",
		      code->valuestring);
	return false;
}

bool access_may_read(struct daemon *d, struct rpc_request *req,
		     const struct principal *who, const char *code)
{
	/* Only a 主管部门's rights depend on the parent: the others need not
	 * scan the registry for it. */
	const char *parent =
	    who->role == AUTH_PARENT ? parent_of(d, code) : NULL;
	if (auth_covers(who, code, parent))
		return true;
	access_forbid(d, req, who, "department %.12s may not be read", code);
	return false;
}

bool access_listener_trusted(const struct daemon *d, int listener_index)
{
	const char *url;
	if (listener_index == RPC_LISTENER_HTTP)
		url = d->http.url;
	else if (listener_index < 0 ||
		 (size_t)listener_index >= d->config->n_listen)
		return false;
	else
		url = d->config->listen[listener_index];
	const char *sep = strstr(url, "://");
	size_t scheme = sep ? (size_t)(sep - url) : 0;
	for (size_t i = 0; i < d->config->n_trust; i++) {
		const char *t = d->config->trust[i];
		if (strcmp(t, url) == 0 || (scheme && strlen(t) == scheme &&
					    strncmp(t, url, scheme) == 0))
			return true;
	}
	return false;
}

void access_scope(const struct principal *who, struct bd_scope *scope)
{
	*scope = (struct bd_scope){.restricted = false};
	switch (who->role) {
	case AUTH_DEPARTMENT:
		scope->restricted = true;
		scope->department = who->scope;
		break;
	case AUTH_PARENT:
		scope->restricted = true;
		scope->parent = who->scope;
		break;
	case AUTH_OPERATOR:
	case AUTH_ADMIN:
		break;
	default:
		/* Restricted to nothing: no department passes. */
		scope->restricted = true;
	}
}
