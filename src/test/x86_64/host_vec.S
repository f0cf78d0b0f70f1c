/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU thread's own vector state around KVM_RUN (see host_vec.h). The
 * registers are loaded and stored here, never in C, so nothing but the
 * kernel can touch them in between. MXCSR's control bits are callee-saved
 * in the SysV ABI: each function restores the caller's MXCSR on return.
 *
 * Buffers: YMM0-15 at 32-byte strides (XMM in the low 16 bytes), MXCSR at
 * offset 512.
 */
#define SYS_ioctl	16
#define KVM_RUN		0xae80		/* _IO(KVMIO, 0x80) */

	.text
/* Load the state from in (%rdi); %rcx: nonzero for YMM. Clobbers nothing else. */
host_vec_load:
	ldmxcsr	512(%rdi)
	test	%rcx, %rcx
	jz	1f
	vmovdqu	0(%rdi), %ymm0
	vmovdqu	32(%rdi), %ymm1
	vmovdqu	64(%rdi), %ymm2
	vmovdqu	96(%rdi), %ymm3
	vmovdqu	128(%rdi), %ymm4
	vmovdqu	160(%rdi), %ymm5
	vmovdqu	192(%rdi), %ymm6
	vmovdqu	224(%rdi), %ymm7
	vmovdqu	256(%rdi), %ymm8
	vmovdqu	288(%rdi), %ymm9
	vmovdqu	320(%rdi), %ymm10
	vmovdqu	352(%rdi), %ymm11
	vmovdqu	384(%rdi), %ymm12
	vmovdqu	416(%rdi), %ymm13
	vmovdqu	448(%rdi), %ymm14
	vmovdqu	480(%rdi), %ymm15
	ret
1:
	movdqu	0(%rdi), %xmm0
	movdqu	32(%rdi), %xmm1
	movdqu	64(%rdi), %xmm2
	movdqu	96(%rdi), %xmm3
	movdqu	128(%rdi), %xmm4
	movdqu	160(%rdi), %xmm5
	movdqu	192(%rdi), %xmm6
	movdqu	224(%rdi), %xmm7
	movdqu	256(%rdi), %xmm8
	movdqu	288(%rdi), %xmm9
	movdqu	320(%rdi), %xmm10
	movdqu	352(%rdi), %xmm11
	movdqu	384(%rdi), %xmm12
	movdqu	416(%rdi), %xmm13
	movdqu	448(%rdi), %xmm14
	movdqu	480(%rdi), %xmm15
	ret

/* Store the state to out (%r9); %r8: nonzero for YMM. */
host_vec_store:
	stmxcsr	512(%r9)
	test	%r8, %r8
	jz	1f
	vmovdqu	%ymm0, 0(%r9)
	vmovdqu	%ymm1, 32(%r9)
	vmovdqu	%ymm2, 64(%r9)
	vmovdqu	%ymm3, 96(%r9)
	vmovdqu	%ymm4, 128(%r9)
	vmovdqu	%ymm5, 160(%r9)
	vmovdqu	%ymm6, 192(%r9)
	vmovdqu	%ymm7, 224(%r9)
	vmovdqu	%ymm8, 256(%r9)
	vmovdqu	%ymm9, 288(%r9)
	vmovdqu	%ymm10, 320(%r9)
	vmovdqu	%ymm11, 352(%r9)
	vmovdqu	%ymm12, 384(%r9)
	vmovdqu	%ymm13, 416(%r9)
	vmovdqu	%ymm14, 448(%r9)
	vmovdqu	%ymm15, 480(%r9)
	vzeroupper
	ret
1:
	movdqu	%xmm0, 0(%r9)
	movdqu	%xmm1, 32(%r9)
	movdqu	%xmm2, 64(%r9)
	movdqu	%xmm3, 96(%r9)
	movdqu	%xmm4, 128(%r9)
	movdqu	%xmm5, 160(%r9)
	movdqu	%xmm6, 192(%r9)
	movdqu	%xmm7, 224(%r9)
	movdqu	%xmm8, 256(%r9)
	movdqu	%xmm9, 288(%r9)
	movdqu	%xmm10, 320(%r9)
	movdqu	%xmm11, 352(%r9)
	movdqu	%xmm12, 384(%r9)
	movdqu	%xmm13, 416(%r9)
	movdqu	%xmm14, 448(%r9)
	movdqu	%xmm15, 480(%r9)
	ret

/* long host_vec_asm_kvm_run(const void *in, void *out, long vcpu_fd, long avx) */
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

/* void host_vec_asm_window(const void *in, void *out, unsigned long spins, long avx) */
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
