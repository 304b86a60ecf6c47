/*
 * The request path in parts, without sockets: the envelope (every check a
 * request passes before its op runs), the replies, access (roles and the
 * scope) and the dispatch table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "envelope.h"
#include "inproc.h"
#include "ops.h"
#include "test_files.h"
#include "test_json.h"

#define TRUSTED	  0    /* the built-in config's ipc listener */
#define UNTRUSTED (-1) /* a listener that requires credentials */

static struct inproc daemon_in_process;

static int setup(void **state)
{
	(void)state;
	return inproc_start(&daemon_in_process, BUDGETD_TEST_PLUGIN_DIR,
			    BUDGETD_TEST_CONF_DIR, NULL);
}

static int teardown(void **state)
{
	(void)state;
	inproc_stop(&daemon_in_process);
	inproc_remove(&daemon_in_process);
	return 0;
}

static char code[64], message[1024];

/* Sends raw bytes; keeps the reply's error code ("ok" when ok) and its
 * message.  Every request gets exactly one reply that is JSON. */
static const char *send_bytes(const void *data, size_t len, int listener)
{
	assert_int_equal(inproc_send(&daemon_in_process, data, len, listener),
			 1);
	cJSON *r = cJSON_ParseWithLength(daemon_in_process.last_reply,
					 daemon_in_process.last_len);
	assert_non_null(r);
	const cJSON *err = cJSON_GetObjectItem(r, "error");
	snprintf(code, sizeof code, "%s",
		 cJSON_IsTrue(cJSON_GetObjectItem(r, "ok"))
		     ? "ok"
		     : json_str(err, "code"));
	const cJSON *m = cJSON_GetObjectItem(err, "message");
	snprintf(message, sizeof message, "%s",
		 cJSON_IsString(m) ? m->valuestring : "");
	cJSON_Delete(r);
	return code;
}

static const char *send_text(const char *text, int listener)
{
	return send_bytes(text, strlen(text), listener);
}

static void assert_message_has(const char *words)
{
	if (strstr(message, words) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", message, words);
}

static void test_envelope_refusals(void **state)
{
	(void)state;
	assert_string_equal(send_bytes("", 0, TRUSTED), "bad_request");
	assert_message_has("empty request");
	assert_string_equal(send_text("{\"op\":\"st\xff\"}", TRUSTED),
			    "bad_encoding");
	assert_message_has("at byte 9");
	assert_string_equal(send_bytes("{\"op\":\"status\"}\0", 16, TRUSTED),
			    "bad_encoding");
	assert_message_has("NUL byte at offset 15");
	assert_string_equal(send_text("{\"op\":\"status\",\"x\":[1,", TRUSTED),
			    "bad_json");
	assert_message_has("2 unclosed brackets (truncated?)");
	assert_string_equal(send_text("{\"op\":\n \"status\" x}", TRUSTED),
			    "bad_json");
	assert_message_has("line 2, column 11");
	assert_string_equal(send_text("[1,2]", TRUSTED), "bad_request");
	assert_message_has("must be a JSON object");
	assert_string_equal(send_text("{}", TRUSTED), "bad_request");
	assert_message_has("has no \"op\"; expected one of submit, validate");
	assert_string_equal(send_text("{\"op\":5}", TRUSTED), "bad_request");
	assert_message_has("\"op\" must be a string");
	assert_string_equal(send_text("{\"op\":\"frobnicate\"}", TRUSTED),
			    "unknown_op");
	assert_message_has("unknown op \"frobnicate\"");

	/* One byte over the limit is refused with both sizes, unread. */
	size_t limit = daemon_in_process.d.config->max_message_size;
	char *big = malloc(limit + 1);
	memset(big, ' ', limit + 1);
	memcpy(big, "{\"op\":\"status\"}", 15);
	assert_string_equal(send_bytes(big, limit + 1, TRUSTED),
			    "message_too_large");
	char sizes[96];
	snprintf(sizes, sizeof sizes,
		 "request is %zu bytes; this server "
		 "accepts at most %zu",
		 limit + 1, limit);
	assert_message_has(sizes);
	/* At the limit it is read (and answered). */
	assert_string_equal(send_bytes(big, limit, TRUSTED), "ok");
	free(big);
}

static void test_typed_parameters(void **state)
{
	(void)state;
	assert_string_equal(
	    send_text("{\"op\":\"events\",\"since\":1e400}", TRUSTED),
	    "bad_request");
	assert_message_has("\"since\" must be an integer from 0 to");
	assert_string_equal(
	    send_text("{\"op\":\"events\",\"limit\":1.5}", TRUSTED),
	    "bad_request");
	assert_message_has("\"limit\" must be an integer from 1 to 1000");
	assert_string_equal(send_text("{\"op\":\"show\"}", TRUSTED),
			    "bad_request");
	assert_message_has("\"department\" is required");
	assert_string_equal(
	    send_text("{\"op\":\"show\",\"department\":116001}", TRUSTED),
	    "bad_request");
	assert_message_has("\"department\" must be a string");
	assert_string_equal(
	    send_text("{\"op\":\"history\",\"department\":\"116001\","
		      "\"year\":1999}",
		      TRUSTED),
	    "bad_request");
	assert_message_has("\"year\" must be an integer from 2000 to 2100");
	assert_string_equal(
	    send_text("{\"op\":\"events\",\"since\":null}", TRUSTED), "ok");
	/* Two bad parameters: one reply, about the first (a second reply
	 * would answer a request already gone). */
	assert_string_equal(
	    send_text("{\"op\":\"events\",\"since\":-1,\"limit\":0}", TRUSTED),
	    "bad_request");
	assert_message_has("\"since\"");
	assert_string_equal(send_text("{\"op\":\"show\",\"year\":1,"
				      "\"revision\":1e30}",
				      TRUSTED),
			    "bad_request");
	assert_message_has("\"department\" is required");
	assert_string_equal(
	    send_text("{\"op\":\"show\",\"department\":\"116001\","
		      "\"year\":1,\"revision\":-2}",
		      TRUSTED),
	    "bad_request");
	assert_message_has("\"year\"");
}

static void test_member_span(void **state)
{
	(void)state;
	const char *text = "{ \"a\" : [1, {\"}\": \"\\\"]\"}],\n"
			   "  \"document\" :{\"x\":[1,2,{\"y\":\"}\"}]} ,"
			   "\"z\":2}";
	const char *start;
	size_t len;
	assert_int_equal(
	    envelope_member_span(text, strlen(text), "document", &start, &len),
	    0);
	assert_int_equal(len, strlen("{\"x\":[1,2,{\"y\":\"}\"}]}"));
	assert_memory_equal(start, "{\"x\":[1,2,{\"y\":\"}\"}]}", len);
	assert_int_equal(
	    envelope_member_span(text, strlen(text), "z", &start, &len), 0);
	assert_memory_equal(start, "2", len);
	assert_int_equal(
	    envelope_member_span(text, strlen(text), "nope", &start, &len),
	    -ENOENT);
	/* A key that only appears inside a value is not a member. */
	assert_int_equal(
	    envelope_member_span(text, strlen(text), "x", &start, &len),
	    -ENOENT);
	assert_int_equal(envelope_member_span("[1]", 3, "a", &start, &len),
			 -ENOENT);
}

static void test_stored_byte_for_byte(void **state)
{
	(void)state;
	size_t doc_len;
	char *doc = test_read_file(BUDGETD_TEST_DATA_DIR
				   "/fengquan-116001-2023-corrected.json",
				   &doc_len);
	assert_non_null(doc);
	size_t n = strlen(doc) + 64;
	char *request = malloc(n);
	snprintf(request, n, "{\"op\":\"submit\",  \"document\":%s}", doc);
	assert_string_equal(send_text(request, TRUSTED), "ok");
	cJSON *r =
	    inproc_call(&daemon_in_process,
			"{\"op\":\"show\",\"department\":\"116001\"}", TRUSTED);
	char *shown = strstr(daemon_in_process.last_reply, "\"document\":");
	assert_non_null(shown);
	shown += strlen("\"document\":");
	/* The raw bytes as sent, spaces and key order included. */
	char *trimmed = strdup(doc);
	size_t t = strlen(trimmed);
	while (t > 0 && (trimmed[t - 1] == '\n' || trimmed[t - 1] == ' '))
		trimmed[--t] = '\0';
	assert_memory_equal(shown, trimmed, t);
	cJSON_Delete(r);
	free(trimmed);
	free(request);
	free(doc);
}

/* The token of a new credential, issued through the trusted listener. */
static char *issue(const char *name, const char *role, const char *dept)
{
	char request[256];
	snprintf(request, sizeof request,
		 "{\"op\":\"credential.add\",\"name\":\"%s\",\"role\":\"%s\"%s"
		 "%s%s}",
		 name, role, dept ? ",\"department\":\"" : "", dept ? dept : "",
		 dept ? "\"" : "");
	cJSON *r = inproc_call(&daemon_in_process, request, TRUSTED);
	assert_non_null(r);
	char *token = strdup(json_str(r, "token"));
	cJSON_Delete(r);
	return token;
}

static const char *as(const char *token, const char *op, const char *rest)
{
	char request[512];
	snprintf(request, sizeof request, "{\"op\":\"%s\",\"token\":\"%s\"%s}",
		 op, token, rest);
	return send_text(request, UNTRUSTED);
}

static void test_roles_from_the_table(void **state)
{
	(void)state;
	assert_string_equal(send_text("{\"op\":\"status\"}", UNTRUSTED),
			    "unauthenticated");
	assert_message_has("requires a credential");
	char *dept = issue("fengquan", "department", "116001");
	char *op = issue("analyst", "operator", NULL);
	assert_string_equal(as("fengquan.AAAA", "status", ""),
			    "unauthenticated");
	assert_message_has("not valid");
	assert_string_equal(as(dept, "status", ""), "ok");
	assert_string_equal(as(dept, "events", ""), "forbidden");
	assert_message_has("\"events\" needs the operator role as fengquan "
			   "(department of 116001)");
	assert_string_equal(as(dept, "reload", ""), "forbidden");
	assert_message_has("needs the admin role");
	assert_string_equal(as(op, "events", ""), "ok");
	assert_string_equal(as(op, "credential.list", ""), "forbidden");
	assert_string_equal(as(dept, "show", ",\"department\":\"215001\""),
			    "forbidden");
	assert_message_has("department 215001 may not be read");
	/* The table knows every core op by name, and says so. */
	assert_string_equal(send_text("{\"op\":\"nothing\"}", TRUSTED),
			    "unknown_op");
	const char *core[] = {
	    "submit",	      "validate", "departments",    "show",
	    "history",	      "events",	  "status",	    "verify",
	    "reload",	      "lock",	  "credential.add", "credential.remove",
	    "credential.list"};
	for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
		assert_message_has(core[i]);
	free(dept);
	free(op);
}

static void test_scope_of_principals(void **state)
{
	(void)state;
	struct principal who = {.role = AUTH_DEPARTMENT, .scope = "116001"};
	struct bd_scope scope;
	access_scope(&who, &scope);
	assert_true(scope.restricted);
	assert_string_equal(scope.department, "116001");
	assert_null(scope.parent);
	who.role = AUTH_PARENT;
	access_scope(&who, &scope);
	assert_true(scope.restricted);
	assert_null(scope.department);
	assert_string_equal(scope.parent, "116001");
	who.role = AUTH_OPERATOR;
	access_scope(&who, &scope);
	assert_false(scope.restricted);
	who.role = AUTH_ADMIN;
	access_scope(&who, &scope);
	assert_false(scope.restricted);
	/* No role: restricted to nothing at all. */
	who.role = AUTH_NONE;
	access_scope(&who, &scope);
	assert_true(scope.restricted);
	assert_false(bd_scope_covers(&scope, 2023, "116001", "116"));
	/* The listeners' policies. */
	assert_true(access_listener_trusted(&daemon_in_process.d, 0));
	assert_false(access_listener_trusted(&daemon_in_process.d, -1));
	assert_false(access_listener_trusted(&daemon_in_process.d, 99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envelope_refusals),
	    cmocka_unit_test(test_typed_parameters),
	    cmocka_unit_test(test_member_span),
	    cmocka_unit_test(test_stored_byte_for_byte),
	    cmocka_unit_test(test_roles_from_the_table),
	    cmocka_unit_test(test_scope_of_principals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
