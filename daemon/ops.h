/*
 * The ops of the wire protocol.  request.c decodes a request, finds its
 * op in one table and checks the least role the op needs; each handler
 * then answers its request exactly once.
 */
#ifndef BUDGETD_OPS_H
#define BUDGETD_OPS_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>
#include <stddef.h>

#include "auth.h"

struct daemon;
struct rpc_request;
struct store_job;

/* One request on its way to its handler. */
struct op_call {
	struct daemon *d;
	struct rpc_request *req;
	const struct principal *who;
	cJSON *env; /* the parsed request */
	/* Where env lives: *env_arena, an arena of its own (decoded off the
	 * loop), or malloc'ed when NULL.  An op that keeps a part of env past
	 * its call takes the arena (and sets *env_arena to NULL), and frees
	 * it with json_scratch_release. */
	struct arena **env_arena;
	const char *op;	  /* its "op" */
	const char *text; /* the request as received: documents are stored
			     byte for byte */
	size_t len;
};

/* ops_submit.c */
void ops_submit(const struct op_call *c);
void ops_validate(const struct op_call *c);
/* A store job finished: answers its submission (loop thread). */
void ops_store_done(struct daemon *d, struct store_job *job);

/* ops_read.c */
void ops_departments(const struct op_call *c);
/* The departments reply for who: the latest accepted revision of each
 * department it may see (of year, or every year for 0). */
cJSON *ops_department_list(struct daemon *d, const struct principal *who,
			   int year);
/* A stored event as the events op gives it: its changes in unit. */
void ops_event_as_published(cJSON *ev, enum bd_unit unit);
/* The stored document a request names (department, year: its newest by
 * default, revision: the latest accepted by default), malloc'd, with
 * *code, *year and the revision *number; NULL after an error reply. */
char *ops_stored_document(const struct op_call *c, const char **code, int *year,
			  int64_t *number);
/* The newest year department has an accepted revision for, or 0. */
int ops_latest_year(struct daemon *d, const char *department);
void ops_show(const struct op_call *c);
void ops_history(const struct op_call *c);
/* The stored findings of a department's newest (or a named) document. */
void ops_findings(const struct op_call *c);
void ops_events(const struct op_call *c);
void ops_status(const struct op_call *c);
/* A plugin's query op asked in process, within who's scope: 0 with the
 * answer in q->reply (the caller's); else -ENOENT (no plugin answers
 * op), -EACCES (not within a scope), -EINVAL (the plugin refused it:
 * q->error_code and q->error_message) or another error, q->reply NULL. */
struct bd_query;
int ops_query(struct daemon *d, const struct principal *who, const char *op,
	      const cJSON *request, struct bd_query *q);
/* Any op not in the core table: a plugin's query.  Returns 0 when it was
 * answered, -ENOENT (nothing sent) when no plugin knows the op. */
int ops_plugin_query(const struct op_call *c);

/* ops_export.c: the district workbook or a department's publication
 * tables, built in process from the same code budgetctl uses. */
void ops_export(const struct op_call *c);
/* The classification catalogue's directory (the audit's). */
void ops_catalog_dir(struct daemon *d, char *dir, size_t size);

/* ops_admin.c */
void ops_reload(const struct op_call *c);
void ops_lock(const struct op_call *c);
void ops_credential_add(const struct op_call *c);
void ops_credential_remove(const struct op_call *c);
void ops_credential_list(const struct op_call *c);
void ops_verify(const struct op_call *c);
/* An online, checked copy of the store to a new file (admin). */
void ops_backup(const struct op_call *c);
/* Health for monitoring: store, queue, loop (operator). */
void ops_check(const struct op_call *c);

#endif
