/* budgetctl: the operators' and departments' command-line client.  This
 * file reads the options and runs one command; each group of commands
 * has a file of its own. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"

/* A command: its synopsis, a line for the command list, and its help. */
static const struct command {
	const char *name;
	int (*run)(struct options *o, int argc, char **argv);
	const char *synopsis;
	const char *summary;
	const char *help;
	bool table; /* prints a table, so --csv applies */
} commands[] = {
    {"submit", cmd_submit,
     "submit FILE... [--stage proposal|budget|adjustment]",
     "submit budget-submission/1 documents",
     "Sends each document; it is audited and stored, and acknowledged only\n"
     "when it is on disk.  The reply lists the findings by table.\n"
     "--stage: what it is sent for in the budget year (default: the stage\n"
     "the department is in, a proposal at first; docs/workflow.md).\n"
     "Exit 1 when any document was rejected or refused.\n"},
    {"validate", cmd_validate, "validate FILE",
     "audit a document; nothing is stored",
     "The same audit as submit, without storing anything.\n"},
    {"import", cmd_import,
     "import FILE... [-o OUT] [--submit] [--department CODE] [--parent "
     "CODE]\n"
     "       [--year Y] [--unit 元|万元] [--keep-going] [-v] [--report FILE]",
     "a published budget (text, PDF or CSV sheets) as a document",
     "Reads a published budget and writes a budget-submission/1 document\n"
     "(to OUT, or standard output).  The report goes to standard error\n"
     "(-v: every row, where it went and why; --report FILE keeps it all).\n"
     "--json prints the findings and the document as one object.  No\n"
     "daemon is needed unless --submit.  Several files make one budget\n"
     "only as CSV sheets.  See docs/import.md.\n"},
    {"totals", cmd_totals,
     "totals [--by DIM[,DIM]] [--where DIM:V[,V]]... [--year Y]\n"
     "       [--unit 元|万元] [--sort key|amount] [--limit N] [--explain]\n"
     "       [--change] [--csv]",
     "district totals",
     "  --by DIM[,DIM]     drill down: function:class, function:section,\n"
     "                     function:item, economic:class, economic:section,\n"
     "                     source, kind, department, parent, year\n"
     "  --where DIM:V[,V]  cut (repeatable); V* is a code prefix; function:V\n"
     "                     takes a 7-digit 项 code (201* for a 类)\n"
     "  --year Y           one fiscal year; without it the rows are by year\n"
     "                     and each year has its own total\n"
     "  --explain          list the revisions and line items of each row\n"
     "  --change           against the year before (needs --year)\n"
     "  --csv              comma-separated values with a header line\n",
     true},
    {"departments", cmd_departments, "departments [--year Y] [--csv]",
     "the departments and their latest revisions", "", true},
    {"projects", cmd_projects,
     "projects [--year Y] [--department C] [--parent C] [--function "
     "PREFIX]\n"
     "       [--kind operating|targeted] [--limit N] [--csv]",
     "projects, largest first",
     "  --kind             a project's kind as stated, or else that of the\n"
     "                     line items under its function code\n",
     true},
    {"three-public", cmd_three_public,
     "three-public [--by year|department|parent] [--year Y] [--csv]",
     "三公经费 totals", "", true},
    {"show", cmd_show, "show CODE [--year Y] [--revision N]",
     "the stored document of a revision", ""},
    {"history", cmd_history, "history CODE [--year Y] [--csv]",
     "every document a department sent", "", true},
    {"findings", cmd_findings, "findings CODE [--year Y]",
     "the audit's findings of a department's latest document",
     "Whatever its outcome, grouped by table as validate prints them.\n"},
    {"events", cmd_events, "events [--since SEQ] [--unit 元|万元] [--csv]",
     "stored events after SEQ", ""},
    {"watch", cmd_watch, "watch [TOPIC] [--since SEQ]", "follow notifications",
     "Follows the PUB socket; a gap in seq is filled from the daemon's\n"
     "event store, in the same format.\n"},
    {"verify", cmd_verify, "verify", "recompute every total from the store",
     "Exit 1 if any total differs from the store's documents.\n"},
    {"backup", cmd_backup, "backup FILE",
     "an online, checked copy of the store (admin)",
     "The daemon copies its store to FILE (a new file, mode 0640) with\n"
     "SQLite's backup API while it keeps serving, and checks the copy\n"
     "with PRAGMA integrity_check.  The copy holds every revision\n"
     "acknowledged before the backup started.  Restore it with budgetd\n"
     "stopped: budgetd --restore FILE.\n"},
    {"check", cmd_check, "check",
     "health for monitoring: exit 0 OK, 1 WARNING, 2 CRITICAL",
     "One line: whether the store is writable and how much space it has,\n"
     "how long the last commit took, how many submissions wait for the\n"
     "disk against max_in_flight, and how late the daemon's loop runs.\n"
     "No answer at all is CRITICAL too.\n"},
    {"status", cmd_status, "status",
     "the daemon's state and its listeners' policies", ""},
    {"reload", cmd_reload, "reload",
     "make the daemon re-read its config (admin)",
     "Exit 1 when the new config is refused; the old one stays in force.\n"
     "Settings that need a restart are named.\n"},
    {"lock", cmd_lock, "lock YEAR",
     "close a fiscal year to submissions "
     "(admin)",
     ""},
    {"unlock", cmd_unlock, "unlock YEAR", "open it again (admin)", ""},
    {"export", cmd_export,
     "export district --year Y [--unit 元|万元] [--catalog DIR] -o FILE.xlsx\n"
     "       | export district --year Y --format csv -o DIR | --csv\n"
     "       | export department CODE [--year Y] [--revision N]\n"
     "         [--format xlsx|text] -o FILE\n"
     "       | export fdp --year Y [--catalog DIR] -o DIR",
     "the district's tables, a department's publication tables, open data",
     "district: one sheet per table: 一般公共预算, all sources, 财政拨款,\n"
     "政府性基金 and other funds by function 类/款/项 with subtotals;\n"
     "economic class; departments under their 主管部门; 三公经费; against\n"
     "the year before.  --format csv writes each table as DIR/TABLE.csv.\n"
     "department: the standard published tables of a revision (the latest\n"
     "accepted one unless --revision), one sheet each; --format text writes\n"
     "the same tables as text that `budgetctl import` reads back to the\n"
     "same document (-o - for standard output).\n"
     "fdp: a Fiscal Data Package (datapackage.json and CSV) of the year's\n"
     "expenditure by function, economic class, department and source.\n"
     "Amounts are numeric cells exact to the 分 (the fewest decimals that\n"
     "show every amount).  Names come from the classification catalogue\n"
     "(--catalog DIR, $BUDGETCTL_CATALOG, or the installed one).\n",
     true},
    {"forward", cmd_forward, "forward CODE --year Y [--revision N]",
     "a 主管部门 sends a unit's budget on to the bureau (parent)",
     "The revision under review goes on to the bureau (state forwarded).\n"},
    {"return", cmd_return,
     "return CODE --year Y --reason TEXT [--revision N]\n"
     "       [--concerns PATH,RULE,...]",
     "send a budget back to be corrected (退回; parent, operator)",
     "The department must send it again.  --reason is required; --concerns\n"
     "names the findings or line paths it is about.\n"},
    {"approve", cmd_approve,
     "approve CODE --year Y --revision N --approval-number NO\n"
     "       [--date YYYY-MM-DD]",
     "approve a budget or adjustment (批复; operator)",
     "--revision must be the latest (a stale one is refused); a revision\n"
     "with audit errors (say, over a control number set since) is refused.\n"},
    {"adjust", cmd_adjust, "adjust open CODE --year Y",
     "open a budget adjustment (预算调整) after approval (admin)", ""},
    {"control", cmd_control,
     "control set CODE KEY=AMOUNT... --year Y [--unit 元|万元]\n"
     "       | control import FILE.csv --year Y [--unit 元|万元]\n"
     "       | control show [CODE] --year Y | control history CODE --year Y",
     "the bureau's control numbers (控制数; set, import: admin)",
     "KEY is total, source:general_budget, source:fund_budget,\n"
     "source:other, kind:basic, kind:basic.personnel, kind:basic.public,\n"
     "kind:project, class:NNN or project:CODE.  Every change is a new\n"
     "version; the reply says which departments' latest revisions now\n"
     "break them.  The CSV template: examples/control-numbers.csv.\n",
     true},
    {"deadline", cmd_deadline, "deadline STAGE YYYY-MM-DD|none --year Y",
     "set when a stage is due (admin)", ""},
    {"progress", cmd_progress, "progress --year Y [--parent CODE]",
     "where each 主管部门's departments stand in the budget year",
     "Counts by stage and state, who is overdue against the deadlines,\n"
     "who has sent nothing.\n",
     true},
    {"diff", cmd_diff,
     "diff CODE --year Y [--from N --to M | --stage S --to-stage S]\n"
     "       [--unit 元|万元]",
     "what changed, line by line, between two revisions or stages",
     "By default the latest revision against the one before.  Stages:\n"
     "latest, submitted, approved (adjusted), original.\n",
     true},
    {"credential", cmd_credential,
     "credential add NAME --role department|parent|operator|admin\n"
     "       [--department CODE] [--replace] | list | remove NAME",
     "issue, list and remove credentials (admin)",
     "The token is shown once; only its salted hash is kept.  An existing\n"
     "name is refused unless --replace, which stops its old token.\n",
     true},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char options_help[] =
    "Options for every command:\n"
    "  -e, --endpoint URL    daemon request URL (default $BUDGETD_ENDPOINT\n"
    "                        or %s)\n"
    "  -j, --json            print JSON (one event per line for watch)\n"
    "      --tls-ca FILE     for tls+tcp:// endpoints: the CA of the daemon\n"
    "      --tls-cert FILE   our certificate and key (one PEM file)\n"
    "      --tls-server-name NAME  the name the daemon's certificate "
    "carries\n"
    "  -T, --token TOKEN     credential NAME.SECRET for listeners that\n"
    "                        require one (default $BUDGETD_TOKEN)\n"
    "  -t, --timeout MS      reply timeout (default 30000)\n"
    "  -h, --help            this help; COMMAND --help or help COMMAND for\n"
    "                        one command's\n"
    "  -V, --version         budgetctl's version\n"
    "\n"
    "Exit status: 0 accepted or ok; 1 rejected or refused (audit errors,\n"
    "forbidden, locked, busy, not found); 2 usage or transport error.\n";

static void usage(FILE *out)
{
	fprintf(out, "Usage: budgetctl [OPTION]... COMMAND [ARG]...\n"
		     "Talks to budgetd over nng.\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-14s %s\n", commands[i].name,
			commands[i].summary);
	fputc('\n', out);
	fprintf(out, options_help, DEFAULT_ENDPOINT);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void command_help(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: budgetctl %s\n%s.\n", c->synopsis, c->summary);
	if (c->help[0])
		fprintf(out, "\n%s", c->help);
	fprintf(out, "\n");
	fprintf(out, options_help, DEFAULT_ENDPOINT);
}

/* "help [COMMAND]": 0, or 2 for a command that does not exist. */
static int help(int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *c = find_command(argv[0]);
	if (c == NULL) {
		fprintf(stderr, "budgetctl: no command \"%s\"; see --help\n",
			argv[0]);
		return EXIT_USAGE;
	}
	command_help(c, stdout);
	return EXIT_OK;
}

/* A refused option value, by the option's name. */
static int bad_value(const struct option *longopts, int longindex, int opt,
		     const char *value, const char *expected)
{
	if (longindex >= 0)
		fprintf(stderr, "budgetctl: --%s: \"%s\" is not %s\n",
			longopts[longindex].name, value, expected);
	else
		fprintf(stderr, "budgetctl: -%c: \"%s\" is not %s\n", opt,
			value, expected);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum {
		OPT_BY = 256,
		OPT_WHERE,
		OPT_YEAR,
		OPT_UNIT,
		OPT_REVISION,
		OPT_SORT,
		OPT_LIMIT,
		OPT_SINCE,
		OPT_ROLE,
		OPT_DEPARTMENT,
		OPT_TLS_CA,
		OPT_TLS_CERT,
		OPT_TLS_NAME,
		OPT_CSV,
		OPT_EXPLAIN,
		OPT_CHANGE,
		OPT_PARENT,
		OPT_FUNCTION,
		OPT_KIND,
		OPT_SUBMIT,
		OPT_KEEP_GOING,
		OPT_REPLACE,
		OPT_REPORT,
		OPT_CATALOG,
		OPT_FORMAT,
		OPT_STAGE,
		OPT_TO_STAGE,
		OPT_FROM,
		OPT_TO,
		OPT_REASON,
		OPT_APPROVAL_NUMBER,
		OPT_DATE,
		OPT_CONCERNS
	};
	static const struct option options[] = {
	    {"endpoint", required_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"by", required_argument, NULL, OPT_BY},
	    {"where", required_argument, NULL, OPT_WHERE},
	    {"year", required_argument, NULL, OPT_YEAR},
	    {"unit", required_argument, NULL, OPT_UNIT},
	    {"revision", required_argument, NULL, OPT_REVISION},
	    {"sort", required_argument, NULL, OPT_SORT},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"token", required_argument, NULL, 'T'},
	    {"role", required_argument, NULL, OPT_ROLE},
	    {"department", required_argument, NULL, OPT_DEPARTMENT},
	    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
	    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	    {"tls-server-name", required_argument, NULL, OPT_TLS_NAME},
	    {"csv", no_argument, NULL, OPT_CSV},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"change", no_argument, NULL, OPT_CHANGE},
	    {"parent", required_argument, NULL, OPT_PARENT},
	    {"function", required_argument, NULL, OPT_FUNCTION},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"output", required_argument, NULL, 'o'},
	    {"submit", no_argument, NULL, OPT_SUBMIT},
	    {"keep-going", no_argument, NULL, OPT_KEEP_GOING},
	    {"replace", no_argument, NULL, OPT_REPLACE},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"catalog", required_argument, NULL, OPT_CATALOG},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"stage", required_argument, NULL, OPT_STAGE},
	    {"to-stage", required_argument, NULL, OPT_TO_STAGE},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"reason", required_argument, NULL, OPT_REASON},
	    {"approval-number", required_argument, NULL, OPT_APPROVAL_NUMBER},
	    {"date", required_argument, NULL, OPT_DATE},
	    {"concerns", required_argument, NULL, OPT_CONCERNS},
	    {"verbose", no_argument, NULL, 'v'},
	    {0},
	};
	struct options o = {.limit = -1};
	const char *env = getenv("BUDGETD_ENDPOINT");
	o.client.endpoint = env && *env ? env : DEFAULT_ENDPOINT;
	o.client.timeout_ms = 30000;
	const char *env_token = getenv("BUDGETD_TOKEN");
	o.token = env_token && *env_token ? env_token : NULL;

	int opt, longindex = -1;
	char *end;
	bool want_help = false;
	/* GNU getopt permutes: options may stand before or after the command.
	 */
	while ((opt = getopt_long(argc, argv, "e:jt:hVT:o:v", options,
				  &longindex)) != -1) {
		switch (opt) {
		case 'T':
			o.token = optarg;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_SUBMIT:
			o.submit = true;
			break;
		case OPT_KEEP_GOING:
			o.keep_going = true;
			break;
		case OPT_REPLACE:
			o.replace = true;
			break;
		case OPT_REPORT:
			o.report = optarg;
			break;
		case OPT_FORMAT:
			o.format = optarg;
			break;
		case OPT_STAGE:
			o.stage = optarg;
			break;
		case OPT_TO_STAGE:
			o.to_stage = optarg;
			break;
		case OPT_FROM:
		case OPT_TO: {
			long long n = strtoll(optarg, &end, 10);
			if (*end || n <= 0)
				return bad_value(options, longindex, opt,
						 optarg,
						 "a revision number (1, 2, …)");
			*(opt == OPT_FROM ? &o.from : &o.to) = n;
			break;
		}
		case OPT_REASON:
			o.reason = optarg;
			break;
		case OPT_APPROVAL_NUMBER:
			o.approval_number = optarg;
			break;
		case OPT_DATE:
			o.date = optarg;
			break;
		case OPT_CONCERNS:
			o.concerns = optarg;
			break;
		case OPT_CATALOG:
			o.catalog = optarg;
			break;
		case OPT_ROLE:
			o.role = optarg;
			break;
		case OPT_DEPARTMENT:
			o.department = optarg;
			break;
		case OPT_TLS_CA:
			o.client.tls_ca = optarg;
			break;
		case OPT_TLS_CERT:
			o.client.tls_cert_key = optarg;
			break;
		case OPT_TLS_NAME:
			o.client.tls_server_name = optarg;
			break;
		case OPT_CSV:
			o.csv = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_CHANGE:
			o.change = true;
			break;
		case OPT_PARENT:
			o.parent = optarg;
			break;
		case OPT_FUNCTION:
			o.function = optarg;
			break;
		case OPT_KIND:
			o.kind = optarg;
			break;
		case 'e':
			o.client.endpoint = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			o.client.timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || o.client.timeout_ms <= 0)
				return bad_value(options, longindex, opt,
						 optarg,
						 "a number of milliseconds");
			break;
		case 'h':
			/* Which help depends on the command, maybe still to
			 * come. */
			want_help = true;
			break;
		case 'V':
			printf("budgetctl %s\n", PROJECT_VERSION);
			return EXIT_OK;
		case OPT_BY:
			o.by = optarg;
			break;
		case OPT_WHERE:
			if (o.n_where == sizeof o.where / sizeof o.where[0]) {
				fprintf(stderr,
					"budgetctl: too many --where\n");
				return EXIT_USAGE;
			}
			o.where[o.n_where++] = optarg;
			break;
		case OPT_YEAR:
			o.year = (int)strtol(optarg, &end, 10);
			if (*end || o.year < 2000 || o.year > 2100)
				return bad_value(options, longindex, opt,
						 optarg,
						 "a fiscal year from 2000 to "
						 "2100");
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "元") && strcmp(optarg, "万元") &&
			    strcmp(optarg, "yuan") && strcmp(optarg, "wanyuan"))
				return bad_value(
				    options, longindex, opt, optarg,
				    "元 or 万元 (or yuan, wanyuan)");
			o.unit = strcmp(optarg, "yuan") == 0	  ? "元"
				 : strcmp(optarg, "wanyuan") == 0 ? "万元"
								  : optarg;
			break;
		case OPT_REVISION:
			o.revision = strtoll(optarg, &end, 10);
			if (*end || o.revision <= 0)
				return bad_value(options, longindex, opt,
						 optarg,
						 "a revision number (1, 2, …)");
			break;
		case OPT_SORT:
			o.sort = optarg;
			break;
		case OPT_LIMIT:
			o.limit = strtol(optarg, &end, 10);
			if (*end || o.limit < 0)
				return bad_value(
				    options, longindex, opt, optarg,
				    "a number of rows (0 or more)");
			break;
		case OPT_SINCE:
			o.since = strtoll(optarg, &end, 10);
			if (*end || o.since < 0)
				return bad_value(options, longindex, opt,
						 optarg,
						 "an event seq (0 or more)");
			o.since_set = true;
			break;
		default:
			/* getopt has named the option and what is wrong. */
			fprintf(stderr, "budgetctl: see --help\n");
			return EXIT_USAGE;
		}
		longindex = -1;
	}
	const struct command *command =
	    optind < argc ? find_command(argv[optind]) : NULL;
	if (want_help) {
		if (command != NULL)
			command_help(command, stdout);
		else
			usage(stdout);
		return EXIT_OK;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0)
		return help(argc - optind - 1, argv + optind + 1);
	if (o.token != NULL) {
		/* It goes into JSON verbatim: only the characters tokens have.
		 */
		if (strlen(o.token) > 150 ||
		    strspn(
			o.token,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-.") != strlen(o.token)) {
			fprintf(stderr, "budgetctl: a token is NAME.SECRET of "
					"letters, digits, "
					"'_', '-' and '.'\n");
			return EXIT_USAGE;
		}
	}
	if (command == NULL) {
		fprintf(stderr,
			"budgetctl: unknown command \"%s\"; see --help\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o.csv && !command->table) {
		fprintf(stderr,
			"budgetctl: --csv is for the commands that print a "
			"table (totals, departments, projects, three-public, "
			"history, credential list), not %s\n",
			command->name);
		return EXIT_USAGE;
	}
	int status = command->run(&o, argc - optind - 1, argv + optind + 1);
	client_close(&o.client);
	return status;
}
