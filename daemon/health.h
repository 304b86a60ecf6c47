/* Health: what a monitoring system asks of a running budgetd. */
#ifndef BUDGETD_HEALTH_H
#define BUDGETD_HEALTH_H

#include <cjson/cJSON.h>

struct daemon;

enum health_level {
	HEALTH_OK = 0,
	HEALTH_WARNING = 1,
	HEALTH_CRITICAL = 2,
};

/*
 * The state of the store (writable, free space, the last commit and how
 * long it took), the submissions waiting for the disk against the limit,
 * and how late the loop runs its timers: as data, with a level and one
 * line ("OK - store writable (12.3 GiB free), last commit 3 ms, …").
 * *level is the worst of them.
 */
cJSON *health_report(struct daemon *d, enum health_level *level);

#endif
