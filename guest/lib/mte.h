// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Memory Tagging Extension controls the guest uses. Shared with
 * assembly: cpu.S turns tag access on at boot, mte.S holds every MTE
 * instruction (tests/mte.c drives them).
 */
#ifndef KVMINI_GUEST_MTE_H
#define KVMINI_GUEST_MTE_H

/*
 * ID_AA64PFR1_EL1.MTE, bits [11:8]: 1 is the instructions only, 2
 * (FEAT_MTE2) adds allocation tags in memory and tag checks, 3 (FEAT_MTE3)
 * adds the asymmetric check mode.
 */
#define ID_AA64PFR1_MTE_SHIFT	8
#define ID_AA64PFR1_MTE_MTE2	2
#define ID_AA64PFR1_MTE_MTE3	3

/* Tags cover 16-byte granules; a pointer's logical tag is bits [59:56]. */
#define MTE_GRANULE		16
#define MTE_TAG_SHIFT		56

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>
#include "lib/sysreg.h"

/*
 * MTE system registers, spelled as encodings so that C (built for plain
 * ARMv8.0-A) can name them. TCO is PSTATE.TCO (tag check override).
 */
#define SYS_RGSR_EL1		S3_0_C1_C0_5
#define SYS_GCR_EL1		S3_0_C1_C0_6
#define SYS_TFSR_EL1		S3_0_C5_C6_0
#define SYS_TFSRE0_EL1		S3_0_C5_C6_1
#define SYS_TCO			S3_3_C4_C2_7

/* GCR_EL1: tags IRG must not generate, and random (1) or seeded (0) tags. */
#define GCR_EXCLUDE_MASK	0xffffUL
#define GCR_RRND		(1UL << 16)

/* RGSR_EL1: the seed IRG uses when GCR_EL1.RRND = 0, and the last tag. */
#define RGSR_TAG_MASK		0xfUL
#define RGSR_SEED_SHIFT		8
#define RGSR_SEED_MASK		(0xffffUL << RGSR_SEED_SHIFT)

/* TFSR_EL1 and TFSRE0_EL1: an asynchronous fault on a TTBR0/TTBR1 address. */
#define TFSR_TF0		(1UL << 0)
#define TFSR_TF1		(1UL << 1)

/* SCTLR_EL1.TCF, bits [41:40]: what a tag check fault at EL1 does. */
#define SCTLR_TCF_SHIFT		40
#define SCTLR_TCF_MASK		(3UL << SCTLR_TCF_SHIFT)
enum mte_tcf {
	MTE_TCF_NONE = 0,	/* no checks */
	MTE_TCF_SYNC = 1,	/* a synchronous data abort */
	MTE_TCF_ASYNC = 2,	/* recorded in TFSR_EL1 */
	MTE_TCF_ASYM = 3,	/* loads sync, stores async (FEAT_MTE3) */
};

/* Tagged pointers work because TCR_EL1.TBI0 = 1 (cpu.S). */
#define MTE_TAG_MASK		(0xfUL << MTE_TAG_SHIFT)

static inline uint64_t mte_tagged(uint64_t addr, unsigned int tag)
{
	return (addr & ~MTE_TAG_MASK) | (uint64_t)(tag & 0xf) << MTE_TAG_SHIFT;
}

/* ID_AA64PFR1_EL1.MTE: 0 or 1 means no tags in memory. */
static inline unsigned int mte_level(void)
{
	return (read_sysreg(id_aa64pfr1_el1) >> ID_AA64PFR1_MTE_SHIFT) & 0xf;
}

/* mte.S. Tags are one byte per 16-byte granule, 0..15. */

/* Set the tags of the @n granules from @base (16-byte aligned). */
void mte_set_tags(uintptr_t base, const uint8_t *tags, size_t n);
/* Read the tags of the @n granules from @base with LDG. */
void mte_get_tags(uintptr_t base, uint8_t *tags, size_t n);
/* @n tags from IRG (excluding GCR_EL1.Exclude), in the order generated. */
void mte_irg_tags(uint8_t *tags, size_t n);

#endif
#endif
