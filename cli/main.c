/* budgetctl: the operators' and departments' command-line client.  This
 * file reads the options and runs one command; each group of commands
 * has a file of its own. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budgetctl.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: budgetctl [OPTION]... COMMAND [ARG]...\n"
	    "Talks to budgetd over nng.\n"
	    "\n"
	    "Commands:\n"
	    "  submit FILE...        submit budget-submission/1 documents\n"
	    "  validate FILE         audit a document; nothing is stored\n"
	    "  import FILE... [-o OUT] [--submit] [--department CODE] "
	    "[--parent CODE]\n"
	    "         [--year Y] [--unit 元|万元] [--keep-going] [-v] "
	    "[--report FILE]\n"
	    "                        a published budget (text, PDF or CSV "
	    "sheets) as a\n"
	    "                        budget-submission/1 document; the report "
	    "goes to\n"
	    "                        stderr (-v: every row, where it went and "
	    "why);\n"
	    "                        --json: the findings and the document "
	    "as one object\n"
	    "                        no daemon needed unless --submit\n"
	    "  totals                district totals\n"
	    "      --by DIM[,DIM]    drill down (function:class, "
	    "function:section,\n"
	    "                        function:item, economic:class, source, "
	    "kind,\n"
	    "                        department, parent, year)\n"
	    "      --where DIM:V[,V] cut; V* is a code prefix (repeatable)\n"
	    "      --year Y  --unit 元|万元  --sort key|amount  --limit N\n"
	    "      --explain         list the revisions and line items of each "
	    "row\n"
	    "      --change          against the year before (with --year)\n"
	    "      --csv             comma-separated values, with a header "
	    "line\n"
	    "  departments [--year Y] the departments and their latest "
	    "revisions\n"
	    "  projects [--year Y] [--department C] [--parent C] [--function "
	    "PREFIX]\n"
	    "           [--kind operating|targeted] [--limit N]  largest "
	    "projects first\n"
	    "  three-public [--by year|department|parent] [--year Y]  三公经费 "
	    "totals\n"
	    "  show CODE [--year Y] [--revision N]\n"
	    "                        the stored document of a revision\n"
	    "  history CODE [--year Y] every document a department sent\n"
	    "  events [--since SEQ]  stored events after SEQ\n"
	    "  watch [TOPIC] [--since SEQ]\n"
	    "                        follow notifications; a gap in seq is\n"
	    "                        filled from the daemon's event store\n"
	    "  verify                recompute every total from the store; "
	    "exit 1\n"
	    "                        if anything differs\n"
	    "  status                the daemon's state and its listeners' "
	    "policies\n"
	    "  reload                make the daemon re-read its config "
	    "(admin)\n"
	    "  lock YEAR | unlock YEAR  close a fiscal year to submissions "
	    "(admin)\n"
	    "  credential add NAME --role department|parent|operator|admin\n"
	    "                        [--department CODE]   issue a token "
	    "(admin)\n"
	    "  credential list       credential remove NAME      (admin)\n"
	    "\n"
	    "Options:\n"
	    "  -e, --endpoint URL    daemon request URL (default "
	    "$BUDGETD_ENDPOINT\n"
	    "                        or %s)\n"
	    "  -j, --json            print JSON (one event per line for "
	    "watch)\n"
	    "      --tls-ca FILE     for tls+tcp:// endpoints: the CA of the "
	    "daemon\n"
	    "      --tls-cert FILE   our certificate and key (one PEM file)\n"
	    "      --tls-server-name NAME  the name the daemon's certificate "
	    "carries\n"
	    "  -T, --token TOKEN     credential NAME.SECRET for listeners "
	    "that\n"
	    "                        require one (default $BUDGETD_TOKEN)\n"
	    "  -t, --timeout MS      reply timeout (default 30000)\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "Exit status: 0 accepted or ok; 1 rejected or refused (audit "
	    "errors,\n"
	    "forbidden, locked, busy, not found); 2 usage or transport "
	    "error.\n",
	    DEFAULT_ENDPOINT);
}

static const struct {
	const char *name;
	int (*run)(struct options *o, int argc, char **argv);
} commands[] = {
    {"submit", cmd_submit},
    {"validate", cmd_validate},
    {"import", cmd_import},
    {"totals", cmd_totals},
    {"departments", cmd_departments},
    {"show", cmd_show},
    {"history", cmd_history},
    {"events", cmd_events},
    {"watch", cmd_watch},
    {"status", cmd_status},
    {"reload", cmd_reload},
    {"credential", cmd_credential},
    {"verify", cmd_verify},
    {"lock", cmd_lock},
    {"unlock", cmd_unlock},
    {"projects", cmd_projects},
    {"three-public", cmd_three_public},
};

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
		OPT_REPORT
	};
	static const struct option options[] = {
	    {"endpoint", required_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
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
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"verbose", no_argument, NULL, 'v'},
	    {0},
	};
	struct options o = {.limit = -1};
	const char *env = getenv("BUDGETD_ENDPOINT");
	o.client.endpoint = env && *env ? env : DEFAULT_ENDPOINT;
	o.client.timeout_ms = 30000;
	const char *env_token = getenv("BUDGETD_TOKEN");
	o.token = env_token && *env_token ? env_token : NULL;

	int opt;
	char *end;
	/* GNU getopt permutes: options may stand before or after the command.
	 */
	while ((opt = getopt_long(argc, argv, "e:jt:hT:o:v", options, NULL)) !=
	       -1) {
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
		case OPT_REPORT:
			o.report = optarg;
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
				goto bad_value;
			break;
		case 'h':
			usage(stdout);
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
				goto bad_value;
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "元") && strcmp(optarg, "万元") &&
			    strcmp(optarg, "yuan") && strcmp(optarg, "wanyuan"))
				goto bad_value;
			o.unit = strcmp(optarg, "yuan") == 0	  ? "元"
				 : strcmp(optarg, "wanyuan") == 0 ? "万元"
								  : optarg;
			break;
		case OPT_REVISION:
			o.revision = strtoll(optarg, &end, 10);
			if (*end || o.revision <= 0)
				goto bad_value;
			break;
		case OPT_SORT:
			o.sort = optarg;
			break;
		case OPT_LIMIT:
			o.limit = strtol(optarg, &end, 10);
			if (*end || o.limit < 0)
				goto bad_value;
			break;
		case OPT_SINCE:
			o.since = strtoll(optarg, &end, 10);
			if (*end || o.since < 0)
				goto bad_value;
			o.since_set = true;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
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
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(&o, argc - optind - 1,
					       argv + optind + 1);
	fprintf(stderr, "budgetctl: unknown command \"%s\"; see --help\n",
		argv[optind]);
	return EXIT_USAGE;
bad_value:
	fprintf(stderr,
		"budgetctl: bad value \"%s\" for an option; see --help\n",
		optarg);
	return EXIT_USAGE;
}
