/* The one string hash every table of budgetd uses: 64-bit FNV-1a. */
#ifndef BUDGETD_HASH_H
#define BUDGETD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* A hash of n bytes taken eight at a time, for whole documents (whose
 * equal hashes are then compared byte for byte): FNV over bytes cost 4 %
 * of a cold start. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = HASH_BASIS ^ n;
	for (; n >= 8; b += 8, n -= 8) {
		uint64_t word;
		memcpy(&word, b, sizeof word);
		h = (h ^ word) * HASH_PRIME;
		h ^= h >> 29;
	}
	for (; n > 0; b++, n--)
		h = hash_step(h, *b);
	return h;
}

#endif
