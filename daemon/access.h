/*
 * Access: who sends a request and what they may do.  Roles come from the
 * listener's policy or the credential (auth.c); the scope built here is
 * what the host hands every plugin query, so a plugin never has to know
 * about roles to keep a department to its own figures.
 */
#ifndef BUDGETD_ACCESS_H
#define BUDGETD_ACCESS_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "auth.h"

struct daemon;
struct rpc_request;

/* The principal of a request: the listener's trust, else its token.
 * Returns 0, or -EACCES after replying "unauthenticated". */
int access_authenticate(struct daemon *d, struct rpc_request *req,
			const cJSON *env, struct principal *who);

/* Logs and replies "forbidden" with the why and the principal. */
void access_forbid(struct daemon *d, struct rpc_request *req,
		   const struct principal *who, const char *fmt, ...)
    BD_PRINTF(4, 5);

/* Whether who has at least the role least; replies "forbidden" if not. */
bool access_require_role(struct daemon *d, struct rpc_request *req,
			 const struct principal *who, enum auth_role least,
			 const char *op);

/* Whether who may send (storing: submit, else validate) the request's
 * document; replies "forbidden" if not. */
bool access_may_send(struct daemon *d, struct rpc_request *req,
		     const struct principal *who, const cJSON *env,
		     bool storing);

/* Whether who may read department code's records; replies if not. */
bool access_may_read(struct daemon *d, struct rpc_request *req,
		     const struct principal *who, const char *code);

/* Whether a listener trusts its peers (policy "trust") or requires a
 * credential (policy "credentials"). */
bool access_listener_trusted(const struct daemon *d, int listener_index);

/* The scope a principal's queries are answered within.  It points into
 * who, which must outlive it. */
void access_scope(const struct principal *who, struct bd_scope *scope);

#endif
