#include "client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *client_call(struct client *c, const char *request, size_t len)
{
	nng_socket sock;
	nng_msg *msg = NULL;
	cJSON *reply = NULL;
	int rv;

	if ((rv = nng_req0_open(&sock)) != 0) {
		snprintf(c->error, sizeof c->error, "cannot open a REQ socket: %s",
			 nng_strerror(rv));
		return NULL;
	}
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, c->timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, c->timeout_ms);
	/* A submission is answered only after it is durable: never resend it
	 * behind the daemon's back. */
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, 0);
	if ((rv = nng_dial(sock, c->endpoint, NULL, 0)) != 0) {
		snprintf(c->error, sizeof c->error,
			 "cannot connect to %s: %s (is budgetd running? see "
			 "--endpoint)",
			 c->endpoint, nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_send(sock, (void *)request, len, 0)) != 0) {
		snprintf(c->error, sizeof c->error, "sending to %s failed: %s",
			 c->endpoint, nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		snprintf(c->error, sizeof c->error,
			 "no reply from %s: %s%s", c->endpoint, nng_strerror(rv),
			 rv == NNG_ETIMEDOUT ? " (a submission may still be "
					       "stored; check with history)"
					     : "");
		goto out;
	}
	reply = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
	if (reply == NULL)
		snprintf(c->error, sizeof c->error, "the reply is not JSON");
out:
	if (msg != NULL)
		nng_msg_free(msg);
	nng_close(sock);
	return reply;
}

cJSON *client_call_json(struct client *c, const cJSON *request)
{
	char *text = cJSON_PrintUnformatted(request);
	if (text == NULL) {
		snprintf(c->error, sizeof c->error, "out of memory");
		return NULL;
	}
	cJSON *reply = client_call(c, text, strlen(text));
	free(text);
	return reply;
}
