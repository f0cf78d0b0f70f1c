// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exception handling: every exception is unexpected (reported to the VMM,
 * then the machine is powered off) unless code armed an expectation for it
 * first. Frame layout shared with vectors.S.
 */
#ifndef KVMINI_GUEST_EXCEPTIONS_H
#define KVMINI_GUEST_EXCEPTIONS_H

#define EXC_FRAME_SP		248
#define EXC_FRAME_ELR		256
#define EXC_FRAME_SPSR		264
#define EXC_FRAME_ESR		272
#define EXC_FRAME_FAR		280
#define EXC_FRAME_SIZE		288	/* keeps SP 16-byte aligned */

/* Vector index 4: synchronous exception from EL1 using SP_EL1. */
#define VECTOR_CURRENT_SPX_SYNC	4

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define ESR_EC_UNKNOWN		0x00
#define ESR_EC_DABT_CURRENT	0x25
#define ESR_DFSC(esr)		((esr) & 0x3f)
#define ESR_DFSC_SYNC_EXTERNAL	0x10
#define ESR_DFSC_TAG_CHECK	0x11	/* synchronous MTE tag check fault */
#define ESR_WNR			(1UL << 6)	/* a write caused the abort */
#define ESR_FNV			(1UL << 10)	/* FAR not valid */

struct exc_frame {
	uint64_t x[31];
	uint64_t sp;		/* SP before the exception */
	uint64_t elr;		/* written back on return */
	uint64_t spsr;		/* written back on return */
	uint64_t esr;
	uint64_t far;
};

/* For exc_expect: any synchronous exception (EC is only 6 bits). */
#define EXC_EXPECT_ANY_EC	0x40

/*
 * Expect the next synchronous exception on this CPU to have ESR.EC == @ec
 * (or any EC, with EXC_EXPECT_ANY_EC).
 * If it comes, the handler records ESR and FAR, skips the faulting
 * instruction and returns; any other exception is still unexpected.
 */
void exc_expect(unsigned int ec);
/* Disarm; true if the expected exception was taken since exc_expect. */
bool exc_expect_end(uint64_t *esr, uint64_t *far);

/* Called from vectors.S; returns only to resume at frame->elr. */
void exception_dispatch(struct exc_frame *frame, uint64_t vector);

#endif
#endif
