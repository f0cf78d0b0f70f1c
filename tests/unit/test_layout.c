// SPDX-License-Identifier: GPL-2.0-only
/* The arm64 memory map: kvmtool's addresses, and no region overlaps another. */
#include <inttypes.h>

#include "../../src/arch/arm64/layout.h"

#include "tap.h"

int main(void)
{
	uint64_t lowest = arm64_gic_its_base((unsigned int)ARM64_MAX_CPUS);

	ok(ARM64_RAM_BASE == 0x80000000ULL, "RAM at 2 GiB (kvmtool)");
	ok(ARM64_UART_BASE == 0x1000000ULL, "8250 UART at 0x1000000 (kvmtool)");
	ok(ARM64_GIC_DIST_BASE + ARM64_GIC_DIST_SIZE == ARM64_PCI_AREA,
	   "GIC distributor ends where kvmtool's PCI area starts");
	ok(ARM64_TESTDEV_BASE >= ARM64_UART_BASE + 0x1000 &&
	   ARM64_TESTDEV_BASE + 0x1000 <= ARM64_MMIO_DEVICES_END,
	   "test device inside the MMIO device area, after the UART");
	ok(ARM64_RTC_BASE >= ARM64_UART_BASE + 0x1000 && ARM64_RTC_BASE + 0x1000 <= ARM64_TESTDEV_BASE,
	   "RTC at kvmtool's 0x1010000, between the UART and the test device");
	ok(arm64_gic_its_base(4) + ARM64_GIC_ITS_SIZE == arm64_gic_redist_base(4) &&
	   arm64_gic_its_base(4) % 0x10000 == 0, "ITS right below the redistributors, 64K-aligned");
	ok(lowest >= ARM64_MMIO_DEVICES_END,
	   "ITS and redistributors of the most vCPUs (%" PRIu64 ") stay above the devices (0x%" PRIx64 ")",
	   ARM64_MAX_CPUS, lowest);
	ok(arm64_gic_its_base((unsigned int)ARM64_MAX_CPUS + 1) < ARM64_MMIO_DEVICES_END,
	   "one vCPU more would collide: the limit is tight");
	ok(ARM64_MAX_CPUS >= 512, "room for KVM's 512-vCPU maximum");
	ok(ARM64_FDT_MAX_SIZE <= ARM64_FDT_AREA, "DTB fits its area");
	return tap_done();
}
