/* One request, one reply, over an nng REQ socket kept for the next. */
#ifndef BUDGETCTL_CLIENT_H
#define BUDGETCTL_CLIENT_H

#include <cjson/cJSON.h>
#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>

struct client {
	const char *endpoint;
	int timeout_ms;
	/* tls+tcp:// endpoints */
	const char *tls_ca;	  /* CA that signed the daemon's certificate */
	const char *tls_cert_key; /* our certificate and key, one PEM file */
	const char *tls_server_name; /* NULL: the host of the endpoint */
	char error[512];	     /* transport failure, for the user */
	nng_socket sock;	     /* kept between calls while they succeed */
	bool connected;
};

/* Sends text and parses the reply; NULL with client->error set on failure.
 * Requests other than submissions are resent after 2 s without a reply
 * (a request can be lost with its connection); a submission never is,
 * since it is answered only once durable and must not be stored twice. */
cJSON *client_call(struct client *client, const char *request, size_t len);
/* The same for a cJSON request object. */
cJSON *client_call_json(struct client *client, const cJSON *request);
/* Closes the connection the calls kept (at the end of a command). */
void client_close(struct client *client);

#endif
