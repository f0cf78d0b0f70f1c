/* SPDX-License-Identifier: GPL-2.0-only */
/* What the user asked for: filled by the CLI, read by the VM. */
#ifndef KVMINI_CONFIG_H
#define KVMINI_CONFIG_H

#include <kvmini/compiler.h>

#define CONFIG_DEFAULT_RAM (256ULL << 20)
#define CONFIG_DEFAULT_KVM "/dev/kvm"

/* Faults a test run can inject to prove the guest's checkers catch them. */
enum fault_kind {
	FAULT_NONE,
	FAULT_FPSIMD,	/* flip one bit of a guest V register mid-run */
	FAULT_SVE,	/* flip a bit of a guest Z register beyond V, mid-run */
	FAULT_HOST_SVE,	/* corrupt the vCPU thread's own V3/Z3 in a signal frame */
	FAULT_REGS_MOVE, /* damage a register moved into a new VM's vCPU */
	FAULT_MTE_TAG,	/* flip a guest allocation tag through KVM_ARM_MTE_COPY_TAGS */
	FAULT_HOST_MTE,	/* retag a granule of a vCPU thread's own tagged page */
	FAULT_IDREG,	/* change an ID register value the after-run compare expects */
};

/* A CPU feature: on if the host has it, or required on, or off. */
enum feature_choice { FEATURE_AUTO, FEATURE_ON, FEATURE_OFF };

struct cpu_opts;

struct vm_config {
	const char *kernel_path;	/* NULL: the embedded test guest */
	const char *initrd_path;	/* NULL: none */
	const char *params;		/* kernel command line / guest parameters */
	unsigned int nr_cpus;
	uint64_t ram_size;		/* bytes, page-aligned, non-zero */
	const char *kvm_path;
	unsigned int timeout_s;		/* 0: no limit */
	const char *mem_path;		/* back guest RAM with this file (NULL: anonymous) */
	enum fault_kind inject_fault;
	/* arm64: SVE and its largest vector length in bits (0: the host's). */
	enum feature_choice sve;
	unsigned int sve_max_vl;
	/*
	 * The vCPU threads check their own SVE state across every KVM_RUN
	 * (default: on for the embedded test guest when the host has SVE).
	 */
	/* arm64: the Memory Tagging Extension (default: on if the host has it). */
	enum feature_choice mte;
	enum feature_choice host_check;
	unsigned int host_sve_vl;	/* bits; 0: one that differs from the guest's */
	bool stats;			/* print exit statistics at the end */
	bool dump_regs;			/* print every vCPU's registers at the end */
	/* --cpu-model, --cpu-feature, --id-reg (kvmini/cpu.h); NULL: none given. */
	struct cpu_opts *cpu;
};

void vm_config_init(struct vm_config *cfg);

#endif
