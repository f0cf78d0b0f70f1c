// SPDX-License-Identifier: GPL-2.0-only
/*
 * TAP version 13 output. Only CPU 0 prints; test numbers are assigned in
 * order of tap_result calls.
 */
#ifndef KVMINI_GUEST_TAP_H
#define KVMINI_GUEST_TAP_H

#include <stdbool.h>
#include "lib/print.h"

void tap_header(void);
void tap_plan(unsigned int count);
/* Prints "ok N - ..." or "not ok N - ..."; returns @ok. */
bool tap_result(bool ok, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Prints "# ..." */
void tap_diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Prints "Bail out! ..." and ends the run with status 1. */
void __attribute__((noreturn)) tap_bail_out(const char *fmt, ...)
	PRINTF_LIKE(1, 2);
/* 0 if the whole plan ran and passed, 1 otherwise. */
unsigned int tap_exit_status(void);

#endif
