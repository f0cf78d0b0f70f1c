// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU numbering and per-vCPU stacks. Shared with assembly.
 *
 * A vCPU's index is what the VMM passed in RDX (also its APIC ID). Each
 * vCPU runs on its own slice of cpu_stacks (entry.S), so the stack pointer
 * alone says which vCPU is running: no MSR (GS base) or other state the
 * tests could disturb is needed, in interrupt handlers either.
 */
#ifndef KVMINI_X86_GUEST_PERCPU_H
#define KVMINI_X86_GUEST_PERCPU_H

#define MAX_CPUS		64
#define CPU_STACK_SHIFT		14
#define CPU_STACK_SIZE		(1 << CPU_STACK_SHIFT)	/* 16 KiB */

#ifndef __ASSEMBLER__

#include <stdint.h>

extern char cpu_stacks[];	/* entry.S: MAX_CPUS * CPU_STACK_SIZE */

/* This vCPU's index; MAX_CPUS if the stack pointer is off every stack. */
static inline unsigned int this_cpu(void)
{
	uintptr_t base = (uintptr_t)cpu_stacks;
	uintptr_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r" (sp));
	/* A full stack's pointer is its top, which belongs to it: hence -1. */
	if (sp <= base || sp > base + (uintptr_t)MAX_CPUS * CPU_STACK_SIZE)
		return MAX_CPUS;
	return (unsigned int)((sp - base - 1) >> CPU_STACK_SHIFT);
}

#endif
#endif
