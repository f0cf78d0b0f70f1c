// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds the identity map shared by all CPUs (layout in mmu.h). It is
 * written once, by CPU 0 with its MMU still off, and never changed.
 */
#include "lib/platform.h"
#include "mmu.h"

uint64_t idmap_l1[IDMAP_ENTRIES] __attribute__((aligned(4096)));

void mmu_build_idmap(void)
{
	for (uint64_t i = 0; i < IDMAP_ENTRIES; i++) {
		uint64_t pa = i << IDMAP_BLOCK_SHIFT;
		uint64_t desc = pa | PTE_TYPE_BLOCK | PTE_AF;

		if (pa < DEVICE_REGION_END)
			desc |= PTE_ATTRINDX(MT_DEVICE_nGnRnE) |
				PTE_PXN | PTE_UXN;
		else
			desc |= PTE_ATTRINDX(MT_NORMAL) | PTE_SH_INNER;
		idmap_l1[i] = desc;
	}
}
