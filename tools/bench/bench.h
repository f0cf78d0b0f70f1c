/* SPDX-License-Identifier: GPL-2.0-only */
/* What the benchmark programs share: a clock and medians of repeated runs. */
#ifndef KVMINI_BENCH_H
#define KVMINI_BENCH_H

#include <stdlib.h>
#include <time.h>

/* Repetitions per measurement: emulated hosts are noisy, medians are not. */
#define REPS 5

static inline double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double bench_median(double v[REPS])
{
	qsort(v, REPS, sizeof(v[0]), bench_cmp_double);
	return v[REPS / 2];
}

#endif
