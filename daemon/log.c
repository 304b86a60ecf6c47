#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum bd_log_level log_level = BD_LOG_INFO;
/* Under systemd stderr goes to the journal, which understands "<N>" and
 * adds its own timestamps. */
static bool log_to_journal;

void log_init(void)
{
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

int log_set_level_name(const char *name)
{
	static const struct {
		const char *name;
		enum bd_log_level level;
	} levels[] = {{"error", BD_LOG_ERROR},
		      {"warning", BD_LOG_WARNING},
		      {"info", BD_LOG_INFO},
		      {"debug", BD_LOG_DEBUG}};
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		if (strcmp(levels[i].name, name) == 0) {
			log_level = levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void log_vmsg(enum bd_log_level level, const char *prefix, const char *fmt,
	      va_list ap)
{
	static const char *const names[8] = {"",	"", "",	    "error",
					     "warning", "", "info", "debug"};
	char line[2048];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_to_journal) {
		fprintf(stderr, "<%d>%s%s\n", (int)level, prefix ? prefix : "",
			line);
	} else {
		char stamp[32];
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld budgetd %s: %s%s\n", stamp,
			ts.tv_nsec / 1000000, names[level & 7],
			prefix ? prefix : "", line);
	}
}

void log_msg(enum bd_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}
