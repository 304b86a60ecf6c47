#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"

static void test_issue_and_verify(void **state)
{
	struct credential creds[2] = {
	    {.name = "fengquan", .role = AUTH_DEPARTMENT, .scope = "116001"},
	    {.name = "root", .role = AUTH_ADMIN},
	};
	char token[AUTH_TOKEN_MAX], other[AUTH_TOKEN_MAX];
	struct principal who;
	(void)state;
	assert_int_equal(auth_init(), 0);
	assert_int_equal(auth_issue(&creds[0], token, sizeof token), 0);
	assert_int_equal(auth_issue(&creds[1], other, sizeof other), 0);
	assert_int_equal(strncmp(token, "fengquan.", 9), 0);
	assert_true(strlen(token) > 9 + 40);
	struct auth auth = {.items = creds, .n = 2};
	assert_int_equal(auth_verify(&auth, token, &who), 0);
	assert_int_equal(who.role, AUTH_DEPARTMENT);
	assert_string_equal(who.name, "fengquan");
	assert_string_equal(who.scope, "116001");
	assert_int_equal(auth_verify(&auth, other, &who), 0);
	assert_int_equal(who.role, AUTH_ADMIN);
	/* The secret of one name does not open another. */
	char swapped[AUTH_TOKEN_MAX];
	snprintf(swapped, sizeof swapped, "root%s", strchr(token, '.'));
	assert_true(auth_verify(&auth, swapped, &who) < 0);
	/* One character off, no dot, unknown name, empty secret. */
	token[strlen(token) - 1] ^= 1;
	assert_true(auth_verify(&auth, token, &who) < 0);
	assert_true(auth_verify(&auth, "fengquan", &who) < 0);
	assert_true(auth_verify(&auth, "nobody.AAAA", &who) < 0);
	assert_true(auth_verify(&auth, "root.", &who) < 0);
	/* The same credential issued twice has a new secret and salt. */
	struct credential again = creds[1];
	char third[AUTH_TOKEN_MAX];
	assert_int_equal(auth_issue(&again, third, sizeof third), 0);
	assert_string_not_equal(third, other);
	assert_memory_not_equal(again.salt, creds[1].salt, AUTH_SALT_BYTES);
	/* Too small a buffer for the token is refused. */
	assert_true(auth_issue(&again, third, 10) < 0);
}

static void test_roles_and_cover(void **state)
{
	enum auth_role role;
	(void)state;
	const char *names[] = {"department", "parent", "operator", "admin"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(auth_role_from_name(names[i], &role), 0);
		assert_string_equal(auth_role_name(role), names[i]);
	}
	assert_int_equal(auth_role_from_name("root", &role), -EINVAL);
	struct principal dept = {.role = AUTH_DEPARTMENT, .scope = "116001"};
	struct principal parent = {.role = AUTH_PARENT, .scope = "116"};
	struct principal op = {.role = AUTH_OPERATOR};
	struct principal none = {.role = AUTH_NONE};
	assert_true(auth_covers(&dept, "116001", "116"));
	assert_false(auth_covers(&dept, "116002", "116"));
	assert_false(auth_covers(&dept, NULL, NULL));
	assert_true(auth_covers(&parent, "116", NULL));
	assert_true(auth_covers(&parent, "116002", "116"));
	assert_false(auth_covers(&parent, "215001", "215"));
	assert_true(auth_covers(&op, "215001", "215"));
	assert_false(auth_covers(&none, "116001", "116"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_issue_and_verify),
	    cmocka_unit_test(test_roles_and_cover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
