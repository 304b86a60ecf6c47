#include "log.h"

#include <errno.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic enum bd_log_level log_level = BD_LOG_INFO;
/* Under systemd stderr goes to the journal: entries then go straight to
 * it, with fields a query can select on. */
static bool log_to_journal;
static int (*journal_sink)(const struct iovec *iov, int n) = sd_journal_sendv;

void log_init(void)
{
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_journal_sink(int (*sink)(const struct iovec *iov, int n))
{
	journal_sink = sink ? sink : sd_journal_sendv;
}

/* One FIELD=value for the journal; false when it does not fit. */
static bool add_field(struct iovec *iov, int *n, char *buf, size_t *used,
		      size_t size, const char *field, const char *value)
{
	int len = snprintf(buf + *used, size - *used, "%s=%s", field, value);
	if (len < 0 || (size_t)len >= size - *used)
		return false;
	iov[*n].iov_base = buf + *used;
	iov[*n].iov_len = (size_t)len;
	(*n)++;
	*used += (size_t)len + 1;
	return true;
}

/* The journal entry of a log line: 0, or negative when it could not be
 * sent (the caller then writes to stderr). */
static int send_journal(enum bd_log_level level, const char *prefix,
			const char *line, const struct log_fields *f)
{
	char buf[4096], number[16];
	struct iovec iov[8];
	size_t used = 0;
	int n = 0;
	char message[2200];
	snprintf(message, sizeof message, "%s%s", prefix ? prefix : "", line);
	snprintf(number, sizeof number, "%d", (int)level);
	bool ok =
	    add_field(iov, &n, buf, &used, sizeof buf, "MESSAGE", message) &&
	    add_field(iov, &n, buf, &used, sizeof buf, "PRIORITY", number) &&
	    add_field(iov, &n, buf, &used, sizeof buf, "SYSLOG_IDENTIFIER",
		      "budgetd");
	if (ok && f && f->department && f->department[0])
		ok = add_field(iov, &n, buf, &used, sizeof buf, "DEPARTMENT",
			       f->department);
	if (ok && f && f->year) {
		snprintf(number, sizeof number, "%d", f->year);
		ok = add_field(iov, &n, buf, &used, sizeof buf, "YEAR", number);
	}
	if (ok && f && f->rule && f->rule[0])
		ok =
		    add_field(iov, &n, buf, &used, sizeof buf, "RULE", f->rule);
	if (ok && f && f->peer && f->peer[0])
		ok =
		    add_field(iov, &n, buf, &used, sizeof buf, "PEER", f->peer);
	return ok ? journal_sink(iov, n) : -ENOSPC;
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

static void log_line(enum bd_log_level level, const char *prefix,
		     const struct log_fields *fields, const char *fmt,
		     va_list ap);

void log_vmsg(enum bd_log_level level, const char *prefix, const char *fmt,
	      va_list ap)
{
	log_line(level, prefix, NULL, fmt, ap);
}

void log_with(enum bd_log_level level, const struct log_fields *fields,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(level, NULL, fields, fmt, ap);
	va_end(ap);
}

static void log_line(enum bd_log_level level, const char *prefix,
		     const struct log_fields *fields, const char *fmt,
		     va_list ap)
{
	static const char *const names[8] = {"",	"", "",	    "error",
					     "warning", "", "info", "debug"};
	char line[2048];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_to_journal && send_journal(level, prefix, line, fields) >= 0)
		return;
	if (log_to_journal) {
		/* No journal socket after all: the stream still reads "<N>". */
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
