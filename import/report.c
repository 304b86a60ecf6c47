/* The import report: what was found, used, skipped and why. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "parse.h"

/* Problems and warnings also go to r->findings, for --json. */
static void record(struct import_report *r, const char *severity,
		   const struct imp_line *at, const char *body)
{
	if (r->findings == NULL)
		r->findings = cJSON_CreateArray();
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "severity", severity);
	if (at) {
		if (at->file)
			cJSON_AddStringToObject(f, "file", at->file);
		if (at->page > 0)
			cJSON_AddNumberToObject(f, "page", at->page);
		cJSON_AddNumberToObject(f, "line", at->lineno);
	}
	cJSON_AddStringToObject(f, "message", body);
	cJSON_AddItemToArray(r->findings, f);
}

static void vappend(struct import_report *r, const char *prefix,
		    const char *severity, const struct imp_line *at,
		    const char *format, va_list ap)
{
	char body[1024], where[320] = "";
	vsnprintf(body, sizeof body, format, ap);
	if (severity)
		record(r, severity, at, body);
	if (at)
		imp_where(at, where, sizeof where);
	if (where[0])
		strcat(where, ": ");
	size_t need = strlen(prefix) + strlen(where) + strlen(body) + 2;
	if (GROW(r->text, r->cap, r->len + need + 1, 4096) < 0)
		return; /* the report is best effort; the counts stay */
	r->len += (size_t)snprintf(r->text + r->len, r->cap - r->len,
				   "%s%s%s\n", prefix, where, body);
}

void imp_where(const struct imp_line *at, char *out, size_t size)
{
	const char *file = at->file ? at->file : "";
	const char *sep = at->file ? ", " : "";
	if (at->page > 0)
		snprintf(out, size, "%s%spage %d, line %d", file, sep, at->page,
			 at->lineno);
	else
		snprintf(out, size, "%s%sline %d", file, sep, at->lineno);
}

void imp_say(struct import_report *r, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vappend(r, "", NULL, NULL, format, ap);
	va_end(ap);
}

void imp_problem(struct import_report *r, const struct imp_line *at,
		 const char *format, ...)
{
	va_list ap;
	r->problems++;
	va_start(ap, format);
	vappend(r, "  problem: ", "problem", at, format, ap);
	va_end(ap);
}

void imp_warning(struct import_report *r, const struct imp_line *at,
		 const char *format, ...)
{
	va_list ap;
	r->warnings++;
	va_start(ap, format);
	vappend(r, "  warning: ", "warning", at, format, ap);
	va_end(ap);
}

void import_report_free(struct import_report *r)
{
	cJSON_Delete(r->findings);
	free(r->text);
	memset(r, 0, sizeof *r);
}
