/* SPDX-License-Identifier: GPL-2.0-only */
/* Clock readings in nanoseconds, for --stats. */
#ifndef KVMINI_CPUTIME_H
#define KVMINI_CPUTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

/* CLOCK_MONOTONIC now; 0 if it cannot be read (never on Linux). */
static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_MONOTONIC, &ts) ? 0 : timespec_ns(&ts);
}

/* The calling thread's CPU time so far (a vCPU thread's includes its guest time); 0 unknown. */
static inline uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) ? 0 : timespec_ns(&ts);
}

#endif
