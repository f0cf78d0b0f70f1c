/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only code in the guest that touches x87, SSE, AVX or AVX-512 registers. C is
 * built with -mgeneral-regs-only, so whatever C runs between a load and a
 * store here (the exit under test) cannot disturb them: any change the
 * store sees was made by the hypervisor.
 *
 * This deliberately breaks the SysV ABI, which wants the x87 stack empty
 * across calls and FCW/MXCSR's control bits preserved: no C caller uses
 * them, and they hold the patterns under test in between.
 */
#include "vec.h"

	.text
/* void x87_load(struct x87_state *s) */
	.globl	x87_load
x87_load:
	fninit
	fldcw	X87_STATE_FCW(%rdi)
	/* FLD m80 loads bit for bit: no rounding, no exception. */
	.irp	n, 7, 6, 5, 4, 3, 2, 1, 0
	fldt	\n * X87_SLOT_BYTES(%rdi)
	.endr
	fnstsw	X87_STATE_FSW(%rdi)
	ret

/* void x87_store(struct x87_state *s) */
	.globl	x87_store
x87_store:
	fnstcw	X87_STATE_FCW(%rdi)
	fnstsw	X87_STATE_FSW(%rdi)	/* before the pops change TOP */
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	fstpt	\n * X87_SLOT_BYTES(%rdi)
	.endr
	fninit
	ret

/* void sse_load(const struct vec_state *s) */
	.globl	sse_load
sse_load:
	ldmxcsr	VEC_STATE_MXCSR(%rdi)
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	\n * VEC_SLOT_BYTES(%rdi), %xmm\n
	.endr
	ret

/* void sse_store(struct vec_state *s) */
	.globl	sse_store
sse_store:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	%xmm\n, \n * VEC_SLOT_BYTES(%rdi)
	.endr
	stmxcsr	VEC_STATE_MXCSR(%rdi)
	ret

/* void avx_load(const struct vec_state *s) */
	.globl	avx_load
avx_load:
	vldmxcsr VEC_STATE_MXCSR(%rdi)
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	\n * VEC_SLOT_BYTES(%rdi), %ymm\n
	.endr
	ret

/* void avx2_load_sum(const struct vec_state *augend, const struct vec_state *addend) */
	.globl	avx2_load_sum
avx2_load_sum:
	vldmxcsr VEC_STATE_MXCSR(%rdi)
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	\n * VEC_SLOT_BYTES(%rdi), %ymm\n
	vpaddq	\n * VEC_SLOT_BYTES(%rsi), %ymm\n, %ymm\n
	.endr
	ret

/* void avx_store(struct vec_state *s): no VZEROUPPER, which would clear them. */
	.globl	avx_store
avx_store:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu	%ymm\n, \n * VEC_SLOT_BYTES(%rdi)
	.endr
	vstmxcsr VEC_STATE_MXCSR(%rdi)
	ret

/*
 * void avx512_load_sum(const struct avx512_state *augend,
 *                      const struct avx512_state *addend, long bw)
 */
	.globl	avx512_load_sum
avx512_load_sum:
	vldmxcsr AVX512_STATE_MXCSR(%rdi)
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 \n * ZMM_SLOT_BYTES(%rdi), %zmm\n
	vpaddq	\n * ZMM_SLOT_BYTES(%rsi), %zmm\n, %zmm\n
	.endr
	test	%rdx, %rdx
	jz	1f
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	AVX512_STATE_K + \n * OPMASK_SLOT_BYTES(%rdi), %k\n
	.endr
	ret
1:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	kmovw	AVX512_STATE_K + \n * OPMASK_SLOT_BYTES(%rdi), %k\n
	.endr
	ret

/* void avx512_store(struct avx512_state *s, long bw): no VZEROUPPER. */
	.globl	avx512_store
avx512_store:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	vmovdqu64 %zmm\n, \n * ZMM_SLOT_BYTES(%rdi)
	.endr
	vstmxcsr AVX512_STATE_MXCSR(%rdi)
	test	%rsi, %rsi
	jz	1f
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	kmovq	%k\n, AVX512_STATE_K + \n * OPMASK_SLOT_BYTES(%rdi)
	.endr
	ret
	/* KMOVW to memory writes 16 bits: zero the rest, so 0 is what reads back. */
1:	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7
	movq	$0, AVX512_STATE_K + \n * OPMASK_SLOT_BYTES(%rdi)
	kmovw	%k\n, AVX512_STATE_K + \n * OPMASK_SLOT_BYTES(%rdi)
	.endr
	ret

/* void fxsave(struct fxsave_area *area): 16-byte aligned, or #GP. */
	.globl	fxsave
fxsave:
	fxsave64 (%rdi)
	ret

	.section .note.GNU-stack, "", @progbits
