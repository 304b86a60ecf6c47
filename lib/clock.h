/*
 * The monotonic clock in nanoseconds, for durations (never for dates):
 * one definition for the pool, the store and the submission's stages.
 */
#ifndef BUDGETD_CLOCK_H
#define BUDGETD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#endif
