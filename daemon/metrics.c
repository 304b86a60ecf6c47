/*
 * Prometheus metrics, read from the counters the daemon keeps anyway (the
 * health report's store, queue and loop; requests; the registry; the PUB
 * socket) at the moment of the scrape: nothing is counted twice.
 */
#include "metrics.h"

#include <event2/buffer.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "health.h"

/* A numeric constant's digits, for a help text. */
#define TEXT_OF_(x) #x
#define TEXT_OF(x)  TEXT_OF_(x)

static void metric(struct evbuffer *out, const char *name, const char *type,
		   const char *help, double value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name,
			    help, name, type, name, value);
}

/* A member of the health report, 0 when absent. */
static double health_number(const cJSON *report, const char *part,
			    const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(report, part), key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

double metrics_heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();
	return (double)m.uordblks + (double)m.hblkhd;
}

static void put_finding(void *ctx, const char *rule, bd_fen count)
{
	/* Rule ids are the plugins' and the operator's: dots, letters,
	 * digits; anything else would break the label. */
	if (strspn(rule, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") != strlen(rule))
		return;
	evbuffer_add_printf(ctx, "budgetd_findings_total{rule=\"%s\"} %lld\n",
			    rule, (long long)count);
}

/* One Prometheus histogram from per-bucket counts (cumulated here). */
static void histogram(struct evbuffer *out, const char *name, const char *help,
		      const uint64_t *counts, const uint64_t *bounds,
		      double scale, double sum)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name,
			    help, name);
	uint64_t cumulative = 0;
	for (size_t i = 0; i < STORE_HIST_BUCKETS; i++) {
		cumulative += counts[i];
		evbuffer_add_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name,
				    (double)bounds[i] * scale,
				    (unsigned long long)cumulative);
	}
	cumulative += counts[STORE_HIST_BUCKETS];
	evbuffer_add_printf(out,
			    "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9g\n"
			    "%s_count %llu\n",
			    name, (unsigned long long)cumulative, name, sum,
			    name, (unsigned long long)cumulative);
}

static void histograms(struct daemon *d, struct evbuffer *out)
{
	uint64_t commits[STORE_HIST_BUCKETS + 1],
	    batches[STORE_HIST_BUCKETS + 1];
	uint64_t commit_us, jobs;
	pthread_mutex_lock(&d->store.lock);
	memcpy(commits, d->store.commit_hist, sizeof commits);
	memcpy(batches, d->store.batch_hist, sizeof batches);
	commit_us = d->store.commit_us_total;
	jobs = d->store.jobs_committed;
	pthread_mutex_unlock(&d->store.lock);
	histogram(out, "budgetd_commit_seconds",
		  "Store transactions by how long they took (BEGIN to COMMIT, "
		  "fsync included).",
		  commits, store_commit_bounds_us, 1e-6,
		  (double)commit_us / 1e6);
	histogram(out, "budgetd_commit_batch_jobs",
		  "Store transactions by how many jobs (submissions, event "
		  "annotations) they carried.",
		  batches, store_batch_bounds, 1, (double)jobs);
}

void metrics_write(struct daemon *d, struct evbuffer *out)
{
	enum health_level level;
	cJSON *report = health_report(d, &level);
	evbuffer_add_printf(out,
			    "# HELP budgetd_build_info The running version.\n"
			    "# TYPE budgetd_build_info gauge\n"
			    "budgetd_build_info{version=\"%s\",plugin_abi="
			    "\"%d\"} 1\n",
			    PROJECT_VERSION, BD_ABI_MAJOR);
	metric(out, "budgetd_start_time_seconds", "gauge",
	       "When the daemon started, in seconds since the epoch.",
	       (double)d->started);
	metric(out, "budgetd_requests_total", "counter",
	       "Requests received, over nng and HTTP.", (double)d->requests);
	evbuffer_add_printf(out, "# HELP budgetd_http_responses_total HTTP "
				 "replies sent, by status class.\n"
				 "# TYPE budgetd_http_responses_total "
				 "counter\n");
	for (int c = 1; c <= 5; c++)
		evbuffer_add_printf(
		    out, "budgetd_http_responses_total{class=\"%dxx\"} %llu\n",
		    c, (unsigned long long)d->http.responses[c]);
	evbuffer_add_printf(out, "# HELP budgetd_replies_total Replies sent "
				 "(nng and HTTP), by op and outcome: ok or "
				 "the error code (a refused submission: "
				 "rejected, invalid_document).\n"
				 "# TYPE budgetd_replies_total counter\n");
	for (size_t i = 0; i < d->n_reply_counts; i++)
		evbuffer_add_printf(
		    out,
		    "budgetd_replies_total{op=\"%s\",outcome=\"%s\"} %llu\n",
		    d->reply_counts[i].op, d->reply_counts[i].outcome,
		    (unsigned long long)d->reply_counts[i].n);
	evbuffer_add_printf(out, "# HELP budgetd_findings_total Audit findings "
				 "since start, by rule.\n"
				 "# TYPE budgetd_findings_total counter\n");
	strmap_each(&d->findings_by_rule, put_finding, out);
	metric(out, "budgetd_published_total", "counter",
	       "Messages published on the PUB socket.",
	       (double)atomic_load(&d->events_published));
	uint64_t dropped, failed;
	outbox_counts(&d->rpc.outbox, &dropped, &failed);
	metric(out, "budgetd_publications_dropped_total", "counter",
	       "Messages not published: the sender thread had " TEXT_OF(
		   OUTBOX_MAX_PUBLICATIONS) " waiting already.",
	       (double)dropped);
	metric(out, "budgetd_publications_failed_total", "counter",
	       "Messages the PUB socket refused (closed).", (double)failed);
	histograms(d, out);
	evbuffer_add_printf(
	    out,
	    "# HELP budgetd_submission_stage_seconds_total Where the round "
	    "trips of accepted submissions went, by stage (received, "
	    "audit, store, apply and reply).\n"
	    "# TYPE budgetd_submission_stage_seconds_total counter\n");
	for (int i = 0; i < SUBMISSION_STAGES; i++)
		evbuffer_add_printf(
		    out,
		    "budgetd_submission_stage_seconds_total{stage=\"%s\"} "
		    "%.9f\n",
		    submission_stage_names[i],
		    (double)d->submission_stage_ns[i] / 1e9);
	metric(out, "budgetd_submissions_timed_total", "counter",
	       "Accepted submissions whose stages are counted.",
	       (double)d->submissions_timed);
	evbuffer_add_printf(out,
			    "# HELP budgetd_audit_seconds_total Time each "
			    "plugin spent validating.\n"
			    "# TYPE budgetd_audit_seconds_total counter\n");
	for (size_t i = 0; i < d->host.n_plugins; i++)
		evbuffer_add_printf(
		    out, "budgetd_audit_seconds_total{plugin=\"%s\"} %.9f\n",
		    d->host.plugins[i].name,
		    (double)d->host.plugins[i].validate_ns / 1e9);
	evbuffer_add_printf(out, "# HELP budgetd_audits_total Documents each "
				 "plugin validated.\n"
				 "# TYPE budgetd_audits_total counter\n");
	for (size_t i = 0; i < d->host.n_plugins; i++)
		evbuffer_add_printf(
		    out, "budgetd_audits_total{plugin=\"%s\"} %llu\n",
		    d->host.plugins[i].name,
		    (unsigned long long)d->host.plugins[i].validations);
	metric(out, "budgetd_departments", "gauge",
	       "Departments with an accepted revision (per fiscal year).",
	       (double)d->registry.n_entries);
	metric(out, "budgetd_model_bytes", "gauge",
	       "Memory held by the parsed latest revisions.",
	       (double)d->registry.bytes);
	metric(out, "budgetd_submissions_waiting", "gauge",
	       "Submissions queued for the disk (not yet acknowledged).",
	       (double)d->in_flight);
	metric(out, "budgetd_submissions_waiting_limit", "gauge",
	       "max_in_flight: past it, submissions are refused as busy.",
	       health_number(report, "queue", "limit"));
	metric(out, "budgetd_store_commits_total", "counter",
	       "Store transactions committed.",
	       health_number(report, "store", "commits"));
	metric(out, "budgetd_store_commit_failures_total", "counter",
	       "Store transactions that failed.",
	       health_number(report, "store", "commit_failures"));
	metric(out, "budgetd_store_last_commit_seconds", "gauge",
	       "How long the last commit took (fsync included).",
	       health_number(report, "store", "last_commit_ms") / 1000.0);
	metric(out, "budgetd_store_max_commit_seconds", "gauge",
	       "The longest commit since start.",
	       health_number(report, "store", "max_commit_ms") / 1000.0);
	metric(out, "budgetd_store_free_bytes", "gauge",
	       "Free space where the store lives.",
	       health_number(report, "store", "free_bytes"));
	metric(out, "budgetd_audit_workers", "gauge",
	       "Threads in the audit pool (0: the loop audits).",
	       (double)d->workers.n_threads);
	metric(out, "budgetd_audit_pool_jobs_total", "counter",
	       "Jobs the audit pool ran (audits, decodes of large requests).",
	       (double)atomic_load(&d->workers.jobs_run));
	metric(out, "budgetd_audit_pool_busy_seconds_total", "counter",
	       "Time the audit pool's threads spent running jobs.",
	       (double)atomic_load(&d->workers.busy_ns) / 1e9);
	metric(out, "budgetd_audit_pool_jobs_out", "gauge",
	       "Jobs queued to the audit pool or running now.",
	       (double)d->workers.queued);
	metric(out, "budgetd_loop_lag_seconds", "gauge",
	       "How late the loop thread ran its last timer.",
	       health_number(report, "loop", "lag_ms") / 1000.0);
	metric(out, "budgetd_loop_max_lag_seconds", "gauge",
	       "The worst loop lag since start.",
	       health_number(report, "loop", "max_lag_ms") / 1000.0);
	metric(out, "budgetd_memory_trims_total", "counter",
	       "Times freed memory went back to the system after a burst "
	       "(malloc_trim on a quiet heartbeat).",
	       (double)d->memory_trims);
	metric(out, "budgetd_health_level", "gauge",
	       "0 OK, 1 warning, 2 critical (as budgetctl check).",
	       (double)level);
	metric(out, "budgetd_subscribers", "gauge",
	       "Subscribers connected to the PUB socket.",
	       (double)rpc_subscribers(&d->rpc));
	metric(out, "budgetd_http_connections", "gauge",
	       "HTTP connections open now (the kernel's count).",
	       (double)http_connections(&d->http));
	metric(out, "budgetd_http_connections_limit", "gauge",
	       "[http] max_connections (0: no limit).",
	       (double)d->http.max_connections);
	metric(out, "budgetd_http_accepted_total", "counter",
	       "HTTP connections accepted.", (double)d->http.accepted);
	metric(out, "budgetd_http_connection_counts_total", "counter",
	       "Reads of the kernel's TCP table to count connections.",
	       (double)d->http.counts);
	metric(out, "budgetd_http_accept_pauses_total", "counter",
	       "Times accepting paused at max_connections.",
	       (double)d->http.pauses);
	metric(out, "process_resident_memory_bytes", "gauge",
	       "Resident set size.", rss_bytes());
	metric(out, "budgetd_heap_in_use_bytes", "gauge",
	       "Bytes allocated by malloc and not freed, every arena.",
	       metrics_heap_in_use());
	cJSON_Delete(report);
}
