#include "client.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dials a tls+tcp:// endpoint with the daemon's CA, our certificate if we
 * have one, and the server name the certificate must carry. */
static int dial_tls(struct client *c, nng_socket sock)
{
	nng_tls_config *cfg = NULL;
	nng_dialer dialer;
	char host[256] = "";
	int rv;
	if (c->tls_ca == NULL) {
		snprintf(
		    c->error, sizeof c->error,
		    "%s is a TLS endpoint: give --tls-ca, the CA that signed "
		    "the daemon's certificate",
		    c->endpoint);
		return -1;
	}
	const char *h = c->endpoint + strlen("tls+tcp://");
	size_t n = strcspn(h, ":/");
	snprintf(host, sizeof host, "%.*s", (int)n, h);
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0 ||
	    (rv = nng_tls_config_ca_file(cfg, c->tls_ca)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) !=
		0 ||
	    (rv = nng_tls_config_server_name(
		 cfg, c->tls_server_name ? c->tls_server_name : host)) != 0 ||
	    (c->tls_cert_key && (rv = nng_tls_config_cert_key_file(
				     cfg, c->tls_cert_key, NULL)) != 0)) {
		snprintf(c->error, sizeof c->error, "TLS setup: %s",
			 nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_dialer_create(&dialer, sock, c->endpoint)) != 0 ||
	    (rv = nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG, cfg)) != 0 ||
	    (rv = nng_dialer_start(dialer, 0)) != 0) {
		snprintf(
		    c->error, sizeof c->error,
		    "cannot connect to %s: %s (certificate refused, or budgetd "
		    "not running?)",
		    c->endpoint, nng_strerror(rv));
		goto fail;
	}
	nng_tls_config_free(cfg);
	return 0;
fail:
	if (cfg)
		nng_tls_config_free(cfg);
	return -1;
}

/* Whether a request unanswered after 2 s is sent again: not a
 * submission (a second revision), nor a verify or a backup, which may
 * well take longer and answer a second copy "busy". */
static bool resent(const char *request, size_t len)
{
	static const char *const once[] = {
	    "\"op\":\"submit\"", "\"op\":\"verify\"", "\"op\":\"backup\""};
	for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
		if (memmem(request, len, once[i], strlen(once[i])) != NULL)
			return false;
	return true;
}

/* The REQ socket of this client, dialled on first use and kept while its
 * exchanges succeed: a command that asks many questions (export fdp asks
 * one a department, submit one a file) pays for one connection, not one
 * each.  0 or -1 with c->error set. */
static int connected(struct client *c)
{
	nng_socket sock;
	int rv;
	if (c->connected)
		return 0;
	if ((rv = nng_req0_open(&sock)) != 0) {
		snprintf(c->error, sizeof c->error,
			 "cannot open a REQ socket: %s", nng_strerror(rv));
		return -1;
	}
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, 0);
	if (strncmp(c->endpoint, "tls+tcp://", 10) == 0) {
		if (dial_tls(c, sock) < 0)
			goto fail;
	} else if ((rv = nng_dial(sock, c->endpoint, NULL, 0)) != 0) {
		/* The installed socket is kept to the service's group. */
		bool denied =
		    rv == NNG_EPERM && strncmp(c->endpoint, "ipc://", 6) == 0;
		snprintf(c->error, sizeof c->error,
			 "cannot connect to %s: %s %s", c->endpoint,
			 nng_strerror(rv),
			 denied ? "(the socket is for group budgetd: sudo "
				  "usermod -aG budgetd $USER, then log in "
				  "again)"
				: "(is budgetd running? see --endpoint)");
		goto fail;
	}
	c->sock = sock;
	c->connected = true;
	return 0;
fail:
	/* Nothing was exchanged on it: closing cannot hang. */
	nng_close(sock);
	return -1;
}

cJSON *client_call(struct client *c, const char *request, size_t len)
{
	nng_msg *msg = NULL;
	cJSON *reply = NULL;
	int rv;

	if (connected(c) < 0)
		return NULL;
	nng_socket sock = c->sock;
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, c->timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, c->timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME,
			  resent(request, len) ? 2000 : NNG_DURATION_INFINITE);
	/* A message of our own: nng_send() takes a non-const buffer. */
	nng_msg *out_msg = NULL;
	if ((rv = nng_msg_alloc(&out_msg, 0)) != 0 ||
	    (rv = nng_msg_append(out_msg, request, len)) != 0 ||
	    (rv = nng_sendmsg(sock, out_msg, 0)) != 0) {
		if (out_msg != NULL)
			nng_msg_free(out_msg);
		snprintf(c->error, sizeof c->error, "sending to %s failed: %s",
			 c->endpoint, nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		snprintf(c->error, sizeof c->error, "no reply from %s: %s%s",
			 c->endpoint, nng_strerror(rv),
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
	/* nng 1.5 can hang in nng_close() after the peer dropped a message
	 * mid-send; a failed exchange leaves its socket to process exit, and
	 * the next call dials a fresh one. */
	if (reply == NULL)
		c->connected = false;
	return reply;
}

void client_close(struct client *c)
{
	if (c->connected)
		nng_close(c->sock);
	c->connected = false;
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
