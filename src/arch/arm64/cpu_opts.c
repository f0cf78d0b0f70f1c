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
		if (o->model_path)
			return cli_usage_error(cmd, "--cpu-model %s: a model is already given "
					       "(--cpu-model %s); give one", arg, o->model_path);
		o->model_path = arg;
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
			return cli_usage_error(o->cmd, "--cpu-model %s", err);
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

/* `kvmini cpu diff` and `intersect`: models only, no KVM. */
static struct cpu_model *load_or_report(const char *cmd, const char *path, int *ret)
{
	char err[CPU_MODEL_ERR_LEN];
	struct cpu_model *m = cpu_model_new();

	*ret = m ? cpu_model_load(m, path, err, sizeof(err)) : -ENOMEM;
	if (!*ret)
		return m;
	if (*ret != -ENOMEM) {
		fprintf(stderr, "kvmini cpu %s: %s\n", cmd, err);
		*ret = 2;
	}
	cpu_model_free(m);
	return NULL;
}

int cpu_cmd_diff(const char *path_a, const char *path_b)
{
	struct cpu_model *a, *b = NULL;
	unsigned int n;
	int ret;

	a = load_or_report("diff", path_a, &ret);
	if (a)
		b = load_or_report("diff", path_b, &ret);
	if (b) {
		n = cpu_model_diff(a, path_a, b, path_b, stdout);
		if (!n)
			printf("%s and %s set the same fields to the same values\n", path_a,
			       path_b);
		else
			printf("%u field%s differ\n", n, n > 1 ? "s" : "");
		ret = n ? 1 : 0;
	}
	cpu_model_free(a);
	cpu_model_free(b);
	return ret;
}

int cpu_cmd_intersect(const char *const *paths, unsigned int n, const char *out_path)
{
	struct cpu_model **in = calloc(n, sizeof(*in)), *out = cpu_model_new();
	char *notes = NULL, *header = NULL;
	size_t notes_len = 0, header_len = 0;
	unsigned int dropped = 0, loaded = 0;
	FILE *nf = NULL, *hf = NULL, *f = stdout;
	int ret = in && out ? 0 : -ENOMEM;

	for (; !ret && loaded < n; loaded++) {
		in[loaded] = load_or_report("intersect", paths[loaded], &ret);
		if (!in[loaded])
			break;
	}
	if (!ret) {
		nf = open_memstream(&notes, &notes_len);
		hf = open_memstream(&header, &header_len);
		ret = nf && hf ? 0 : -ENOMEM;
	}
	if (!ret) {
		dropped = cpu_model_intersect(out, in, paths, n, nf);
		fclose(nf);
		nf = NULL;
		fprintf(hf, "kvmini CPU model: the most capable model every one of these "
			"accepts,\nfield by field under each field's rule:\n");
		for (unsigned int i = 0; i < n; i++)
			fprintf(hf, "  %s\n", paths[i]);
		if (dropped)
			fprintf(hf, "\n%u field%s left out (each host shows its own value):\n%s",
				dropped, dropped > 1 ? "s" : "", notes);
		fclose(hf);
		hf = NULL;
		if (dropped)
			fprintf(stderr, "kvmini cpu intersect: %u field%s left out:\n%s", dropped,
				dropped > 1 ? "s" : "", notes);
		if (out_path && !(f = fopen(out_path, "w"))) {
			fprintf(stderr, "kvmini cpu intersect: -o %s: cannot create: %s\n",
				out_path, strerror(errno));
			ret = 1;
		}
	}
	if (!ret) {
		cpu_model_write(out, header, f);
		if (out_path && fclose(f)) {
			fprintf(stderr, "kvmini cpu intersect: -o %s: cannot write: %s\n",
				out_path, strerror(errno));
			ret = 1;
		}
	}
	if (nf)
		fclose(nf);
	if (hf)
		fclose(hf);
	free(notes);
	free(header);
	for (unsigned int i = 0; i < loaded && in; i++)
		cpu_model_free(in[i]);
	free(in);
	cpu_model_free(out);
	return ret;
}
