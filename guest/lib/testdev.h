// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini's test device: exit status, cheap MMIO exits, exception reports
 * and the index of the calling vCPU. Each register is accessed with exactly
 * its own width. Shared by both guests: arch.h says where the device is
 * (TESTDEV_BASE) and supplies the MMIO accessors.
 */
#ifndef KVMINI_GUEST_TESTDEV_H
#define KVMINI_GUEST_TESTDEV_H

#include <stdint.h>
#include "arch.h"

/* Register offsets, values and requests: one definition, shared with kvmini. */
#include "../../include/kvmini/testdev-abi.h"

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

/* "EIO" for 5 and so on: the errnos REQUEST_STATUS may hold, else "?". */
const char *testdev_errno_name(uint32_t err);

/* Report @status to the VMM and power the machine off. */
void __attribute__((noreturn)) guest_exit(unsigned int status);

#endif
