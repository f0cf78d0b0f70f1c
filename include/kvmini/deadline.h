/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A CLOCK_MONOTONIC deadline ns nanoseconds from now, for the timed waits
 * that re-kick vCPUs (pthread_cond_timedwait with a monotonic condattr,
 * pthread_clockjoin_np): a wall clock step must neither stall them nor
 * make them spin.
 */
#ifndef KVMINI_DEADLINE_H
#define KVMINI_DEADLINE_H

#include <time.h>

static inline void deadline_from_now(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ns / 1000000000L;
	ts->tv_nsec += ns % 1000000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

#endif
