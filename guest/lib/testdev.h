// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini's test device: exit status, cheap MMIO exits, exception reports
 * and the index of the calling vCPU. Each register is accessed with exactly
 * its own width.
 */
#ifndef KVMINI_GUEST_TESTDEV_H
#define KVMINI_GUEST_TESTDEV_H

#include <stdint.h>
#include "lib/mmio.h"
#include "lib/platform.h"

#define TESTDEV_ID		0x00	/* RO 32: TESTDEV_ID_VALUE */
#define TESTDEV_VERSION		0x04	/* RO 32 */
#define TESTDEV_EXIT_STATUS	0x08	/* WO 32: 0..255 */
#define TESTDEV_PING		0x10	/* RW 32: write exits, read counts */
#define TESTDEV_EXC_ESR		0x18	/* WO 64 */
#define TESTDEV_EXC_ELR		0x20	/* WO 64 */
#define TESTDEV_EXC_FAR		0x28	/* WO 64 */
#define TESTDEV_EXC_SPSR	0x30	/* WO 64 */
#define TESTDEV_EXC_REPORT	0x38	/* WO 32: vector index, after EXC_* */
#define TESTDEV_CPU		0x40	/* RO 32: index of the reading vCPU */

#define TESTDEV_ID_VALUE	0x544d564bU	/* "KVMT" read as LE u32 */
#define TESTDEV_VERSION_VALUE	1

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

/* Report @status to the VMM and power the machine off. */
void __attribute__((noreturn)) guest_exit(unsigned int status);

#endif
