// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SVE controls the guest uses. Shared with assembly: cpu.S turns SVE
 * on at boot, sve.S holds every instruction that touches SVE state.
 */
#ifndef KVMINI_GUEST_SVE_H
#define KVMINI_GUEST_SVE_H

/* CPACR_EL1.ZEN = 0b11: no SVE traps at EL1 or EL0. */
#define CPACR_ZEN_NO_TRAP	(3 << 16)

/* ID_AA64PFR0_EL1.SVE, bits [35:32]: nonzero if SVE is implemented. */
#define ID_AA64PFR0_SVE_SHIFT	32

/*
 * ZCR_EL1, spelled as its encoding so that files assembled without SVE
 * enabled can name it. LEN (bits [3:0]) asks for (LEN + 1) * 128 bits; a
 * length the vCPU lacks rounds down to one it has, so 15 means "the most".
 */
#define SYS_ZCR_EL1		S3_0_C1_C2_0
#define ZCR_LEN_MAX		15

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include "lib/sysreg.h"

static inline bool cpu_has_sve(void)
{
	return (read_sysreg(id_aa64pfr0_el1) >> ID_AA64PFR0_SVE_SHIFT) & 0xf;
}

#endif
#endif
