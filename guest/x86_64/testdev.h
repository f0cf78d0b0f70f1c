// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini's test device on x86_64: the MMIO registers of lib/testdev.h (at
 * TESTDEV_BASE, arch.h), plus the PING port.
 */
#ifndef KVMINI_X86_GUEST_TESTDEV_H
#define KVMINI_X86_GUEST_TESTDEV_H

#include <stdint.h>
#include "lib/testdev.h"
#include "x86.h"

/* From src/arch/x86_64/layout.h (the VMM's header, not includable here). */
#define TESTDEV_PORT		0x0e00

/* A PING by port I/O: a 32-bit OUT, so a PIO exit. */
static inline void testdev_ping_pio(uint32_t tag)
{
	outl(TESTDEV_PORT, tag);
}

#endif
