// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run --cpu-model/--cpu-feature/--id-reg`: the options into a
 * model (syntax only; the host is asked when the VM is checked), and the
 * features KVM gives through vCPU features or VM capabilities into the
 * configuration, so SVE and MTE are decided in one place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>

#include "config.h"
#include "cpu_model.h"

int cpu_opt_add_cmd(struct vm_config *cfg, const char *cmd, enum cpu_opt_kind kind,
		    const char *arg)
{
	struct arch_config *a = arm64_config(cfg);
	char err[CPU_MODEL_ERR_LEN];
	struct cpu_opts *o = a ? a->cpu : NULL;
	int ret = 0;

	if (!a)
		return -ENOMEM;
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (o)
			o->cli = cpu_model_new();
		if (!o || !o->cli) {
			free(o);
			return -ENOMEM;
		}
		o->cmd = cmd;
		a->cpu = o;
	}
	switch (kind) {
	case CPU_OPT_MODEL:
	case CPU_OPT_MODEL_ARG:
		if (o->model_path)
			return cli_usage_error(cmd, "%s%s: a model is already given (%s%s); "
					       "give one", cpu_opt_model_label(kind), arg,
					       o->model_label, o->model_path);
		o->model_path = arg;
		o->model_label = cpu_opt_model_label(kind);
		return 0;
	case CPU_OPT_FEATURE:
		ret = cpu_model_add_feature(o->cli, arg, err, sizeof(err));
		break;
	case CPU_OPT_ID_REG:
		ret = cpu_model_add_id_reg(o->cli, arg, err, sizeof(err));
		break;
	}
	if (ret == -ENOMEM)
		return ret;
	return ret ? cli_usage_error(cmd, "%s", err) : 0;
}

/* "ID_AA64PFR0_EL1.SVE = 0 (model.txt:4)": where the model decides a feature. */
static void link_source(const struct cpu_model *m, enum cpu_feature_link l, char *buf,
			size_t len)
{
	const struct idreg_desc *d = m->link_reg[l];
	const struct idreg_field *f = m->link_field[l];
	const struct cpu_model_reg *r = &m->regs[idreg_index(d)];
	char where[CPU_MODEL_MAX_LINE];

	cpu_model_src_format(m, &r->src[f->shift], where, sizeof(where));
	if (!r->src[f->shift].line)	/* an option says it plainly */
		snprintf(buf, len, "%s", where);
	else
		snprintf(buf, len, "%s.%s = %llu (%s)", d->name, f->name,
			 (unsigned long long)idreg_field_get(f, r->val), where);
}

/* A feature the model decides against what --no-X / --X asked. */
static int link_to_config(const char *cmd, const struct cpu_model *m, enum cpu_feature_link l,
			  enum feature_choice *choice, const char *opt_on, const char *opt_off)
{
	char src[2 * CPU_MODEL_MAX_LINE];

	if (m->link[l] == FEATURE_AUTO)
		return 0;
	link_source(m, l, src, sizeof(src));
	if (m->link[l] == FEATURE_OFF && *choice == FEATURE_ON)
		return cli_usage_error(cmd, "%s turns %s off, but %s asks for it; give one",
				       src, cpu_link_name(l), opt_on);
	if (m->link[l] == FEATURE_ON && *choice == FEATURE_OFF)
		return cli_usage_error(cmd, "%s needs %s, but %s turns it off; give one",
				       src, cpu_link_name(l), opt_off);
	/* On: left to the host check, which says what the host lacks. */
	if (m->link[l] == FEATURE_OFF)
		*choice = FEATURE_OFF;
	return 0;
}

int cpu_opts_finish(struct vm_config *cfg)
{
	struct arch_config *a = cfg->arch;
	struct cpu_opts *o = a ? a->cpu : NULL;
	char err[CPU_MODEL_ERR_LEN], vl[64];
	struct cpu_model *m;
	int ret;

	if (!o)
		return 0;
	m = cpu_model_new();
	if (!m)
		return -ENOMEM;
	o->model = m;
	if (o->model_path) {
		ret = cpu_model_load(m, o->model_path, err, sizeof(err));
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return cli_usage_error(o->cmd, "%s%s", o->model_label, err);
	}
	ret = cpu_model_merge(m, o->cli, err, sizeof(err));
	if (ret)
		return ret == -ENOMEM ? ret : cli_usage_error(o->cmd, "%s", err);
	cpu_model_derive_links(m);
	snprintf(vl, sizeof(vl), "--sve-vl %u", a->sve_max_vl);
	ret = link_to_config(o->cmd, m, CPU_LINK_SVE, &a->sve, vl, "--no-sve");
	if (!ret)
		ret = link_to_config(o->cmd, m, CPU_LINK_MTE, &a->mte, "--mte", "--no-mte");
	return ret;
}

void cpu_opts_free(struct vm_config *cfg)
{
	struct cpu_opts *o = cfg->arch ? cfg->arch->cpu : NULL;

	if (!o)
		return;
	cpu_model_free(o->cli);
	cpu_model_free(o->model);
	free(o);
	cfg->arch->cpu = NULL;
}

const char *cpu_feature_list(void)
{
	static char names[512];

	if (!names[0])
		cpu_feature_names(names, sizeof(names));
	return names;
}

/* The model-file operations of `kvmini cpu diff` and `intersect`. */
CPU_MODEL_FILES(struct cpu_model, cpu_model);

void cpu_usage_arch(FILE *f)
{
	fprintf(f,
"CPU models: the guest's ID registers (op0=3, op1=0, CRn=0, CRm=0..7), field\n"
"by field, checked against what this host's KVM accepts before a VM exists.\n"
"\n"
"  dump       this host's guest-visible ID registers as a model (SVE at the\n"
"             largest vector length, MTE if the host has it, no pointer\n"
"             authentication, no PMU: kvmini's default vCPU); with model\n"
"             options, what a guest run with them would see\n"
"  check      each field of MODEL against this host: ok, lowered (KVM will\n"
"             accept it, within the field's rule or through a vCPU feature),\n"
"             refused (with the rule and this host's limit), or unknown (bits\n"
"             no field covers); exit 1 if any field is refused\n"
"  diff       the fields whose values differ; exit 1 if any\n"
"  intersect  the most capable model every input accepts, field by field:\n"
"             the lower value for LOWER_SAFE fields (signed ones compared as\n"
"             signed: 0xf is -1), the higher for HIGHER_SAFE, the safe value\n"
"             for EXACT; fields KVM cannot change (FIXED) that differ are\n"
"             left out, and said so\n"
"\n"
"Model files: one field per line, REGISTER.FIELD = VALUE, with the Arm ARM's\n"
"names (ID_AA64ISAR0_EL1.AES = 0); values in decimal, 0x hex, 0b binary, or\n"
"negative for signed fields (ID_AA64MMFR0_EL1.TGRAN4 = -1); REGISTER.unknown\n"
"gives the bits no field covers, in place. '#' starts a comment. A field a\n"
"model leaves out keeps the host's value.\n"
"\n"
"kvmini run takes a model with --cpu-model FILE, single fields with --id-reg\n"
"REG.FIELD=VALUE, and features by name with --cpu-feature NAME=on|off:\n"
"  %s\n"
"sve, mte and pauth are given through KVM's vCPU features and VM capability\n"
"(sve=off is --no-sve, mte=off is --no-mte); pmu=on is refused (kvmini gives\n"
"guests no PMU).\n", cpu_feature_list());
}
