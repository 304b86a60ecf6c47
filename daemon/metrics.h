/* GET /metrics: the daemon's state in Prometheus's text format. */
#ifndef BUDGETD_METRICS_H
#define BUDGETD_METRICS_H

struct daemon;
struct evbuffer;

/* Writes every metric (docs/metrics.md lists them) into out. */
void metrics_write(struct daemon *d, struct evbuffer *out);
/* The bytes malloc has handed out and not had back, in every thread's
 * arena: unlike the resident size, it does not grow as arenas warm up or
 * fragment, so a leak shows in it alone. */
double metrics_heap_in_use(void);

#endif
