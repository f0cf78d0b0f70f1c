// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serialises UART output between CPUs. Normally only CPU 0 prints; the lock
 * matters when another CPU reports an unexpected exception.
 */
#ifndef KVMINI_GUEST_CONSOLE_H
#define KVMINI_GUEST_CONSOLE_H

#include <stdbool.h>

/* Returns true if the caller took the lock and must call console_unlock. */
bool console_lock(void);
void console_unlock(void);

#endif
