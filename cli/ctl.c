/* What every command of budgetctl shares: requests, replies, exit codes,
 * and the findings table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budgetctl.h"
#include "table.h"

const char *ctl_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

long long ctl_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	/* A reply is input too: never cast an out-of-range double. */
	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble > -9e18 && v->valuedouble < 9e18))
		return 0;
	return (long long)v->valuedouble;
}

bool ctl_reply_ok(const cJSON *reply)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
}

void ctl_print_json(const cJSON *o)
{
	char *text = cJSON_Print(o);
	if (text) {
		puts(text);
		free(text);
	}
}

void ctl_print_error(const char *context, const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	fprintf(stderr, "budgetctl: %s%s%s: %s\n", context ? context : "",
		context ? ": " : "", ctl_str(err, "code"),
		ctl_str(err, "message"));
}

/* 2 for a request that was malformed (the caller's fault), 1 for a refusal
 * (rejected, forbidden, locked, busy, not found …). */
int ctl_exit_for_error(const cJSON *reply)
{
	static const char *const usage_codes[] = {
	    "bad_request", "bad_json", "bad_encoding", "message_too_large",
	    "unknown_op"};
	const char *code =
	    ctl_str(cJSON_GetObjectItemCaseSensitive(reply, "error"), "code");
	for (size_t i = 0; i < sizeof usage_codes / sizeof usage_codes[0]; i++)
		if (strcmp(code, usage_codes[i]) == 0)
			return EXIT_USAGE;
	return EXIT_REJECTED;
}

/* Sends a request; prints transport errors.  NULL on failure. */
cJSON *ctl_call(struct options *o, cJSON *request)
{
	cJSON *reply = client_call_json(&o->client, request);
	cJSON_Delete(request);
	if (reply == NULL)
		fprintf(stderr, "budgetctl: %s\n", o->client.error);
	return reply;
}

cJSON *ctl_request(const struct options *o, const char *op)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "op", op);
	if (o->token != NULL)
		cJSON_AddStringToObject(r, "token", o->token);
	/* --stage: what a submission is sent for, the view a query reads. */
	if (o->stage != NULL)
		cJSON_AddStringToObject(r, "stage", o->stage);
	return r;
}

/* Replies that are plain lookups: 0 ok, 1 refused, 2 transport. */
int ctl_finish(struct options *o, cJSON *reply,
	       void (*human)(const struct options *o, const cJSON *reply))
{
	if (reply == NULL)
		return EXIT_USAGE;
	int rc = EXIT_OK;
	if (o->json) {
		ctl_print_json(reply);
		rc = ctl_reply_ok(reply) ? EXIT_OK : EXIT_REJECTED;
	} else if (!ctl_reply_ok(reply)) {
		ctl_print_error(NULL, reply);
		rc = ctl_exit_for_error(reply);
	} else {
		human(o, reply);
	}
	cJSON_Delete(reply);
	return rc;
}

char *ctl_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap)
			break;
		char *grown = realloc(buf, cap * 2);
		if (grown == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* The table a finding's path belongs to, for grouping. */
static const char *table_of(const char *path)
{
	static const struct {
		const char *prefix, *table;
	} tables[] = {
	    {"stated.appropriation", "财政拨款收支总体情况表 (appropriation)"},
	    {"stated.project",
	     "一般公共预算支出预算表 (stated project totals)"},
	    {"stated.basic", "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated.personnel",
	     "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated.public", "一般公共预算支出预算表 (stated basic totals)"},
	    {"stated", "部门收支预算表 (stated totals)"},
	    {"income", "部门收支预算表 (income)"},
	    {"expenditure", "一般公共预算支出预算表 (expenditure lines)"},
	    {"projects", "项目支出预算表 (projects)"},
	    {"three_public", "“三公”经费预算表 (three_public)"},
	    {"economic", "基本支出表 (economic)"},
	};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strncmp(path, tables[i].prefix, strlen(tables[i].prefix)) ==
		    0)
			return tables[i].table;
	return "document";
}

/* Findings as readable blocks, grouped by the table they concern. */
void ctl_print_findings(const cJSON *findings, const char *unit)
{
	const char *printed[64];
	size_t n_printed = 0;
	const cJSON *f, *g;
	cJSON_ArrayForEach(f, findings)
	{
		const char *table = table_of(ctl_str(f, "path"));
		bool done = false;
		for (size_t i = 0; i < n_printed && !done; i++)
			done = strcmp(printed[i], table) == 0;
		if (done)
			continue;
		if (n_printed < 64)
			printed[n_printed++] = table;
		printf("\n  %s\n", table);
		cJSON_ArrayForEach(g, findings)
		{
			if (strcmp(table_of(ctl_str(g, "path")), table) != 0)
				continue;
			printf("    %-7s %s  at %s\n", ctl_str(g, "severity"),
			       ctl_str(g, "rule"), ctl_str(g, "path"));
			if (*ctl_str(g, "expected") || *ctl_str(g, "actual"))
				printf("            expected %s %s, printed %s "
				       "%s\n",
				       ctl_str(g, "expected"), unit,
				       ctl_str(g, "actual"), unit);
			printf("            %s\n", ctl_str(g, "message"));
		}
	}
}

void ctl_print_event(const cJSON *ev, const char *note)
{
	printf("seq %lld  %s  %s/%lld", ctl_num(ev, "seq"), ctl_str(ev, "kind"),
	       ctl_str(ev, "department"), ctl_num(ev, "year"));
	if (ctl_num(ev, "revision"))
		printf("  revision %lld", ctl_num(ev, "revision"));
	/* A transition of the budget year, as published. */
	if (*ctl_str(ev, "action"))
		printf("  %s %s → %s by %s", ctl_str(ev, "stage"),
		       ctl_str(ev, "from"), ctl_str(ev, "to"),
		       ctl_str(ev, "actor"));
	if (*ctl_str(ev, "reason"))
		printf(": %s", ctl_str(ev, "reason"));
	if (*ctl_str(ev, "approval_number"))
		printf(": %s", ctl_str(ev, "approval_number"));
	const cJSON *changes = cJSON_GetObjectItemCaseSensitive(ev, "changes");
	if (changes)
		printf("  %d totals moved", cJSON_GetArraySize(changes));
	printf("%s\n", note ? note : "");
	const cJSON *c;
	cJSON_ArrayForEach(c, changes)
	{
		if (strcmp(ctl_str(c, "dimension"), "total") == 0 ||
		    strcmp(ctl_str(c, "dimension"), "function:class") == 0)
			printf("    %-16s %-8s %14s -> %14s %s\n",
			       ctl_str(c, "dimension"), ctl_str(c, "key"),
			       ctl_str(c, "before"), ctl_str(c, "after"),
			       ctl_str(ev, "unit"));
	}
	fflush(stdout);
}

void ctl_print_table(const struct options *o, struct table *t,
		     const size_t *amount_columns, size_t n_amount_columns)
{
	for (size_t i = 0; i < n_amount_columns; i++)
		table_align_decimals(t, amount_columns[i]);
	if (o->csv)
		table_print_csv(t, stdout);
	else
		table_print(t, stdout);
}

/* Writes len bytes to path through a temporary beside it, so that a
 * failed export never leaves a half-written file where the old one was. */
int ctl_write_file(const char *path, const char *bytes, size_t len)
{
	if (strcmp(path, "-") == 0)
		return fwrite(bytes, 1, len, stdout) == len ? 0 : -EIO;
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (f == NULL)
		return -errno;
	size_t put = fwrite(bytes, 1, len, f);
	int rc = ferror(f) || put != len ? -EIO : 0;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		remove(tmp);
	return rc;
}
