/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU thread's own SVE state, held live across KVM_RUN and across a
 * window in which signals and preemption may hit it (see host_sve.c).
 * These are the only functions in kvmini that touch SVE registers.
 *
 * State buffer layout (host_sve.c fills and checks it):
 *   +0   FPSR (8 bytes)   +8  FPCR (8 bytes)
 *   +16  Z0..Z31, VL/8 bytes each
 *        P0..P15, VL/64 bytes each
 *        FFR, VL/64 bytes
 *
 * Both functions keep the AAPCS64 promises to their C callers: d8-d15
 * are restored (their low 64 bits are callee-saved) and so is FPCR, whose
 * rounding and flush modes the C code around them relies on.
 */
	.arch	armv8.2-a+sve

/* x10 = Z base, x11 = P base, x12 = FFR, from the buffer in \buf. */
.macro	state_bases buf
	add	x10, \buf, #16
	addvl	x11, x10, #16		/* ADDVL takes -32..31: twice 16 */
	addvl	x11, x11, #16
	addpl	x12, x11, #16
.endm

.macro	load_state buf
	ldr	x13, [\buf]
	msr	fpsr, x13
	ldr	x13, [\buf, #8]
	msr	fpcr, x13
	state_bases \buf
	/* FFR goes through P0, so it is loaded before the P registers. */
	ldr	p0, [x12]
	wrffr	p0.b
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ldr	z\n, [x10, #\n, mul vl]
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ldr	p\n, [x11, #\n, mul vl]
	.endr
.endm

.macro	store_state buf
	state_bases \buf
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	str	z\n, [x10, #\n, mul vl]
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	str	p\n, [x11, #\n, mul vl]
	.endr
	/* Read FFR only once the P registers are saved: it needs one. */
	rdffr	p0.b
	str	p0, [x12]
	mrs	x13, fpsr
	str	x13, [\buf]
	mrs	x13, fpcr
	str	x13, [\buf, #8]
.endm

.macro	prologue
	stp	x29, x30, [sp, #-96]!
	mov	x29, sp
	stp	d8, d9, [sp, #16]
	stp	d10, d11, [sp, #32]
	stp	d12, d13, [sp, #48]
	stp	d14, d15, [sp, #64]
	mrs	x13, fpcr
	str	x13, [sp, #80]
.endm

.macro	epilogue
	ldr	x13, [sp, #80]
	msr	fpcr, x13
	ldp	d8, d9, [sp, #16]
	ldp	d10, d11, [sp, #32]
	ldp	d12, d13, [sp, #48]
	ldp	d14, d15, [sp, #64]
	ldp	x29, x30, [sp], #96
.endm

	.text
/*
 * long host_sve_asm_kvm_run(const void *in, void *out, long vcpu_fd)
 * Load the state from in, KVM_RUN with nothing in between, store the
 * state into out; return the syscall's result (-errno on failure).
 */
	.globl	host_sve_asm_kvm_run
	.type	host_sve_asm_kvm_run, %function
host_sve_asm_kvm_run:
	prologue
	mov	x14, x1
	mov	x15, x2
	load_state x0
/*
 * From here to host_sve_run_live_end every register holds test state
 * (fault injection corrupts only there, where the check must see it). A
 * signal taken in the syscall reports the instruction after it: the end
 * label, which host_sve_live() counts in.
 */
	.globl	host_sve_run_live
host_sve_run_live:
	mov	x0, x15
	mov	x1, #0xae80		/* KVM_RUN = _IO(KVMIO, 0x80) */
	mov	x2, #0
	mov	x8, #29			/* __NR_ioctl */
	svc	#0
	.globl	host_sve_run_live_end
host_sve_run_live_end:
	mov	x15, x0
	store_state x14
	mov	x0, x15
	epilogue
	ret
	.size	host_sve_asm_kvm_run, . - host_sve_asm_kvm_run

/*
 * void host_sve_asm_window(const void *in, void *out, unsigned long spins)
 * Load the state, spin (signals and preemption may save and restore it
 * meanwhile), store it.
 */
	.globl	host_sve_asm_window
	.type	host_sve_asm_window, %function
host_sve_asm_window:
	prologue
	load_state x0
	.globl	host_sve_window_live
host_sve_window_live:
	cbz	x2, 2f
1:	subs	x2, x2, #1
	b.ne	1b
2:
	.globl	host_sve_window_live_end
host_sve_window_live_end:
	store_state x1
	epilogue
	ret
	.size	host_sve_asm_window, . - host_sve_asm_window

	.section .note.GNU-stack, "", %progbits
