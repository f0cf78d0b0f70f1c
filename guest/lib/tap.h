// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP version 13 output, from any CPU (the arm64 guest prints from CPU 0
 * only, the x86_64 guest from every vCPU at once). Test numbers are handed
 * out under the console lock as results are printed, so they appear in
 * order whichever CPU prints. A failed test's diagnostics stay next to its
 * "not ok" line when the caller holds the console lock across both.
 */
#ifndef KVMINI_GUEST_TAP_H
#define KVMINI_GUEST_TAP_H

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
/*
 * The exit status: 1 unless the whole plan ran and passed, else 77 if
 * every test was skipped, else 0.
 */
unsigned int tap_exit_status(void);
/* Prints a summary line ("# N of M tests run: ..."); returns tap_exit_status(). */
unsigned int tap_finish(void);

#endif
