/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables an x86_64 Linux guest finds its machine in: RSDP, XSDT,
 * a hardware-reduced FADT (sleep control and reset registers on ports),
 * a DSDT with \_S5 (so the guest can power off) and a MADT (its CPUs and
 * the IOAPIC). Pure: built into a buffer, unit-tested without KVM.
 */
#ifndef KVMINI_X86_64_ACPI_H
#define KVMINI_X86_64_ACPI_H

#include <kvmini/compiler.h>

/* Room for the tables of X86_ACPI_MAX_CPUS vCPUs and X86_ACPI_MAX_VIRTIO devices. */
#define X86_ACPI_SIZE		0x4000
#define X86_ACPI_MAX_CPUS	255	/* xAPIC IDs in the MADT's 8-bit field */
#define X86_ACPI_MAX_VIRTIO	16

/* A virtio-mmio transport as the DSDT announces it (Linux binds _HID LNRO0005). */
struct x86_acpi_virtio {
	uint32_t base, size;
	uint32_t gsi;			/* level-triggered, active high */
};

/*
 * Write the tables for nr_cpus vCPUs and the virtio-mmio devices into buf
 * (X86_ACPI_SIZE bytes), which the guest sees at gpa; the RSDP comes
 * first, at gpa. -E2BIG for more CPUs or devices than fit.
 */
int __must_check x86_acpi_build(uint8_t *buf, uint64_t gpa, unsigned int nr_cpus,
				const struct x86_acpi_virtio *virtio, unsigned int nr_virtio);

/* The byte that makes len bytes at p sum to 0 mod 256 (ACPI's checksum rule). */
uint8_t x86_acpi_checksum(const uint8_t *p, size_t len);

#endif
