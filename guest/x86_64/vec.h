// SPDX-License-Identifier: GPL-2.0-only
/*
 * x87, SSE, AVX and AVX-512 register state as the tests load and store it
 * (vec.S holds every instruction that touches it). Offsets shared with
 * assembly.
 */
#ifndef KVMINI_X86_GUEST_VEC_H
#define KVMINI_X86_GUEST_VEC_H

#define X87_NREGS		8
#define X87_SLOT_BYTES		16	/* an 80-bit value, padded */
#define X87_STATE_FCW		128
#define X87_STATE_FSW		130

#define VEC_NREGS		16
#define VEC_SLOT_BYTES		32	/* YMMn; XMMn is its low 16 bytes */
#define VEC_STATE_MXCSR		512

#define ZMM_NREGS		32
#define ZMM_SLOT_BYTES		64
#define OPMASK_NREGS		8
#define OPMASK_SLOT_BYTES	8
#define AVX512_STATE_K		(ZMM_NREGS * ZMM_SLOT_BYTES)
#define AVX512_STATE_MXCSR	(AVX512_STATE_K + OPMASK_NREGS * OPMASK_SLOT_BYTES)

#ifndef __ASSEMBLER__

#include <stdint.h>

#define X87_VALUE_BYTES		10
#define XMM_BYTES		16
#define YMM_BYTES		32
#define ZMM_BYTES		64

#define MXCSR_DEFAULT		0x1f80
#define MXCSR_FTZ		(1U << 15)
/* What FXSAVE's MXCSR_MASK of 0 means (SDM: "Guidelines for Writing to MXCSR"). */
#define MXCSR_MASK_DEFAULT	0xffbf
#define FXSAVE_MXCSR_MASK	28	/* byte offset in the FXSAVE area */

/* st[i] is ST(i), lowest byte first. */
struct x87_state {
	uint8_t st[X87_NREGS][X87_SLOT_BYTES];
	uint16_t fcw;
	uint16_t fsw;
} __attribute__((aligned(16)));

struct vec_state {
	uint8_t reg[VEC_NREGS][VEC_SLOT_BYTES];	/* byte i = lane i */
	uint32_t mxcsr;
	uint64_t xcr0;		/* not touched by vec.S; 0 without OSXSAVE */
} __attribute__((aligned(32)));

/*
 * ZMM0-31 and k0-7. Each k slot holds 64 bits; with AVX-512F alone (no
 * AVX512BW) only the low 16 are loaded and stored, the rest read as 0.
 */
struct avx512_state {
	uint8_t zmm[ZMM_NREGS][ZMM_SLOT_BYTES];	/* byte i = lane i */
	uint8_t k[OPMASK_NREGS][OPMASK_SLOT_BYTES];
	uint32_t mxcsr;
	uint64_t xcr0;		/* not touched by vec.S */
} __attribute__((aligned(64)));

struct fxsave_area {
	uint8_t bytes[512];
} __attribute__((aligned(16)));

/*
 * Empty the x87 stack, load @s->fcw, push ST7 down to ST0 and record the
 * resulting FSW in @s->fsw: that is what the store must find again.
 */
void x87_load(struct x87_state *s);
/* FCW, FSW, then pop ST0..ST7; leaves the x87 unit initialised (FNINIT). */
void x87_store(struct x87_state *s);

/* MXCSR and XMM0-15 (the low 16 bytes of each slot). */
void sse_load(const struct vec_state *s);
void sse_store(struct vec_state *s);
/* MXCSR and YMM0-15. #UD unless XCR0 enables AVX state. */
void avx_load(const struct vec_state *s);
void avx_store(struct vec_state *s);
/*
 * MXCSR from @augend, then YMMn = @augend.reg[n] + @addend.reg[n] in 64-bit
 * lanes, computed by VPADDQ: AVX2 execution, not only AVX state.
 */
void avx2_load_sum(const struct vec_state *augend,
		   const struct vec_state *addend);

/*
 * MXCSR and k0-7 from @augend, then ZMMn = @augend->zmm[n] + @addend->zmm[n]
 * in 64-bit lanes, computed by VPADDQ on ZMM: AVX-512F execution, not
 * only its state. @bw: move k0-7 whole (KMOVQ, AVX512BW), else their low
 * 16 bits (KMOVW). #UD unless XCR0 enables the AVX-512 state (bits 5-7).
 */
void avx512_load_sum(const struct avx512_state *augend,
		     const struct avx512_state *addend, long bw);
/* ZMM0-31, k0-7 (as avx512_load_sum's @bw) and MXCSR. */
void avx512_store(struct avx512_state *s, long bw);

void fxsave(struct fxsave_area *area);

#endif
#endif
