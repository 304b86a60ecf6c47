/* Logging: to stderr, with syslog priority prefixes when journald reads it. */
#ifndef BUDGETD_LOG_H
#define BUDGETD_LOG_H

#include <budgetd/plugin.h>
#include <stdarg.h>

void log_init(void);
int log_set_level_name(const char *name); /* error|warning|info|debug */
void log_msg(enum bd_log_level level, const char *fmt, ...) BD_PRINTF(2, 3);
void log_vmsg(enum bd_log_level level, const char *prefix, const char *fmt,
	      va_list ap);

/* What a log line is about, for the journal's fields (DEPARTMENT=, YEAR=,
 * RULE=, PEER=) when budgetd runs under journald; plain lines show only
 * the message.  Any field may be empty. */
struct log_fields {
	const char *department;
	int year;
	const char *rule;
	const char *peer;
};
void log_with(enum bd_log_level level, const struct log_fields *fields,
	      const char *fmt, ...) BD_PRINTF(3, 4);

/* Where journal entries go (sd_journal_sendv; tests capture them). */
struct iovec;
void log_set_journal_sink(int (*sink)(const struct iovec *iov, int n));

#define log_error(...)	 log_msg(BD_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(BD_LOG_WARNING, __VA_ARGS__)
#define log_info(...)	 log_msg(BD_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(BD_LOG_DEBUG, __VA_ARGS__)

#endif
