// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the guest learns from the VMM's device tree.
 */
#ifndef KVMINI_GUEST_MACHINE_H
#define KVMINI_GUEST_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/percpu.h"

struct machine {
	uintptr_t dtb;
	uint32_t dtb_size;
	const char *bootargs;		/* "" if /chosen/bootargs is absent */
	unsigned int ncpus;
	uint64_t cpu_mpidr[MAX_CPUS];	/* the cpu nodes' reg, in DTB order */
	bool has_gic;			/* a node compatible with arm,gic-v3 */
	uint64_t gicd_base, gicd_size;
	uint64_t gicr_base, gicr_size;
};

/* Returns NULL on success, otherwise why the device tree is unusable. */
const char *machine_from_dtb(struct machine *m, uintptr_t dtb);

#endif
