// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the architecture-neutral parts of guest/lib (testdev.c, uart.c,
 * tap.c) need from the x86_64 guest: MMIO accessors (x86.h), where the test
 * device and the UART are, and how the machine is powered off.
 *
 * guest/arch.h is the arm64 guest's: this directory comes before '..' on
 * the include path (meson.build), so "arch.h" is always this one here.
 */
#ifndef KVMINI_X86_GUEST_ARCH_H
#define KVMINI_X86_GUEST_ARCH_H

#ifndef __x86_64__
#error "guest/x86_64/arch.h is the x86_64 guest's: check the include path"
#endif

#include <stdint.h>
#include "x86.h"		/* mmio_read32, mmio_write32, mmio_write64 */

/* From src/arch/x86_64/layout.h (the VMM's header, not includable here). */
#define TESTDEV_BASE		0xd0000000UL
#define SLEEP_CONTROL_PORT	0x0604
#define SLP_EN			(1U << 5)

/* COM1: an 8250 at I/O port 0x3f8, polled, no interrupts. */
#define COM1_PORT		0x3f8

static inline uint8_t uart_read_reg(unsigned int reg)
{
	return inb((uint16_t)(COM1_PORT + reg));
}

static inline void uart_write_reg(unsigned int reg, uint8_t val)
{
	outb((uint16_t)(COM1_PORT + reg), val);
}

/*
 * Power the machine off: SLP_EN in the ACPI sleep control register. Should
 * that return, the vCPU parks and the VMM's own timeout catches it.
 */
static inline __attribute__((noreturn)) void arch_system_off(void)
{
	outb(SLEEP_CONTROL_PORT, SLP_EN);
	cpu_park();
}

#endif
