/* departments, show, history, findings, events and status: the records
 * kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"
#include "table.h"

static void human_departments(const struct options *o, const cJSON *reply)
{
	static const char *const headers[] = {"year", "code",	  "parent",
					      "name", "revision", "total (元)"};
	static const bool right[] = {false, false, false, false, true, true};
	struct table t;
	table_init(&t, 6, headers, right);
	const cJSON *d;
	cJSON_ArrayForEach(
	    d, cJSON_GetObjectItemCaseSensitive(reply, "departments"))
	{
		char year[16], rev[24];
		snprintf(year, sizeof year, "%lld", ctl_num(d, "year"));
		snprintf(rev, sizeof rev, "%lld", ctl_num(d, "revision"));
		const char *cells[] = {year,
				       ctl_str(d, "code"),
				       ctl_str(d, "parent"),
				       ctl_str(d, "name"),
				       rev,
				       ctl_str(d, "expenditure_total")};
		table_add_row(&t, cells);
	}
	static const size_t amounts[] = {5};
	ctl_print_table(o, &t, amounts, 1);
	table_free(&t);
}

int cmd_departments(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: departments takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "departments");
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	return ctl_finish(o, ctl_call(o, r), human_departments);
}

static void human_show(const struct options *o, const cJSON *reply)
{
	(void)o;
	/* The document exactly as stored. */
	char *text =
	    cJSON_Print(cJSON_GetObjectItemCaseSensitive(reply, "document"));
	if (text) {
		puts(text);
		free(text);
	}
}

int cmd_show(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "budgetctl: show takes one department CODE\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "show");
	cJSON_AddStringToObject(r, "department", argv[0]);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	if (o->revision)
		cJSON_AddNumberToObject(r, "revision", (double)o->revision);
	return ctl_finish(o, ctl_call(o, r), human_show);
}

static void human_findings(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *findings =
	    cJSON_GetObjectItemCaseSensitive(reply, "findings");
	printf("%s/%lld document %lld (%s), %s: %d finding%s\n",
	       ctl_str(reply, "department"), ctl_num(reply, "year"),
	       ctl_num(reply, "document_id"), ctl_str(reply, "received_at"),
	       ctl_str(reply, "outcome"), cJSON_GetArraySize(findings),
	       cJSON_GetArraySize(findings) == 1 ? "" : "s");
	ctl_print_findings(findings, ctl_str(reply, "unit"));
}

int cmd_findings(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr,
			"budgetctl: findings takes one department CODE\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "findings");
	cJSON_AddStringToObject(r, "department", argv[0]);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	return ctl_finish(o, ctl_call(o, r), human_findings);
}

static void human_history(const struct options *o, const cJSON *reply)
{
	static const char *const headers[] = {
	    "document", "received (UTC)", "year", "outcome", "revision",
	    "seq",	"findings"};
	static const bool right[] = {true, false, false, false,
				     true, true,  true};
	struct table t;
	table_init(&t, 7, headers, right);
	const cJSON *h;
	cJSON_ArrayForEach(h,
			   cJSON_GetObjectItemCaseSensitive(reply, "history"))
	{
		char doc[24], year[16], rev[24], seq[24], findings[16];
		snprintf(doc, sizeof doc, "%lld", ctl_num(h, "document_id"));
		snprintf(year, sizeof year, "%lld", ctl_num(h, "year"));
		if (cJSON_GetObjectItemCaseSensitive(h, "revision"))
			snprintf(rev, sizeof rev, "%lld",
				 ctl_num(h, "revision"));
		else
			snprintf(rev, sizeof rev, "-");
		snprintf(seq, sizeof seq, "%lld", ctl_num(h, "seq"));
		snprintf(findings, sizeof findings, "%lld",
			 ctl_num(h, "findings"));
		const char *cells[] = {doc,	ctl_str(h, "received_at"),
				       year,	ctl_str(h, "outcome"),
				       rev,	seq,
				       findings};
		table_add_row(&t, cells);
	}
	ctl_print_table(o, &t, NULL, 0);
	table_free(&t);
}

int cmd_history(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr,
			"budgetctl: history takes one department CODE\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "history");
	cJSON_AddStringToObject(r, "department", argv[0]);
	if (o->year)
		cJSON_AddNumberToObject(r, "year", o->year);
	return ctl_finish(o, ctl_call(o, r), human_history);
}

static void human_events(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *ev;
	cJSON_ArrayForEach(ev,
			   cJSON_GetObjectItemCaseSensitive(reply, "events"))
	    ctl_print_event(ev, NULL);
}

int cmd_events(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: events takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "events");
	cJSON_AddNumberToObject(r, "since", (double)o->since);
	if (o->unit)
		cJSON_AddStringToObject(r, "unit", o->unit);
	if (o->limit > 0)
		cJSON_AddNumberToObject(r, "limit", (double)o->limit);
	return ctl_finish(o, ctl_call(o, r), human_events);
}

static void human_status(const struct options *o, const cJSON *reply)
{
	(void)o;
	const cJSON *stored = cJSON_GetObjectItemCaseSensitive(reply, "stored");
	printf("budgetd %s, up %llds\n", ctl_str(reply, "version"),
	       ctl_num(reply, "uptime_seconds"));
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(reply, "listen"))
	    printf("  listening  %s (%s)\n", ctl_str(l, "url"),
		   strcmp(ctl_str(l, "policy"), "trust") == 0
		       ? "peers trusted"
		       : "credentials required");
	printf("  publishing %s\n", ctl_str(reply, "publish"));
	printf("  store      %s\n", ctl_str(reply, "store"));
	printf("  plugins   ");
	cJSON_ArrayForEach(l,
			   cJSON_GetObjectItemCaseSensitive(reply, "plugins"))
	    printf(" %s %s", ctl_str(l, "name"), ctl_str(l, "version"));
	printf("\n  departments %lld, last seq %lld, requests %lld, commits "
	       "%lld\n",
	       ctl_num(reply, "departments"), ctl_num(reply, "last_seq"),
	       ctl_num(reply, "requests"), ctl_num(reply, "commits"));
	printf("  documents %lld: %lld accepted, %lld rejected, %lld invalid\n",
	       ctl_num(stored, "documents"), ctl_num(stored, "accepted"),
	       ctl_num(stored, "rejected"), ctl_num(stored, "invalid"));
	printf(
	    "  health     %s\n",
	    ctl_str(cJSON_GetObjectItemCaseSensitive(reply, "health"), "line"));
}

int cmd_status(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_finish(o, ctl_call(o, ctl_request(o, "status")),
			  human_status);
}
