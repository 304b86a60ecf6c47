/* verify: the district totals, recomputed from the store and compared. */
#ifndef BUDGETD_VERIFY_H
#define BUDGETD_VERIFY_H

#include <cjson/cJSON.h>

struct daemon;

/* The reply of the "verify" op: consistent, departments, cells_compared,
 * differences[]. */
cJSON *verify_run(struct daemon *d);

#endif
