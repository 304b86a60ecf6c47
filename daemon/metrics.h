/* GET /metrics: the daemon's state in Prometheus's text format. */
#ifndef BUDGETD_METRICS_H
#define BUDGETD_METRICS_H

struct daemon;
struct evbuffer;

/* Writes every metric (docs/metrics.md lists them) into out. */
void metrics_write(struct daemon *d, struct evbuffer *out);

#endif
