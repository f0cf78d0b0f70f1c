/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 guest-physical memory map. It is kvmtool's, so images, device
 * trees and command lines (earlycon=uart,mmio,0x1000000) made for lkvm
 * work unchanged:
 *
 *   0x0000_0000 +---------------------------+
 *               | (PCI I/O ports in kvmtool) |  unused
 *   0x0100_0000 +---------------------------+  MMIO area
 *               | 8250 UART      0x0100_0000 |
 *               | PL031 RTC      0x0101_0000 |  kvmtool's RTC address
 *               | test device    0x0102_0000 |  kvmtool puts optional CFI
 *               |                            |  flash here; kvmini has none
 *               | virtio-mmio    0x0110_0000 |  0x200 each: console, disks,
 *               |           ...              |  nets, then rng
 *               | GICv3 ITS (128 KiB)        |  --irqchip gicv3-its: just
 *               |                            |  below the redistributors
 *               | GICv3 redistributors       |  0x20000 per vCPU, growing
 *               |   GIC_DIST_BASE - n*0x20000|  down from the distributor
 *   0x3fff_0000 | GICv3 distributor (64 KiB) |
 *   0x4000_0000 +---------------------------+
 *               | (PCI, kvmtool)             |  unused
 *   0x8000_0000 +---------------------------+
 *               | RAM (--mem)                |  image at RAM + text_offset,
 *               |                            |  initrd below the DTB,
 *               |                            |  DTB in the last 2 MiB
 *               +---------------------------+
 */
#ifndef KVMINI_ARM64_LAYOUT_H
#define KVMINI_ARM64_LAYOUT_H

#include <stdint.h>

#define ARM64_MMIO_AREA		UINT64_C(0x01000000)
#define ARM64_UART_BASE		UINT64_C(0x01000000)
#define ARM64_RTC_BASE		UINT64_C(0x01010000)
#define ARM64_TESTDEV_BASE	UINT64_C(0x01020000)
#define ARM64_VIRTIO_MMIO_BASE	UINT64_C(0x01100000)
#define ARM64_VIRTIO_MMIO_SIZE	UINT64_C(0x200)
#define ARM64_GIC_DIST_BASE	UINT64_C(0x3fff0000)
#define ARM64_GIC_DIST_SIZE	UINT64_C(0x10000)
#define ARM64_GIC_REDIST_SIZE	UINT64_C(0x20000)	/* per vCPU: RD + SGI frames */
#define ARM64_GIC_ITS_SIZE	UINT64_C(0x20000)	/* control + translater frames */
#define ARM64_PCI_AREA		UINT64_C(0x40000000)
#define ARM64_RAM_BASE		UINT64_C(0x80000000)

/* The lowest address the GIC's frames may reach: the end of the MMIO devices. */
#define ARM64_MMIO_DEVICES_END	UINT64_C(0x02000000)
/* With room for an ITS below the redistributors, whether or not there is one. */
#define ARM64_MAX_CPUS \
	((ARM64_GIC_DIST_BASE - ARM64_GIC_ITS_SIZE - ARM64_MMIO_DEVICES_END) / \
	 ARM64_GIC_REDIST_SIZE)

/*
 * Shared peripheral interrupts of the machine's devices (SPI n is INTID
 * 32 + n). The GIC is given ARM64_GIC_NR_IRQS interrupts in all.
 */
#define ARM64_GIC_NR_IRQS	128
#define ARM64_SPI_UART		0
#define ARM64_SPI_RTC		1
#define ARM64_SPI_VIRTIO	16	/* then one per virtio device, in order */

/* The DTB lives in the last 2 MiB of RAM; this is its largest size. */
#define ARM64_FDT_MAX_SIZE	UINT64_C(0x10000)
#define ARM64_FDT_AREA		UINT64_C(0x200000)

static inline uint64_t arm64_gic_redist_base(unsigned int nr_cpus)
{
	return ARM64_GIC_DIST_BASE - (uint64_t)nr_cpus * ARM64_GIC_REDIST_SIZE;
}

static inline uint64_t arm64_gic_its_base(unsigned int nr_cpus)
{
	return arm64_gic_redist_base(nr_cpus) - ARM64_GIC_ITS_SIZE;
}

/* The PMU's overflow interrupt: PPI 7, INTID 23, as on QEMU's virt and kvmtool. */
#define ARM64_PMU_INTID		23

#endif
