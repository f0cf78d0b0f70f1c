// SPDX-License-Identifier: GPL-2.0-only
/* `kvmini run` options of the x86_64 backend: the CPU model (cpu_opts.c). */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/cpu.h>
#include <kvmini/options.h>

#include "config.h"

enum {
	OPT_CPU_MODEL = RUN_OPT_ARCH_BASE,
	OPT_CPU_FEATURE,
	OPT_ID_REG,
};

static const struct option x86_options[] = {
	{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
	{ "cpu-feature", required_argument, NULL, OPT_CPU_FEATURE },
	/* arm64's: taken so the refusal can say what to give instead. */
	{ "id-reg", required_argument, NULL, OPT_ID_REG },
	{ NULL, 0, NULL, 0 },
};

static int x86_parse(struct vm_config *cfg, int val, const char *arg)
{
	switch (val) {
	case OPT_CPU_MODEL:
		return cpu_opt_add(cfg, CPU_OPT_MODEL, arg);
	case OPT_CPU_FEATURE:
		return cpu_opt_add(cfg, CPU_OPT_FEATURE, arg);
	case OPT_ID_REG:
		return cpu_opt_add(cfg, CPU_OPT_ID_REG, arg);
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
	free(cfg->arch);
	cfg->arch = NULL;
}

static void x86_usage(FILE *f)
{
	fprintf(f,
"x86_64 options:\n"
"      --cpu-model FILE     the guest's CPUID from a CPU model (kvmini cpu dump\n"
"                           writes one), checked against this host's KVM before\n"
"                           the VM exists\n"
"      --cpu-feature NAME=VALUE[,...]\n"
"                           one field over the model: a feature on or off\n"
"                           (avx2=off), or xcr0, max-leaf, family, ... (kvmini cpu\n"
"                           --help lists them)\n");
}

const struct run_option_group arch_run_options = {
	.options = x86_options,
	.parse = x86_parse,
	.finish = x86_finish,
	.usage = x86_usage,
	.free = x86_free,
};
