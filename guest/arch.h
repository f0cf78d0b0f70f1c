// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the architecture-neutral parts of guest/lib (testdev.c, uart.c,
 * tap.c) need from the arm64 guest: MMIO accessors, where the test device
 * and the UART are, and how the machine is powered off.
 *
 * guest/x86_64/arch.h is the x86_64 guest's: each guest's own directory
 * comes first on its include path, so "arch.h" is always the right one.
 */
#ifndef KVMINI_GUEST_ARCH_H
#define KVMINI_GUEST_ARCH_H

#ifndef __aarch64__
#error "guest/arch.h is the arm64 guest's: check the include path"
#endif

#include <stdint.h>
#include "lib/mmio.h"		/* mmio_read32, mmio_write32, mmio_write64 */
#include "lib/platform.h"	/* TESTDEV_BASE, UART_BASE */
#include "lib/psci.h"
#include "lib/sysreg.h"

/* The 8250's byte registers: MMIO at UART_BASE with a stride of 1. */
static inline uint8_t uart_read_reg(unsigned int reg)
{
	return mmio_read8(UART_BASE + reg);
}

static inline void uart_write_reg(unsigned int reg, uint8_t val)
{
	mmio_write8(UART_BASE + reg, val);
}

/*
 * Power the machine off with PSCI SYSTEM_OFF. Should that return (it
 * should not), sleep forever so the VMM's own timeout catches it.
 */
static inline __attribute__((noreturn)) void arch_system_off(void)
{
	psci_system_off();
	cpu_halt();
}

#endif
