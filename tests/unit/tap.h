/* SPDX-License-Identifier: GPL-2.0-only */
/* A tiny TAP producer for the unit tests: one program per behaviour. */
#ifndef KVMINI_TEST_TAP_H
#define KVMINI_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>

static int tap_count, tap_failed;

static inline void __attribute__((format(printf, 2, 3)))
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
}

/* Print the plan last (TAP allows it) so tests need not count by hand. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
