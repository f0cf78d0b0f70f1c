// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU numbering and per-CPU stacks. Shared with assembly.
 *
 * A CPU's index is its position among the DTB's /cpus/cpu@* nodes (0 is
 * the boot CPU). The entry code keeps it in TPIDR_EL1, which nothing else
 * uses, so every CPU can find its own slot without touching memory.
 */
#ifndef KVMINI_GUEST_PERCPU_H
#define KVMINI_GUEST_PERCPU_H

#define MAX_CPUS		64
#define CPU_STACK_SIZE		0x4000

#ifndef __ASSEMBLER__

#include "lib/sysreg.h"

static inline unsigned int this_cpu(void)
{
	return (unsigned int)read_sysreg(tpidr_el1);
}

#endif
#endif
