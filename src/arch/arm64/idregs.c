// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU models against the host's KVM: what a new vCPU reads (the limits),
 * what KVM lets userspace change (KVM_ARM_GET_REG_WRITABLE_MASKS, Linux
 * 6.7+), the model checked field by field before the VM exists, written
 * with KVM_SET_ONE_REG right after vCPU 0's setup (ID registers are
 * per-VM and fixed at the first KVM_RUN), read back on every vCPU, and
 * compared again after the guest ran. Also `kvmini cpu dump` and `check`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/cpu.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "cpu_model.h"
#include "sve.h"

/* KVM_ARM_FEATURE_ID_RANGE_IDX(3, op1, 0, crm, op2) for op1 = 0. */
#define IDREG_MASK_INDEX(crm, op2) (((crm) & 7) << 3 | (op2))

struct arm64_idregs {
	const struct cpu_model *model;
	struct cpu_model *own;		/* an empty model when none was given */
	struct idreg_host host;
	struct cpu_check check;
};

/* Every register of the table as a new vCPU reads it; absent ones are noted, not errors. */
static int idregs_read(int vcpu_fd, uint64_t val[IDREG_COUNT], bool present[IDREG_COUNT])
{
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		struct kvm_one_reg reg = { .id = idreg_reg_id(d), .addr = (uintptr_t)&val[i] };
		int ret = kvm_ioctl_quiet(vcpu_fd, KVM_GET_ONE_REG, &reg);

		present[i] = !ret;
		if (ret == -ENOENT) {
			val[i] = 0;
			log_debug("cpu", "%s: not known to this host's KVM", d->name);
		} else if (ret) {
			log_err("cpu", "reading %s (KVM_GET_ONE_REG): %s", d->name,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int idregs_masks(int vm_fd, struct idreg_host *h)
{
	uint64_t masks[KVM_ARM_FEATURE_ID_RANGE_SIZE];
	struct reg_mask_range range = {
		.addr = (uintptr_t)masks, .range = KVM_ARM_FEATURE_ID_RANGE,
	};
	int ret = kvm_ioctl(vm_fd, KVM_ARM_GET_REG_WRITABLE_MASKS, &range);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		h->writable[i] = masks[IDREG_MASK_INDEX(d->crm, d->op2)];
		log_debug("cpu", "%-18s = 0x%016" PRIx64 ", writable 0x%016" PRIx64,
			  d->name, h->val[i], h->writable[i]);
	}
	h->masks = true;
	return 0;
}

int arm64_idregs_read_host(int vm_fd, int vcpu_fd, bool masks, struct idreg_host *h)
{
	int ret = idregs_read(vcpu_fd, h->val, h->present);

	return !ret && masks ? idregs_masks(vm_fd, h) : ret;
}

/*
 * The host view: a scratch VM shaped like `a` (its capabilities, vCPU
 * features, SVE vector lengths), one vCPU, read, thrown away.
 */
static int idregs_probe(int kvm_fd, struct arch_vm *a, struct idreg_host *h)
{
	struct arm64_scratch s;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = arm64_scratch_create(kvm_fd, &a->shape, 0, &s);
	if (ret)
		return ret;
	ret = arm64_idregs_read_host(s.vm_fd, s.vcpu_fd, a->host.writable_id_regs, h);
	arm64_scratch_destroy(&s);
	h->on[CPU_LINK_SVE] = a->shape.sve;
	h->on[CPU_LINK_MTE] = a->shape.mte;
	h->on[CPU_LINK_PTRAUTH] = a->shape.ptrauth;
	h->avail[CPU_LINK_SVE] = a->host.sve;
	h->avail[CPU_LINK_MTE] = a->host.mte;
	h->avail[CPU_LINK_PTRAUTH] = a->host.ptrauth;
	/* kvmini gives guests no PMU yet: KVM_ARM_VCPU_PMU_V3 is never set. */
	h->avail[CPU_LINK_PMU] = false;
	h->dflt[CPU_LINK_SVE] = true;
	h->dflt[CPU_LINK_MTE] = true;
	return ret;
}

static const char *mask_note(const struct idreg_host *h)
{
	return h->masks ? "" : "; this kernel reports no writable ID register fields "
		"(no KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES: Linux before 6.7), so no field "
		"can differ from the host's except through vCPU features";
}

/*
 * A snapshot's ID registers as a CPU model that sets every bit of each:
 * the checker then judges each field against this host's limits by its
 * rule, before any VM exists, and names what would be refused.
 */
int arm64_idregs_check_saved(struct vm *vm, const uint64_t *ids, const uint64_t *vals,
			     unsigned int n, const char *origin)
{
	struct cpu_model *m = cpu_model_new();
	struct idreg_host host;
	struct cpu_check check = { 0 };
	char line[2 * CPU_MODEL_MAX_LINE];
	int ret;

	if (!m)
		return -ENOMEM;
	ret = model_origin_add(&m->origins, origin);
	if (ret < 0) {
		cpu_model_free(m);
		return ret;
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct idreg_desc *d = NULL;

		for (unsigned int k = 0; k < IDREG_COUNT && !d; k++)
			if (idreg_reg_id(&idreg_table()[k]) == ids[i])
				d = &idreg_table()[k];
		if (!d)
			continue;
		m->regs[idreg_index(d)].mask = ~0ULL;
		m->regs[idreg_index(d)].val = vals[i];
	}
	cpu_model_derive_links(m);
	ret = idregs_probe(vm->kvm_fd, vm->arch, &host);
	if (!ret)
		ret = cpu_model_check(m, &host, &check);
	if (ret > 0) {
		for (unsigned int i = 0; i < check.nr_items; i++) {
			if (check.items[i].verdict != CPU_REFUSED)
				continue;
			cpu_check_item_format(m, &check.items[i], line, sizeof(line));
			log_err("snapshot", "%s%s", line, mask_note(&host));
		}
		log_err("snapshot", "%s: the vCPUs' ID registers have %d field%s this host's KVM "
			"would refuse", origin, ret, ret > 1 ? "s" : "");
		ret = -EINVAL;
	}
	cpu_check_free(&check);
	cpu_model_free(m);
	return ret;
}

/* Pointer authentication: off unless a model asks (then both algorithms, as KVM requires). */
static int idregs_choose_ptrauth(struct arch_vm *a, const struct cpu_model *m)
{
	if (m->link[CPU_LINK_PTRAUTH] != FEATURE_ON)
		return 0;
	if (!a->host.ptrauth) {
		log_info("cpu", "this host's KVM offers no pointer authentication "
			 "(KVM_CAP_ARM_PTRAUTH_ADDRESS/GENERIC); the model's fields for it "
			 "are checked against zero");
		return 0;
	}
	a->shape.ptrauth = true;
	return 0;
}

int arm64_choose_cpu_model(struct vm *vm)
{
	const struct arch_config *cfg = arm64_config_get(vm->cfg);
	const struct cpu_model *m = cfg->cpu ? cfg->cpu->model : NULL;
	struct arch_vm *a = vm->arch;
	struct arm64_idregs *r;
	char line[2 * CPU_MODEL_MAX_LINE];
	int ret;

	if (!m && !cfg->verify_idregs)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	a->idregs = r;
	if (!m) {	/* verify_idregs alone: the host's values are the model */
		r->own = cpu_model_new();
		if (!r->own)
			return -ENOMEM;
		cpu_model_derive_links(r->own);
		m = r->own;
	}
	r->model = m;
	if (m->link[CPU_LINK_PMU] == FEATURE_ON)
		log_debug("cpu", "the model asks for a PMU; kvmini gives guests none");
	ret = idregs_choose_ptrauth(a, m);
	if (ret)
		return ret;
	ret = idregs_probe(vm->kvm_fd, a, &r->host);
	if (ret)
		return ret;
	ret = cpu_model_check(m, &r->host, &r->check);
	if (ret < 0)
		return ret;
	/* Every refusal, before anything exists; nothing is written. */
	for (unsigned int i = 0; i < r->check.nr_items; i++) {
		const struct cpu_check_item *it = &r->check.items[i];

		cpu_check_item_format(m, it, line, sizeof(line));
		if (it->verdict == CPU_REFUSED)
			log_err("cpu", "%s%s", line, mask_note(&r->host));
		else if (it->verdict == CPU_UNKNOWN)
			log_warn("cpu", "%s", line);
		else
			log_debug("cpu", "%s", line);
	}
	if (r->check.count[CPU_REFUSED]) {
		log_err("cpu", "the CPU model asks for %u field%s this host's KVM would "
			"refuse; nothing was created ('kvmini cpu check' lists every field)",
			r->check.count[CPU_REFUSED], r->check.count[CPU_REFUSED] > 1 ? "s" : "");
		return -EINVAL;
	}
	log_info("cpu", "CPU model: %u fields lowered (%u through vCPU features or VM "
		 "capabilities), %u as the host has them",
		 r->check.count[CPU_LOWERED] + r->check.count[CPU_LINKED],
		 r->check.count[CPU_LINKED], r->check.count[CPU_OK]);
	return 0;
}

/* Compare every register of one vCPU with the model's values; log each difference. */
static int idregs_compare(const struct arm64_idregs *r, int vcpu_fd, unsigned int id,
			  const char *when)
{
	uint64_t val[IDREG_COUNT];
	bool present[IDREG_COUNT];
	unsigned int bad = 0;
	int ret = idregs_read(vcpu_fd, val, present);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		uint64_t diff = (val[i] ^ r->check.target[i]);

		if (!r->host.present[i] || !diff)
			continue;
		bad++;
		for (unsigned int k = 0; k <= d->nr_fields; k++) {
			const struct idreg_field *f = k < d->nr_fields ? &d->fields[k] : NULL;
			uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);

			if (!(diff & fm))
				continue;
			log_err("cpu", "vCPU %u %s: %s.%s reads 0x%" PRIx64 ", the CPU model "
				"applied 0x%" PRIx64, id, when, d->name, f ? f->name : "unknown",
				f ? idreg_field_get(f, val[i]) : val[i] & fm,
				f ? idreg_field_get(f, r->check.target[i]) :
				r->check.target[i] & fm);
		}
	}
	return bad ? -EIO : 0;
}

int arm64_idregs_apply(struct vcpu *vcpu)
{
	const struct arm64_idregs *r = vcpu->vm->arch->idregs;
	char buf[2 * CPU_MODEL_MAX_LINE];

	if (!r)
		return 0;
	/* Per VM: written once, through vCPU 0, before any vCPU has run. */
	for (unsigned int i = 0; i < IDREG_COUNT && vcpu->id == 0; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		uint64_t cur;
		int ret;

		if (!r->check.write[i])
			continue;
		ret = kvm_get_one_reg(vcpu->fd, idreg_reg_id(d), &cur);
		if (!ret && cur == r->check.target[i])
			continue;
		if (!ret)
			ret = kvm_set_one_reg(vcpu->fd, idreg_reg_id(d), &r->check.target[i]);
		if (ret) {
			/* The check said KVM would accept it: this is KVM disagreeing. */
			buf[0] = 0;
			for (unsigned int k = 0; k < r->check.nr_items; k++)
				if (r->check.items[k].reg == d && !buf[0])
					cpu_check_item_format(r->model, &r->check.items[k], buf,
							      sizeof(buf));
			log_err("cpu", "KVM refused %s = 0x%016" PRIx64 " (%s) though the "
				"field rules allow it; first change: %s", d->name,
				r->check.target[i], strerror(-ret), buf);
			return ret;
		}
		log_debug("cpu", "%s = 0x%016" PRIx64 " (host 0x%016" PRIx64 ")", d->name,
			  r->check.target[i], r->host.val[i]);
	}
	return idregs_compare(r, vcpu->fd, vcpu->id, "after the model was written");
}

void arm64_idregs_flip_expected(struct vm *vm, const char *reg, unsigned int bit)
{
	struct arm64_idregs *r = vm->arch ? vm->arch->idregs : NULL;
	const struct idreg_desc *d = idreg_by_name(reg);

	if (!r || !d)
		return;
	r->check.target[idreg_index(d)] ^= 1ULL << bit;
	log_info("cpu", "--inject-fault: the %s kvmini expects now has bit %u flipped; "
		 "the compare must fail", reg, bit);
}

int arch_vm_after_run(struct vm *vm)
{
	struct arm64_idregs *r = vm->arch ? vm->arch->idregs : NULL;
	int ret = 0;

	if (!r)
		return 0;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		ret = idregs_compare(r, vm->vcpus[i]->fd, i, "after the run") ?: ret;
	if (!ret)
		log_info("cpu", "CPU model: the ID registers of %u vCPU%s read back as "
			 "applied after the run", vm->nr_vcpus, vm->nr_vcpus > 1 ? "s" : "");
	return ret;
}

/* Guests choose when and how often to ask: their reports are rate-limited. */
static struct ratelimit guest_check_rl;

int arm64_idregs_compare_image(struct vcpu *vcpu, const uint8_t *p)
{
	const struct arm64_idregs *r = vcpu->vm->arch->idregs;
	uint64_t kvm[IDREG_COUNT];
	bool present[IDREG_COUNT];
	unsigned int bad = 0;
	int ret;

	ret = idregs_read(vcpu->fd, kvm, present);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		uint64_t want = r ? r->check.target[i] : kvm[i], seen = 0;

		if (!present[i])
			continue;
		for (unsigned int b = 0; b < 8; b++)	/* little-endian, any host */
			seen |= (uint64_t)p[(d->crm * 8 + d->op2) * 8 + b] << (8 * b);
		if (seen == want)
			continue;
		bad++;
		log_ratelimited(&guest_check_rl, LOG_ERR, "cpu", "vCPU %u: the guest reads "
				"%s = 0x%016" PRIx64 ", %s 0x%016" PRIx64, vcpu->id, d->name,
				seen, r ? "the CPU model set" : "KVM_GET_ONE_REG says", want);
	}
	return bad ? -EIO : 0;
}

void arm64_idregs_free(struct arch_vm *a)
{
	if (!a->idregs)
		return;
	cpu_check_free(&a->idregs->check);
	cpu_model_free(a->idregs->own);
	free(a->idregs);
	a->idregs = NULL;
}

/*
 * `kvmini cpu`: the vCPU kvmini would give a guest by default: SVE at the
 * host's largest vector length, MTE when the host has it, no pointer
 * authentication and no PMU (kvmini enables them only when a model asks).
 */
static int idregs_default_vcpu(int kvm_fd, struct arch_vm *a, const struct cpu_model *m)
{
	int ret = arm64_host_probe(kvm_fd, &a->host);

	if (ret)
		return ret;
	a->shape.sve = a->host.sve;
	if (m && m->link[CPU_LINK_SVE] == FEATURE_OFF)
		a->shape.sve = false;
	if (a->shape.sve) {
		memcpy(a->shape.sve_vls, a->host.sve_vls, sizeof(a->shape.sve_vls));
		a->sve_max_vl = sve_vls_max_vq(a->shape.sve_vls) * 128;
	}
	a->shape.mte = a->host.mte && !(m && m->link[CPU_LINK_MTE] == FEATURE_OFF);
	if (m)
		ret = idregs_choose_ptrauth(a, m);
	return ret;
}

static void host_header(const struct arch_vm *a, const struct idreg_host *h,
			const struct cpu_model *m, char *buf, size_t len)
{
	struct utsname u;
	char vls[256];
	size_t n;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	sve_vls_format(a->shape.sve_vls, vls, sizeof(vls));
	n = (size_t)snprintf(buf, len,
		 "kvmini CPU model: the ID registers a kvmini guest sees on this host.\n"
		 "One field per line, REGISTER.FIELD = VALUE (decimal, 0x hex or 0b binary);\n"
		 "a field left out keeps the host's value. Check it on another host with\n"
		 "'kvmini cpu check FILE'; run with 'kvmini run --cpu-model FILE'.\n"
		 "\n"
		 "host: Linux %s %s, MIDR_EL1 0x%08" PRIx64 "\n"
		 "vCPU: SVE %s%s, MTE %s, pointer authentication %s, PMU off\n"
		 "writable fields: %s",
		 u.release, u.machine, h->val[0], a->shape.sve ? "up to " : "off",
		 a->shape.sve ? vls : "", a->shape.mte ? "on" : "off",
		 a->shape.ptrauth ? "on" : "off",
		 h->masks ? "reported by KVM_ARM_GET_REG_WRITABLE_MASKS" :
		 "none reported (Linux before 6.7)");
	for (unsigned int i = 0; m && i < m->origins.n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "\nwith: ",
				      m->origins.name[i]);
}

/* A model's check on this host, for `kvmini cpu dump` and `check`. */
static int idregs_check_here(int kvm_fd, const struct cpu_model *m, struct arch_vm *a,
			     struct idreg_host *h, struct cpu_check *c)
{
	int ret = idregs_default_vcpu(kvm_fd, a, m);

	if (!ret)
		ret = idregs_probe(kvm_fd, a, h);
	if (ret)
		return ret;
	if (m)
		return cpu_model_check(m, h, c);
	memcpy(c->target, h->val, sizeof(c->target));
	return 0;
}

int cpu_cmd_dump(int kvm_fd, const struct vm_config *cfg, const char *out_path)
{
	const struct cpu_opts *o = arm64_config_get(cfg)->cpu;
	const struct cpu_model *m = o ? o->model : NULL;
	struct arch_vm a = { .gic_fd = -1 };
	struct cpu_check c = { 0 };
	char header[4096], line[2 * CPU_MODEL_MAX_LINE];
	struct idreg_host h, view;
	struct cpu_output out;
	int ret = idregs_check_here(kvm_fd, m, &a, &h, &c);

	if (ret < 0)
		return ret;
	if (ret) {
		for (unsigned int i = 0; i < c.nr_items; i++) {
			if (c.items[i].verdict != CPU_REFUSED)
				continue;
			cpu_check_item_format(m, &c.items[i], line, sizeof(line));
			log_err("cpu", "%s", line);
		}
		cpu_check_free(&c);
		return 1;
	}
	/* What the guest would read: the host's values with the model's changes. */
	view = h;
	memcpy(view.val, c.target, sizeof(view.val));
	cpu_check_free(&c);
	if (cpu_output_open(&out, out_path))
		return 1;
	host_header(&a, &h, m, header, sizeof(header));
	cpu_model_dump(&view, header, out.f);
	return cpu_output_close(&out);
}

int cpu_cmd_check(int kvm_fd, const struct vm_config *cfg, bool verbose)
{
	const struct cpu_opts *o = arm64_config_get(cfg)->cpu;
	const struct cpu_model *m = o ? o->model : NULL;
	struct arch_vm a = { .gic_fd = -1 };
	struct cpu_check c = { 0 };
	char vls[256];
	struct idreg_host h;
	int ret;

	if (!m)
		return -EINVAL;
	ret = idregs_check_here(kvm_fd, m, &a, &h, &c);
	if (ret < 0)
		return ret;
	sve_vls_format(a.shape.sve_vls, vls, sizeof(vls));
	printf("%s against this host (vCPU: SVE %s%s, MTE %s, pointer authentication %s; "
	       "writable fields %s)\n", o->model_path ? o->model_path :
	       "the options", a.shape.sve ? "up to " : "off", a.shape.sve ? vls : "",
	       a.shape.mte ? "on" : "off", a.shape.ptrauth ? "on" : "off",
	       h.masks ? "reported by KVM" : "not reported: Linux before 6.7");
	cpu_check_print(m, &h, &c, verbose, stdout);
	ret = c.count[CPU_REFUSED] ? 1 : 0;
	cpu_check_free(&c);
	return ret;
}
