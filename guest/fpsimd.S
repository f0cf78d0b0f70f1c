/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * With sve.S, the only code in the guest that touches FP/SIMD registers.
 * C is built with -mgeneral-regs-only, so whatever C runs between
 * fpsimd_load and fpsimd_store (the exit under test) cannot disturb
 * V0-V31, FPCR or FPSR: any change seen by fpsimd_store was made by the
 * hypervisor.
 *
 * This deliberately breaks the AAPCS64 rule that d8-d15 are callee-saved:
 * no C caller keeps anything in them.
 */
#include "tests/fpsimd.h"

	.text
/* void fpsimd_load(const struct fpsimd_state *state) */
	.globl	fpsimd_load
fpsimd_load:
	ldr	x1, [x0, #FPSIMD_STATE_FPCR]
	msr	fpcr, x1
	ldr	x1, [x0, #FPSIMD_STATE_FPSR]
	msr	fpsr, x1
	ldp	q0, q1, [x0, #0]
	ldp	q2, q3, [x0, #32]
	ldp	q4, q5, [x0, #64]
	ldp	q6, q7, [x0, #96]
	ldp	q8, q9, [x0, #128]
	ldp	q10, q11, [x0, #160]
	ldp	q12, q13, [x0, #192]
	ldp	q14, q15, [x0, #224]
	ldp	q16, q17, [x0, #256]
	ldp	q18, q19, [x0, #288]
	ldp	q20, q21, [x0, #320]
	ldp	q22, q23, [x0, #352]
	ldp	q24, q25, [x0, #384]
	ldp	q26, q27, [x0, #416]
	ldp	q28, q29, [x0, #448]
	ldp	q30, q31, [x0, #480]
	ret

/* void fpsimd_store(struct fpsimd_state *state) */
	.globl	fpsimd_store
fpsimd_store:
	stp	q0, q1, [x0, #0]
	stp	q2, q3, [x0, #32]
	stp	q4, q5, [x0, #64]
	stp	q6, q7, [x0, #96]
	stp	q8, q9, [x0, #128]
	stp	q10, q11, [x0, #160]
	stp	q12, q13, [x0, #192]
	stp	q14, q15, [x0, #224]
	stp	q16, q17, [x0, #256]
	stp	q18, q19, [x0, #288]
	stp	q20, q21, [x0, #320]
	stp	q22, q23, [x0, #352]
	stp	q24, q25, [x0, #384]
	stp	q26, q27, [x0, #416]
	stp	q28, q29, [x0, #448]
	stp	q30, q31, [x0, #480]
	mrs	x1, fpcr
	str	x1, [x0, #FPSIMD_STATE_FPCR]
	mrs	x1, fpsr
	str	x1, [x0, #FPSIMD_STATE_FPSR]
	ret

	.section .note.GNU-stack, "", %progbits
