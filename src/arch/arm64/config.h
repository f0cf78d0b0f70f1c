/* SPDX-License-Identifier: GPL-2.0-only */
/* The arm64 part of `kvmini run`'s configuration (struct vm_config's arch). */
#ifndef KVMINI_ARM64_CONFIG_H
#define KVMINI_ARM64_CONFIG_H

#include <kvmini/config.h>

struct cpu_opts;

struct arch_config {
	/* SVE and its largest vector length in bits (0: the host's). */
	enum feature_choice sve;
	unsigned int sve_max_vl;
	/* The Memory Tagging Extension (default: on if the host has it). */
	enum feature_choice mte;
	/* --cpu-model, --cpu-feature, --id-reg (kvmini/cpu.h); NULL: none given. */
	struct cpu_opts *cpu;
	/*
	 * Check the ID registers against what KVM reports even without a
	 * CPU model (the test machinery's --inject-fault=idreg needs it).
	 */
	bool verify_idregs;
	/* --pmu: a PMUv3 for every vCPU, its overflow interrupt on a PPI. */
	bool pmu;
	/* --irqchip: the GICv3 alone, or with an ITS (kvmtool's names). */
	enum arm64_irqchip { ARM64_IRQCHIP_GICV3, ARM64_IRQCHIP_GICV3_ITS } irqchip;
	/* The options as given; finish() judges them into the fields above. */
	struct {
		bool no_sve, mte_on, mte_off;
	} asked;
};

/* cfg's arm64 part, allocated on first use: NULL only when out of memory. */
struct arch_config *arm64_config(struct vm_config *cfg);
/* cfg's arm64 part for reading; the defaults when no option set one. */
const struct arch_config *arm64_config_get(const struct vm_config *cfg);

/*
 * An SVE vector length option's syntax (a multiple of 128 from 128 to
 * 2048); whether the host has it is checked before the VM exists.
 * 0 or -KVMINI_EUSAGE (reported, naming opt).
 */
int __must_check arm64_parse_sve_vl(const char *opt, const char *arg, unsigned int *vl);

#endif
