// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU models against the host's KVM on x86_64: KVM_GET_SUPPORTED_CPUID
 * (with what kvmini adds: TSC-deadline) is the host; a model is checked
 * against it field by field before the VM exists, and what passes becomes
 * the CPUID table every vCPU is given. Also `kvmini cpu dump` and `check`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <kvmini/cpu.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>

#include "config.h"
#include "cpuid_model.h"
#include "x86_64.h"

static int leaves_from_kvm(const struct kvm_cpuid2 *t, struct x86_leaves *l)
{
	l->e = calloc(t->nent ? t->nent : 1, sizeof(*l->e));
	if (!l->e)
		return -ENOMEM;
	l->n = t->nent;
	for (uint32_t i = 0; i < t->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &t->entries[i];

		l->e[i] = (struct x86_leaf){
			.function = e->function, .index = e->index,
			.indexed = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.r = { e->eax, e->ebx, e->ecx, e->edx },
		};
	}
	return 0;
}

/* Back into KVM's table, in place: a model only changes and drops leaves. */
static void leaves_to_kvm(const struct x86_leaves *l, struct kvm_cpuid2 *t)
{
	for (unsigned int i = 0; i < l->n; i++) {
		const struct x86_leaf *e = &l->e[i];

		t->entries[i] = (struct kvm_cpuid_entry2){
			.function = e->function, .index = e->index,
			.flags = e->indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
			.eax = e->r[X86_EAX], .ebx = e->r[X86_EBX],
			.ecx = e->r[X86_ECX], .edx = e->r[X86_EDX],
		};
	}
	t->nent = l->n;
}

/* Every refused field as an error line. */
static void log_refusals(const struct x86_model *m, const struct x86_check *c)
{
	char line[2 * MODEL_TEXT_MAX_LINE];

	for (unsigned int i = 0; i < c->nr_items; i++) {
		if (c->items[i].verdict != X86_REFUSED)
			continue;
		x86_check_item_format(m, &c->items[i], line, sizeof(line));
		log_err("cpu", "%s", line);
	}
}

int x86_cpu_model_apply(const struct x86_model *m, struct x86_host *host,
			struct x86_cpuid *cpuid)
{
	struct x86_leaves l;
	struct x86_check c;
	int ret;

	if (!m)
		return 0;
	ret = leaves_from_kvm(cpuid->table, &l);
	if (ret)
		return ret;
	ret = x86_model_check(m, &l, &c);
	if (ret > 0) {
		log_refusals(m, &c);
		log_err("cpu", "this host's KVM cannot give the CPU model: %d field%s refused "
			"(kvmini cpu check says more)", ret, ret > 1 ? "s" : "");
		ret = -EINVAL;
	} else if (!ret) {
		ret = x86_model_apply(&c, &l);
	}
	if (!ret) {
		leaves_to_kvm(&l, cpuid->table);
		/* The vCPUs' XSAVE and XCR0 are now the model's: boot and state follow them. */
		x86_host_xsave_follow(host, cpuid);
		log_debug("cpu", "CPU model applied: %u leaves, %u fields lowered, %u changed, "
			  "%u taken away", l.n, c.count[X86_LOWERED], c.count[X86_CHANGED],
			  c.count[X86_DERIVED]);
	}
	x86_check_free(&c);	/* x86_model_check() set it up, even when it failed */
	free(l.e);
	return ret;
}

/* The host's table as a guest gets it without a model, as leaves (dump and check). */
static int host_leaves(int kvm_fd, const struct x86_model *m, struct x86_leaves *l)
{
	struct x86_host host = { 0 };
	struct x86_cpuid cpuid = { 0 };
	int ret = x86_host_probe(kvm_fd, &host, &cpuid, !m || x86_model_wants_amx(m));

	if (ret)
		return ret;
	if (host.tsc_deadline)
		x86_cpuid_add_tsc_deadline(&cpuid);
	ret = leaves_from_kvm(cpuid.table, l);
	x86_cpuid_free(&cpuid);
	return ret;
}

static void model_header(const struct x86_model *m, char *buf, size_t len)
{
	struct utsname u;
	size_t n;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	n = (size_t)snprintf(buf, len,
		 "kvmini CPU model: the CPUID a kvmini guest sees on this host.\n"
		 "One field per line, NAME = VALUE; features by Linux's names.\n"
		 "A field left out keeps the host's value. Check it on another host with\n"
		 "'kvmini cpu check FILE'; run with 'kvmini run --cpu-model FILE'.\n"
		 "\n"
		 "host: Linux %s %s, KVM_GET_SUPPORTED_CPUID", u.release, u.machine);
	for (unsigned int i = 0; m && i < m->origins.n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "\nwith: ",
				      m->origins.name[i]);
}

int cpu_cmd_dump(int kvm_fd, const struct vm_config *cfg, const char *out_path)
{
	const struct x86_model *m = x86_config_model(cfg);
	struct x86_leaves l = { 0 };
	struct x86_check c = { 0 };
	char header[2048];
	struct cpu_output o;
	int ret = host_leaves(kvm_fd, m, &l);

	if (!ret && m) {
		ret = x86_model_check(m, &l, &c);
		if (ret > 0)
			log_refusals(m, &c);
		else if (!ret)
			ret = x86_model_apply(&c, &l);
		x86_check_free(&c);
		if (ret > 0)
			ret = 1;
	}
	if (!ret)
		ret = cpu_output_open(&o, out_path);
	if (!ret) {
		model_header(m, header, sizeof(header));
		x86_model_dump(&l, header, o.f);
		ret = cpu_output_close(&o);
	}
	free(l.e);
	return ret;
}

int cpu_cmd_check(int kvm_fd, const struct vm_config *cfg, bool verbose)
{
	const struct x86_cpu_opts *o = cfg->arch ? cfg->arch->cpu : NULL;
	const struct x86_model *m = x86_config_model(cfg);
	struct x86_leaves l = { 0 };
	struct x86_check c = { 0 };
	int ret;

	if (!m)
		return -EINVAL;
	ret = host_leaves(kvm_fd, m, &l);
	if (!ret)
		ret = x86_model_check(m, &l, &c);
	if (ret >= 0) {
		printf("%s against this host's KVM_GET_SUPPORTED_CPUID\n",
		       o->model_path ? o->model_path : "the options");
		x86_check_print(m, &c, verbose, stdout);
		ret = ret ? 1 : 0;
		x86_check_free(&c);
	}
	free(l.e);
	return ret;
}

/* The model-file operations of `kvmini cpu diff` and `intersect`. */
CPU_MODEL_FILES(struct x86_model, x86_model);

void cpu_usage_arch(FILE *f)
{
	fprintf(f,
"CPU models on x86_64: the guest's CPUID, field by field, checked against\n"
"KVM_GET_SUPPORTED_CPUID before a VM exists.\n"
"\n"
"  dump       this host's CPUID as KVM offers it to guests (AMX included when\n"
"             the kernel grants the guest permission), as a model; with model\n"
"             options, what a guest run with them would see\n"
"  check      each field of MODEL against this host: ok, lowered, changed (a\n"
"             field that takes any value), taken away (it needs a field the\n"
"             model takes away: avx=off takes avx2, fma, ... and YMM out of\n"
"             XCR0), or REFUSED (with the reason); exit 1 if any is refused\n"
"  diff       the fields whose values differ; exit 1 if any\n"
"  intersect  the most capable model every input accepts: features on only\n"
"             where all have them, the least max-leaf and phys-bits, the common\n"
"             XCR0 bits; vendor, family, model and stepping that differ are\n"
"             left out (each host keeps its own), and said so\n"
"\n"
"Model files: one field per line, NAME = VALUE; '#' starts a comment. A field\n"
"a model leaves out keeps the host's value, unless a field the model sets\n"
"takes it away. The XSAVE leaf (0xd) always follows XCR0.\n"
"  vendor = AuthenticAMD      the host's only (KVM emulates as its vendor does)\n"
"  family, model, stepping    any value (what the guest is told)\n"
"  max-leaf, max-ext-leaf     at most the host's; leaves above are dropped\n"
"  phys-bits                  at most the host's, at least 32\n"
"  xcr0 = 0x7                 within the host's; x87 and SSE always; bits\n"
"                             3-4, 5-7 and 17-18 go together\n"
"  FEATURE = on|off           on only if the host has it and what it needs is on\n"
"  cpuid.7.0.ebx.unknown = 0  bits no name covers, in place (also for leaf 1\n"
"                             ECX/EDX, 7.0 ECX/EDX, 7.1 EAX, d.1 EAX,\n"
"                             80000001 ECX/EDX, 80000008 EBX)\n"
"Values in decimal, 0x hex or 0b binary.\n"
"\n"
"kvmini run takes a model with --cpu-model FILE and single fields with\n"
"--cpu-feature NAME=VALUE[,...]. Features (Linux's names: /proc/cpuinfo's, or\n"
"its X86_FEATURE_ name in lower case where /proc/cpuinfo shows none):\n"
"  %s\n", cpu_feature_list());
}
