/* SPDX-License-Identifier: GPL-2.0-only */
/* What the user asked for: filled by the CLI, read by the VM. */
#ifndef KVMINI_CONFIG_H
#define KVMINI_CONFIG_H

#include <kvmini/compiler.h>

#define CONFIG_DEFAULT_RAM (256ULL << 20)
#define CONFIG_DEFAULT_KVM "/dev/kvm"

struct vm_config {
	const char *kernel_path;	/* NULL: the embedded test guest */
	const char *initrd_path;	/* NULL: none */
	const char *params;		/* kernel command line / guest parameters */
	unsigned int nr_cpus;
	uint64_t ram_size;		/* bytes, page-aligned, non-zero */
	const char *kvm_path;
	unsigned int timeout_s;		/* 0: no limit */
};

void vm_config_init(struct vm_config *cfg);

#endif
