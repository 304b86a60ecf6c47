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

#define log_error(...)	 log_msg(BD_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(BD_LOG_WARNING, __VA_ARGS__)
#define log_info(...)	 log_msg(BD_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(BD_LOG_DEBUG, __VA_ARGS__)

#endif
