/* lock, unlock, verify, reload and credential: administration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budgetctl.h"
#include "table.h"

static void human_lock(const struct options *o, const cJSON *reply)
{
	(void)o;
	printf("fiscal year %lld %s\n", ctl_num(reply, "year"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "locked"))
		   ? "locked"
		   : "unlocked");
}

static int lock_year(struct options *o, int argc, char **argv, bool lock)
{
	char *end;
	long year = argc == 1 ? strtol(argv[0], &end, 10) : 0;
	if (argc != 1 || *end || year < 2000 || year > 2100) {
		fprintf(stderr,
			"budgetctl: %s takes a fiscal year 2000..2100\n",
			lock ? "lock" : "unlock");
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "lock");
	cJSON_AddNumberToObject(r, "year", (double)year);
	cJSON_AddBoolToObject(r, "locked", lock);
	return ctl_finish(o, ctl_call(o, r), human_lock);
}

int cmd_lock(struct options *o, int argc, char **argv)
{
	return lock_year(o, argc, argv, true);
}

int cmd_unlock(struct options *o, int argc, char **argv)
{
	return lock_year(o, argc, argv, false);
}

int cmd_verify(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	cJSON *reply = ctl_call(o, ctl_request(o, "verify"));
	if (reply == NULL)
		return EXIT_USAGE;
	if (!ctl_reply_ok(reply)) {
		ctl_print_error("verify", reply);
		cJSON_Delete(reply);
		return EXIT_USAGE;
	}
	bool consistent =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "consistent"));
	if (o->json) {
		ctl_print_json(reply);
	} else {
		printf("%s: %lld departments, %lld totals compared with the "
		       "store\n",
		       consistent ? "consistent" : "DIFFERENT",
		       ctl_num(reply, "departments"),
		       ctl_num(reply, "cells_compared"));
		const cJSON *d;
		cJSON_ArrayForEach(
		    d, cJSON_GetObjectItemCaseSensitive(reply, "differences"))
		    printf("  %s\n", d->valuestring);
	}
	cJSON_Delete(reply);
	return consistent ? EXIT_OK : EXIT_REJECTED;
}

static void human_reload(const struct options *o, const cJSON *reply)
{
	(void)o;
	printf("reloaded %s\n", ctl_str(reply, "config"));
	const cJSON *restart =
	    cJSON_GetObjectItemCaseSensitive(reply, "restart_needed");
	if (cJSON_GetArraySize(restart) > 0) {
		printf("not applied until budgetd restarts (the running values "
		       "stay):");
		const cJSON *n;
		cJSON_ArrayForEach(n, restart) printf(" %s", n->valuestring);
		printf("\n");
	}
}

int cmd_reload(struct options *o, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ctl_finish(o, ctl_call(o, ctl_request(o, "reload")),
			  human_reload);
}

static void human_credential(const struct options *o, const cJSON *reply)
{
	const cJSON *list =
	    cJSON_GetObjectItemCaseSensitive(reply, "credentials");
	if (list != NULL) {
		static const char *const headers[] = {"name", "role",
						      "department"};
		struct table t;
		table_init(&t, 3, headers, NULL);
		const cJSON *c;
		cJSON_ArrayForEach(c, list)
		{
			const char *cells[] = {ctl_str(c, "name"),
					       ctl_str(c, "role"),
					       ctl_str(c, "department")};
			table_add_row(&t, cells);
		}
		ctl_print_table(o, &t, NULL, 0);
		table_free(&t);
	} else if (*ctl_str(reply, "token")) {
		printf("credential %s (%s%s%s) issued; its token, shown only "
		       "now:\n%s\n",
		       ctl_str(reply, "name"), ctl_str(reply, "role"),
		       *ctl_str(reply, "department") ? " of " : "",
		       ctl_str(reply, "department"), ctl_str(reply, "token"));
	} else {
		printf("credential %s removed\n", ctl_str(reply, "removed"));
	}
}

int cmd_credential(struct options *o, int argc, char **argv)
{
	cJSON *r;
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		r = ctl_request(o, "credential.list");
	} else if (argc == 2 && strcmp(argv[0], "remove") == 0) {
		r = ctl_request(o, "credential.remove");
		cJSON_AddStringToObject(r, "name", argv[1]);
	} else if (argc == 2 && strcmp(argv[0], "add") == 0 && o->role) {
		r = ctl_request(o, "credential.add");
		cJSON_AddStringToObject(r, "name", argv[1]);
		cJSON_AddStringToObject(r, "role", o->role);
		if (o->department)
			cJSON_AddStringToObject(r, "department", o->department);
		if (o->replace)
			cJSON_AddTrueToObject(r, "replace");
	} else {
		fprintf(stderr, "budgetctl: credential add NAME --role ROLE "
				"[--department CODE] [--replace] "
				"| list | remove NAME\n");
		return EXIT_USAGE;
	}
	return ctl_finish(o, ctl_call(o, r), human_credential);
}

/* For monitoring systems (Nagios plugin conventions): one line, and
 * 0 OK, 1 WARNING, 2 CRITICAL, also when the daemon does not answer. */
int cmd_check(struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "budgetctl: check takes options only\n");
		return EXIT_USAGE;
	}
	cJSON *request = ctl_request(o, "check");
	cJSON *reply = client_call_json(&o->client, request);
	cJSON_Delete(request);
	if (reply == NULL) {
		printf("CRITICAL - no answer from %s: %s\n", o->client.endpoint,
		       o->client.error);
		return 2;
	}
	if (!ctl_reply_ok(reply)) {
		const cJSON *e =
		    cJSON_GetObjectItemCaseSensitive(reply, "error");
		printf("CRITICAL - %s: %s\n", ctl_str(e, "code"),
		       ctl_str(e, "message"));
		cJSON_Delete(reply);
		return 2;
	}
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(reply, "health");
	if (o->json)
		ctl_print_json(h);
	else
		printf("%s\n", ctl_str(h, "line"));
	const char *level = ctl_str(h, "level");
	int rc = strcmp(level, "ok") == 0	 ? 0
		 : strcmp(level, "warning") == 0 ? 1
						 : 2;
	cJSON_Delete(reply);
	return rc;
}

static void human_backup(const struct options *o, const cJSON *reply)
{
	(void)o;
	printf("%s: a checked copy of the store (integrity %s): %lld "
	       "revisions of %lld documents up to seq %lld, %lld bytes, in "
	       "%.2f s\n",
	       ctl_str(reply, "file"), ctl_str(reply, "integrity"),
	       ctl_num(reply, "revisions"), ctl_num(reply, "documents"),
	       ctl_num(reply, "last_seq"), ctl_num(reply, "bytes"),
	       cJSON_GetNumberValue(
		   cJSON_GetObjectItemCaseSensitive(reply, "seconds")));
}

int cmd_backup(struct options *o, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "budgetctl: backup takes one FILE (new; on the "
				"daemon's machine)\n");
		return EXIT_USAGE;
	}
	/* The daemon writes it: a relative name means ours, made absolute. */
	char path[4096], cwd[4000];
	if (argv[0][0] == '/')
		snprintf(path, sizeof path, "%s", argv[0]);
	else if (getcwd(cwd, sizeof cwd) != NULL)
		snprintf(path, sizeof path, "%s/%s", cwd, argv[0]);
	else {
		fprintf(stderr, "budgetctl: cannot tell where %s is\n",
			argv[0]);
		return EXIT_USAGE;
	}
	cJSON *r = ctl_request(o, "backup");
	cJSON_AddStringToObject(r, "file", path);
	/* A large store takes a while to copy. */
	if (o->client.timeout_ms < 600000)
		o->client.timeout_ms = 600000;
	return ctl_finish(o, ctl_call(o, r), human_backup);
}
