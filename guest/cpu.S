/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU setup that must run before C: identity, vectors, FP/SIMD access,
 * stack, MMU. None of these routines touch memory (other than reading
 * their own literal pools), so they are safe to run with the MMU off.
 */
#include "lib/mte.h"
#include "lib/percpu.h"
#include "lib/sve.h"
#include "mmu.h"

	.text
/*
 * x0 = CPU index (< MAX_CPUS). Sets TPIDR_EL1 = index (see percpu.h),
 * VBAR_EL1, CPACR_EL1, ZCR_EL1 (with SVE) and SP. Clobbers x1-x3.
 */
	.globl	cpu_early_setup
cpu_early_setup:
	msr	tpidr_el1, x0
	adrp	x1, exception_vectors
	add	x1, x1, :lo12:exception_vectors
	msr	vbar_el1, x1
	/*
	 * Only fpsimd.S and sve.S use FP/SIMD and SVE; C is built with
	 * -mgeneral-regs-only. SVE access is enabled only if the vCPU has
	 * it (ID_AA64PFR0_EL1.SVE != 0): without it ZEN is RES0.
	 */
	mov	x1, #CPACR_FPEN_NO_TRAP
	mrs	x2, id_aa64pfr0_el1
	ubfx	x2, x2, #ID_AA64PFR0_SVE_SHIFT, #4
	cbz	x2, 1f
	orr	x1, x1, #CPACR_ZEN_NO_TRAP
1:	msr	cpacr_el1, x1
	isb
	/* ZCR_EL1 resets to an UNKNOWN value: start at the largest VL. */
	cbz	x2, 2f
	mov	x1, #ZCR_LEN_MAX
	msr	SYS_ZCR_EL1, x1
2:
	adrp	x1, cpu_stacks
	add	x1, x1, :lo12:cpu_stacks
	add	x2, x0, #1
	mov	x3, #CPU_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	isb
	ret

/*
 * Invalidate the data cache lines covering [x0, x1) to the Point of
 * Coherency. (Under a hypervisor with stage 2 on, DC IVAC at EL1 cleans as
 * well, which is harmless here.) Clobbers x0, x2, x3.
 */
	.globl	dcache_invalidate_range
dcache_invalidate_range:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4		/* DminLine: log2(line size in words) */
	mov	x2, #4
	lsl	x2, x2, x3		/* smallest D-cache line, in bytes */
	sub	x3, x2, #1
	bic	x0, x0, x3
	dsb	sy			/* earlier non-cacheable stores done */
1:	cmp	x0, x1
	b.hs	2f
	dc	ivac, x0
	add	x0, x0, x2
	b	1b
2:	dsb	sy
	ret

/*
 * Turn on the MMU with the identity map idmap_l1 (mmu.h), D- and I-caches.
 * The map is identity, so execution continues at the next instruction.
 * With MTE (FEAT_MTE2) also allow tag access at EL1 (SCTLR_EL1.ATA) and
 * ignore the top byte of addresses (TCR_EL1.TBI0), where a pointer's tag
 * goes; TCMA0 stays 0, so tag 0 is checked like any other once a test
 * sets SCTLR_EL1.TCF. Both bits are set here rather than later because TCR
 * fields may be cached in the TLB. Clobbers x0-x3.
 */
	.globl	mmu_enable
mmu_enable:
	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0

	mrs	x3, id_aa64pfr1_el1
	ubfx	x3, x3, #ID_AA64PFR1_MTE_SHIFT, #4
	cmp	x3, #ID_AA64PFR1_MTE_MTE2
	csetm	x3, hs			/* x3: all ones with MTE, else 0 */

	mrs	x1, id_aa64mmfr0_el1
	and	x1, x1, #0xf		/* PARange, same encoding as TCR.IPS */
	mov	x2, #PARANGE_48BIT
	cmp	x1, x2
	csel	x1, x1, x2, ls
	ldr	x0, =TCR_VALUE_NO_IPS
	bfi	x0, x1, #TCR_IPS_SHIFT, #3
	and	x1, x3, #TCR_TBI0
	orr	x0, x0, x1
	msr	tcr_el1, x0

	adrp	x0, idmap_l1		/* 4 KiB aligned, so adrp is exact */
	msr	ttbr0_el1, x0
	isb
	/* Nothing from before (firmware, a previous run) may linger. */
	tlbi	vmalle1
	dsb	nsh
	isb

	mrs	x0, sctlr_el1
	ldr	x1, =SCTLR_SET
	orr	x0, x0, x1
	ldr	x1, =SCTLR_CLEAR
	bic	x0, x0, x1
	and	x1, x3, #SCTLR_ATA
	orr	x0, x0, x1
	msr	sctlr_el1, x0
	isb
	/* Discard any stale I-cache lines (from before the VMM loaded us). */
	ic	iallu
	dsb	nsh
	isb
	ret

	.ltorg

	.section .note.GNU-stack, "", %progbits
