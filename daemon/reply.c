/* Replies: every answer the daemon sends is one JSON object, {"ok":true,…}
 * or {"ok":false,"error":{"code","message"}}. */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "http.h"
#include "json_text.h"
#include "log.h"

static void send_bytes(struct daemon *d, struct rpc_request *req,
		       const char *body, size_t len)
{
	if (d->send_reply != NULL)
		d->send_reply(d, req, body, len);
	else
		rpc_reply(&d->rpc, req, body, len);
}

const char *reply_outcome(const cJSON *reply)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		return "ok";
	const char *code =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(reply, "error"), "code"));
	return code ? code : "error";
}

/* One more reply of req's op with this outcome. */
static void count_reply(struct daemon *d, const struct rpc_request *req,
			const cJSON *reply)
{
	const char *outcome = reply_outcome(reply);
	const char *op = req->op[0] ? req->op : "none";
	size_t i = 0;
	for (; i < d->n_reply_counts; i++)
		if (strcmp(d->reply_counts[i].op, op) == 0 &&
		    strcmp(d->reply_counts[i].outcome, outcome) == 0)
			break;
	size_t max = sizeof d->reply_counts / sizeof d->reply_counts[0];
	if (i == d->n_reply_counts && i == max) {
		/* A client can name any op: a full table counts the rest
		 * under one row rather than growing. */
		op = "other";
		for (i = 0; i < max; i++)
			if (strcmp(d->reply_counts[i].op, op) == 0 &&
			    strcmp(d->reply_counts[i].outcome, outcome) == 0)
				break;
		if (i == max)
			i = max - 1;
	}
	struct reply_count *c = &d->reply_counts[i];
	if (i == d->n_reply_counts) {
		snprintf(c->op, sizeof c->op, "%s", op);
		snprintf(c->outcome, sizeof c->outcome, "%s", outcome);
		c->n = 0;
		d->n_reply_counts++;
	}
	c->n++;
}

void reply_send(struct daemon *d, struct rpc_request *req, cJSON *reply)
{
	count_reply(d, req, reply);
	if (req->http != NULL) {
		/* HTTP reads the reply's outcome (its status) and may send a
		 * file instead of JSON: it gets the object, not its text. */
		http_answer(req, reply);
		return;
	}
	struct json_text text = {0};
	json_text_cjson(&text, reply);
	if (text.failed) {
		static const char oom[] = "{\"ok\":false,\"error\":{\"code\":"
					  "\"internal\",\"message\":\"out of "
					  "memory building the reply\"}}";
		send_bytes(d, req, oom, sizeof oom - 1);
	} else {
		send_bytes(d, req, text.buf, text.len);
	}
	/* The text before the tree, as http_send_json does. */
	json_text_free(&text);
	cJSON_Delete(reply);
}

cJSON *reply_error(const char *code, const char *message)
{
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddFalseToObject(reply, "ok");
	cJSON *err = cJSON_AddObjectToObject(reply, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	return reply;
}

void reply_fail(struct daemon *d, struct rpc_request *req, const char *code,
		const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	log_debug("request from %s refused: %s: %s", req->peer, code, message);
	reply_send(d, req, reply_error(code, message));
}

cJSON *reply_ok(void)
{
	cJSON *reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(reply, "ok");
	return reply;
}

void reply_store_failed(struct daemon *d, struct rpc_request *req, int rc)
{
	reply_fail(d, req, "store_failed", "reading the store failed: %s",
		   strerror(-rc));
}
