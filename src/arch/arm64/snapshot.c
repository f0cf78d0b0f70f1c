// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 part of a snapshot: what makes the vCPUs what they are (the
 * machine section, checked against the host before any VM exists), every
 * vCPU's complete register state (all of KVM_GET_REG_LIST: SVE slices, ID
 * registers, timers and the counter) and power state, the GICv3, and the
 * MTE tags of guest RAM.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/log.h>
#include <kvmini/mem.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "regid.h"
#include "regs.h"
#include "sve.h"

enum arm64_snapshot_section {
	ARM64_SEC_MACHINE = SNAP_SEC_ARCH,
	ARM64_SEC_VCPU,		/* index: the vCPU */
	ARM64_SEC_GIC,
	ARM64_SEC_MTE_TAGS,	/* index: the RAM region */
	ARM64_SEC_ITS,		/* --irqchip gicv3-its: its registers (its tables are in RAM) */
};

/* MTE: one tag byte per 16-byte granule (KVM_ARM_MTE_COPY_TAGS). */
#define ARM64_MTE_GRANULE 16

static int arm64_save_machine(struct vm *vm, struct snapfile_writer *w)
{
	const struct arch_vm *a = vm->arch;
	struct state_buf s;

	state_init(&s);
	state_put_u64(&s, a->shape.vm_type);
	state_put_u8(&s, a->shape.sve);
	for (unsigned int i = 0; i < ARRAY_SIZE(a->shape.sve_vls); i++)
		state_put_u64(&s, a->shape.sve_vls[i]);
	state_put_u8(&s, a->shape.mte);
	state_put_u8(&s, a->shape.ptrauth);
	state_put_u8(&s, a->shape.pmu);
	state_put_u64(&s, arm64_cntfrq());
	state_put_u32(&s, vm->nr_vcpus);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		state_put_u64(&s, a->mpidrs[i]);
	return snapshot_add_state(w, ARM64_SEC_MACHINE, 0, &s);
}

static int arm64_save_vcpu(struct vcpu *vcpu, struct snapfile_writer *w)
{
	struct arm64_regs *r = &vcpu->arch->regs;
	struct kvm_mp_state mp;
	struct state_buf s;
	int ret = arm64_regs_list_once(vcpu, r);

	if (!ret)
		ret = arm64_regs_get(vcpu, r);
	if (!ret)
		ret = kvm_ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
	if (ret)
		return ret;
	state_init(&s);
	state_put_u32(&s, r->n);
	for (unsigned int i = 0; i < r->n; i++) {
		const uint8_t *val = r->vals + r->offsets[i];

		/* Paused by the user: the guest's clock stopped where the pause began. */
		if (r->ids[i] == KVM_REG_ARM_TIMER_CNT && vcpu->vm->arch->clock_frozen)
			val = (const uint8_t *)&vcpu->vm->arch->frozen_cnt;
		state_put_u64(&s, r->ids[i]);
		state_put_bytes(&s, val, arm64_reg_size(r->ids[i]));
	}
	state_put_u32(&s, mp.mp_state);
	return snapshot_add_state(w, ARM64_SEC_VCPU, vcpu->id, &s);
}

static int arm64_save_tags(struct vm *vm, struct snapfile_writer *w)
{
	int ret = 0;

	for (unsigned int i = 0; i < vm->mem.nr && !ret; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		uint64_t len = r->size / ARM64_MTE_GRANULE;
		uint8_t *tags = malloc(len);

		if (!tags)
			return -ENOMEM;
		ret = arm64_mte_copy_tags(vm, r->gpa, r->size, tags, false);
		if (!ret)
			ret = snapfile_add(w, ARM64_SEC_MTE_TAGS, i, 0, tags, len);
		free(tags);
	}
	return ret;
}

int arch_snapshot_savable(const struct vm *vm, char *why, size_t why_len)
{
	/* Everything an arm64 machine of kvmini's has is saved (the ITS too, since format 2). */
	(void)vm;
	(void)why;
	(void)why_len;
	return 0;
}

int arch_snapshot_flush(struct vm *vm)
{
	return arm64_its_flush(vm);
}

int arch_snapshot_save(struct vm *vm, struct snapfile_writer *w)
{
	struct state_buf gic;
	int ret;

	ret = arm64_save_machine(vm, w);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = arm64_save_vcpu(vm->vcpus[i], w);
	if (ret)
		return ret;
	state_init(&gic);
	ret = arm64_gic_save(vm, &gic);
	if (ret) {
		state_free(&gic);
		return ret;
	}
	ret = snapshot_add_state(w, ARM64_SEC_GIC, 0, &gic);
	if (!ret && vm->arch->its_fd >= 0) {
		state_init(&gic);
		ret = arm64_its_save(vm, &gic);
		if (ret)
			state_free(&gic);
		else
			ret = snapshot_add_state(w, ARM64_SEC_ITS, 0, &gic);
	}
	if (!ret && vm->arch->shape.mte)
		ret = arm64_save_tags(vm, w);
	return ret;
}

static const char *yes_no(bool b)
{
	return b ? "on" : "off";
}

/*
 * The snapshot's vCPU shape wins over what the replayed options chose on
 * this host (a default SVE length, MTE on because the host has it), once
 * this host is shown to offer it: a restored vCPU must be the saved one.
 */
static int arm64_check_shape(struct vm *vm, const struct snapfile *f,
			     const struct arm64_vcpu_shape *saved)
{
	struct arch_vm *a = vm->arch;
	char want[256], have[256];
	int bad = 0;

	if (saved->sve) {
		unsigned int max_vq = sve_vls_max_vq(saved->sve_vls);
		uint64_t host_upto[ARRAY_SIZE(saved->sve_vls)];

		/* KVM takes the host's set up to a maximum, no holes below it. */
		for (unsigned int i = 0; i < ARRAY_SIZE(host_upto); i++) {
			unsigned int lo = i * 64 + 1;

			host_upto[i] = 0;
			for (unsigned int b = 0; b < 64; b++)
				if (lo + b <= max_vq)
					host_upto[i] |= a->host.sve_vls[i] & (1ULL << b);
		}
		sve_vls_format(saved->sve_vls, want, sizeof(want));
		sve_vls_format(a->host.sve_vls, have, sizeof(have));
		if (!a->host.sve) {
			log_err("snapshot", "%s: the vCPUs use SVE (vector lengths %s); this "
				"host's KVM offers no SVE", f->path, want);
			bad++;
		} else if (memcmp(host_upto, saved->sve_vls, sizeof(host_upto))) {
			log_err("snapshot", "%s: the vCPUs use SVE vector lengths %s; this "
				"host's KVM offers %s, so it cannot give them the same set",
				f->path, want, have);
			bad++;
		}
	}
	if (saved->mte && !a->host.mte) {
		log_err("snapshot", "%s: the VM uses MTE; this host's KVM offers none "
			"(KVM_CAP_ARM_MTE)", f->path);
		bad++;
	}
	if (saved->ptrauth && !a->host.ptrauth) {
		log_err("snapshot", "%s: the vCPUs use pointer authentication; this host's "
			"KVM offers none", f->path);
		bad++;
	}
	if (saved->pmu && !a->host.pmu) {
		log_err("snapshot", "%s: the vCPUs have a PMU (--pmu); this host's KVM "
			"offers none", f->path);
		bad++;
	}
	if (bad)
		return -EINVAL;
	if (saved->vm_type != a->shape.vm_type) {
		log_err("snapshot", "%s: the VM's machine type (IPA size) was 0x%lx; on this "
			"host the same options give 0x%lx", f->path, saved->vm_type,
			a->shape.vm_type);
		return -EINVAL;
	}
	if (saved->sve != a->shape.sve || saved->mte != a->shape.mte)
		log_info("snapshot", "vCPUs as saved: SVE %s, MTE %s (these options on this "
			 "host would give SVE %s, MTE %s)", yes_no(saved->sve),
			 yes_no(saved->mte), yes_no(a->shape.sve), yes_no(a->shape.mte));
	a->shape = *saved;
	a->sve_max_vl = saved->sve ? sve_vls_max_vq(saved->sve_vls) * 128 : 0;
	return 0;
}

/* vCPU 0's ID registers in the snapshot, judged by this host's limits. */
static int arm64_check_saved_idregs(struct vm *vm, const struct snapfile *f)
{
	uint64_t ids[64], vals[64];
	unsigned int nr_id = 0, n;
	struct state_buf s;
	void *data = NULL;
	int ret = snapshot_read_section(f, ARM64_SEC_VCPU, 0, "vCPU 0 section", &data, &s);

	if (ret)
		return ret;
	n = state_get_u32(&s);
	for (unsigned int i = 0; i < n && !s.err; i++) {
		uint64_t id = state_get_u64(&s);
		size_t size = arm64_reg_size(id);
		uint8_t val[ARM64_REG_MAX_BYTES];

		if (size > sizeof(val)) {
			ret = -EBADMSG;
			break;
		}
		state_get_bytes(&s, val, size);
		if (size != 8 || !arm64_reg_is_id_reg(id) || nr_id == ARRAY_SIZE(ids))
			continue;
		ids[nr_id] = id;
		memcpy(&vals[nr_id], val, 8);
		nr_id++;
	}
	if (s.err || ret) {
		log_err("snapshot", "%s: vCPU 0's section is malformed", f->path);
		ret = -EBADMSG;
	}
	free(data);
	return ret ?: arm64_idregs_check_saved(vm, ids, vals, nr_id, f->path);
}

int arch_snapshot_check(struct vm *vm, const struct snapfile *f)
{
	struct arm64_vcpu_shape saved = { 0 };
	struct state_buf s;
	void *data = NULL;
	uint64_t cntfrq, here = arm64_cntfrq();
	unsigned int nr;
	int ret = snapshot_read_section(f, ARM64_SEC_MACHINE, 0, "machine section", &data, &s);

	if (ret)
		return ret;
	saved.vm_type = state_get_u64(&s);
	saved.sve = state_get_u8(&s);
	for (unsigned int i = 0; i < ARRAY_SIZE(saved.sve_vls); i++)
		saved.sve_vls[i] = state_get_u64(&s);
	saved.mte = state_get_u8(&s);
	saved.ptrauth = state_get_u8(&s);
	saved.pmu = state_get_u8(&s);
	cntfrq = state_get_u64(&s);
	nr = state_get_u32(&s);
	/* No vCPU exists yet: the configuration says how many there will be. */
	if (nr != vm->cfg->nr_cpus && !s.err) {
		log_err("snapshot", "%s: %u vCPUs saved, %u configured", f->path, nr,
			vm->cfg->nr_cpus);
		ret = -EBADMSG;
	}
	for (unsigned int i = 0; i < nr && !s.err && !ret; i++)
		state_get_u64(&s);	/* MPIDRs: KVM gives the same ones; compared at restore */
	if (!ret && (state_read_done(&s) ||
		     (saved.sve && !sve_vls_max_vq(saved.sve_vls)))) {
		log_err("snapshot", "%s: the machine section is malformed", f->path);
		ret = -EBADMSG;
	}
	free(data);
	data = NULL;
	if (ret)
		return ret;
	if (cntfrq != here) {
		log_err("snapshot", "%s: the guest's counter ran at %" PRIu64 " Hz; this "
			"host's runs at %" PRIu64 " Hz, so guest time would run at another "
			"speed", f->path, cntfrq, here);
		return -EINVAL;
	}
	ret = arm64_check_shape(vm, f, &saved);
	if (!ret)
		ret = arm64_check_saved_idregs(vm, f);
	/* The GIC's shape too, before any VM: its registers are checked as they load. */
	if (!ret)
		ret = snapshot_read_section(f, ARM64_SEC_GIC, 0, "GIC section", &data, &s);
	if (!ret)
		ret = arm64_gic_check_shape(&s, vm->cfg->nr_cpus);
	free(data);
	return ret;
}

/*
 * An MTE VM's tags go in after its RAM's contents, through all of RAM
 * (KVM_ARM_MTE_COPY_TAGS, which touches every page): its RAM is read in
 * whole first rather than as the guest touches it.
 */
bool arch_snapshot_memory_lazy(const struct vm *vm)
{
	return !vm->arch->shape.mte;
}

int arch_snapshot_restore_memory(struct vm *vm, const struct snapfile *f)
{
	int ret = 0;

	if (!vm->arch->shape.mte)
		return 0;
	for (unsigned int i = 0; i < vm->mem.nr && !ret; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		const struct snapfile_section *sec = snapfile_find(f, ARM64_SEC_MTE_TAGS, i);
		void *tags = NULL;

		if (!sec || sec->length != r->size / ARM64_MTE_GRANULE) {
			log_err("snapshot", "%s: the MTE tags of RAM region %u are %s", f->path,
				i, sec ? "not the region's size" : "missing");
			return -EBADMSG;
		}
		ret = snapfile_read(f, sec, sec->length, &tags);
		if (!ret)
			ret = arm64_mte_copy_tags(vm, r->gpa, r->size, tags, true);
		free(tags);
	}
	return ret;
}

/* Where the snapshot's register id is in this vCPU's list; -1: not there. */
static int arm64_reg_index(const struct arm64_regs *r, uint64_t id, unsigned int hint)
{
	/* Same kernel, same list order: the hint is almost always right. */
	if (hint < r->n && r->ids[hint] == id)
		return (int)hint;
	for (unsigned int i = 0; i < r->n; i++)
		if (r->ids[i] == id)
			return (int)i;
	return -1;
}

static int arm64_restore_vcpu(struct vcpu *vcpu, const struct snapfile *f)
{
	struct arm64_regs *r = &vcpu->arch->regs;
	struct kvm_mp_state mp;
	struct state_buf s;
	void *data = NULL;
	bool *filled = NULL;
	char name[48];
	unsigned int n;
	int ret = arm64_regs_list_once(vcpu, r);

	if (!ret)
		ret = snapshot_read_section(f, ARM64_SEC_VCPU, vcpu->id, "vCPU section", &data, &s);
	if (ret)
		return ret;
	/* Each register once: a repeated id would leave another one unwritten. */
	filled = calloc(r->n ? r->n : 1, sizeof(*filled));
	if (!filled) {
		free(data);
		return -ENOMEM;
	}
	n = state_get_u32(&s);
	if (n != r->n && !s.err) {
		log_err("snapshot", "%s: vCPU %u has %u registers saved; this host's KVM "
			"lists %u for the same vCPU (another kernel?)", f->path, vcpu->id, n, r->n);
		ret = -EINVAL;
	}
	for (unsigned int i = 0; i < n && !ret && !s.err; i++) {
		uint64_t id = state_get_u64(&s);
		int at = arm64_reg_index(r, id, i);

		if (at < 0) {
			arm64_reg_name(id, name, sizeof(name));
			log_err("snapshot", "%s: vCPU %u: register %s (id 0x%" PRIx64 ") is not "
				"one this host's KVM has", f->path, vcpu->id, name, id);
			ret = -EINVAL;
			break;
		}
		if (filled[at]) {
			arm64_reg_name(id, name, sizeof(name));
			log_err("snapshot", "%s: vCPU %u: register %s saved twice", f->path,
				vcpu->id, name);
			ret = -EBADMSG;
			break;
		}
		filled[at] = true;
		state_get_bytes(&s, r->vals + r->offsets[at], arm64_reg_size(id));
	}
	mp.mp_state = state_get_u32(&s);
	if (!ret && state_read_done(&s)) {
		log_err("snapshot", "%s: vCPU %u's section is malformed", f->path, vcpu->id);
		ret = -EBADMSG;
	}
	free(filled);
	free(data);
	if (!ret)
		ret = arm64_regs_set(vcpu, r, ARM64_REGS_FRESH_VCPU);
	/* Proves every write took: what KVM holds now is what was saved. */
	if (!ret)
		ret = arm64_regs_verify(vcpu, r, "snapshot restore");
	if (!ret)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
	return ret;
}

/*
 * The guest's counters go on from the saved count (vCPU 0's CNTVCT: one
 * count for the VM), both of them, where KVM takes one offset for the VM.
 */
static int arm64_restore_counter(struct vm *vm)
{
	const struct arm64_regs *r = &vm->vcpus[0]->arch->regs;
	int at = arm64_reg_index(r, KVM_REG_ARM_TIMER_CNT, 0);
	uint64_t cnt;

	if (at < 0) {
		log_err("snapshot", "vCPU 0 has no saved counter (CNTVCT_EL0)");
		return -EBADMSG;
	}
	memcpy(&cnt, r->vals + r->offsets[at], sizeof(cnt));
	return arm64_clock_restore(vm, cnt);
}

int arch_snapshot_restore(struct vm *vm, const struct snapfile *f)
{
	struct state_buf s;
	void *data = NULL;
	int ret = 0;

	/*
	 * The interrupt controller first, then the vCPUs: writing a vCPU's
	 * timer registers raises its timer's line at once, into a GIC that
	 * must already be the saved one (its configuration, priorities and
	 * enables), not a fresh one that restoring would then rewrite under it.
	 */
	ret = snapshot_read_section(f, ARM64_SEC_GIC, 0, "GIC section", &data, &s);
	if (!ret)
		ret = arm64_gic_load(vm, &s);
	free(data);
	data = NULL;
	/* The ITS after the redistributors (arm-vgic-its.rst), its tables from the restored RAM. */
	if (!ret && vm->arch->its_fd >= 0) {
		ret = snapshot_read_section(f, ARM64_SEC_ITS, 0, "ITS section", &data, &s);
		if (!ret)
			ret = arm64_its_load(vm, &s);
		free(data);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = arm64_restore_vcpu(vm->vcpus[i], f);
	return ret ?: arm64_restore_counter(vm);
}
