/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86_64 guest-physical memory map and I/O ports.
 *
 *   0x0000_0000 +-----------------------------+
 *               | real-mode IVT, BDA           |  the IVT points at the BIOS
 *   0x0001_0000 | raw real-mode image (-k)     |  at 1000:0000, as kvmtool
 *   0x0000_0500 | boot GDT (VMM-written)       |  null, -, code64 0x10, data 0x18
 *   0x0000_7000 | Linux zero page (boot_params)|  RSI at a bzImage's entry
 *   0x0000_9000 | PML4                         |  \ identity map of the first
 *   0x0000_a000 | PDPT                         |   | 4 GiB in 2 MiB pages,
 *   0x0000_b000 | 4 page directories          |  / built by the VMM
 *   0x0002_0000 | command line (cfg->params)   |  X86_CMDLINE_MAX bytes
 *   0x000e_0000 | ACPI tables (RSDP first)     |  where guests look for the RSDP
 *   0x000f_0000 | BIOS (firmware/x86_64)       |  int 10h, int 15h e820; its
 *               |                              |  e820 table at +0x8000
 *   0x000f_fff0 | reset vector                 |  resets through 0xcf9
 *   0x0010_0000 | guest image                  |  the test guest: image, .bss and
 *               |                              |  stacks end near 0x2b_8000; a
 *               |                              |  bzImage's 64-bit kernel
 *               | initrd, at the top of RAM    |
 *               |   below 3 GiB                |
 *               | RAM ...                      |
 *   0xc000_0000 +-----------------------------+  32-bit MMIO gap: RAM beyond
 *               | test device    0xd000_0000   |  3 GiB continues at 4 GiB
 *               | virtio-mmio    0xd010_0000   |  0x200 each
 *   0xfec0_0000 | IOAPIC (in-kernel)           |
 *   0xfee0_0000 | local APICs (in-kernel)      |
 *   0xfffb_c000 | EPT identity map page (VMX)  |  KVM_SET_IDENTITY_MAP_ADDR
 *   0xfffb_d000 | TSS, 3 pages (VMX)           |  KVM_SET_TSS_ADDR
 *   0x1_0000_0000 +---------------------------+
 *               | RAM beyond 3 GiB             |
 *               +-----------------------------+
 *
 * I/O ports: COM1 8250 at 0x3f8 (IRQ 4); the CMOS RTC at 0x70 (IRQ 8,
 * its century at 0x32 as the FADT says); the test device's exit port at
 * 0x0e00 (a 4-byte write is a PIO exit, like the test device's PING);
 * ACPI's hardware-reduced sleep control register at 0x0604 (a byte write
 * with SLP_EN, bit 5, powers off) and sleep status at 0x0605; the reset
 * register at 0x0cf9 (a write with bit 2 set resets), as the FADT says.
 *
 * Every vCPU enters the guest image in 64-bit long mode (the state the
 * Linux 64-bit boot protocol starts a kernel in): CS = 0x10 (64-bit code),
 * DS = ES = SS = FS = GS = 0x18 (flat data), paging on with the identity map
 * above (CR3 = 0x9000), CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|
 * OSXMMEXCPT (plus OSXSAVE when the vCPU has XSAVE), EFER = LME|LMA|SCE,
 * RFLAGS = 0x2 (interrupts off), XCR0 = x87|SSE, the FPU in its
 * power-on state. The embedded test guest starts at RIP = X86_IMAGE_BASE
 * with RDI = address of the NUL-terminated parameter string, RSI = the
 * number of vCPUs, RDX = this vCPU's index (also its APIC ID), RSP = 0.
 */
#ifndef KVMINI_X86_64_LAYOUT_H
#define KVMINI_X86_64_LAYOUT_H

#include <stdint.h>

#define X86_BOOT_GDT		UINT64_C(0x500)
#define X86_ZERO_PAGE		UINT64_C(0x7000)
#define X86_PML4		UINT64_C(0x9000)
#define X86_PDPT		UINT64_C(0xa000)
#define X86_PD			UINT64_C(0xb000)	/* 4 pages: 4 GiB */
#define X86_CMDLINE		UINT64_C(0x20000)
#define X86_CMDLINE_MAX		UINT64_C(0x10000)
#define X86_IMAGE_BASE		UINT64_C(0x100000)

#define X86_MMIO_GAP_START	UINT64_C(0xc0000000)
#define X86_MMIO_GAP_END	UINT64_C(0x100000000)
#define X86_TESTDEV_BASE	UINT64_C(0xd0000000)
#define X86_VIRTIO_MMIO_BASE	UINT64_C(0xd0100000)
#define X86_VIRTIO_MMIO_SIZE	UINT64_C(0x200)
#define X86_IOAPIC_BASE		UINT64_C(0xfec00000)
#define X86_LAPIC_BASE		UINT64_C(0xfee00000)
#define X86_IDENTITY_MAP_ADDR	UINT64_C(0xfffbc000)
#define X86_TSS_ADDR		UINT64_C(0xfffbd000)

#define X86_GDT_CODE64		0x10
#define X86_GDT_DATA		0x18

#define X86_COM1_PORT		0x3f8
#define X86_COM1_IRQ		4
#define X86_RTC_PORT		0x70	/* the CMOS RTC: index, data */
#define X86_RTC_IRQ		8
#define X86_TESTDEV_PORT	0x0e00
#define X86_SLEEP_CONTROL_PORT	0x0604
#define X86_SLEEP_STATUS_PORT	0x0605
#define X86_SLP_EN		(1u << 5)
#define X86_RESET_PORT		0x0cf9
#define X86_RESET_VALUE		0x06	/* what the FADT tells the guest to write */
#define X86_RESET_CPU		(1u << 2)
#define X86_ACPI_BASE		UINT64_C(0xe0000)
#define X86_BIOS_BASE		UINT64_C(0xf0000)	/* firmware/x86_64/bios.S, 64 KiB */
#define X86_BIOS_SIZE		UINT64_C(0x10000)
#define X86_BIOS_E820_TABLE	UINT64_C(0x8000)	/* in the BIOS: a u32 count, entries */
#define X86_BIOS_E820_MAX	128
/*
 * --firmware: an image ending at 1 MiB, 128 KiB at most (kvmtool's
 * 0xe0000-0xfffff), entered at the reset vector F000:FFF0 with the stack
 * at F000:8000 (as kvmtool).
 */
#define X86_FIRMWARE_END	UINT64_C(0x100000)
#define X86_FIRMWARE_MAX	UINT64_C(0x20000)
#define X86_RESET_IP		0xfff0
#define X86_FIRMWARE_SP		0x8000
/* A raw (not bzImage) -k binary: real mode at 1000:0000, stack 1000:8000, as kvmtool. */
#define X86_RAW_SEGMENT		0x1000
#define X86_RAW_BASE		UINT64_C(0x10000)
#define X86_RAW_SP		0x8000
#define X86_RAW_MAX		(UINT64_C(0x9fc00) - X86_RAW_BASE)

/*
 * Interrupts of virtio-mmio devices, in order: the IOAPIC pins above the
 * ISA ones, level-triggered and active high as the DSDT describes each
 * device (_HID LNRO0005), which is how Linux finds them on x86.
 */
#define X86_VIRTIO_IRQS		{ 16, 17, 18, 19, 20, 21, 22, 23 }
#define X86_VIRTIO_MAX		8

#endif
