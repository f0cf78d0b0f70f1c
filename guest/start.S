/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Image header and the entry points of the boot CPU and the secondaries.
 *
 * Nothing here may depend on memory written by another CPU while this CPU's
 * MMU is off: such reads are non-cacheable and could miss data still in the
 * writer's cache. So the secondaries turn their MMU on from constants only.
 */
#include "lib/percpu.h"

/* Image header flags: little-endian, 4 KiB pages, load anywhere. */
#define IMAGE_FLAGS_LE		(0 << 0)
#define IMAGE_FLAGS_PAGE_4K	(1 << 1)
#define IMAGE_FLAGS_ANYWHERE	(1 << 3)
#define IMAGE_MAGIC		0x644d5241	/* "ARM\x64" */

	.section .text.head, "ax"
	.globl	_start
_start:
	/* arm64 Linux Image header (Documentation/arch/arm64/booting.rst). */
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: loaded at RAM_BASE */
	.quad	__image_size		/* image_size, with bss (guest.ld) */
	.quad	IMAGE_FLAGS_LE | IMAGE_FLAGS_PAGE_4K | IMAGE_FLAGS_ANYWHERE
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.long	IMAGE_MAGIC
	.long	0			/* res5 */

	.text
/*
 * Boot CPU: EL1h, MMU and caches off, DAIF masked, x0 = DTB address.
 * Everything it writes with the MMU off lies in [__bss_start, __image_end)
 * and is invalidated from the caches before the MMU goes on, so no stale
 * line (left by whoever used this RAM before us) can shadow it later.
 */
primary_entry:
	msr	daifset, #0xf
	mov	x19, x0			/* callee-saved: survives the calls */
	mov	x0, #0
	bl	cpu_early_setup
	bl	clear_bss
	bl	mmu_build_idmap
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __image_end
	add	x1, x1, :lo12:__image_end
	bl	dcache_invalidate_range
	bl	mmu_enable
	mov	x0, x19
	bl	primary_main
	b	halt

/*
 * Secondary CPUs, started by PSCI CPU_ON: EL1h, MMU off, x0 = context id,
 * which primary_main sets to the CPU's index.
 */
	.globl	secondary_entry
secondary_entry:
	msr	daifset, #0xf
	cmp	x0, #MAX_CPUS
	b.hs	halt			/* no stack for it: give up quietly */
	mov	x19, x0
	bl	cpu_early_setup
	bl	mmu_enable
	mov	x0, x19
	bl	secondary_main
	b	halt

halt:
	wfi
	b	halt

/* Zero [__bss_start, __bss_end); both are 16-byte aligned (guest.ld). */
clear_bss:
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:	ret

/*
 * Per-CPU stacks, outside .bss so clear_bss need not zero a whole MiB.
 * CPU n's stack grows down from cpu_stacks + (n + 1) * CPU_STACK_SIZE.
 */
	.section .stacks, "aw", %nobits
	.balign	4096
	.globl	cpu_stacks
cpu_stacks:
	.skip	MAX_CPUS * CPU_STACK_SIZE

	.section .note.GNU-stack, "", %progbits
