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

/* One row of the history: a document or a transition. */
static void history_row(struct table *t, const cJSON *h, bool transition)
{
	char doc[24] = "", year[16], rev[24] = "-", seq[24], what[96],
	     detail[600];
	snprintf(year, sizeof year, "%lld", ctl_num(h, "year"));
	snprintf(seq, sizeof seq, "%lld", ctl_num(h, "seq"));
	if (cJSON_GetObjectItemCaseSensitive(h, "revision"))
		snprintf(rev, sizeof rev, "%lld", ctl_num(h, "revision"));
	if (!transition) {
		snprintf(doc, sizeof doc, "%lld", ctl_num(h, "document_id"));
		snprintf(what, sizeof what, "%s", ctl_str(h, "outcome"));
		snprintf(detail, sizeof detail, "%lld findings",
			 ctl_num(h, "findings"));
	} else {
		if (ctl_num(h, "round"))
			snprintf(what, sizeof what, "%s %lld: %s → %s",
				 ctl_str(h, "stage"), ctl_num(h, "round"),
				 ctl_str(h, "from"), ctl_str(h, "to"));
		else
			snprintf(what, sizeof what, "%s: %s → %s",
				 ctl_str(h, "stage"), ctl_str(h, "from"),
				 ctl_str(h, "to"));
		int n = snprintf(detail, sizeof detail, "%s by %s",
				 ctl_str(h, "action"), ctl_str(h, "actor"));
		if (*ctl_str(h, "reason") && n >= 0 &&
		    (size_t)n < sizeof detail)
			n += snprintf(detail + n, sizeof detail - (size_t)n,
				      ": %s", ctl_str(h, "reason"));
		if (*ctl_str(h, "approval_number") && n >= 0 &&
		    (size_t)n < sizeof detail)
			snprintf(detail + n, sizeof detail - (size_t)n,
				 ": %s of %s", ctl_str(h, "approval_number"),
				 ctl_str(h, "approval_date"));
	}
	const char *at =
	    transition ? ctl_str(h, "at") : ctl_str(h, "received_at");
	const char *cells[] = {doc, seq, at, year, what, rev, detail};
	table_add_row(t, cells);
}

/* Documents and the workflow's transitions, interleaved by seq (a
 * submission's transition shares its document's seq and follows it). */
static void human_history(const struct options *o, const cJSON *reply)
{
	static const char *const headers[] = {"document", "seq",  "at (UTC)",
					      "year",	  "what", "revision",
					      "detail"};
	static const bool right[] = {true,  true, false, false,
				     false, true, false};
	struct table t;
	table_init(&t, 7, headers, right);
	const cJSON *docs = cJSON_GetObjectItemCaseSensitive(reply, "history");
	const cJSON *moves =
	    cJSON_GetObjectItemCaseSensitive(reply, "transitions");
	const cJSON *d = docs ? docs->child : NULL;
	const cJSON *m = moves ? moves->child : NULL;
	while (d || m) {
		if (d && (!m || ctl_num(d, "seq") <= ctl_num(m, "seq"))) {
			history_row(&t, d, false);
			d = d->next;
		} else {
			history_row(&t, m, true);
			m = m->next;
		}
	}
	ctl_print_table(o, &t, NULL, 0);
	table_free(&t);
	if (o->csv)
		return;
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(reply, "cases"))
	{
		printf("%lld: %s %s", ctl_num(c, "year"), ctl_str(c, "stage"),
		       ctl_str(c, "state"));
		if (ctl_num(c, "round"))
			printf(" (adjustment %lld)", ctl_num(c, "round"));
		printf(", revision %lld", ctl_num(c, "revision"));
		if (ctl_num(c, "approved_revision"))
			printf("; approved %lld, original %lld",
			       ctl_num(c, "approved_revision"),
			       ctl_num(c, "original_revision"));
		printf("\n");
	}
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
