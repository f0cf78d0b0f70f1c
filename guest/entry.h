// SPDX-License-Identifier: GPL-2.0-only
/* The C entry points called from start.S, and start.S's secondary entry. */
#ifndef KVMINI_GUEST_ENTRY_H
#define KVMINI_GUEST_ENTRY_H

#include <stdint.h>

/* Boot CPU, MMU on, on its own stack; @dtb is x0 as the VMM set it. */
void primary_main(uintptr_t dtb);
/* CPU @cpu (>= 1), MMU on, on its own stack. */
void secondary_main(unsigned int cpu);
/* PSCI CPU_ON target; context id = CPU index. Not callable from C. */
void secondary_entry(void);

#endif
