// SPDX-License-Identifier: GPL-2.0-only
/* What entry.S calls and shares. */
#ifndef KVMINI_X86_GUEST_ENTRY_H
#define KVMINI_X86_GUEST_ENTRY_H

#include <stdint.h>

/*
 * Set to 1 by vCPU 0 once .bss is zeroed and everything the others read is
 * in place; the other vCPUs spin on it before touching memory. In .data
 * (entry.S), so zeroing .bss cannot race with it.
 */
extern uint32_t boot_released;

/* vCPU 0, on its stack with .bss zeroed. Never returns. */
void __attribute__((noreturn)) primary_main(const char *params, uint64_t ncpus);
/* Every other vCPU below MAX_CPUS, once boot_released is set. */
void __attribute__((noreturn)) secondary_main(unsigned int cpu);

#endif
