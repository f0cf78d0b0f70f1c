// SPDX-License-Identifier: GPL-2.0-only
/*
 * The WFI exit that the FP/SIMD and SVE tests share: sleep until the
 * virtual timer fires, so the hypervisor may schedule something else (and
 * switch register state) in between.
 */
#ifndef KVMINI_GUEST_TESTS_WFI_EXIT_H
#define KVMINI_GUEST_TESTS_WFI_EXIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Interrupts stay masked, but a pending one still ends WFI; the caller
 * must have checked that the timer's PPI reaches this CPU. Returns false,
 * with the reason in @err, if the timer never fires.
 */
bool wfi_exit_timer(char *err, size_t err_size);

#endif
