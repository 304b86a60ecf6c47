/*
 * The district benchmark: one command, one run, every figure against
 * PostgreSQL on the same machine.
 *
 *   bench [--departments N] [--lines L] [--clients C] [--seed S]
 *
 * Generates a synthetic district (deterministic from the seed, function
 * codes from the shipped catalogue), then measures budgetd — submissions
 * per second acknowledged after durable commit, with C concurrent clients;
 * query latency (median, p99) of typical drilldowns while revisions keep
 * arriving; cold-start rebuild; memory per department — and loads the same
 * line items into a PostgreSQL server it starts on a Unix socket, where the
 * same queries run as GROUP BY / ROLLUP.  Prints a Markdown table.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_files.h"

static int n_departments = 1000, n_lines = 60, n_clients = 8,
	   query_rounds = 200;
static unsigned seed = 2025;
static char dir[128], url[256];
static pid_t daemon_pid;

/* ---- the district ---- */

static char **codes; /* 项 codes from the catalogue */
static size_t n_codes;

struct line {
	int code, source;
	long long basic_fen, project_fen;
};

struct department {
	char code[16], parent[8];
	struct line *lines;
	int n;
};

static struct department *district;

static void load_codes(void)
{
	FILE *f = fopen(BENCH_CATALOG, "r");
	char line[512];
	if (f == NULL) {
		perror(BENCH_CATALOG);
		exit(2);
	}
	while (fgets(line, sizeof line, f)) {
		if (strlen(line) > 8 && line[7] == ',' &&
		    strspn(line, "0123456789") == 7) {
			codes = realloc(codes, (n_codes + 1) * sizeof *codes);
			codes[n_codes++] = strndup(line, 7);
		}
	}
	fclose(f);
}

static void make_department(struct department *d, int index, unsigned *rs,
			    int lines)
{
	/* 60 主管部门 of 3 digits, units numbered under them: 117005. */
	snprintf(d->parent, sizeof d->parent, "%03d", 100 + index % 60);
	snprintf(d->code, sizeof d->code, "%.3s%03d", d->parent,
		 (index / 60) % 1000);
	d->n = lines;
	d->lines = calloc((size_t)lines, sizeof *d->lines);
	/* Distinct (code, source) pairs: walk the codes from one random start,
	 * the second time round with the other source. */
	unsigned start = rand_r(rs) % (unsigned)n_codes;
	for (int i = 0; i < lines; i++) {
		d->lines[i].code = (int)((start + (unsigned)i) % n_codes);
		d->lines[i].source = (i / (int)n_codes) % 2;
		d->lines[i].basic_fen = (long long)(rand_r(rs) % 5000000) * 100;
		d->lines[i].project_fen =
		    rand_r(rs) % 3 ? 0
				   : (long long)(rand_r(rs) % 8000000) * 100;
	}
}

static char *render(const struct department *d)
{
	size_t cap = 256 + (size_t)d->n * 320, n = 0;
	char *buf = malloc(cap);
	long long by_source[2] = {0, 0};
	for (int i = 0; i < d->n; i++)
		by_source[d->lines[i].source] +=
		    d->lines[i].basic_fen + d->lines[i].project_fen;
	n += (size_t)snprintf(
	    buf + n, cap - n,
	    "{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	    "1\","
	    "\"year\":2025,\"unit\":\"元\",\"department\":{\"code\":\"%s\","
	    "\"name\":\"单位%s\",\"parent\":\"%s\"},\"income\":{\"general_"
	    "budget\":"
	    "\"%lld.%02lld\",\"fund_budget\":\"%lld.%02lld\"},\"expenditure\":"
	    "[",
	    d->code, d->code, d->parent, by_source[0] / 100, by_source[0] % 100,
	    by_source[1] / 100, by_source[1] % 100);
	for (int i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "%s{\"function\":\"%s\",\"source\":\"%s\",\"basic\":{"
		    "\"total\":"
		    "\"%lld\"},\"project\":{\"total\":\"%lld\"}}",
		    i ? "," : "", codes[l->code],
		    l->source ? "fund_budget" : "general_budget",
		    l->basic_fen / 100, l->project_fen / 100);
	}
	/* The project table: one project per line with project spending, so
	 * that it adds up to 项目支出 as the audit requires. */
	n += (size_t)snprintf(buf + n, cap - n, "],\"projects\":[");
	bool first = true;
	for (int i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		if (l->project_fen == 0)
			continue;
		n += (size_t)snprintf(
		    buf + n, cap - n,
		    "%s{\"code\":\"%s%04d\",\"name\":\"项目%d\",\"function\":"
		    "\"%s\","
		    "\"sources\":{\"%s\":\"%lld\"},\"total\":\"%lld\"}",
		    first ? "" : ",", d->code, i, i, codes[l->code],
		    l->source ? "fund_budget" : "general_budget",
		    l->project_fen / 100, l->project_fen / 100);
		first = false;
	}
	snprintf(buf + n, cap - n, "]}}");
	return buf;
}

/* ---- timing ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void percentiles(double *v, int n, double *median, double *p99)
{
	qsort(v, (size_t)n, sizeof *v, compare_double);
	*median = v[n / 2];
	*p99 = v[(int)((double)n * 0.99) < n ? (int)((double)n * 0.99) : n - 1];
}

/* ---- budgetd ---- */

static cJSON *call(nng_socket sock, const char *request)
{
	nng_msg *msg = NULL;
	/* A message of our own: nng_send() takes a non-const buffer. */
	if (nng_msg_alloc(&msg, 0) != 0 ||
	    nng_msg_append(msg, request, strlen(request)) != 0 ||
	    nng_sendmsg(sock, msg, 0) != 0) {
		if (msg != NULL)
			nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(sock, &msg, 0) != 0)
		return NULL;
	cJSON *r = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
	nng_msg_free(msg);
	return r;
}

static nng_socket client(void)
{
	nng_socket s;
	nng_req0_open(&s);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 60000);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_dial(s, url, NULL, 0) != 0) {
		fprintf(stderr, "cannot dial %s\n", url);
		exit(2);
	}
	return s;
}

static double start_daemon(void)
{
	char state[300], log[300];
	snprintf(state, sizeof state, "%s/state", dir);
	snprintf(log, sizeof log, "%s/daemon.log", dir);
	double t0 = now_s();
	daemon_pid = fork();
	if (daemon_pid == 0) {
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		execl(BENCH_BIN "/budgetd", "budgetd", "--state-dir", state,
		      "--listen", url, "--publish", "", "--log-level",
		      "warning", (char *)NULL);
		_exit(127);
	}
	for (;;) {
		int status;
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			fprintf(stderr, "budgetd did not start; see %s\n", log);
			exit(2);
		}
		nng_socket s;
		nng_req0_open(&s);
		nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
		bool up = false;
		if (nng_dial(s, url, NULL, 0) == 0) {
			cJSON *r = call(s, "{\"op\":\"status\"}");
			up = r != NULL;
			cJSON_Delete(r);
		}
		nng_close(s);
		if (up)
			return now_s() - t0;
		usleep(2000);
	}
}

static void stop_daemon(void)
{
	int status;
	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, &status, 0);
}

struct submitter {
	int first, step;
	int accepted;
	volatile int *stop; /* revisions mode: resubmit until told */
	double busy_s;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;
	nng_socket sock = client();
	unsigned rs = seed + (unsigned)s->first;
	for (int i = s->first; i < n_departments; i += s->step) {
		char *doc = render(&district[i]);
		cJSON *r = call(sock, doc);
		free(doc);
		bool ok = r && cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"));
		s->accepted += ok;
		if (!ok && s->accepted == 0 && i == s->first) {
			char *text = r ? cJSON_PrintUnformatted(
					     cJSON_GetObjectItem(r, "error"))
				       : NULL;
			fprintf(stderr, "first submission refused: %.400s\n",
				text ? text : "no reply");
			free(text);
		}
		cJSON_Delete(r);
		if (s->stop && !*s->stop && i + s->step >= n_departments)
			i = s->first -
			    s->step; /* keep revising while queries run */
		if (s->stop && *s->stop)
			break;
		(void)rs;
	}
	nng_close(sock);
	return NULL;
}

/* The queries, in both dialects. */
static const struct {
	const char *name, *budgetd, *sql;
} queries[] = {
    {"by 类 (year)",
     "{\"op\":\"totals\",\"by\":[\"function:class\"],\"year\":2025}",
     "SELECT substr(function,1,3), sum(amount) FROM line_items WHERE year = "
     "2025 "
     "GROUP BY 1 ORDER BY 1"},
    {"by department",
     "{\"op\":\"totals\",\"by\":[\"department\"],\"year\":2025}",
     "SELECT department, sum(amount) FROM line_items WHERE year = 2025 GROUP "
     "BY 1 ORDER BY 1"},
    {"201* by 项, source",
     "{\"op\":\"totals\",\"by\":[\"function:item\",\"source\"],"
     "\"where\":[\"function:201*\"]}",
     "SELECT function, source, sum(amount) FROM line_items WHERE function LIKE "
     "'201%' "
     "GROUP BY 1, 2 ORDER BY 1, 2"},
    {"类 × kind (rollup)",
     "{\"op\":\"totals\",\"by\":[\"function:class\",\"kind\"]}",
     "SELECT substr(function,1,3), kind, sum(amount) FROM line_items "
     "GROUP BY ROLLUP (substr(function,1,3), kind) ORDER BY 1, 2"},
    {"one 主管部门 by 款",
     "{\"op\":\"totals\",\"by\":[\"function:section\"],"
     "\"where\":[\"parent:117\"]}",
     "SELECT substr(function,1,5), sum(amount) FROM line_items WHERE parent = "
     "'117' "
     "GROUP BY 1 ORDER BY 1"},
};
#define N_QUERIES (sizeof queries / sizeof queries[0])

/* [0] budgetd idle, [1] budgetd while revisions arrive, [2] PostgreSQL. */
static double med[3][N_QUERIES], p99[3][N_QUERIES];

static void budgetd_queries(int which)
{
	nng_socket sock = client();
	double *t = malloc(sizeof *t * (size_t)query_rounds);
	for (size_t q = 0; q < N_QUERIES; q++) {
		for (int i = 0; i < query_rounds; i++) {
			double t0 = now_s();
			cJSON *r = call(sock, queries[q].budgetd);
			t[i] = now_s() - t0;
			if (!r || !cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
				fprintf(stderr, "query %s failed\n",
					queries[q].name);
				exit(1);
			}
			cJSON_Delete(r);
		}
		percentiles(t, query_rounds, &med[which][q], &p99[which][q]);
	}
	free(t);
	nng_close(sock);
}

/* ---- PostgreSQL ---- */

static char pg_dir[200], pg_conninfo[400];

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

static PGconn *pg_start(void)
{
	char cmd[4096];
	snprintf(pg_dir, sizeof pg_dir, "%s/pg", dir);
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s && chown postgres %s && runuser -u postgres -- "
		 "%s/initdb -D %s/data "
		 "-A trust -U postgres >/dev/null && runuser -u postgres -- "
		 "%s/pg_ctl -D %s/data "
		 "-l %s/log -o \"-k %s -c listen_addresses='' -p 54329 -c "
		 "shared_buffers=256MB\" "
		 "-w start >/dev/null",
		 pg_dir, pg_dir, BENCH_PG_BIN, pg_dir, BENCH_PG_BIN, pg_dir,
		 pg_dir, pg_dir);
	if (run(cmd) != 0)
		exit(2);
	snprintf(pg_conninfo, sizeof pg_conninfo,
		 "host=%s port=54329 user=postgres dbname=postgres", pg_dir);
	PGconn *c = PQconnectdb(pg_conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "postgres: %s\n", PQerrorMessage(c));
		exit(2);
	}
	return c;
}

static void pg_stop(void)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "runuser -u postgres -- %s/pg_ctl -D %s/data -m fast stop "
		 ">/dev/null",
		 BENCH_PG_BIN, pg_dir);
	run(cmd);
}

static void pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "postgres: %s: %s\n", sql, PQerrorMessage(c));
		exit(2);
	}
	PQclear(r);
}

static double pg_load(PGconn *c)
{
	static const char *const kinds[] = {"basic.unsplit", "project.unsplit"};
	pg_exec(
	    c,
	    "CREATE TABLE line_items (department text, parent text, year int, "
	    "function text, source text, kind text, amount bigint)");
	double t0 = now_s();
	PGresult *copy = PQexec(c, "COPY line_items FROM STDIN");
	if (PQresultStatus(copy) != PGRES_COPY_IN) {
		fprintf(stderr, "postgres: COPY: %s\n", PQerrorMessage(c));
		exit(2);
	}
	PQclear(copy);
	char row[256];
	for (int i = 0; i < n_departments; i++) {
		const struct department *d = &district[i];
		for (int k = 0; k < d->n; k++) {
			const struct line *l = &d->lines[k];
			long long amounts[2] = {l->basic_fen, l->project_fen};
			for (int a = 0; a < 2; a++) {
				if (amounts[a] == 0)
					continue;
				int n =
				    snprintf(row, sizeof row,
					     "%s\t%s\t2025\t%s\t%s\t%s\t%lld\n",
					     d->code, d->parent, codes[l->code],
					     l->source ? "fund_budget"
						       : "general_budget",
					     kinds[a], amounts[a]);
				PQputCopyData(c, row, n);
			}
		}
	}
	PQputCopyEnd(c, NULL);
	PGresult *done;
	while ((done = PQgetResult(c)) != NULL) {
		if (PQresultStatus(done) != PGRES_COMMAND_OK) {
			fprintf(stderr, "postgres: COPY: %s\n",
				PQerrorMessage(c));
			exit(2);
		}
		PQclear(done);
	}
	pg_exec(c, "CREATE INDEX ON line_items (year, function)");
	pg_exec(c, "CREATE INDEX ON line_items (parent)");
	pg_exec(c, "ANALYZE line_items");
	return now_s() - t0;
}

static void pg_queries(PGconn *c)
{
	double *t = malloc(sizeof *t * (size_t)query_rounds);
	for (size_t q = 0; q < N_QUERIES; q++) {
		for (int i = 0; i < query_rounds; i++) {
			double t0 = now_s();
			PGresult *r = PQexec(c, queries[q].sql);
			t[i] = now_s() - t0;
			if (PQresultStatus(r) != PGRES_TUPLES_OK) {
				fprintf(stderr, "postgres: %s\n",
					PQerrorMessage(c));
				exit(2);
			}
			PQclear(r);
		}
		percentiles(t, query_rounds, &med[2][q], &p99[2][q]);
	}
	free(t);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--departments") == 0)
			n_departments = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--lines") == 0)
			n_lines = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--clients") == 0)
			n_clients = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--rounds") == 0)
			query_rounds = atoi(argv[i + 1]);
	}
	signal(SIGPIPE, SIG_IGN);
	load_codes();
	district = calloc((size_t)n_departments, sizeof *district);
	unsigned rs = seed;
	long line_items = 0;
	for (int i = 0; i < n_departments; i++) {
		make_department(&district[i], i, &rs, n_lines);
		line_items += n_lines;
	}
	snprintf(dir, sizeof dir, "/tmp/budgetd-bench-XXXXXX");
	if (mkdtemp(dir) == NULL ||
	    chmod(dir, 0755) != 0) /* postgres works in it too */
		return 2;
	snprintf(url, sizeof url, "ipc://%s/req.sock", dir);

	/* budgetd: empty, then loaded by concurrent durable submissions. */
	start_daemon();
	long rss_empty = test_rss_kib(daemon_pid);
	pthread_t threads[64];
	struct submitter subs[64];
	double t0 = now_s();
	for (int c = 0; c < n_clients; c++) {
		subs[c] = (struct submitter){.first = c, .step = n_clients};
		pthread_create(&threads[c], NULL, submit_main, &subs[c]);
	}
	int accepted = 0;
	for (int c = 0; c < n_clients; c++) {
		pthread_join(threads[c], NULL);
		accepted += subs[c].accepted;
	}
	double load_s = now_s() - t0;
	long rss_loaded = test_rss_kib(daemon_pid);
	nng_socket s = client();
	cJSON *status = call(s, "{\"op\":\"status\"}");
	int commits =
	    cJSON_GetObjectItem(status, "submission_commits")->valueint;
	cJSON_Delete(status);
	nng_close(s);

	budgetd_queries(0);
	/* The same while two clients keep sending revisions. */
	volatile int stop = 0;
	struct submitter revisers[2] = {{.first = 0, .step = 2, .stop = &stop},
					{.first = 1, .step = 2, .stop = &stop}};
	for (int c = 0; c < 2; c++)
		pthread_create(&threads[c], NULL, submit_main, &revisers[c]);
	budgetd_queries(1);
	stop = 1;
	int revisions = 0;
	for (int c = 0; c < 2; c++) {
		pthread_join(threads[c], NULL);
		revisions += revisers[c].accepted;
	}
	stop_daemon();
	double rebuild_s = start_daemon();
	stop_daemon();

	/* PostgreSQL: the same line items, the same questions. */
	PGconn *pg = pg_start();
	double pg_load_s = pg_load(pg);
	pg_queries(pg);
	PQfinish(pg);
	pg_stop();

	printf("## budgetd against PostgreSQL %s\n\n", BENCH_PG_VERSION);
	printf("%d departments × %d line items and their projects (%ld items, "
	       "seed %u), "
	       "%d concurrent clients, "
	       "%d rounds per query; %ld cores.\n\n",
	       n_departments, n_lines, line_items, seed, n_clients,
	       query_rounds, sysconf(_SC_NPROCESSORS_ONLN));
	printf("Query latency, median / p99, round trip from a client (budgetd "
	       "over ipc, "
	       "PostgreSQL over a Unix socket):\n\n");
	printf("| query | budgetd | budgetd, revisions arriving | PostgreSQL | "
	       "PostgreSQL ÷ "
	       "budgetd |\n|---|---:|---:|---:|---:|\n");
	for (size_t q = 0; q < N_QUERIES; q++)
		printf("| %s | %.2f / %.2f ms | %.2f / %.2f ms | %.2f / %.2f "
		       "ms | %.1f× |\n",
		       queries[q].name, med[0][q] * 1e3, p99[0][q] * 1e3,
		       med[1][q] * 1e3, p99[1][q] * 1e3, med[2][q] * 1e3,
		       p99[2][q] * 1e3, med[2][q] / med[0][q]);
	printf("\n| load | figure |\n|---|---:|\n");
	printf("| budgetd: submissions acknowledged after durable commit | %d "
	       "in %.2f s = "
	       "**%.0f/s** (%d transactions: %.1f submissions per fsync) |\n",
	       accepted, load_s, accepted / load_s, commits,
	       (double)accepted / commits);
	printf("| budgetd: revisions accepted during the query rounds | %d |\n",
	       revisions);
	printf("| budgetd: cold start, rebuilding every total from the store | "
	       "%.2f s |\n",
	       rebuild_s);
	printf("| budgetd: memory per department (RSS growth / departments) | "
	       "%.1f KiB |\n",
	       (double)(rss_loaded - rss_empty) / n_departments);
	printf("| PostgreSQL: COPY of the same line items + indexes + ANALYZE "
	       "| %.2f s |\n",
	       pg_load_s);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	run(cmd);
	return accepted == n_departments ? 0 : 1;
}
