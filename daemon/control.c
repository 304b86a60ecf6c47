#include "control.h"

#include <cjson/cJSON.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "daemon.h"

/* The daemon answers a reload after its plugins re-read their files. */
#define CONTROL_TIMEOUT_MS 60000

static const char *trusted_listener(const struct daemon *d)
{
	for (size_t i = 0; i < d->config->n_listen; i++)
		if (access_listener_trusted(d, (int)i))
			return d->config->listen[i];
	return NULL;
}

static cJSON *ask(const char *url, const char *request, char *why,
		  size_t why_size)
{
	nng_socket sock;
	nng_msg *msg = NULL;
	int rv = nng_req0_open(&sock);
	if (rv != 0) {
		snprintf(why, why_size, "%s", nng_strerror(rv));
		return NULL;
	}
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, CONTROL_TIMEOUT_MS);
	cJSON *reply = NULL;
	if ((rv = nng_dial(sock, url, NULL, 0)) != 0 ||
	    (rv = nng_msg_alloc(&msg, 0)) != 0 ||
	    (rv = nng_msg_append(msg, request, strlen(request))) != 0 ||
	    (rv = nng_sendmsg(sock, msg, 0)) != 0) {
		if (msg != NULL)
			nng_msg_free(msg);
		snprintf(why, why_size, "%s", nng_strerror(rv));
	} else if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		snprintf(why, why_size, "no answer: %s", nng_strerror(rv));
	} else {
		reply =
		    cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
		if (reply == NULL)
			snprintf(why, why_size, "an answer that is not JSON");
	}
	nng_close(sock);
	return reply;
}

int control_reload(const struct daemon *d)
{
	char why[256];
	const char *url = trusted_listener(d);
	if (url == NULL) {
		fprintf(stderr,
			"budgetd: no listener of %s trusts its peers "
			"(trust = …), so none can be asked to reload; send "
			"SIGHUP instead\n",
			d->config->path ? d->config->path : "the defaults");
		return 2;
	}
	cJSON *reply = ask(url, "{\"op\":\"reload\"}", why, sizeof why);
	if (reply == NULL) {
		fprintf(stderr, "budgetd: cannot ask %s to reload: %s\n", url,
			why);
		return 2;
	}
	int status = 0;
	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		printf(
		    "budgetd reloaded %s\n",
		    cJSON_GetStringValue(cJSON_GetObjectItem(reply, "config")));
		const cJSON *n,
		    *restart = cJSON_GetObjectItem(reply, "restart_needed");
		cJSON_ArrayForEach(n, restart)
		    printf("  %s changed: not applied until budgetd restarts\n",
			   n->valuestring);
	} else {
		const cJSON *e = cJSON_GetObjectItem(reply, "error");
		fprintf(
		    stderr, "budgetd: reload refused: %s\n",
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")));
		status = 1;
	}
	cJSON_Delete(reply);
	return status;
}
