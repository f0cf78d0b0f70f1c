// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kvmini run --cpu-model/--cpu-feature` on x86_64: the options into a
 * CPU model (syntax only; the host is asked when the VM is made, before
 * it exists), and the model-file operations of `kvmini cpu`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>

#include "config.h"
#include "cpuid_model.h"

int cpu_opt_add_cmd(struct vm_config *cfg, const char *cmd, enum cpu_opt_kind kind,
		    const char *arg)
{
	char err[MODEL_TEXT_ERR_LEN];
	struct x86_cpu_opts *o;
	int ret;

	if (kind == CPU_OPT_ID_REG)
		return cli_usage_error(cmd, "--id-reg %s: ID registers are arm64's; on x86_64 "
				       "give CPUID fields by name with --cpu-feature NAME=VALUE "
				       "or in a --cpu-model file (kvmini cpu --help)", arg);
	if (!cfg->arch) {
		cfg->arch = calloc(1, sizeof(*cfg->arch));
		if (!cfg->arch)
			return -ENOMEM;
	}
	o = cfg->arch->cpu;
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (o)
			o->cli = x86_model_new();
		if (!o || !o->cli) {
			free(o);
			return -ENOMEM;
		}
		o->cmd = cmd;
		cfg->arch->cpu = o;
	}
	if (kind == CPU_OPT_MODEL || kind == CPU_OPT_MODEL_ARG) {
		if (o->model_path)
			return cli_usage_error(cmd, "%s%s: a model is already given (%s%s); "
					       "give one", cpu_opt_model_label(kind), arg,
					       o->model_label, o->model_path);
		o->model_path = arg;
		o->model_label = cpu_opt_model_label(kind);
		return 0;
	}
	ret = x86_model_add_option(o->cli, arg, err, sizeof(err));
	if (ret == -ENOMEM)
		return ret;
	return ret ? cli_usage_error(cmd, "%s", err) : 0;
}

int cpu_opts_finish(struct vm_config *cfg)
{
	struct x86_cpu_opts *o = cfg->arch ? cfg->arch->cpu : NULL;
	char err[MODEL_TEXT_ERR_LEN];
	int ret;

	if (!o)
		return 0;
	o->model = x86_model_new();
	if (!o->model)
		return -ENOMEM;
	if (o->model_path) {
		ret = x86_model_load(o->model, o->model_path, err, sizeof(err));
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return cli_usage_error(o->cmd, "%s%s", o->model_label, err);
	}
	ret = x86_model_merge(o->model, o->cli);
	if (ret == -ENOSPC)
		return cli_usage_error(o->cmd, "more than %d model files and options",
				       MODEL_TEXT_MAX_ORIGINS);
	return ret;
}

void cpu_opts_free(struct vm_config *cfg)
{
	struct x86_cpu_opts *o = cfg->arch ? cfg->arch->cpu : NULL;

	if (!o)
		return;
	x86_model_free(o->cli);
	x86_model_free(o->model);
	free(o);
	cfg->arch->cpu = NULL;
}

const struct x86_model *x86_config_model(const struct vm_config *cfg)
{
	return cfg->arch && cfg->arch->cpu ? cfg->arch->cpu->model : NULL;
}

const char *cpu_feature_list(void)
{
	static char names[4096];
	size_t n = 0;

	if (names[0])
		return names;
	for (unsigned int i = 0; i < x86_nr_fields && n + 32 < sizeof(names); i++)
		if (x86_fields[i].rule == X86_RULE_FEATURE)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
					      n ? " " : "", x86_fields[i].name);
	return names;
}
