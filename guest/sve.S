/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only code in the guest that touches SVE state (cpu.S merely enables
 * it). As with fpsimd.S, C is built with -mgeneral-regs-only, so whatever
 * C runs between sve_load and sve_store (the exit under test) cannot
 * disturb Z0-Z31, P0-P15, FFR, FPSR or FPCR: any change that sve_store
 * sees was made by the hypervisor. Like fpsimd.S, it ignores the AAPCS64
 * callee-saved d8-d15 (the low halves of Z8-Z15): no C caller keeps
 * anything in them.
 *
 * Layout of struct sve_state's register area at the current vector length
 * VL (tests/sve.h): Z0-Z31 at VL bytes each, then P0-P15 and FFR at VL/8
 * bytes each. "#n, mul vl" scales by the size of the register moved, so
 * with x1 = the Z area and x2 = the P area (x1 + 32 * VL) register n is
 * always at #n.
 */
#include "lib/sve.h"
#include "tests/sve.h"

	.arch	armv8.2-a+sve

/* x1 = Z area, x2 = P area of the state at x0. */
.macro	sve_areas
	add	x1, x0, #SVE_STATE_REGS
	addvl	x2, x1, #16		/* ADDVL takes at most #31 */
	addvl	x2, x2, #16
.endm

	.text
/* unsigned int sve_set_len(unsigned int len) */
	.globl	sve_set_len
sve_set_len:
	msr	SYS_ZCR_EL1, x0
	isb				/* RDVL must see the new length */
	rdvl	x0, #1
	ret

/* unsigned int sve_vl_bytes(void): the vector length in force now */
	.globl	sve_vl_bytes
sve_vl_bytes:
	rdvl	x0, #1
	ret

/* void sve_load(const struct sve_state *state) */
	.globl	sve_load
sve_load:
	ldr	x1, [x0, #SVE_STATE_FPSR]
	msr	fpsr, x1
	ldr	x1, [x0, #SVE_STATE_FPCR]
	msr	fpcr, x1
	sve_areas
	/* WRFFR reads a P register, so FFR goes first, through P0. */
	ldr	p0, [x2, #SVE_STATE_FFR_SLOT, mul vl]
	wrffr	p0.b
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ldr	p\n, [x2, #\n, mul vl]
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ldr	z\n, [x1, #\n, mul vl]
	.endr
	.irp	n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ldr	z\n, [x1, #\n, mul vl]
	.endr
	ret

/* void sve_store(struct sve_state *state) */
	.globl	sve_store
sve_store:
	sve_areas
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	str	z\n, [x1, #\n, mul vl]
	.endr
	.irp	n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	str	z\n, [x1, #\n, mul vl]
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	str	p\n, [x2, #\n, mul vl]
	.endr
	/* RDFFR overwrites P0, which is safely stored by now. */
	rdffr	p0.b
	str	p0, [x2, #SVE_STATE_FFR_SLOT, mul vl]
	mrs	x1, fpsr
	str	x1, [x0, #SVE_STATE_FPSR]
	mrs	x1, fpcr
	str	x1, [x0, #SVE_STATE_FPCR]
	ret

	.section .note.GNU-stack, "", %progbits
