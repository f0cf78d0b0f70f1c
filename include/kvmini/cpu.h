/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU models: what the guest's CPU identification registers say. The
 * generic side of the options (`kvmini run --cpu-model ...`) and of the
 * `kvmini cpu` commands; each architecture implements these.
 */
#ifndef KVMINI_CPU_H
#define KVMINI_CPU_H

#include <stdio.h>

#include <kvmini/compiler.h>

struct vm_config;

enum cpu_opt_kind {
	CPU_OPT_MODEL,		/* --cpu-model FILE */
	CPU_OPT_FEATURE,	/* --cpu-feature NAME=on|off[,...] */
	CPU_OPT_ID_REG,		/* --id-reg REG.FIELD=VALUE */
};

/*
 * One option, syntax-checked now: 0, or -KVMINI_EUSAGE (reported on
 * stderr as "kvmini CMD: ..."; cpu_opt_add() is for `kvmini run`).
 */
int __must_check cpu_opt_add_cmd(struct vm_config *cfg, const char *cmd,
				 enum cpu_opt_kind kind, const char *arg);
static inline int __must_check cpu_opt_add(struct vm_config *cfg, enum cpu_opt_kind kind,
					   const char *arg)
{
	return cpu_opt_add_cmd(cfg, "run", kind, arg);
}
/*
 * After every option: read the model file, put the command line over it
 * and map features KVM gives through vCPU features or VM capabilities onto
 * the configuration (SVE, MTE), refusing contradictions with --no-sve,
 * --sve-vl, --mte and --no-mte. 0 or -KVMINI_EUSAGE (reported).
 */
int __must_check cpu_opts_finish(struct vm_config *cfg);
void cpu_opts_free(struct vm_config *cfg);
/* For --help: the --cpu-feature names. */
const char *cpu_feature_list(void);

/*
 * `kvmini cpu ...`: each returns an exit status or -errno (see cpu.c).
 * dump and check take the options of cfg (finished): dump writes what a
 * guest would see with them, check says field by field what this host's
 * KVM makes of them.
 */
int cpu_cmd_dump(int kvm_fd, const struct vm_config *cfg, const char *out_path);
int cpu_cmd_check(int kvm_fd, const struct vm_config *cfg, bool verbose);
int cpu_cmd_diff(const char *path_a, const char *path_b);
int cpu_cmd_intersect(const char *const *paths, unsigned int n, const char *out_path);

#endif
