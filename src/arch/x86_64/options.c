// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options of the x86_64 backend. CPUID models are not
 * implemented yet: --cpu-model and --cpu-feature are accepted by name so
 * they are refused with that reason (cpu_model.c), not as unknown options.
 */
#include <errno.h>

#include <kvmini/cpu.h>
#include <kvmini/options.h>

enum {
	OPT_CPU_MODEL = RUN_OPT_ARCH_BASE,
	OPT_CPU_FEATURE,
};

static const struct option x86_options[] = {
	{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
	{ "cpu-feature", required_argument, NULL, OPT_CPU_FEATURE },
	{ NULL, 0, NULL, 0 },
};

static int x86_parse(struct vm_config *cfg, int val, const char *arg)
{
	switch (val) {
	case OPT_CPU_MODEL:
		return cpu_opt_add(cfg, CPU_OPT_MODEL, arg);
	case OPT_CPU_FEATURE:
		return cpu_opt_add(cfg, CPU_OPT_FEATURE, arg);
	}
	return -EINVAL;
}

static int x86_finish(struct vm_config *cfg)
{
	return cpu_opts_finish(cfg);
}

static void x86_free(struct vm_config *cfg)
{
	cpu_opts_free(cfg);
}

static void x86_usage(FILE *f)
{
	fprintf(f,
"x86_64 options:\n"
"      --cpu-model FILE, --cpu-feature NAME=on|off\n"
"                       not implemented on x86_64 yet (refused): the guest gets\n"
"                       the CPUID KVM offers, which `kvmini caps` summarises\n");
}

const struct run_option_group arch_run_options = {
	.options = x86_options,
	.parse = x86_parse,
	.finish = x86_finish,
	.usage = x86_usage,
	.free = x86_free,
};
