/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry points; exceptions.c builds the IDT from
 * them. All gates are 64-bit interrupt gates (IF cleared on entry) on the
 * current stack: this guest runs at CPL 0 only, so the CPU never switches
 * stacks and a handler finds its vCPU from RSP (percpu.h).
 *
 * Only general registers are touched here: the tests keep x87, SSE and AVX
 * state live across the HLT that the timer interrupt ends.
 */
#include "apic.h"
#include "exceptions.h"
#include "percpu.h"

	.text
/*
 * One stub per vector, IDT_STUB_SIZE bytes apart: push a zero where the
 * CPU pushes no error code (all but #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP,
 * #VC and #SX), then the vector. At most 2 + 5 + 5 bytes each.
 */
	.balign	IDT_STUB_SIZE
	.globl	idt_stubs
idt_stubs:
	vector = 0
	.rept	IDT_VECTORS
	.balign	IDT_STUB_SIZE
	.if vector == 8 || vector == 10 || vector == 11 || vector == 12 || \
	    vector == 13 || vector == 14 || vector == 17 || vector == 21 || \
	    vector == 29 || vector == 30
	.else
	pushq	$0
	.endif
	pushq	$vector
	jmp	exception_common
	vector = vector + 1
	.endr
	.balign	IDT_STUB_SIZE
	.globl	idt_stubs_end		/* guest.ld checks the stubs' size */
idt_stubs_end:

/*
 * 15 general registers on top of the 7 quadwords above: 176 bytes, and the
 * CPU aligned RSP to 16 before its pushes, so RSP is 16-byte aligned for
 * the call, as the ABI wants.
 */
exception_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	exception_unexpected
1:	cli
	hlt
	jmp	1b

/*
 * The LAPIC timer: count the interrupt for this vCPU, then EOI. The
 * LAPIC's address needs a register: as a 32-bit displacement it would be
 * sign-extended to 0xffffffff_fee000b0.
 */
	.globl	timer_entry
timer_entry:
	push	%rax
	push	%rcx
	mov	%rsp, %rax
	sub	$cpu_stacks + 1, %rax
	shr	$CPU_STACK_SHIFT, %rax
	cmp	$MAX_CPUS, %rax
	jae	1f			/* off every stack: cannot say whose */
	lock incl timer_ticks(, %rax, 4)
1:	mov	$LAPIC_BASE + LAPIC_EOI, %ecx
	movl	$0, (%rcx)
	pop	%rcx
	pop	%rax
	iretq

/* A spurious interrupt needs no EOI (SDM: "Spurious Interrupt"). */
	.globl	spurious_entry
spurious_entry:
	iretq

	.section .note.GNU-stack, "", @progbits
