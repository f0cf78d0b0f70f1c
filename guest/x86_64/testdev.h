// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini's test device on x86_64: MMIO at X86_TESTDEV_BASE, each register
 * accessed with exactly its own width, plus the PING port. Also the end of
 * the run: exit status, then power-off through the ACPI sleep control register.
 */
#ifndef KVMINI_X86_GUEST_TESTDEV_H
#define KVMINI_X86_GUEST_TESTDEV_H

#include <stdint.h>
#include "kvmini/testdev-abi.h"
#include "x86.h"

/* From src/arch/x86_64/layout.h (the VMM's header, not includable here). */
#define TESTDEV_BASE		0xd0000000UL
#define TESTDEV_PORT		0x0e00
#define SLEEP_CONTROL_PORT	0x0604
#define SLP_EN			(1U << 5)

#define EXIT_STATUS_OK		0
#define EXIT_STATUS_FAIL	1
#define EXIT_STATUS_SKIP	77

static inline uint32_t testdev_read32(unsigned int reg)
{
	return mmio_read32(TESTDEV_BASE + reg);
}

static inline void testdev_write32(unsigned int reg, uint32_t val)
{
	mmio_write32(TESTDEV_BASE + reg, val);
}

static inline void testdev_write64(unsigned int reg, uint64_t val)
{
	mmio_write64(TESTDEV_BASE + reg, val);
}

/* A PING by port I/O: a 32-bit OUT, so a PIO exit. */
static inline void testdev_ping_pio(uint32_t tag)
{
	outl(TESTDEV_PORT, tag);
}

/* "EIO" for 5 and so on: the errnos REQUEST_STATUS may hold, else "?". */
const char *testdev_errno_name(uint32_t err);

/* Report @status to the VMM and power the machine off. */
void __attribute__((noreturn)) guest_exit(unsigned int status);

#endif
