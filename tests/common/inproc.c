#include "inproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ops.h"

/* Replies land here instead of a socket; one inproc at a time. */
static struct inproc *current;

static void capture_reply(struct daemon *d, struct rpc_request *req,
			  const char *body, size_t len)
{
	(void)d;
	free(current->last_reply);
	current->last_reply = malloc(len + 1);
	if (current->last_reply != NULL) {
		memcpy(current->last_reply, body, len);
		current->last_reply[len] = '\0';
	}
	current->last_len = len;
	current->replies++;
	nng_msg_free(req->msg);
	free(req);
}

static int open_daemon(struct inproc *p, const char *plugin_dir,
		       const char *conf_dir, const char *config_path)
{
	char err[1024];
	struct daemon *d = &p->d;
	memset(d, 0, sizeof *d);
	d->flags = (struct daemon_flags){.plugin_dir = plugin_dir,
					 .state_dir = p->state_dir,
					 .config_path = config_path,
					 .log_level = "error"};
	log_init();
	if (daemon_config_load(&d->flags, &d->config, err, sizeof err) < 0)
		goto fail;
	daemon_choose_dirs(d);
	snprintf(d->host.conf_dir, sizeof d->host.conf_dir, "%s", conf_dir);
	d->send_reply = capture_reply;
	d->started = time(NULL);
	current = p;
	d->host.latest_ctx = d;
	d->host.control_numbers = review_control_numbers;
	if (host_load(&d->host, d->config, d->plugin_dir, err, sizeof err) <
		0 ||
	    registry_init(&d->registry) < 0 || review_init(&d->review) < 0 ||
	    throttle_init(&d->throttle, 0, 0, 0) < 0 ||
	    store_open(&d->store, p->state_dir, 64, err, sizeof err) < 0 ||
	    auth_init() < 0 ||
	    (d->n_locked_years =
		 store_locked_years(&d->store, d->locked_years, 64)) < 0 ||
	    store_credentials_load(&d->store, &d->auth) < 0 ||
	    daemon_rebuild(d) < 0 || review_load(d) < 0 ||
	    store_start(&d->store, NULL, NULL) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "inproc: %s\n", err);
	return -1;
}

int inproc_start(struct inproc *p, const char *plugin_dir, const char *conf_dir,
		 const char *config_path)
{
	memset(p, 0, sizeof *p);
	snprintf(p->state_dir, sizeof p->state_dir,
		 "/tmp/budgetd-inproc-XXXXXX");
	if (mkdtemp(p->state_dir) == NULL)
		return -1;
	return open_daemon(p, plugin_dir, conf_dir, config_path);
}

int inproc_restart(struct inproc *p, const char *plugin_dir,
		   const char *conf_dir)
{
	return open_daemon(p, plugin_dir, conf_dir, NULL);
}

static void answer_finished(struct inproc *p)
{
	for (struct store_job *job; (job = store_next_done(&p->d.store));)
		ops_store_done(&p->d, job);
}

int inproc_send(struct inproc *p, const void *data, size_t len,
		int listener_index)
{
	struct rpc_request *req = calloc(1, sizeof *req);
	if (req == NULL || nng_msg_alloc(&req->msg, 0) != 0 ||
	    nng_msg_append(req->msg, data, len) != 0)
		abort();
	snprintf(req->peer, sizeof req->peer, "inproc");
	req->listener_index = listener_index;
	current = p;
	int before = p->replies;
	request_handle(&p->d, req);
	/* A submission is answered after its commit: wait for the store. */
	while (p->d.in_flight > 0) {
		usleep(200);
		answer_finished(p);
	}
	return p->replies - before;
}

cJSON *inproc_call(struct inproc *p, const char *request, int listener_index)
{
	if (inproc_send(p, request, strlen(request), listener_index) != 1)
		return NULL;
	return cJSON_ParseWithLength(p->last_reply, p->last_len);
}

void inproc_stop(struct inproc *p)
{
	struct daemon *d = &p->d;
	if (d->config == NULL)
		return;
	store_stop(&d->store);
	answer_finished(p);
	store_close(&d->store);
	host_unload(&d->host);
	registry_free(&d->registry);
	review_free(&d->review);
	throttle_free(&d->throttle);
	auth_free(&d->auth);
	strmap_free(&d->findings_by_rule);
	strmap_free(&d->lanes);
	config_free(d->config);
	free(d->config);
	d->config = NULL;
	free(p->last_reply);
	p->last_reply = NULL;
}

void inproc_remove(struct inproc *p)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", p->state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "inproc: could not remove %s\n", p->state_dir);
}
