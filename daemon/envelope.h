/* Request envelopes: {"op": …, "token": …, op parameters…}. */
#ifndef BUDGETD_ENVELOPE_H
#define BUDGETD_ENVELOPE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct rpc_request;
struct op_call;

/*
 * Checks a received request (size limit, UTF-8, no NUL, JSON, an object)
 * and parses it into *env.  Returns 0, or a negative errno after replying
 * with the reason (which byte, which limit).
 */
int envelope_decode(struct daemon *d, struct rpc_request *req, cJSON **env);

/* Why a request could not be decoded: the reply's code and message. */
struct envelope_error {
	char code[32];
	char message[256];
};
/* envelope_decode's checks and parse without the reply, for any thread. */
int envelope_parse(const char *text, size_t n, size_t max_size,
		   struct envelope_error *error, cJSON **env);

/*
 * Finds the raw text of a top-level member, so that a document is stored
 * byte for byte as the department sent it.  Returns 0 with the span in
 * start and len, or -ENOENT.
 */
int envelope_member_span(const char *text, size_t n, const char *key,
			 const char **start, size_t *len);

/* A string parameter of a request, or NULL: absent (and not required),
 * or refused with an error reply and *failed set.  With *failed already
 * set (an earlier parameter was refused and answered) these return at
 * once: a request gets exactly one reply. */
const char *envelope_string(const struct op_call *c, const char *key,
			    bool required, bool *failed);
/* An integer parameter in [min, max]; fallback when absent.  Anything
 * else is refused with an error reply and *failed set. */
long long envelope_int(const struct op_call *c, const char *key, long long min,
		       long long max, long long fallback, bool *failed);
/* A boolean parameter; fallback when absent. */
bool envelope_bool(const struct op_call *c, const char *key, bool fallback,
		   bool *failed);
/* The fiscal year a request names (2000..2100), 0 when it names none. */
int envelope_year(const struct op_call *c, bool *failed);
/* The same for ops that need one: absent is refused too. */
int envelope_year_required(const struct op_call *c, bool *failed);

#endif
