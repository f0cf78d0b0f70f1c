/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The entry point of every vCPU, at the image's first byte. The VMM starts
 * them all at once in 64-bit mode, paging on (identity map), interrupts
 * off, RDI = parameter string, RSI = number of vCPUs, RDX = this vCPU's
 * index, RSP = 0 (src/arch/x86_64/layout.h).
 *
 * .bss is NOLOAD (guest.ld): the flat binary ends with .data, so the
 * stacks and buffers cost nothing in the image. vCPU 0 therefore zeroes
 * .bss itself, before anything uses it, while the others spin on
 * boot_released, which lives in .data for that reason. The stacks are not
 * zeroed (nothing reads a stack before writing it), so vCPU 0 may use its
 * own from the start.
 */
#include "percpu.h"

	.section .text.entry, "ax"
	.code64

/*
 * RSP = the top of stack RDX, 16-byte aligned: the call that follows then
 * leaves RSP + 8 aligned at the callee's entry, as the ABI wants. A macro,
 * not a function: RSP is 0 until it has run, so nothing may be pushed.
 */
.macro	set_stack
	lea	1(%rdx), %rax
	shl	$CPU_STACK_SHIFT, %rax
	add	$cpu_stacks, %rax
	mov	%rax, %rsp
.endm

	.globl	_start
_start:
	cli
	cld
	xor	%ebp, %ebp		/* the end of every frame-pointer chain */
	cmp	$MAX_CPUS, %rdx
	jae	park			/* no stack for it: vCPU 0 bails out */
	test	%rdx, %rdx
	jnz	secondary

	/* vCPU 0: zero [__bss_start, __bss_end), keeping RDI and RSI. */
	mov	%rdi, %r8
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	%r8, %rdi
	set_stack			/* RDX = 0 */
	call	primary_main		/* (params, ncpus) */
	jmp	park

secondary:
	pause
	cmpl	$0, boot_released(%rip)
	je	secondary
	set_stack
	mov	%edx, %edi
	call	secondary_main		/* (cpu) */
	jmp	park

park:
	cli
	hlt
	jmp	park

	.data
	.balign	4
	.globl	boot_released
boot_released:
	.long	0

	.section .stacks, "aw", @nobits
	.balign	4096
	.globl	cpu_stacks
cpu_stacks:
	.skip	MAX_CPUS * CPU_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
