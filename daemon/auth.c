#include "auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"none", "department", "parent",
					 "operator", "admin"};

int auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

const char *auth_role_name(enum auth_role role)
{
	return (unsigned)role < 5 ? role_names[role] : "?";
}

int auth_role_from_name(const char *name, enum auth_role *role)
{
	for (int i = 1; i < 5; i++) {
		if (strcmp(role_names[i], name) == 0) {
			*role = (enum auth_role)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void hash_secret(const unsigned char *salt, const char *secret,
			unsigned char *out)
{
	crypto_generichash(out, AUTH_HASH_BYTES, (const unsigned char *)secret,
			   strlen(secret), salt, AUTH_SALT_BYTES);
}

int auth_verify(const struct auth *auth, const char *token,
		struct principal *who)
{
	const char *dot = token ? strchr(token, '.') : NULL;
	memset(who, 0, sizeof *who);
	if (dot == NULL || dot == token ||
	    (size_t)(dot - token) >= sizeof who->name || strlen(dot + 1) < 16)
		return -EINVAL;
	for (size_t i = 0; i < auth->n; i++) {
		const struct credential *c = &auth->items[i];
		if (strlen(c->name) != (size_t)(dot - token) ||
		    memcmp(c->name, token, (size_t)(dot - token)) != 0)
			continue;
		unsigned char hash[AUTH_HASH_BYTES];
		hash_secret(c->salt, dot + 1, hash);
		if (sodium_memcmp(hash, c->hash, AUTH_HASH_BYTES) != 0)
			return -EACCES;
		who->role = c->role;
		snprintf(who->name, sizeof who->name, "%s", c->name);
		snprintf(who->scope, sizeof who->scope, "%s", c->scope);
		return 0;
	}
	return -EACCES;
}

int auth_issue(struct credential *cred, char *token, size_t token_size)
{
	unsigned char secret[32];
	char encoded[sodium_base64_ENCODED_LEN(
	    32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	randombytes_buf(secret, sizeof secret);
	randombytes_buf(cred->salt, sizeof cred->salt);
	sodium_bin2base64(encoded, sizeof encoded, secret, sizeof secret,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof secret);
	hash_secret(cred->salt, encoded, cred->hash);
	int n = snprintf(token, token_size, "%s.%s", cred->name, encoded);
	sodium_memzero(encoded, sizeof encoded);
	return n > 0 && (size_t)n < token_size ? 0 : -ENOSPC;
}

bool auth_covers(const struct principal *who, const char *department,
		 const char *parent)
{
	switch (who->role) {
	case AUTH_ADMIN:
	case AUTH_OPERATOR:
		return true;
	case AUTH_DEPARTMENT:
		return department && strcmp(department, who->scope) == 0;
	case AUTH_PARENT:
		return (department && strcmp(department, who->scope) == 0) ||
		       (parent && strcmp(parent, who->scope) == 0);
	default:
		return false;
	}
}

void auth_free(struct auth *auth)
{
	if (auth->items)
		sodium_memzero(auth->items, auth->n * sizeof *auth->items);
	free(auth->items);
	auth->items = NULL;
	auth->n = 0;
}
