/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86_64 part of `kvmini run`'s configuration (struct vm_config's arch). */
#ifndef KVMINI_X86_64_CONFIG_H
#define KVMINI_X86_64_CONFIG_H

#include <kvmini/config.h>

struct x86_model;

/* --cpu-model and --cpu-feature: the layers and, once finished, the model. */
struct x86_cpu_opts {
	const char *cmd;		/* for messages: "run", "cpu" */
	const char *model_path;		/* --cpu-model, or kvmini cpu check's argument */
	const char *model_label;	/* cpu_opt_model_label() of how it came */
	struct x86_model *cli;		/* --cpu-feature */
	struct x86_model *model;	/* both merged: set by cpu_opts_finish() */
};

struct arch_config {
	struct x86_cpu_opts *cpu;	/* NULL: no model, the CPUID KVM offers */
};

/* The finished CPU model of a configuration; NULL when none was given. */
const struct x86_model *x86_config_model(const struct vm_config *cfg);

#endif
