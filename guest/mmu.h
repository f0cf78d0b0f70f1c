// SPDX-License-Identifier: GPL-2.0-only
/*
 * The identity map: 4 KiB granule, 39-bit VA (T0SZ = 25), so translation
 * starts at level 1 and one 512-entry table of 1 GiB blocks covers
 * [0, 512 GiB). [0, 2 GiB) is Device-nGnRnE (MMIO), the rest Normal
 * write-back: Tagged Normal if the vCPUs have MTE (FEAT_MTE2), so that all
 * of RAM can hold allocation tags. Shared with assembly.
 */
#ifndef KVMINI_GUEST_MMU_H
#define KVMINI_GUEST_MMU_H

/* Constants below are used from both C and assembly. */
#ifdef __ASSEMBLER__
#define U64(x)			x
#else
#define U64(x)			x##UL
#endif

#define MAIR_ATTR_DEVICE_nGnRnE	0x00
#define MAIR_ATTR_NORMAL_WB	0xff
#define MAIR_ATTR_NORMAL_TAGGED	0xf0	/* write-back, with allocation tags */

#define MT_DEVICE_nGnRnE	0
#define MT_NORMAL		1
#define MT_NORMAL_TAGGED	2

#define MAIR_VALUE	(MAIR_ATTR_DEVICE_nGnRnE << (8 * MT_DEVICE_nGnRnE) | \
			 MAIR_ATTR_NORMAL_WB << (8 * MT_NORMAL) |	      \
			 MAIR_ATTR_NORMAL_TAGGED << (8 * MT_NORMAL_TAGGED))

/*
 * TCR_EL1 without IPS (filled in from ID_AA64MMFR0_EL1.PARange at run
 * time): T0SZ = 25; table walks Inner/Outer write-back write-allocate,
 * Inner Shareable; TG0 = 4 KiB; EPD1 = 1 so TTBR1 is never walked. T1SZ and
 * TG1 get valid values (TG1 = 0 is a reserved encoding) although unused.
 */
#define TCR_T0SZ(n)		(n)
#define TCR_IRGN0_WBWA		(1 << 8)
#define TCR_ORGN0_WBWA		(1 << 10)
#define TCR_SH0_INNER		(3 << 12)
#define TCR_TG0_4K		(0 << 14)
#define TCR_T1SZ(n)		((n) << 16)
#define TCR_EPD1		(1 << 23)
#define TCR_TG1_4K		(U64(2) << 30)
#define TCR_IPS_SHIFT		32
/* With MTE only (cpu.S): the top byte of a TTBR0 address holds its tag. */
#define TCR_TBI0		(U64(1) << 37)
#define TCR_VALUE_NO_IPS	(TCR_T0SZ(25) | TCR_IRGN0_WBWA |	\
				 TCR_ORGN0_WBWA | TCR_SH0_INNER |	\
				 TCR_TG0_4K | TCR_T1SZ(25) | TCR_EPD1 |	\
				 TCR_TG1_4K)

/* The largest PARange (and IPS) usable with 4 KiB pages without LPA2. */
#define PARANGE_48BIT		5

/* SCTLR_EL1: MMU and caches on, no alignment checks, no WXN, little-endian. */
#define SCTLR_M			(1 << 0)
#define SCTLR_A			(1 << 1)
#define SCTLR_C			(1 << 2)
#define SCTLR_I			(1 << 12)
#define SCTLR_WXN		(1 << 19)
#define SCTLR_EE		(1 << 25)
#define SCTLR_SET		(SCTLR_M | SCTLR_C | SCTLR_I)
#define SCTLR_CLEAR		(SCTLR_A | SCTLR_WXN | SCTLR_EE)
/* With MTE only (cpu.S): allocation tag access (LDG, STG, IRG...) at EL1. */
#define SCTLR_ATA		(U64(1) << 43)

#define CPACR_FPEN_NO_TRAP	(3 << 20)

#define IDMAP_ENTRIES		512
#define IDMAP_BLOCK_SHIFT	30

#ifndef __ASSEMBLER__

#include <stdint.h>

/* Level 1 block descriptor fields. */
#define PTE_TYPE_BLOCK		(1UL << 0)
#define PTE_ATTRINDX(mt)	((uint64_t)(mt) << 2)
#define PTE_SH_INNER		(3UL << 8)
#define PTE_AF			(1UL << 10)	/* set: no AF faults */
#define PTE_PXN			(1UL << 53)
#define PTE_UXN			(1UL << 54)

extern uint64_t idmap_l1[IDMAP_ENTRIES];

/* Runs on CPU 0 with the MMU off; see start.S for the cache maintenance. */
void mmu_build_idmap(void);

#endif
#endif
