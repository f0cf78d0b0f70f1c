// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP version 13 from every vCPU at once. Test numbers are handed out
 * under the console lock as results are printed, so they appear in order
 * whichever vCPU prints. A failed test's diagnostics stay next to its
 * "not ok" line when the caller holds the console lock across both.
 */
#ifndef KVMINI_X86_GUEST_TAP_H
#define KVMINI_X86_GUEST_TAP_H

#include <stdbool.h>
#include "lib/print.h"

void tap_header(void);
void tap_plan(unsigned int count);
/* Prints "ok N - ..." or "not ok N - ..."; returns @ok. */
bool tap_result(bool ok, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Prints "ok N - ... # SKIP @why". */
void tap_skip(const char *why, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Prints "# ..." */
void tap_diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Prints "Bail out! ..." and ends the run with status 1. */
void __attribute__((noreturn)) tap_bail_out(const char *fmt, ...)
	PRINTF_LIKE(1, 2);
/* Prints the summary line; returns the exit status: 0, 1 or 77. */
unsigned int tap_finish(void);

#endif
