/* The one string hash every table of budgetd uses: 64-bit FNV-1a. */
#ifndef BUDGETD_HASH_H
#define BUDGETD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_BASIS 14695981039346656037ULL
#define HASH_PRIME 1099511628211ULL

/* Folds one more value (a byte, or a small integer such as a year) in. */
static inline uint64_t hash_step(uint64_t h, uint64_t value)
{
	return (h ^ value) * HASH_PRIME;
}

static inline uint64_t hash_str(const char *s)
{
	uint64_t h = HASH_BASIS;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = hash_step(h, *p);
	return h;
}

#endif
