/* Replies to requests: one JSON object each. */
#ifndef BUDGETD_REPLY_H
#define BUDGETD_REPLY_H

#include <budgetd/plugin.h>
#include <cjson/cJSON.h>

struct daemon;
struct rpc_request;

/* {"ok":true}, for the caller to add to. */
cJSON *reply_ok(void);
/* {"ok":false,"error":{"code":code,"message":message}}. */
cJSON *reply_error(const char *code, const char *message);
/* "ok", or the reply's error code ("error" when it names none). */
const char *reply_outcome(const cJSON *reply);
/* Sends reply (and frees it); the request is answered and gone. */
void reply_send(struct daemon *d, struct rpc_request *req, cJSON *reply);
/* Sends an error reply; logged at debug level with the peer. */
void reply_fail(struct daemon *d, struct rpc_request *req, const char *code,
		const char *fmt, ...) BD_PRINTF(4, 5);

/* "store_failed" for a read of the store that failed with rc. */
void reply_store_failed(struct daemon *d, struct rpc_request *req, int rc);

#endif
