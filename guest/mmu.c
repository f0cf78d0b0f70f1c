// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds the identity map shared by all CPUs (layout in mmu.h). It is
 * written once, by CPU 0 with its MMU still off, and never changed.
 */
#include "lib/mte.h"
#include "lib/platform.h"
#include "mmu.h"

uint64_t idmap_l1[IDMAP_ENTRIES] __attribute__((aligned(4096)));

void mmu_build_idmap(void)
{
	/*
	 * With MTE, all of RAM is Tagged rather than just the test buffers:
	 * those share the first 1 GiB block with the image, and splitting it
	 * would take a level 2 table. Untagged pointers (tag 0) still match
	 * RAM's initial tags (0), and checks are off unless a test turns
	 * them on. CPU 0 decides for all: KVM gives every vCPU of a VM the
	 * same ID registers.
	 */
	unsigned int ram_attr = mte_level() >= ID_AA64PFR1_MTE_MTE2 ?
				MT_NORMAL_TAGGED : MT_NORMAL;

	for (uint64_t i = 0; i < IDMAP_ENTRIES; i++) {
		uint64_t pa = i << IDMAP_BLOCK_SHIFT;
		uint64_t desc = pa | PTE_TYPE_BLOCK | PTE_AF;

		if (pa < DEVICE_REGION_END)
			desc |= PTE_ATTRINDX(MT_DEVICE_nGnRnE) |
				PTE_PXN | PTE_UXN;
		else
			desc |= PTE_ATTRINDX(ram_attr) | PTE_SH_INNER;
		idmap_l1[i] = desc;
	}
}
