#include "health.h"

#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "daemon.h"

/* Where each reading turns from OK to WARNING and CRITICAL. */
#define COMMIT_WARNING_US  (1000 * 1000)
#define COMMIT_CRITICAL_US (10 * 1000 * 1000)
#define LAG_WARNING_MS	   1000
#define LAG_CRITICAL_MS	   10000
/* Free space, in per cent of the filesystem. */
#define FREE_WARNING_PERCENT  5
#define FREE_CRITICAL_PERCENT 1

static void worse(enum health_level *level, enum health_level than)
{
	if (than > *level)
		*level = than;
}

static const char *const level_names[] = {"ok", "warning", "critical"};

cJSON *health_report(struct daemon *d, enum health_level *level)
{
	char line[400], free_text[48] = "?";
	*level = HEALTH_OK;
	cJSON *h = cJSON_CreateObject();

	/* The store: can it take a commit? */
	const char *dir = d->config->state_dir;
	bool writable = access(dir, W_OK | X_OK) == 0;
	struct statvfs vfs;
	unsigned long long free_bytes = 0, size_bytes = 0;
	if (statvfs(dir, &vfs) == 0) {
		free_bytes = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		size_bytes = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
		if (free_bytes >= (1ull << 30))
			snprintf(free_text, sizeof free_text, "%.1f GiB free",
				 (double)free_bytes / (1u << 30));
		else
			snprintf(free_text, sizeof free_text, "%.1f MiB free",
				 (double)free_bytes / (1u << 20));
	}
	unsigned long long percent_free =
	    size_bytes ? free_bytes * 100 / size_bytes : 0;
	pthread_mutex_lock(&d->store.lock);
	uint64_t last_us = d->store.last_commit_us;
	uint64_t max_us = d->store.max_commit_us;
	uint64_t failures = d->store.commit_failures;
	bool failed = d->store.last_commit_failed;
	uint64_t commits = d->store.commits;
	pthread_mutex_unlock(&d->store.lock);
	if (!writable || failed || percent_free < FREE_CRITICAL_PERCENT)
		worse(level, HEALTH_CRITICAL);
	else if (percent_free < FREE_WARNING_PERCENT)
		worse(level, HEALTH_WARNING);
	if (last_us >= COMMIT_CRITICAL_US)
		worse(level, HEALTH_CRITICAL);
	else if (last_us >= COMMIT_WARNING_US)
		worse(level, HEALTH_WARNING);
	cJSON *store = cJSON_AddObjectToObject(h, "store");
	cJSON_AddBoolToObject(store, "writable", writable);
	cJSON_AddNumberToObject(store, "free_bytes", (double)free_bytes);
	cJSON_AddNumberToObject(store, "free_percent", (double)percent_free);
	cJSON_AddNumberToObject(store, "commits", (double)commits);
	cJSON_AddBoolToObject(store, "last_commit_failed", failed);
	cJSON_AddNumberToObject(store, "commit_failures", (double)failures);
	cJSON_AddNumberToObject(store, "last_commit_ms",
				(double)last_us / 1000.0);
	cJSON_AddNumberToObject(store, "max_commit_ms",
				(double)max_us / 1000.0);

	/* The queue: submissions waiting for the disk. */
	int limit = d->config->max_in_flight;
	if (limit > 0 && d->in_flight >= (size_t)limit)
		worse(level, HEALTH_CRITICAL);
	else if (limit > 0 && d->in_flight * 5 >= (size_t)limit * 4)
		worse(level, HEALTH_WARNING);
	cJSON *queue = cJSON_AddObjectToObject(h, "queue");
	cJSON_AddNumberToObject(queue, "waiting", (double)d->in_flight);
	cJSON_AddNumberToObject(queue, "limit", limit);

	/* The loop: how late its timer fired (the watchdog proves only that
	 * it turns at all). */
	if (d->loop_lag_ms >= LAG_CRITICAL_MS)
		worse(level, HEALTH_CRITICAL);
	else if (d->loop_lag_ms >= LAG_WARNING_MS)
		worse(level, HEALTH_WARNING);
	cJSON *loop = cJSON_AddObjectToObject(h, "loop");
	cJSON_AddNumberToObject(loop, "lag_ms", (double)d->loop_lag_ms);
	cJSON_AddNumberToObject(loop, "max_lag_ms", (double)d->loop_max_lag_ms);
	cJSON_AddBoolToObject(loop, "watchdog", d->watchdog != NULL);

	snprintf(line, sizeof line,
		 "%s - store %s (%s)%s, last commit %.1f ms, %zu waiting for "
		 "the disk, loop lag %llu ms%s",
		 *level == HEALTH_OK	    ? "OK"
		 : *level == HEALTH_WARNING ? "WARNING"
					    : "CRITICAL",
		 writable ? "writable" : "NOT WRITABLE", free_text,
		 failed ? ", LAST COMMIT FAILED" : "", (double)last_us / 1000.0,
		 d->in_flight, (unsigned long long)d->loop_lag_ms,
		 d->watchdog ? ", watchdog on" : "");
	cJSON_AddStringToObject(h, "level", level_names[*level]);
	cJSON_AddStringToObject(h, "line", line);
	return h;
}
