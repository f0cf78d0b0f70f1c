// SPDX-License-Identifier: GPL-2.0-only
/* MTE tag ranges: page-aligned, non-empty, inside one RAM region, no wrap. */
#include <errno.h>
#include <string.h>

#include "../../src/arch/arm64/mte_range.h"

#include "tap.h"

int main(void)
{
	struct guest_mem mem = { 0 };
	const uint64_t ram = 0x80000000ULL, size = 4ULL << 20, pg = 4096;
	char err[160];

	if (guest_mem_add(&mem, ram, size, GUEST_MEM_ANON))
		return 1;
	ok(arm64_mte_range_check(&mem, ram, size, pg, err, sizeof(err)) == 0, "all of RAM");
	ok(arm64_mte_range_check(&mem, ram + size - pg, pg, pg, err, sizeof(err)) == 0,
	   "the last page");
	ok(arm64_mte_range_check(&mem, ram, 0, pg, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "empty"), "empty range refused: %s", err);
	ok(arm64_mte_range_check(&mem, ram + 1024, pg, pg, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "0x80000400+0x1000 is not page-aligned"), "unaligned start: %s", err);
	ok(arm64_mte_range_check(&mem, ram, 1024, pg, err, sizeof(err)) == -EINVAL,
	   "unaligned length (1024, which KVM refuses with EINVAL)");
	ok(arm64_mte_range_check(&mem, ram + size, pg, pg, err, sizeof(err)) == -EFAULT &&
	   strstr(err, "not inside guest RAM"), "just past RAM: %s", err);
	ok(arm64_mte_range_check(&mem, ram - pg, 2 * pg, pg, err, sizeof(err)) == -EFAULT,
	   "straddling the start of RAM");
	ok(arm64_mte_range_check(&mem, ram + size - pg, 2 * pg, pg, err, sizeof(err)) == -EFAULT,
	   "straddling the end of RAM");
	ok(arm64_mte_range_check(&mem, ram, UINT64_MAX - 4095, pg, err, sizeof(err)) == -EFAULT,
	   "a wrapping length");
	ok(arm64_mte_range_check(&mem, 0x09000000, pg, pg, err, sizeof(err)) == -EFAULT,
	   "MMIO space");
	ok(arm64_mte_range_check(&mem, ram + 65536, 65536, 65536, err, sizeof(err)) == 0 &&
	   arm64_mte_range_check(&mem, ram + pg, 65536, 65536, err, sizeof(err)) == -EINVAL,
	   "a 64 KiB-page host's alignment");
	guest_mem_free(&mem);
	return tap_done();
}
