// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "mte_range.h"

int arm64_mte_range_check(const struct guest_mem *mem, uint64_t ipa, uint64_t len,
			  uint64_t page_size, char *err, size_t err_len)
{
	if (!len) {
		snprintf(err, err_len, "an empty range at 0x%" PRIx64, ipa);
		return -EINVAL;
	}
	if (!IS_ALIGNED(ipa, page_size) || !IS_ALIGNED(len, page_size)) {
		snprintf(err, err_len, "0x%" PRIx64 "+0x%" PRIx64 " is not page-aligned "
			 "(%" PRIu64 " bytes): KVM copies tags of whole pages", ipa, len,
			 page_size);
		return -EINVAL;
	}
	if (!guest_mem_ptr(mem, ipa, len)) {
		snprintf(err, err_len, "0x%" PRIx64 "+0x%" PRIx64 " is not inside guest RAM",
			 ipa, len);
		return -EFAULT;
	}
	return 0;
}
