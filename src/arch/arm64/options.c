// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run` options of the arm64 backend: SVE, MTE, CPU models, the
 * PMU and the interrupt controller.
 * kvmtool's spellings work (--sve-max-vl, --disable-sve, --disable-mte).
 * Only the syntax and contradictions are checked here; what the host can
 * give is checked when the VM is prepared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>
#include <kvmini/options.h>
#include <kvmini/parse.h>

#include "config.h"

enum {
	OPT_SVE_VL = RUN_OPT_ARCH_BASE,
	OPT_NO_SVE,
	OPT_MTE,
	OPT_NO_MTE,
	OPT_CPU_MODEL,
	OPT_CPU_FEATURE,
	OPT_ID_REG,
	OPT_PMU,
	OPT_IRQCHIP,
};

static const struct option arm64_options[] = {
	{ "sve-vl", required_argument, NULL, OPT_SVE_VL },
	{ "sve-max-vl", required_argument, NULL, OPT_SVE_VL },
	{ "no-sve", no_argument, NULL, OPT_NO_SVE },
	{ "disable-sve", no_argument, NULL, OPT_NO_SVE },
	{ "mte", no_argument, NULL, OPT_MTE },
	{ "no-mte", no_argument, NULL, OPT_NO_MTE },
	{ "disable-mte", no_argument, NULL, OPT_NO_MTE },
	{ "cpu-model", required_argument, NULL, OPT_CPU_MODEL },
	{ "cpu-feature", required_argument, NULL, OPT_CPU_FEATURE },
	{ "id-reg", required_argument, NULL, OPT_ID_REG },
	{ "pmu", no_argument, NULL, OPT_PMU },
	{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
	{ NULL, 0, NULL, 0 },
};

#define usage_error(...) cli_usage_error("run", __VA_ARGS__)

static const struct arch_config arm64_defaults = {
	.sve = FEATURE_AUTO, .mte = FEATURE_AUTO,
};

struct arch_config *arm64_config(struct vm_config *cfg)
{
	if (!cfg->arch) {
		cfg->arch = malloc(sizeof(*cfg->arch));
		if (cfg->arch)
			*cfg->arch = arm64_defaults;
	}
	return cfg->arch;
}

const struct arch_config *arm64_config_get(const struct vm_config *cfg)
{
	return cfg->arch ? cfg->arch : &arm64_defaults;
}

int arm64_parse_sve_vl(const char *opt, const char *arg, unsigned int *vl)
{
	uint64_t v;
	int ret = parse_uint(arg, 0, UINT32_MAX, &v);

	if (ret == -EINVAL)
		return usage_error("%s %s: not a number of bits (e.g. 512)", opt, arg);
	if (!ret && v % 128)
		return usage_error("%s %s: not a multiple of 128 bits", opt, arg);
	if (ret || v < 128 || v > 2048)
		return usage_error("%s %s: out of range; SVE vector lengths are "
				   "128 to 2048 bits", opt, arg);
	*vl = (unsigned int)v;
	return 0;
}

static int arm64_parse(struct vm_config *cfg, int val, const char *arg)
{
	struct arch_config *a = arm64_config(cfg);

	if (!a)
		return -ENOMEM;
	switch (val) {
	case OPT_SVE_VL:
		return arm64_parse_sve_vl("--sve-vl", arg, &a->sve_max_vl);
	case OPT_NO_SVE:
		a->asked.no_sve = true;
		return 0;
	case OPT_MTE:
		a->asked.mte_on = true;
		return 0;
	case OPT_NO_MTE:
		a->asked.mte_off = true;
		return 0;
	case OPT_CPU_MODEL:
		return cpu_opt_add(cfg, CPU_OPT_MODEL, arg);
	case OPT_CPU_FEATURE:
		return cpu_opt_add(cfg, CPU_OPT_FEATURE, arg);
	case OPT_ID_REG:
		return cpu_opt_add(cfg, CPU_OPT_ID_REG, arg);
	case OPT_PMU:
		a->pmu = true;
		return 0;
	case OPT_IRQCHIP:
		if (!strcmp(arg, "gicv3"))
			a->irqchip = ARM64_IRQCHIP_GICV3;
		else if (!strcmp(arg, "gicv3-its"))
			a->irqchip = ARM64_IRQCHIP_GICV3_ITS;
		else if (!strcmp(arg, "gicv2") || !strcmp(arg, "gicv2m"))
			return usage_error("--irqchip %s: kvmini emulates only GICv3 guests "
					   "(gicv3 or gicv3-its)", arg);
		else
			return usage_error("--irqchip %s: unknown; give gicv3 or gicv3-its",
					   arg);
		return 0;
	}
	return -EINVAL;
}

static int arm64_finish(struct vm_config *cfg)
{
	struct arch_config *a = cfg->arch;

	if (!a)
		return 0;	/* no arm64 option given: the defaults */
	if (a->asked.no_sve && a->sve_max_vl)
		return usage_error("--sve-vl %u and --no-sve contradict each other; "
				   "give one", a->sve_max_vl);
	if (a->asked.no_sve)
		a->sve = FEATURE_OFF;
	else if (a->sve_max_vl)
		a->sve = FEATURE_ON;
	if (a->asked.mte_on && a->asked.mte_off)
		return usage_error("--mte and --no-mte contradict each other; give one");
	a->mte = a->asked.mte_on ? FEATURE_ON : a->asked.mte_off ? FEATURE_OFF : FEATURE_AUTO;
	/* Last: a CPU model may turn SVE or MTE off, against the options above. */
	return cpu_opts_finish(cfg);
}

static void arm64_free(struct vm_config *cfg)
{
	cpu_opts_free(cfg);
	free(cfg->arch);
	cfg->arch = NULL;
}

static void arm64_usage(FILE *f)
{
	fprintf(f,
"arm64 options:\n"
"      --sve-vl BITS    largest SVE vector length for the guest (a multiple\n"
"                       of 128 the host supports; alias --sve-max-vl).\n"
"                       Default: SVE on at the host's largest when KVM has it\n"
"      --no-sve         no SVE for the guest (alias --disable-sve)\n"
"      --mte            require the Memory Tagging Extension for the guest\n"
"      --no-mte         no MTE (alias --disable-mte). Default: MTE on when the\n"
"                       host's KVM has it and the guest memory can hold tags\n"
"      --cpu-model FILE the guest's ID registers from a CPU model (see\n"
"                       'kvmini cpu --help'); fields it does not list keep the\n"
"                       host's values. Checked field by field against what\n"
"                       this host's KVM accepts before the VM is created\n"
"      --cpu-feature NAME=on|off[,NAME=on|off...]\n"
"                       a feature by name, over the model: sve sve2 mte pauth\n"
"                       pmu bti lse aes sha2 ... ('kvmini cpu --help' lists all)\n"
"      --id-reg REG.FIELD=VALUE\n"
"                       one ID register field, over the model, e.g.\n"
"                       --id-reg ID_AA64ISAR0_EL1.AES=0\n"
"      --pmu            a PMUv3 for each vCPU (perf in the guest), its\n"
"                       overflow interrupt on PPI 7 (INTID 23)\n"
"      --irqchip gicv3|gicv3-its\n"
"                       the in-kernel GICv3 (default), or with an ITS\n");
}

const struct run_option_group arch_run_options = {
	.options = arm64_options,
	.parse = arm64_parse,
	.finish = arm64_finish,
	.usage = arm64_usage,
	.free = arm64_free,
};
