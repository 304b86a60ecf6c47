/* verify: the district totals, recomputed from the store and compared. */
#ifndef BUDGETD_VERIFY_H
#define BUDGETD_VERIFY_H

#include <cjson/cJSON.h>

struct daemon;
struct rpc_request;

/* Answers the "verify" op: consistent, departments, cells_compared,
 * differences[].  The store is counted on a thread of its own; the
 * reply follows from the loop when the count is reconciled with memory
 * (at once, on the caller's thread, when the daemon has no loop). */
void verify_start(struct daemon *d, struct rpc_request *req);
/* The same reply, everything counted on the caller's thread (tests);
 * NULL when out of memory. */
cJSON *verify_run(struct daemon *d);
/* verify_run, calling between(ctx) after the store is first counted:
 * for tests, what changes while a verify counts. */
cJSON *verify_run_between(struct daemon *d, void (*between)(void *ctx),
			  void *ctx);

#endif
