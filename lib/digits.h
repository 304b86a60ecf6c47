/*
 * Decimal digits written from the right, two at a time: every amount of a
 * reply, event and message, and every code of an answer's rows, passes
 * here, and printf (or a digit a division) was a tenth of such an answer.
 */
#ifndef BUDGETD_DIGITS_H
#define BUDGETD_DIGITS_H

#include <stdint.h>
#include <string.h>

/* "00" to "99". */
extern const char digit_pairs[201];

/* Writes v's digits so that they end just before end; returns where they
 * start.  Room for 20 bytes before end is the caller's. */
static inline char *digits_before(char *end, uint64_t v)
{
	for (; v >= 100; v /= 100) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * (v % 100), 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

#endif
