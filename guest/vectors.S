/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The EL1 vector table. Every entry saves the interrupted state in an
 * exc_frame (exceptions.h) on the current stack and calls
 * exception_dispatch(frame, vector index). If that returns (an expected
 * exception), the state is restored, with ELR and SPSR taken from the frame
 * so the C side can move the return address, and execution resumes.
 */
#include "exceptions.h"

	.macro	vector_entry index
	.balign	128
	sub	sp, sp, #EXC_FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\index
	b	exception_common
	.endm

	.text
	.balign	2048
	.globl	exception_vectors
exception_vectors:
	/* Current EL with SP_EL0, current EL with SP_ELx, lower EL AArch64,
	 * lower EL AArch32; each sync, IRQ, FIQ, SError. */
	vector_entry 0
	vector_entry 1
	vector_entry 2
	vector_entry 3
	vector_entry 4
	vector_entry 5
	vector_entry 6
	vector_entry 7
	vector_entry 8
	vector_entry 9
	vector_entry 10
	vector_entry 11
	vector_entry 12
	vector_entry 13
	vector_entry 14
	vector_entry 15

/* x0, x1 are saved; x1 = vector index. */
exception_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x2, sp, #EXC_FRAME_SIZE
	stp	x30, x2, [sp, #240]		/* x30, interrupted SP */
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #EXC_FRAME_ELR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #EXC_FRAME_ESR]

	mov	x0, sp
	bl	exception_dispatch

	ldp	x2, x3, [sp, #EXC_FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #EXC_FRAME_SIZE
	eret

	.section .note.GNU-stack, "", %progbits
