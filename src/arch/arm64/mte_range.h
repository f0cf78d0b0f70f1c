/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which guest-physical ranges may have their MTE tags copied: what
 * KVM_ARM_MTE_COPY_TAGS accepts (page-aligned start and length) and what
 * kvmini allows (inside one RAM region, no wrap-around). Pure code.
 */
#ifndef KVMINI_ARM64_MTE_RANGE_H
#define KVMINI_ARM64_MTE_RANGE_H

#include <kvmini/mem.h>

#define MTE_GRANULE 16	/* bytes of memory per allocation tag */

/*
 * 0 if [ipa, ipa + len) can have its tags copied, else -EINVAL (alignment,
 * zero length) or -EFAULT (outside guest RAM) with why in err.
 */
int arm64_mte_range_check(const struct guest_mem *mem, uint64_t ipa, uint64_t len,
			  uint64_t page_size, char *err, size_t err_len);

#endif
