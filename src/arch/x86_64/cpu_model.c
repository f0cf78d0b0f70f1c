// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU models on x86_64 (CPUID leaves instead of ID registers) are not
 * implemented yet. `kvmini cpu` and --cpu-model say so by name instead of
 * doing something else; guests get the host's CPUID as KVM offers it.
 */
#include <errno.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>
#include <kvmini/log.h>

#define X86_NO_MODELS "CPUID models are not implemented on x86_64 yet; guests get the " \
		      "CPUID KVM offers (kvmini caps shows it)"

int cpu_opt_add_cmd(struct vm_config *cfg, const char *cmd, enum cpu_opt_kind kind,
		    const char *arg)
{
	(void)cfg; (void)kind; (void)arg;
	return cli_usage_error(cmd, "%s", X86_NO_MODELS);
}

int cpu_opts_finish(struct vm_config *cfg)
{
	(void)cfg;
	return 0;
}

void cpu_opts_free(struct vm_config *cfg)
{
	(void)cfg;
}

const char *cpu_feature_list(void)
{
	return "(none on x86_64 yet)";
}

static int x86_no_models(void)
{
	log_err("cpu", X86_NO_MODELS);
	return -EOPNOTSUPP;
}

int cpu_cmd_dump(int kvm_fd, const struct vm_config *cfg, const char *out_path)
{
	(void)kvm_fd; (void)cfg; (void)out_path;
	return x86_no_models();
}

int cpu_cmd_check(int kvm_fd, const struct vm_config *cfg, bool verbose)
{
	(void)kvm_fd; (void)cfg; (void)verbose;
	return x86_no_models();
}

int cpu_cmd_diff(const char *path_a, const char *path_b)
{
	(void)path_a; (void)path_b;
	return x86_no_models();
}

int cpu_cmd_intersect(const char *const *paths, unsigned int n, const char *out_path)
{
	(void)paths; (void)n; (void)out_path;
	return x86_no_models();
}
