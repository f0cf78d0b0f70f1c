// SPDX-License-Identifier: GPL-2.0-only
/*
 * Just enough GICv3 to let one PPI (the virtual timer's) wake a WFI:
 * interrupts stay masked in PSTATE.DAIF and are never acknowledged.
 * Functions return false with a description in @err on failure.
 */
#ifndef KVMINI_GUEST_GIC_H
#define KVMINI_GUEST_GIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Distributor: affinity routing and Group 1 on. Once, on one CPU. */
bool gic_dist_enable(uintptr_t gicd, char *err, size_t err_size);

/*
 * Find vCPU @vcpu's redistributor (frames are contiguous, in vCPU order)
 * and check that it belongs to the CPU whose MPIDR is @mpidr.
 */
bool gic_redist_for_cpu(uintptr_t gicr_base, uint64_t gicr_size,
			unsigned int vcpu, uint64_t mpidr, uintptr_t *rd,
			char *err, size_t err_size);

/*
 * On the CPU that owns redistributor @rd: wake it, make PPI @intid an
 * enabled Group 1 interrupt of priority @priority, and open the CPU
 * interface (system registers, priority mask, Group 1 enable).
 */
bool gic_cpu_enable_ppi(uintptr_t rd, unsigned int intid, uint8_t priority,
			char *err, size_t err_size);

bool gic_ppi_pending(uintptr_t rd, unsigned int intid);

#endif
