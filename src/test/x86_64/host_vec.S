/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU thread's own vector state around KVM_RUN (see host_vec.h). The
 * registers are loaded and stored here, never in C, so nothing but the
 * kernel can touch them in between. MXCSR's control bits are callee-saved
 * in the SysV ABI: each function restores the caller's MXCSR on return.
 *
 * Buffers (host_vec.h): 64-byte register slots, k0-7 at HOST_VEC_K, MXCSR
 * at HOST_VEC_MXCSR.
 */
#include "host_vec.h"

#define SYS_ioctl	16
#define KVM_RUN		0xae80		/* _IO(KVMIO, 0x80) */

	.text
/* Load the state from in (%rdi); %rcx: the width. Clobbers nothing else. */
host_vec_load:
	ldmxcsr	HOST_VEC_MXCSR(%rdi)
	cmp	$HOST_VEC_WIDTH_YMM, %rcx
	je	2f
	ja	3f
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	\n * HOST_VEC_REG_BYTES(%rdi), %xmm\n
	.endr
	ret
2:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	\n * HOST_VEC_REG_BYTES(%rdi), %ymm\n
	.endr
	ret
3:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 \n * HOST_VEC_REG_BYTES(%rdi), %zmm\n
	.endr
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	HOST_VEC_K + \n * 8(%rdi), %k\n
	.endr
	ret

/* Store the state to out (%r9); %r8: the width. */
host_vec_store:
	stmxcsr	HOST_VEC_MXCSR(%r9)
	cmp	$HOST_VEC_WIDTH_YMM, %r8
	je	2f
	ja	3f
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	%xmm\n, \n * HOST_VEC_REG_BYTES(%r9)
	.endr
	ret
2:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	%ymm\n, \n * HOST_VEC_REG_BYTES(%r9)
	.endr
	vzeroupper
	ret
3:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 %zmm\n, \n * HOST_VEC_REG_BYTES(%r9)
	.endr
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	%k\n, HOST_VEC_K + \n * 8(%r9)
	kxorq	%k\n, %k\n, %k\n
	.endr
	/* Back to the init state, so C code after it carries no AVX-512 state. */
	.irp	n, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vpxord	%zmm\n, %zmm\n, %zmm\n
	.endr
	vzeroupper
	ret

/* long host_vec_asm_kvm_run(const void *in, void *out, long vcpu_fd, long width) */
	.globl	host_vec_asm_kvm_run
	.type	host_vec_asm_kvm_run, @function
host_vec_asm_kvm_run:
	sub	$8, %rsp
	stmxcsr	(%rsp)
	mov	%rcx, %r8		/* syscall clobbers %rcx and %r11 */
	mov	%rsi, %r9
	call	host_vec_load
	.globl	host_vec_run_live
host_vec_run_live:
	mov	%rdx, %rdi
	mov	$KVM_RUN, %esi
	xor	%edx, %edx
	mov	$SYS_ioctl, %eax
	syscall
	.globl	host_vec_run_live_end
host_vec_run_live_end:
	call	host_vec_store
	ldmxcsr	(%rsp)
	add	$8, %rsp
	ret
	.size	host_vec_asm_kvm_run, . - host_vec_asm_kvm_run

/* void host_vec_asm_window(const void *in, void *out, unsigned long spins, long width) */
	.globl	host_vec_asm_window
	.type	host_vec_asm_window, @function
host_vec_asm_window:
	sub	$8, %rsp
	stmxcsr	(%rsp)
	mov	%rcx, %r8
	mov	%rsi, %r9
	call	host_vec_load
	.globl	host_vec_window_live
host_vec_window_live:
1:	dec	%rdx
	jnz	1b
	.globl	host_vec_window_live_end
host_vec_window_live_end:
	call	host_vec_store
	ldmxcsr	(%rsp)
	add	$8, %rsp
	ret
	.size	host_vec_asm_window, . - host_vec_asm_window

	.section .note.GNU-stack, "", @progbits
