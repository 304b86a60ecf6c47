/*
 * The district benchmark: one command, one run, every figure against
 * PostgreSQL on the same machine.
 *
 *   bench [--departments N] [--lines L] [--clients C] [--seed S]
 *         [--rounds R] [--pg-rounds P] [--load-only 1 | --queries-only 1]
 *
 * Generates a synthetic district (deterministic from the seed, function
 * codes from the shipped catalogue), then measures budgetd — submissions
 * per second acknowledged after durable commit, with C concurrent clients;
 * query latency (median, p99) of typical drilldowns idle and while
 * revisions keep arriving from another process (this program again, with
 * --revise-from-stdin 1), each round beside a bare echo of its sizes;
 * cold-start rebuild; memory per department — and loads the same
 * line items into a PostgreSQL server it starts on a Unix socket, where the
 * same queries run as GROUP BY / ROLLUP.  Prints a Markdown table.
 *
 * With a PUB subscriber attached throughout, the limits measured in the
 * same run beside each figure (a bare cJSON parse of the documents, a
 * bare nng REQ/REP with each query's sizes, fdatasync in the state
 * directory, a one-row SQLite FULL commit), and the daemon's CPU by
 * thread.  BENCH_DAEMON=/other/build/bin/budgetd measures another build
 * with the same workload, for a baseline in the same session.  The
 * daemon's own account of where each submission's round trip went
 * (status: submission_stage_ms) is printed beside the CPU shares.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "digits.h"
#include "test_files.h"

/* budgetd's questions are asked 1,000 times each, idle and loaded, so
 * that a p99 is the tenth worst round, not the second; PostgreSQL's,
 * tens of milliseconds each at 10,000 departments, 50 times (its median
 * is what the ratios use). */
static int n_departments = 1000, n_lines = 60, n_clients = 8,
	   query_rounds = 1000, pg_rounds = 50;
static unsigned seed = 2025;
/* Only the load of first submissions, with its breakdown: for profiling
 * and for comparing builds quickly (no queries, PostgreSQL or callgrind). */
static bool load_only;
static bool queries_only; /* budgetd's query columns, no limits or PG */
static bool revise_only;  /* the revising process */
static char dir[128], url[256], pub_url[256];
static pid_t daemon_pid;

/* ---- the district ---- */

static char **codes; /* 项 codes from the catalogue */
static size_t n_codes;

/* The expenditure sources of the wire format (income-only carryover left
 * out): with the 54 项 of the catalogue, up to 486 distinct lines. */
static const char *const sources[] = {
    "general_budget",	"fund_budget", "state_capital",
    "special_account",	"business",    "operating",
    "superior_subsidy", "affiliated",  "other"};
#define N_SOURCES (int)(sizeof sources / sizeof sources[0])

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
	 * each time round with the next source. */
	unsigned start = rand_r(rs) % (unsigned)n_codes;
	for (int i = 0; i < lines; i++) {
		d->lines[i].code = (int)((start + (unsigned)i) % n_codes);
		d->lines[i].source = i / (int)n_codes;
		d->lines[i].basic_fen = (long long)(rand_r(rs) % 5000000) * 100;
		d->lines[i].project_fen =
		    rand_r(rs) % 3 ? 0
				   : (long long)(rand_r(rs) % 8000000) * 100;
	}
}

/* A document being written, appended to without printf: the clients'
 * snprintf per line and project was the largest part of the benchmark's
 * own CPU during a load, taken from the two cores the daemon runs on. */
struct text {
	char *at;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s);
	memcpy(t->at, s, n);
	t->at += n;
}

/* v's digits through lib's digits_before, as the daemon writes them,
 * at least `width` of them (zeros in front: printf's %0*lld). */
static void put_digits(struct text *t, long long v, int width)
{
	char buf[24], *end = buf + sizeof buf;
	if (v < 0) {
		*t->at++ = '-';
		v = -v; /* the bench's amounts are far from LLONG_MIN */
	}
	char *start = digits_before(end, (uint64_t)v);
	for (int n = (int)(end - start); n < width; n++)
		*t->at++ = '0';
	memcpy(t->at, start, (size_t)(end - start));
	t->at += end - start;
}

static void put_int(struct text *t, long long v)
{
	put_digits(t, v, 1);
}

static char *render(const struct department *d)
{
	size_t cap = 1024 + (size_t)d->n * 320, n = 0;
	char *buf = malloc(cap);
	long long by_source[N_SOURCES] = {0};
	for (int i = 0; i < d->n; i++)
		by_source[d->lines[i].source] +=
		    d->lines[i].basic_fen + d->lines[i].project_fen;
	n += (size_t)snprintf(
	    buf + n, cap - n,
	    "{\"op\":\"submit\",\"document\":{\"format\":\"budget-submission/"
	    "1\","
	    "\"year\":2025,\"unit\":\"元\",\"department\":{\"code\":\"%s\","
	    "\"name\":\"单位%s\",\"parent\":\"%s\"},\"income\":{",
	    d->code, d->code, d->parent);
	bool first = true;
	for (int k = 0; k < N_SOURCES; k++) {
		if (by_source[k] == 0)
			continue;
		n += (size_t)snprintf(buf + n, cap - n,
				      "%s\"%s\":\"%lld.%02lld\"",
				      first ? "" : ",", sources[k],
				      by_source[k] / 100, by_source[k] % 100);
		first = false;
	}
	struct text t = {buf + n};
	put(&t, "},\"expenditure\":[");
	for (int i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		put(&t, i ? ",{\"function\":\"" : "{\"function\":\"");
		put(&t, codes[l->code]);
		put(&t, "\",\"source\":\"");
		put(&t, sources[l->source]);
		put(&t, "\",\"basic\":{\"total\":\"");
		put_int(&t, l->basic_fen / 100);
		put(&t, "\"},\"project\":{\"total\":\"");
		put_int(&t, l->project_fen / 100);
		put(&t, "\"}}");
	}
	/* The project table: one project per line with project spending, so
	 * that it adds up to 项目支出 as the audit requires. */
	put(&t, "],\"projects\":[");
	first = true;
	for (int i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		if (l->project_fen == 0)
			continue;
		put(&t, first ? "{\"code\":\"" : ",{\"code\":\"");
		put(&t, d->code);
		put_digits(&t, i, 4);
		put(&t, "\",\"name\":\"项目");
		put_int(&t, i);
		put(&t, "\",\"function\":\"");
		put(&t, codes[l->code]);
		put(&t, "\",\"sources\":{\"");
		put(&t, sources[l->source]);
		put(&t, "\":\"");
		put_int(&t, l->project_fen / 100);
		put(&t, "\"},\"total\":\"");
		put_int(&t, l->project_fen / 100);
		put(&t, "\"}");
		first = false;
	}
	put(&t, "]}}");
	*t.at = '\0';
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

static _Thread_local size_t last_reply_bytes;

/* When the last call's reply had arrived, before it was parsed: a query's
 * round trip, like the bare echo's, ends at receipt (parsing a 700 KB
 * reply in the client took longer than the daemon's whole answer). */
static double last_reply_at;

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
	last_reply_at = now_s();
	last_reply_bytes = nng_msg_len(msg);
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

/* Set: the daemon runs under callgrind, writing its counts here, with
 * its own state directory. */
static const char *callgrind_out;

static double start_daemon(void)
{
	char state[300], log[300], out_option[400];
	snprintf(state, sizeof state, "%s/%s", dir,
		 callgrind_out ? "callgrind-state" : "state");
	snprintf(log, sizeof log, "%s/daemon.log", dir);
	double t0 = now_s();
	daemon_pid = fork();
	if (daemon_pid == 0) {
		if (freopen(log, "a", stderr) == NULL)
			_exit(126);
		/* BENCH_DAEMON runs another build's budgetd (a baseline in
		 * the same run); its plugins come from beside it. */
		const char *program = getenv("BENCH_DAEMON");
		if (program == NULL || *program == '\0')
			program = BENCH_BIN "/budgetd";
		snprintf(out_option, sizeof out_option,
			 "--callgrind-out-file=%s",
			 callgrind_out ? callgrind_out : "");
		if (callgrind_out)
			execlp("valgrind", "valgrind", "--tool=callgrind",
			       "--quiet", out_option, program, "--state-dir",
			       state, "--listen", url, "--publish", pub_url,
			       "--log-level", "warning", (char *)NULL);
		else
			execl(program, "budgetd", "--state-dir", state,
			      "--listen", url, "--publish", pub_url,
			      "--log-level", "warning", (char *)NULL);
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
	atomic_int *stop; /* revisions mode: resubmit until told */
	double busy_s;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;
	nng_socket sock = client();
	int round = 0;
	for (int i = s->first; i < n_departments; i += s->step) {
		/* A revision moves one line by 100 元, a different line each
		 * time round, so that apply and publish have work to do.  The
		 * departments a client revises are its own. */
		if (s->stop) {
			struct department *d = &district[i];
			d->lines[round % d->n].basic_fen += 10000;
		}
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
		if (s->stop && !*s->stop && i + s->step >= n_departments) {
			i = s->first -
			    s->step; /* keep revising while queries run */
			round++;
		}
		if (s->stop && *s->stop)
			break;
	}
	nng_close(sock);
	return NULL;
}

/*
 * The revisions that arrive while queries are timed come from a process of
 * their own, as departments' clients would: in the querying process they
 * shared its nng threads, and their 25 KB sends delayed its replies (its
 * p50 under load was 0.38 ms where the daemon's own part was 0.14).
 * "--revise-from-stdin 1" is that process: it revises until its stdin
 * closes, then prints how many revisions were accepted.
 */
static int revise_until_stdin_closes(void)
{
	atomic_int stop = 0;
	struct submitter revisers[2] = {{.first = 0, .step = 2, .stop = &stop},
					{.first = 1, .step = 2, .stop = &stop}};
	pthread_t threads[2];
	for (int c = 0; c < 2; c++)
		pthread_create(&threads[c], NULL, submit_main, &revisers[c]);
	char byte;
	while (read(STDIN_FILENO, &byte, 1) > 0)
		;
	stop = 1;
	for (int c = 0; c < 2; c++)
		pthread_join(threads[c], NULL);
	printf("%d\n", revisers[0].accepted + revisers[1].accepted);
	return 0;
}

struct revisers {
	pid_t pid;
	int to_child, from_child;
};

/* Starts the revising process (this program again, same district). */
static int revisers_start(struct revisers *r)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	char self[512], departments[16], lines[16], seed_text[16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0 || pipe(in) != 0 || pipe(out) != 0)
		goto fail;
	self[n] = '\0';
	snprintf(departments, sizeof departments, "%d", n_departments);
	snprintf(lines, sizeof lines, "%d", n_lines);
	snprintf(seed_text, sizeof seed_text, "%u", seed);
	r->pid = fork();
	if (r->pid < 0)
		goto fail;
	if (r->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[1]);
		close(out[0]);
		execl(self, "bench", "--departments", departments, "--lines",
		      lines, "--seed", seed_text, "--url", url,
		      "--revise-from-stdin", "1", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->to_child = in[1];
	r->from_child = out[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}

/* Stops it; the revisions it had accepted, or -1. */
static int revisers_stop(struct revisers *r)
{
	char text[32] = "";
	close(r->to_child);
	ssize_t n = read(r->from_child, text, sizeof text - 1);
	close(r->from_child);
	int status;
	waitpid(r->pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return atoi(text);
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

/*
 * The bare round trip: an nng REQ/REP echo of a query's request and reply
 * sizes, timed round by round between budgetd's answers, so that both
 * meet the same load.  Its p99 under load ÷ its p99 idle is what the
 * machine alone (two cores, shared with the load's clients) does to a
 * round trip: the floor for budgetd's.
 */
static atomic_size_t reply_size; /* set by the timing thread */

static void *echo_main(void *arg)
{
	nng_socket s = *(nng_socket *)arg;
	for (;;) {
		nng_msg *msg;
		if (nng_recvmsg(s, &msg, 0) != 0)
			return NULL;
		nng_msg_clear(msg);
		if (nng_msg_realloc(msg, reply_size) != 0 ||
		    nng_sendmsg(s, msg, 0) != 0)
			nng_msg_free(msg);
	}
}

struct echo {
	nng_socket rep, req;
	pthread_t thread;
};

static void echo_open(struct echo *e)
{
	char echo_url[300];
	snprintf(echo_url, sizeof echo_url, "ipc://%s/echo.sock", dir);
	if (nng_rep0_open(&e->rep) != 0 ||
	    nng_listen(e->rep, echo_url, NULL, 0) != 0)
		exit(2);
	pthread_create(&e->thread, NULL, echo_main, &e->rep);
	nng_req0_open(&e->req);
	nng_socket_set_ms(e->req, NNG_OPT_RECVTIMEO, 10000);
	if (nng_dial(e->req, echo_url, NULL, 0) != 0)
		exit(2);
}

static double echo_round(struct echo *e, const char *request,
			 size_t reply_bytes)
{
	nng_msg *msg;
	reply_size = reply_bytes;
	double t0 = now_s();
	nng_msg_alloc(&msg, 0);
	nng_msg_append(msg, request, strlen(request));
	if (nng_sendmsg(e->req, msg, 0) != 0 ||
	    nng_recvmsg(e->req, &msg, 0) != 0)
		exit(2);
	nng_msg_free(msg);
	return now_s() - t0;
}

static void echo_close(struct echo *e)
{
	nng_close(e->req);
	nng_close(e->rep); /* the echo thread's receive fails and it returns */
	pthread_join(e->thread, NULL);
}

static size_t query_reply_bytes[N_QUERIES]; /* budgetd's, idle */

/* [0] budgetd idle, [1] budgetd while revisions arrive, [2] PostgreSQL. */
static double med[3][N_QUERIES], p99[3][N_QUERIES];
/* The bare round trip: [0] idle, [1] while revisions arrive. */
static double bare_med[2][N_QUERIES], bare_p99[2][N_QUERIES];

static void budgetd_queries(int which)
{
	nng_socket sock = client();
	struct echo echo;
	echo_open(&echo);
	double *t = malloc(sizeof *t * (size_t)query_rounds);
	double *bare = malloc(sizeof *bare * (size_t)query_rounds);
	for (size_t q = 0; q < N_QUERIES; q++) {
		for (int i = 0; i < query_rounds; i++) {
			double t0 = now_s();
			cJSON *r = call(sock, queries[q].budgetd);
			t[i] = last_reply_at - t0;
			if (!r || !cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))) {
				fprintf(stderr, "query %s failed\n",
					queries[q].name);
				exit(1);
			}
			cJSON_Delete(r);
			bare[i] = echo_round(&echo, queries[q].budgetd,
					     last_reply_bytes);
		}
		if (which == 0)
			query_reply_bytes[q] = last_reply_bytes;
		percentiles(t, query_rounds, &med[which][q], &p99[which][q]);
		percentiles(bare, query_rounds, &bare_med[which][q],
			    &bare_p99[which][q]);
	}
	free(t);
	free(bare);
	echo_close(&echo);
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
				int n = snprintf(
				    row, sizeof row,
				    "%s\t%s\t2025\t%s\t%s\t%s\t%lld\n", d->code,
				    d->parent, codes[l->code],
				    sources[l->source], kinds[a], amounts[a]);
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
	double *t = malloc(sizeof *t * (size_t)pg_rounds);
	for (size_t q = 0; q < N_QUERIES; q++) {
		for (int i = 0; i < pg_rounds; i++) {
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
		percentiles(t, pg_rounds, &med[2][q], &p99[2][q]);
	}
	free(t);
}

/* ---- what budgetd listens to, and what it costs the loop ---- */

struct subscriber {
	atomic_int *stop;
	_Atomic long messages, bytes; /* read while the listener runs */
};

/* A PUB listener throughout, so that every change is really published. */
static void *subscribe_main(void *arg)
{
	struct subscriber *sub = arg;
	nng_socket s;
	if (nng_sub0_open(&s) != 0 ||
	    nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100) != 0 ||
	    nng_dial(s, pub_url, NULL, NNG_FLAG_NONBLOCK) != 0) {
		fprintf(stderr, "cannot subscribe to %s\n", pub_url);
		exit(2);
	}
	while (!*sub->stop) {
		nng_msg *msg;
		if (nng_recvmsg(s, &msg, 0) != 0)
			continue;
		sub->messages++;
		sub->bytes += (long)nng_msg_len(msg);
		nng_msg_free(msg);
	}
	/* Left open: nng 1.5.2's nng_close of a SUB socket with a busy pipe
	 * was seen to hang here for good (1000 × 60 run); the process's exit
	 * closes it. */
	return NULL;
}

/* CPU seconds of the daemon's threads: the main thread, which runs the
 * event loop; the audit workers; the store's writer; the sender of
 * replies and publications; nng's; the rest. */
enum {
	CPU_LOOP,
	CPU_AUDIT,
	CPU_STORE,
	CPU_SEND,
	CPU_NNG,
	CPU_OTHER,
	CPU_GROUPS
};

/* The bench shares the machine with the daemon: what its own clients
 * and the machine's idle time take says whether the daemon was short of
 * CPU or waiting. */
static double self_cpu_s(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double machine_idle_s(void)
{
	unsigned long long user, nice, system, idle = 0, iowait = 0;
	FILE *f = fopen("/proc/stat", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu", &user, &nice, &system,
		   &idle, &iowait) != 5)
		idle = iowait = 0;
	fclose(f);
	return (double)(idle + iowait) / (double)sysconf(_SC_CLK_TCK);
}

static void daemon_cpu_s(double cpu[CPU_GROUPS])
{
	char path[256];
	memset(cpu, 0, sizeof(double) * CPU_GROUPS);
	snprintf(path, sizeof path, "/proc/%d/task", (int)daemon_pid);
	DIR *tasks = opendir(path);
	if (tasks == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(tasks)) != NULL) {
		char stat_path[600], text[1024];
		if (e->d_name[0] == '.')
			continue;
		snprintf(stat_path, sizeof stat_path, "%s/%s/stat", path,
			 e->d_name);
		FILE *f = fopen(stat_path, "r");
		if (f == NULL)
			continue;
		size_t n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[n] = '\0';
		/* Fields 14 and 15 (utime, stime) follow the name in
		 * parentheses. */
		char *open_paren = strchr(text, '('),
		     *close_paren = strrchr(text, ')');
		unsigned long long utime = 0, stime = 0;
		if (open_paren == NULL || close_paren == NULL ||
		    sscanf(close_paren + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%llu %llu",
			   &utime, &stime) != 2)
			continue;
		const char *name = open_paren + 1;
		int group =
		    atoi(e->d_name) == (int)daemon_pid	      ? CPU_LOOP
		    : strncmp(name, "budgetd:audit", 13) == 0 ? CPU_AUDIT
		    : strncmp(name, "budgetd:store", 13) == 0 ? CPU_STORE
		    : strncmp(name, "budgetd:send", 12) == 0  ? CPU_SEND
		    : strncmp(name, "nng:", 4) == 0	      ? CPU_NNG
							      : CPU_OTHER;
		cpu[group] +=
		    (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	}
	closedir(tasks);
}

/* ---- the limits, measured in the same run ---- */

struct limits {
	double parse_s;	 /* bare cJSON parse of one document */
	double fsync_s;	 /* fdatasync of a 4 KiB write in the state dir */
	double sqlite_s; /* one-row SQLite commit, WAL, synchronous=FULL */
};

static double median_of(double *v, int n)
{
	double middle, high;
	percentiles(v, n, &middle, &high);
	return middle;
}

static double bare_parse_s(void)
{
	int n = n_departments < 200 ? n_departments : 200;
	double total = 0;
	for (int i = 0; i < n; i++) {
		char *doc = render(&district[i]);
		double t1 = now_s();
		cJSON *j = cJSON_Parse(doc);
		total += now_s() - t1;
		cJSON_Delete(j);
		free(doc);
	}
	return total / n;
}

static double fsync_limit_s(void)
{
	char path[300], block[4096];
	double t[200];
	memset(block, 'x', sizeof block);
	snprintf(path, sizeof path, "%s/state/fsync-probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	for (int i = 0; i < 200; i++) {
		double t0 = now_s();
		if (write(fd, block, sizeof block) != (ssize_t)sizeof block ||
		    fdatasync(fd) != 0)
			break;
		t[i] = now_s() - t0;
	}
	close(fd);
	unlink(path);
	return median_of(t, 200);
}

static double sqlite_limit_s(void)
{
	char path[300];
	double t[200];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/state/sqlite-probe.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_exec(db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "CREATE TABLE t (v BLOB)",
		     NULL, NULL, NULL);
	for (int i = 0; i < 200; i++) {
		double t0 = now_s();
		sqlite3_exec(db,
			     "BEGIN; INSERT INTO t VALUES (randomblob(4096)); "
			     "COMMIT",
			     NULL, NULL, NULL);
		t[i] = now_s() - t0;
	}
	sqlite3_close(db);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -f %s*", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
	return median_of(t, 200);
}

/* ---- main ---- */

/* A number of the daemon's status: top level, or of a member object
 * ("health.store"). */
static double status_number_in(const char *object, const char *member,
			       const char *name)
{
	nng_socket s = client();
	cJSON *status = call(s, "{\"op\":\"status\"}");
	const cJSON *in = status;
	if (object)
		in = cJSON_GetObjectItem(in, object);
	if (member)
		in = cJSON_GetObjectItem(in, member);
	cJSON *item = cJSON_GetObjectItem(in, name);
	double v = cJSON_IsNumber(item) ? item->valuedouble : -1;
	cJSON_Delete(status);
	nng_close(s);
	return v;
}

static double status_number(const char *name)
{
	return status_number_in(NULL, NULL, name);
}

/* The daemon's sums of where accepted submissions' round trips went
 * (status: submission_stage_ms), in its order; returns how many. */
#define MAX_STAGES 16
static int status_stages(char names[MAX_STAGES][24], double ms[MAX_STAGES])
{
	nng_socket s = client();
	cJSON *status = call(s, "{\"op\":\"status\"}");
	const cJSON *stage;
	int n = 0;
	cJSON_ArrayForEach(stage,
			   cJSON_GetObjectItem(status, "submission_stage_ms"))
	{
		if (n == MAX_STAGES)
			break;
		snprintf(names[n], sizeof names[n], "%s", stage->string);
		ms[n++] = stage->valuedouble;
	}
	cJSON_Delete(status);
	nng_close(s);
	return n;
}

/* ---- instructions, counted by callgrind in the same run ---- */

#define CALLGRIND_SUBMISSIONS 300

struct callgrind_counts {
	double daemon_per_submission; /* 0: valgrind not there */
	double parse_per_document;
};

static long long callgrind_total(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	long long total = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "summary:", 8) == 0 ||
		    (total < 0 && strncmp(line, "totals:", 7) == 0))
			total = atoll(line + (line[0] == 's' ? 8 : 7));
	if (f)
		fclose(f);
	return total;
}

/* The whole daemon's instructions from start to stop with n submissions
 * (revisions of the first departments, a subscriber listening). */
static long long daemon_instructions(int n)
{
	char out[300], cmd[400];
	snprintf(out, sizeof out, "%s/callgrind.daemon.%d", dir, n);
	snprintf(cmd, sizeof cmd, "rm -rf %s/callgrind-state", dir);
	run(cmd);
	callgrind_out = out;
	start_daemon();
	atomic_int stop = 0;
	struct subscriber listener = {.stop = &stop};
	pthread_t listener_thread;
	pthread_create(&listener_thread, NULL, subscribe_main, &listener);
	usleep(300000);
	nng_socket sock = client();
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 60000);
	int accepted = 0;
	for (int i = 0; i < n; i++) {
		char *doc = render(&district[i % n_departments]);
		cJSON *r = call(sock, doc);
		accepted += r && cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"));
		cJSON_Delete(r);
		free(doc);
	}
	nng_close(sock);
	stop = 1;
	pthread_join(listener_thread, NULL);
	stop_daemon();
	callgrind_out = NULL;
	return accepted == n ? callgrind_total(out) : -1;
}

/* --parse-only K: parse the first documents K times and exit, for
 * callgrind to count (the difference of K = 1 and K = 0). */
static int parse_only(int times)
{
	for (int i = 0; i < CALLGRIND_SUBMISSIONS; i++) {
		char *doc = render(&district[i % n_departments]);
		for (int k = 0; k < times; k++)
			cJSON_Delete(cJSON_Parse(doc));
		free(doc);
	}
	return 0;
}

static long long parse_instructions(const char *self, int times)
{
	char out[300], cmd[1200];
	snprintf(out, sizeof out, "%s/callgrind.parse.%d", dir, times);
	snprintf(cmd, sizeof cmd,
		 "valgrind --tool=callgrind --quiet --callgrind-out-file=%s "
		 "%s --parse-only %d --departments %d --lines %d --seed %u",
		 out, self, times, n_departments, n_lines, seed);
	return run(cmd) == 0 ? callgrind_total(out) : -1;
}

static struct callgrind_counts cg;

static void count_instructions(const char *self)
{
	if (system("valgrind --version >/dev/null 2>&1") != 0)
		return;
	long long none = daemon_instructions(0),
		  some = daemon_instructions(CALLGRIND_SUBMISSIONS),
		  p0 = parse_instructions(self, 0),
		  p1 = parse_instructions(self, 1);
	if (none < 0 || some < 0 || p0 < 0 || p1 <= p0)
		return;
	cg.daemon_per_submission =
	    (double)(some - none) / CALLGRIND_SUBMISSIONS;
	cg.parse_per_document = (double)(p1 - p0) / CALLGRIND_SUBMISSIONS;
}

/* What the load of concurrent first submissions measured. */
struct load_run {
	int accepted;
	double seconds;
	long commits;	      /* transactions of every kind */
	double commit_ms;     /* the writer's wall time inside them */
	double max_commit_ms; /* the longest, since the daemon started */
	double share[CPU_GROUPS], clients_share, idle_share; /* % of a core */
	int n_stages; /* 0: the daemon did not say */
	char stage_names[MAX_STAGES][24];
	double stage_ms[MAX_STAGES]; /* mean per accepted submission */
};

/* The load's rows of the table; lim NULL (--load-only): without the
 * limits, which were not measured. */
static void print_load_rows(const struct load_run *l, const struct limits *lim)
{
	char limit[128] = "";
	long commits = l->commits > 0 ? l->commits : 1;
	if (lim)
		snprintf(limit, sizeof limit,
			 "one-row SQLite FULL commit: %.2f ms (%.0f/s serial)",
			 lim->sqlite_s * 1e3, 1 / lim->sqlite_s);
	printf("| budgetd: submissions acknowledged after durable commit | %d "
	       "in %.2f s = **%.0f/s** | %s |\n",
	       l->accepted, l->seconds, l->accepted / l->seconds, limit);
	if (lim)
		snprintf(limit, sizeof limit, "fdatasync of 4 KiB: %.2f ms",
			 lim->fsync_s * 1e3);
	printf("| budgetd: submissions per fsync (every transaction counted) | "
	       "%.1f (%ld transactions) | %s |\n",
	       (double)l->accepted / (double)commits, l->commits, limit);
	printf(
	    "| budgetd: store writer inside BEGIN…COMMIT (wall time) | %.0f "
	    "%% of the load, %.2f ms a transaction, the longest %.1f ms | |\n",
	    l->commit_ms / 10 / l->seconds, l->commit_ms / (double)commits,
	    l->max_commit_ms);
	printf("| budgetd: CPU share during the load: loop thread / audit "
	       "workers / store writer / sender / nng threads / others | "
	       "%.0f / %.0f / %.0f / %.0f / %.0f / %.0f %% | 100 %% a thread, "
	       "%ld00 %% in all |\n",
	       l->share[CPU_LOOP], l->share[CPU_AUDIT], l->share[CPU_STORE],
	       l->share[CPU_SEND], l->share[CPU_NNG], l->share[CPU_OTHER],
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("| the machine during the load: the bench's clients and "
	       "subscriber / idle | %.0f / %.0f %% | the rest: the kernel's "
	       "own threads (journal, block I/O) and other processes |\n",
	       l->clients_share, l->idle_share);
	if (lim)
		snprintf(limit, sizeof limit,
			 "bare cJSON parse of the document: %.3f ms",
			 lim->parse_s * 1e3);
	printf("| budgetd: round trip per submission (per client) | %.2f ms | "
	       "%s |\n",
	       l->seconds / l->accepted * n_clients * 1e3, limit);
	if (l->n_stages == 0)
		return;
	printf("| budgetd: where a submission's round trip went, mean ms: ");
	for (int i = 0; i < l->n_stages; i++)
		printf("%s%s", i ? " / " : "", l->stage_names[i]);
	printf(" | ");
	double sum = 0;
	for (int i = 0; i < l->n_stages; i++) {
		sum += l->stage_ms[i];
		printf("%s%.2f", i ? " / " : "", l->stage_ms[i]);
	}
	printf(" = %.2f ms | stages: `budgetctl status`, /metrics |\n", sum);
}

/* RSS growth per line item, right after the load and once quiet. */
static void print_memory_row(long loaded_kib, long quiet_kib, long items)
{
	printf("| budgetd: memory per line item (RSS growth / items), right "
	       "after the load / 2.5 s later, quiet | %.0f / %.0f B | |\n",
	       (double)loaded_kib * 1024 / (double)items,
	       (double)quiet_kib * 1024 / (double)items);
}

/* The query table; PostgreSQL's columns when it ran. */
static void print_query_table(bool with_pg)
{
	printf("| query | reply | bare round trip | budgetd | ÷ bare | "
	       "budgetd, revisions arriving | p99 ÷ idle p99 | bare round "
	       "trip, revisions arriving | its p99 ÷ idle p99 |%s\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|%s\n",
	       with_pg ? " PostgreSQL | PostgreSQL ÷ budgetd |" : "",
	       with_pg ? "---:|---:|" : "");
	for (size_t q = 0; q < N_QUERIES; q++) {
		printf("| %s | %zu B | %.3f ms | %.2f / %.2f ms | %.1f× | %.2f "
		       "/ %.2f ms | %.1f× | %.2f / %.2f ms | %.1f× |",
		       queries[q].name, query_reply_bytes[q],
		       bare_med[0][q] * 1e3, med[0][q] * 1e3, p99[0][q] * 1e3,
		       med[0][q] / bare_med[0][q], med[1][q] * 1e3,
		       p99[1][q] * 1e3, p99[1][q] / p99[0][q],
		       bare_med[1][q] * 1e3, bare_p99[1][q] * 1e3,
		       bare_p99[1][q] / bare_p99[0][q]);
		if (with_pg)
			printf(" %.2f / %.2f ms | %.1f× |", med[2][q] * 1e3,
			       p99[2][q] * 1e3, med[2][q] / med[0][q]);
		printf("\n");
	}
}

/* The run's directory goes, unless BENCH_KEEP asks to keep it (its
 * callgrind files, its logs). */
static void remove_dir(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (getenv("BENCH_KEEP") == NULL)
		run(cmd);
	else
		fprintf(stderr, "bench: kept %s\n", dir);
}

int main(int argc, char **argv)
{
	int parse_times = -1;
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
		else if (strcmp(argv[i], "--load-only") == 0)
			load_only = atoi(argv[i + 1]) != 0;
		else if (strcmp(argv[i], "--url") == 0)
			snprintf(url, sizeof url, "%s", argv[i + 1]);
		else if (strcmp(argv[i], "--revise-from-stdin") == 0)
			revise_only = atoi(argv[i + 1]) != 0;
		else if (strcmp(argv[i], "--queries-only") == 0)
			queries_only = atoi(argv[i + 1]) != 0;
		else if (strcmp(argv[i], "--parse-only") == 0)
			parse_times = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--pg-rounds") == 0)
			pg_rounds = atoi(argv[i + 1]);
	}
	signal(SIGPIPE, SIG_IGN);
	load_codes();
	if (n_lines < 1 || n_lines > (int)n_codes * N_SOURCES ||
	    n_departments < 1 || n_departments > 60000 || n_clients < 1 ||
	    n_clients > 64 || query_rounds < 1 || pg_rounds < 1) {
		fprintf(stderr,
			"bench: --lines 1..%d (distinct 项 × source pairs of "
			"the catalogue), --departments 1..60000, --clients "
			"1..64, --rounds 1.., --pg-rounds 1..\n",
			(int)n_codes * N_SOURCES);
		return 2;
	}
	district = calloc((size_t)n_departments, sizeof *district);
	unsigned rs = seed;
	long line_items = 0;
	for (int i = 0; i < n_departments; i++) {
		make_department(&district[i], i, &rs, n_lines);
		line_items += n_lines;
	}
	if (parse_times >= 0)
		return parse_only(parse_times);
	if (revise_only)
		return revise_until_stdin_closes();
	snprintf(dir, sizeof dir, "/tmp/budgetd-bench-XXXXXX");
	if (mkdtemp(dir) == NULL ||
	    chmod(dir, 0755) != 0) /* postgres works in it too */
		return 2;
	snprintf(url, sizeof url, "ipc://%s/req.sock", dir);
	snprintf(pub_url, sizeof pub_url, "ipc://%s/pub.sock", dir);

	/* budgetd: empty, then loaded by concurrent durable submissions,
	 * with a subscriber listening throughout. */
	start_daemon();
	atomic_int stop_listening = 0;
	struct subscriber listener = {.stop = &stop_listening};
	pthread_t listener_thread;
	pthread_create(&listener_thread, NULL, subscribe_main, &listener);
	usleep(100000); /* the subscription reaches the daemon */
	long rss_empty = test_rss_kib(daemon_pid);
	struct load_run load = {0};
	double stage_before[MAX_STAGES], stage_after[MAX_STAGES];
	double timed_before = status_number("submissions_timed");
	load.n_stages = status_stages(load.stage_names, stage_before);
	long commits_before = (long)status_number("commits");
	double commit_ms_before = status_number("commit_ms_total");
	pthread_t threads[64];
	struct submitter subs[64];
	double cpu_before[CPU_GROUPS], cpu_after[CPU_GROUPS];
	daemon_cpu_s(cpu_before);
	double clients_before = self_cpu_s(), idle_before = machine_idle_s();
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
	daemon_cpu_s(cpu_after);
	load.accepted = accepted;
	load.seconds = load_s;
	load.clients_share = (self_cpu_s() - clients_before) / load_s * 100;
	load.idle_share = (machine_idle_s() - idle_before) / load_s * 100;
	for (int g = 0; g < CPU_GROUPS; g++)
		load.share[g] = (cpu_after[g] - cpu_before[g]) / load_s * 100;
	long rss_loaded = test_rss_kib(daemon_pid);
	load.commits = (long)status_number("commits") - commits_before;
	load.commit_ms = status_number("commit_ms_total") - commit_ms_before;
	load.max_commit_ms =
	    status_number_in("health", "store", "max_commit_ms");
	long published = listener.messages;
	double timed = status_number("submissions_timed") - timed_before;
	char names_after[MAX_STAGES][24];
	if (timed <= 0 ||
	    status_stages(names_after, stage_after) != load.n_stages)
		load.n_stages = 0;
	for (int i = 0; i < load.n_stages; i++)
		load.stage_ms[i] = (stage_after[i] - stage_before[i]) / timed;
	/* And once quiet: the daemon gives the load's freed buffers back
	 * after a heartbeat (1 s) without a request; the rest is what it
	 * keeps for the line items. */
	usleep(2500000);
	long rss_quiet = test_rss_kib(daemon_pid);
	int failed = 0; /* the exit status of a run abandoned */
	if (accepted != n_departments) {
		/* A table over refused submissions would measure refusals. */
		fprintf(stderr,
			"bench: %d of %d submissions accepted; no figures "
			"printed\n",
			accepted, n_departments);
		failed = 1;
		goto abandon;
	}

	if (load_only) {
		printf(
		    "%d departments × %d line items, %d concurrent "
		    "clients, a PUB subscriber attached; %ld cores; the load "
		    "only.\n\n| load | figure | |\n|---|---:|---:|\n",
		    n_departments, n_lines, n_clients,
		    sysconf(_SC_NPROCESSORS_ONLN));
		print_load_rows(&load, NULL);
		print_memory_row(rss_loaded - rss_empty, rss_quiet - rss_empty,
				 line_items);
		stop_listening = 1;
		pthread_join(listener_thread, NULL);
		stop_daemon();
		remove_dir();
		return 0;
	}
	budgetd_queries(0);
	/* The same while two clients keep sending revisions. */
	struct revisers revising;
	double revise_t0 = now_s();
	if (revisers_start(&revising) < 0) {
		fprintf(stderr, "bench: cannot start the revising process\n");
		failed = 2;
		goto abandon;
	}
	usleep(50000); /* its first revisions reach the daemon */
	budgetd_queries(1);
	int revisions = revisers_stop(&revising);
	double revise_s = now_s() - revise_t0;
	if (revisions < 0) {
		fprintf(stderr, "bench: the revising process failed\n");
		failed = 2;
		goto abandon;
	}
	stop_listening = 1;
	pthread_join(listener_thread, NULL);
	stop_daemon();
	if (queries_only) {
		printf("%d departments × %d line items, %d revisions arriving "
		       "in %.2f s; budgetd's queries only.\n\n",
		       n_departments, n_lines, revisions, revise_s);
		print_query_table(false);
		remove_dir();
		return 0;
	}
	double rebuild_s = start_daemon();
	stop_daemon();

	/* The limits, on the same machine in the same run. */
	struct limits lim = {.parse_s = bare_parse_s(),
			     .fsync_s = fsync_limit_s(),
			     .sqlite_s = sqlite_limit_s()};
	char self[512];
	ssize_t self_len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (self_len > 0) {
		self[self_len] = '\0';
		count_instructions(self);
	}

	/* PostgreSQL: the same line items, the same questions. */
	PGconn *pg = pg_start();
	double pg_load_s = pg_load(pg);
	pg_queries(pg);
	PQfinish(pg);
	pg_stop();

	printf("## budgetd against PostgreSQL %s\n\n", BENCH_PG_VERSION);
	printf("%d departments × %d line items and their projects (%ld items, "
	       "seed %u), "
	       "%d concurrent clients, a PUB subscriber attached, "
	       "%d rounds per query (PostgreSQL %d); %ld cores.\n\n",
	       n_departments, n_lines, line_items, seed, n_clients,
	       query_rounds, pg_rounds, sysconf(_SC_NPROCESSORS_ONLN));
	printf("Query latency, median / p99, round trip from a client (budgetd "
	       "over ipc, "
	       "PostgreSQL over a Unix socket); the bare round trip is an nng "
	       "REQ/REP echo with the same request and reply sizes:\n\n");
	print_query_table(true);
	printf("\n| load | figure | limit, same run |\n|---|---:|---:|\n");
	print_load_rows(&load, &lim);
	if (cg.daemon_per_submission > 0)
		printf("| budgetd: instructions per submission (callgrind, "
		       "whole daemon, %d submissions against none) | %.2f M "
		       "= **%.1f× a bare parse** | bare cJSON parse of the "
		       "document: %.2f M instructions |\n",
		       CALLGRIND_SUBMISSIONS, cg.daemon_per_submission / 1e6,
		       cg.daemon_per_submission / cg.parse_per_document,
		       cg.parse_per_document / 1e6);
	printf("| budgetd: messages published during the load | %ld | |\n",
	       published);
	printf("| budgetd: revisions accepted during the query rounds (each "
	       "moves a line) | %d in %.2f s | |\n",
	       revisions, revise_s);
	printf("| budgetd: cold start, rebuilding every total from the store | "
	       "%.2f s | |\n",
	       rebuild_s);
	print_memory_row(rss_loaded - rss_empty, rss_quiet - rss_empty,
			 line_items);
	printf("| PostgreSQL: COPY of the same line items + indexes + ANALYZE "
	       "| %.2f s | |\n",
	       pg_load_s);
	remove_dir();
	return 0;
abandon:
	/* The daemon stopped, its directory kept for its log. */
	stop_listening = 1;
	pthread_join(listener_thread, NULL);
	stop_daemon();
	fprintf(stderr, "bench: the daemon's log: %s/daemon.log\n", dir);
	return failed;
}
