/* Request envelopes: the checks every request passes before its op runs
 * (size, encoding, JSON), and the typed parameters ops read from it. */
#include "envelope.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ops.h"
#include "reply.h"
#include "utf8.h"

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* Skips one JSON value that cJSON has already found well-formed. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;
	do {
		p = skip_ws(p, end);
		if (p >= end)
			return end;
		if (*p == '"') {
			p = skip_string(p, end);
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (*p == ',' || *p == ':') {
			p++;
		} else {
			while (p < end && !strchr(",:]} \t\r\n", *p))
				p++;
		}
	} while (depth > 0);
	return p;
}

/*
 * Finds the raw text of a top-level member, so that a document is stored
 * byte for byte as the department sent it.  Returns 0 with the span in start
 * and len, or -ENOENT (the caller then falls back to cJSON's printing).
 */
int envelope_member_span(const char *text, size_t n, const char *key,
			 const char **start, size_t *len)
{
	const char *p = text, *end = text + n;
	size_t klen = strlen(key);
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -ENOENT;
	p++;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			return -ENOENT;
		const char *k = p + 1;
		p = skip_string(p, end);
		bool match =
		    (size_t)(p - 1 - k) == klen && memcmp(k, key, klen) == 0;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return -ENOENT;
		p = skip_ws(p + 1, end);
		const char *v = p;
		p = skip_value(p, end);
		if (match) {
			*start = v;
			*len = (size_t)(p - v);
			return 0;
		}
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			return -ENOENT;
		p++;
	}
}

static void describe_parse_error(const char *text, size_t n, char *buf,
				 size_t size)
{
	const char *at = cJSON_GetErrorPtr();
	if (at == NULL || at < text || at > text + n) {
		snprintf(buf, size, "request is not valid JSON");
		return;
	}
	/* Unclosed brackets at the end: the sender cut the message short. */
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_string = false;
		} else if (text[i] == '"') {
			in_string = true;
		} else if (text[i] == '{' || text[i] == '[') {
			depth++;
		} else if (text[i] == '}' || text[i] == ']') {
			depth--;
		}
	}
	if (depth > 0 || in_string) {
		snprintf(
		    buf, size,
		    "request is not valid JSON: it ends after %zu bytes with "
		    "%d unclosed bracket%s%s (truncated?)",
		    n, depth, depth == 1 ? "" : "s",
		    in_string ? " inside a string" : "");
		return;
	}
	size_t offset = (size_t)(at - text), line = 1, column = 1;
	for (const char *p = text; p < at; p++) {
		if (*p == '\n')
			line++, column = 1;
		else
			column++;
	}
	if (offset >= n)
		snprintf(
		    buf, size,
		    "request is not valid JSON: it ends early (truncated?) "
		    "after %zu bytes",
		    n);
	else {
		/* The body is not NUL-terminated: copy at most what is there,
		 * and never half a character. */
		char near[24];
		size_t take = n - offset < 20 ? n - offset : 20;
		memcpy(near, at, take);
		near[take] = '\0';
		utf8_trim_partial(near);
		snprintf(buf, size,
			 "request is not valid JSON: syntax error at byte %zu "
			 "(line %zu, column %zu) near \"%s\"",
			 offset, line, column, near);
	}
}

/* A string parameter, or NULL with an error sent. */
const char *envelope_string(const struct op_call *c, const char *key,
			    bool required, bool *failed)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	const cJSON *env = c->env;
	/* An earlier parameter was refused and answered: a request gets one
	 * reply, so the rest are not looked at. */
	if (*failed)
		return NULL;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(env, key);
	if (item == NULL || cJSON_IsNull(item)) {
		if (required) {
			reply_fail(d, req, "bad_request",
				   "\"%s\" is required for this op", key);
			*failed = true;
		}
		return NULL;
	}
	if (!cJSON_IsString(item)) {
		reply_fail(d, req, "bad_request", "\"%s\" must be a string",
			   key);
		*failed = true;
		return NULL;
	}
	return item->valuestring;
}

/* An integer parameter in [min, max]; `fallback` when absent. */
long long envelope_int(const struct op_call *c, const char *key, long long min,
		       long long max, long long fallback, bool *failed)
{
	struct daemon *d = c->d;
	struct rpc_request *req = c->req;
	const cJSON *env = c->env;
	if (*failed)
		return fallback; /* answered already (see envelope_string) */
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(env, key);
	if (item == NULL || cJSON_IsNull(item))
		return fallback;
	/* Range first: casting an out-of-range double (1e400 is inf) to an
	 * integer is undefined behaviour. */
	if (!cJSON_IsNumber(item) || !(item->valuedouble >= (double)min) ||
	    !(item->valuedouble <= (double)max) ||
	    item->valuedouble != floor(item->valuedouble)) {
		reply_fail(d, req, "bad_request",
			   "\"%s\" must be an integer from %lld to %lld", key,
			   min, max);
		*failed = true;
		return fallback;
	}
	return (long long)item->valuedouble;
}

int envelope_parse(const char *text, size_t n, size_t max_size,
		   struct envelope_error *error, cJSON **env)
{
	*env = NULL;
	if (n > max_size) {
		snprintf(error->code, sizeof error->code, "message_too_large");
		snprintf(
		    error->message, sizeof error->message,
		    "request is %zu bytes; this server accepts at most %zu "
		    "(max_message_size)",
		    n, max_size);
		return -EMSGSIZE;
	}
	if (n == 0) {
		snprintf(error->code, sizeof error->code, "bad_request");
		snprintf(error->message, sizeof error->message,
			 "empty request; send a JSON object such as "
			 "{\"op\":\"status\"}");
		return -EINVAL;
	}
	long bad = utf8_invalid_at((const unsigned char *)text, n);
	if (bad >= 0) {
		snprintf(error->code, sizeof error->code, "bad_encoding");
		snprintf(error->message, sizeof error->message,
			 "request is not valid UTF-8 at byte %ld", bad);
		return -EILSEQ;
	}
	const char *nul = memchr(text, '\0', n);
	if (nul != NULL) {
		snprintf(error->code, sizeof error->code, "bad_encoding");
		snprintf(error->message, sizeof error->message,
			 "request contains a NUL byte at offset %zu",
			 (size_t)(nul - text));
		return -EILSEQ;
	}
	cJSON *parsed = cJSON_ParseWithLength(text, n);
	if (parsed == NULL) {
		snprintf(error->code, sizeof error->code, "bad_json");
		describe_parse_error(text, n, error->message,
				     sizeof error->message);
		return -EINVAL;
	}
	if (!cJSON_IsObject(parsed)) {
		cJSON_Delete(parsed);
		snprintf(error->code, sizeof error->code, "bad_request");
		snprintf(error->message, sizeof error->message,
			 "the request must be a JSON object with an \"op\"");
		return -EINVAL;
	}
	*env = parsed;
	return 0;
}

int envelope_decode(struct daemon *d, struct rpc_request *req, cJSON **env)
{
	struct envelope_error error;
	int rc = envelope_parse(nng_msg_body(req->msg), nng_msg_len(req->msg),
				d->config->max_message_size, &error, env);
	if (rc < 0)
		reply_fail(d, req, error.code, "%s", error.message);
	return rc;
}

int envelope_year(const struct op_call *c, bool *failed)
{
	return (int)envelope_int(c, "year", 2000, 2100, 0, failed);
}

int envelope_year_required(const struct op_call *c, bool *failed)
{
	int year = envelope_year(c, failed);
	if (!*failed && year == 0) {
		reply_fail(c->d, c->req, "bad_request",
			   "\"year\" is required for this op: the fiscal year, "
			   "2000 to 2100");
		*failed = true;
	}
	return year;
}

bool envelope_bool(const struct op_call *c, const char *key, bool fallback,
		   bool *failed)
{
	if (*failed)
		return fallback; /* answered already (see envelope_string) */
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(c->env, key);
	if (item == NULL || cJSON_IsNull(item))
		return fallback;
	if (!cJSON_IsBool(item)) {
		reply_fail(c->d, c->req, "bad_request",
			   "\"%s\" must be true or false", key);
		*failed = true;
		return fallback;
	}
	return cJSON_IsTrue(item);
}
