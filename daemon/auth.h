/*
 * Who may do what.  A request comes through a listener whose policy either
 * trusts its peers (full rights: a local ipc socket, kept to the service's
 * group by its file mode) or requires a credential: a token "NAME.SECRET"
 * whose SECRET is 32 random bytes, stored only as a salted BLAKE2b hash.
 */
#ifndef BUDGETD_AUTH_H
#define BUDGETD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

enum auth_role {
	AUTH_NONE = 0,
	AUTH_DEPARTMENT, /* its own department only */
	AUTH_PARENT,	 /* a 主管部门: itself and its units */
	AUTH_OPERATOR,	 /* reads everything */
	AUTH_ADMIN,	 /* everything: reload, credentials */
};

struct principal {
	enum auth_role role;
	char name[64];
	char scope[13]; /* department code, for department and parent roles */
};

#define AUTH_SALT_BYTES 16
#define AUTH_HASH_BYTES 32
#define AUTH_TOKEN_MAX	160

/* "NAME.SECRET": a name of up to 63 characters, a dot, 32 random bytes in
 * unpadded URL-safe base64 (43 characters), a NUL. */
_Static_assert(AUTH_TOKEN_MAX >= 63 + 1 + 43 + 1,
	       "AUTH_TOKEN_MAX cannot hold a token");

struct credential {
	char name[64];
	enum auth_role role;
	char scope[13];
	unsigned char salt[AUTH_SALT_BYTES];
	unsigned char hash[AUTH_HASH_BYTES];
};

struct auth {
	struct credential *items;
	size_t n;
};

int auth_init(void); /* libsodium */
const char *auth_role_name(enum auth_role role);
int auth_role_from_name(const char *name, enum auth_role *role);

/* Checks "NAME.SECRET" against the credentials (constant-time compare). */
int auth_verify(const struct auth *auth, const char *token,
		struct principal *who);

/* Makes a new credential: fills salt and hash, writes the token (shown to
 * the caller once, never stored). */
int auth_issue(struct credential *cred, char *token, size_t token_size);

/* Whether a principal may act for a department (code, its parent). */
bool auth_covers(const struct principal *who, const char *department,
		 const char *parent);

void auth_free(struct auth *auth);

#endif
