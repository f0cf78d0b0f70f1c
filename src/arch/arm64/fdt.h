/* SPDX-License-Identifier: GPL-2.0-only */
/* Building the guest's device tree from a machine description (no KVM needed). */
#ifndef KVMINI_ARM64_FDT_H
#define KVMINI_ARM64_FDT_H

#include <kvmini/compiler.h>

struct device;

struct arm64_machine {
	uint64_t ram_base, ram_size;
	unsigned int nr_cpus;
	const uint64_t *mpidrs;		/* MPIDR_EL1 of each vCPU, from KVM */
	const char *bootargs;
	uint64_t initrd_start, initrd_size;	/* size 0: no initrd */
	const char *stdout_path;	/* the console's node; NULL: none */
	struct device *devices;		/* each writes its own node (device.h) */
	uint64_t gic_dist_base, gic_dist_size;
	uint64_t gic_redist_base, gic_redist_size;
	uint64_t its_base;		/* the GIC's ITS (its frames); 0: none */
	bool pmu;			/* a PMUv3 on PPI ARM64_PMU_INTID */
};

/* The phandle of the interrupt controller. */
#define ARM64_FDT_GIC_PHANDLE 1
/* The fixed clock AMBA (PrimeCell) devices name as their bus clock. */
#define ARM64_FDT_APB_CLOCK_PHANDLE 2

/* Write the DTB into buf; -ENOSPC if it does not fit, -EINVAL for a bad machine. */
int __must_check arm64_fdt_build(const struct arm64_machine *m, void *buf,
				 size_t size);

#endif
