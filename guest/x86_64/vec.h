// SPDX-License-Identifier: GPL-2.0-only
/*
 * x87, SSE and AVX register state as the tests load and store it (vec.S
 * holds every instruction that touches it). Offsets shared with assembly.
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

#ifndef __ASSEMBLER__

#include <stdint.h>

#define X87_VALUE_BYTES		10
#define XMM_BYTES		16
#define YMM_BYTES		32

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

void fxsave(struct fxsave_area *area);

#endif
#endif
