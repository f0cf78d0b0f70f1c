// SPDX-License-Identifier: GPL-2.0-only
/*
 * PSCI over HVC (SMC Calling Convention, conduit fixed to hvc #0).
 */
#ifndef KVMINI_GUEST_PSCI_H
#define KVMINI_GUEST_PSCI_H

#include <stdint.h>

#define PSCI_FN_PSCI_VERSION		0x84000000U
#define PSCI_FN_SYSTEM_OFF		0x84000008U
#define PSCI_FN64_CPU_ON		0xc4000003U
#define PSCI_FN64_AFFINITY_INFO		0xc4000004U

#define PSCI_SUCCESS			0
#define PSCI_NOT_SUPPORTED		(-1)

#define PSCI_AFFINITY_ON		0
#define PSCI_AFFINITY_OFF		1
#define PSCI_AFFINITY_ON_PENDING	2

#define PSCI_VERSION_MAJOR(v)		(((v) >> 16) & 0x7fff)
#define PSCI_VERSION_MINOR(v)		((v) & 0xffff)

/* Returns the raw 32-bit result (negative as a PSCI error code). */
uint32_t psci_version(void);
int64_t psci_cpu_on(uint64_t target_mpidr, uintptr_t entry,
		    uint64_t context_id);
int64_t psci_affinity_info(uint64_t target_mpidr);
/* Returns only if the call failed. */
void psci_system_off(void);
const char *psci_error_name(int64_t ret);

#endif
