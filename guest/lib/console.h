// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serialises UART output between CPUs: lib/print.c takes it around each
 * printf, lib/tap.c around each result. On arm64 normally only CPU 0
 * prints, and the lock matters when another CPU reports an unexpected
 * exception; on x86_64 every vCPU prints. Each guest implements it
 * (lib/console.c is arm64's, x86_64/console.c the x86_64 guest's).
 */
#ifndef KVMINI_GUEST_CONSOLE_H
#define KVMINI_GUEST_CONSOLE_H

#include <stdbool.h>

/* Returns true if the caller took the lock and must call console_unlock. */
bool console_lock(void);
void console_unlock(void);

#endif
