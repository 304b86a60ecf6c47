/* budgetctl's own pieces: its options, the helpers every command uses, and
 * the commands. */
#ifndef BUDGETCTL_H
#define BUDGETCTL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

#define EXIT_OK	      0
#define EXIT_REJECTED 1
#define EXIT_USAGE    2

#define DEFAULT_ENDPOINT "ipc:///run/budgetd/budgetd.sock"

struct options {
	struct client client;
	bool csv;
	bool explain;
	bool change;
	const char *parent;
	const char *function;
	const char *kind;
	const char *token;
	const char *role;
	const char *department;
	bool json;
	int year;
	long long revision;
	const char *unit;
	const char *by;
	const char *where[16];
	size_t n_where;
	const char *sort;
	long limit;
	long long since;
	bool since_set;
	const char *output;
	bool submit;
	bool keep_going;
	bool replace; /* credential add: a new secret for an existing name */
	bool verbose;
	const char *report;
	const char *catalog; /* export: the classification catalogue */
	const char *format;  /* export: xlsx, csv or text */
	/* the workflow (docs/workflow.md) */
	const char *stage;    /* submit: proposal|budget|adjustment; queries:
				 the stage view; diff: the from stage */
	const char *to_stage; /* diff */
	long long from, to;   /* diff: revisions */
	const char *reason, *approval_number, *date, *concerns;
};

/* ---- ctl.c ---- */

/* A string member ("" when absent or not a string). */
const char *ctl_str(const cJSON *o, const char *key);
/* An integer member (0 when absent or out of range). */
long long ctl_num(const cJSON *o, const char *key);
bool ctl_reply_ok(const cJSON *reply);
void ctl_print_json(const cJSON *o);
/* "budgetctl: CONTEXT: CODE: MESSAGE" on stderr. */
void ctl_print_error(const char *context, const cJSON *reply);
/* EXIT_USAGE for a malformed request, EXIT_REJECTED for a refusal. */
int ctl_exit_for_error(const cJSON *reply);
/* A request object for op, with the options' token. */
cJSON *ctl_request(const struct options *o, const char *op);
/* Sends request (and frees it); NULL after printing a transport error. */
cJSON *ctl_call(struct options *o, cJSON *request);
/* Prints a plain lookup's reply (JSON, error, or human()) and frees it:
 * 0 ok, 1 refused, 2 transport or usage. */
int ctl_finish(struct options *o, cJSON *reply,
	       void (*human)(const struct options *o, const cJSON *reply));
/* Writes len bytes to path ("-": standard output) through a temporary
 * beside it, so that a failed write never leaves a half-written file
 * where the old one was.  0, or a negative errno. */
int ctl_write_file(const char *path, const char *bytes, size_t len);
/* A whole file, or standard input for "-" (malloc'ed, NUL-terminated). */
char *ctl_read_file(const char *path, size_t *len);
/* One event as a line: seq, kind, department/year, revision (note: why
 * it is shown, for gaps filled from the store). */
void ctl_print_event(const cJSON *ev, const char *note);
struct table;
/* Prints a command's table: CSV with --csv, else aligned; the amount
 * columns first get one number of decimals each. */
void ctl_print_table(const struct options *o, struct table *t,
		     const size_t *amount_columns, size_t n_amount_columns);
/* The findings of a reply grouped by table, amounts in unit. */
void ctl_print_findings(const cJSON *findings, const char *unit);

/* ---- the commands: argc/argv are what follows the command's name ---- */

int cmd_submit(struct options *o, int argc, char **argv);
int cmd_validate(struct options *o, int argc, char **argv);
int cmd_import(struct options *o, int argc, char **argv);
int cmd_totals(struct options *o, int argc, char **argv);
int cmd_departments(struct options *o, int argc, char **argv);
int cmd_show(struct options *o, int argc, char **argv);
int cmd_history(struct options *o, int argc, char **argv);
int cmd_findings(struct options *o, int argc, char **argv);
int cmd_events(struct options *o, int argc, char **argv);
int cmd_watch(struct options *o, int argc, char **argv);
int cmd_status(struct options *o, int argc, char **argv);
int cmd_reload(struct options *o, int argc, char **argv);
int cmd_credential(struct options *o, int argc, char **argv);
int cmd_verify(struct options *o, int argc, char **argv);
int cmd_check(struct options *o, int argc, char **argv);
int cmd_backup(struct options *o, int argc, char **argv);
int cmd_lock(struct options *o, int argc, char **argv);
int cmd_unlock(struct options *o, int argc, char **argv);
int cmd_projects(struct options *o, int argc, char **argv);
int cmd_three_public(struct options *o, int argc, char **argv);
int cmd_export(struct options *o, int argc, char **argv);
int cmd_forward(struct options *o, int argc, char **argv);
int cmd_return(struct options *o, int argc, char **argv);
int cmd_approve(struct options *o, int argc, char **argv);
int cmd_adjust(struct options *o, int argc, char **argv);
int cmd_control(struct options *o, int argc, char **argv);
int cmd_deadline(struct options *o, int argc, char **argv);
int cmd_progress(struct options *o, int argc, char **argv);
int cmd_diff(struct options *o, int argc, char **argv);
/* cmd_export's other exports (export_department.c, export_fdp.c). */
int export_department(struct options *o, const char *code);
int export_fdp(struct options *o);
struct names;
/* The catalogue directory: --catalog, $BUDGETCTL_CATALOG, or the
 * installed one. */
const char *catalog_dir(const struct options *o);
/* The year's names from it; says on stderr when there are none. */
void load_catalog_names(const struct options *o, int year,
			struct names *function, struct names *economic);

#endif
