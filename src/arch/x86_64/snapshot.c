// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86_64 part of a snapshot: what makes the vCPUs what they are (the
 * machine section: their CPUID, checked against this host's before any VM
 * exists, the MSRs their state holds, the XSAVE size and the TSC rate),
 * every vCPU's complete state (state.c's pieces: registers, XSAVE, XCRs,
 * MSRs, local APIC, MP state, pending events, debug registers), and the
 * platform: the in-kernel PICs and IOAPIC, the PIT and kvmclock.
 *
 * KVM's structs go in as they are (this file is only read by an x86_64
 * kvmini), each behind its size so a reader of another layout refuses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "x86_64.h"

enum x86_snapshot_section {
	X86_SEC_MACHINE = SNAP_SEC_ARCH,
	X86_SEC_VCPU,		/* index: the vCPU */
	X86_SEC_PLATFORM,	/* PICs, IOAPIC, PIT, kvmclock */
};

#define X86_NR_CHIPS 3		/* KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC */

static void x86_put_piece(struct state_buf *s, const void *p, size_t len)
{
	state_put_u32(s, (uint32_t)len);
	state_put_bytes(s, p, len);
}

/* A piece of len bytes into p: false (logged) if the file's is another size. */
static bool x86_get_piece(struct state_buf *s, void *p, size_t len, const char *path,
			  const char *what)
{
	uint32_t saved = state_get_u32(s);

	if (s->err)
		return false;
	if (saved != len) {
		log_err("snapshot", "%s: %s is %" PRIu32 " bytes in the snapshot; this kvmini's "
			"is %zu (a snapshot of another kvmini or kernel ABI)", path, what, saved,
			len);
		s->err = -EBADMSG;
		return false;
	}
	state_get_bytes(s, p, len);
	return !s->err;
}

/* The machine section's head; the MSR indexes and the CPUID leaves follow. */
struct x86_machine_head {
	uint32_t nr_vcpus;
	uint32_t tsc_khz;
	uint32_t xsave_size;
	uint32_t nr_msrs;
};

static void x86_get_machine_head(struct state_buf *s, struct x86_machine_head *h)
{
	h->nr_vcpus = state_get_u32(s);
	h->tsc_khz = state_get_u32(s);
	h->xsave_size = state_get_u32(s);
	h->nr_msrs = state_get_u32(s);
}

static int x86_save_machine(struct vm *vm, struct snapfile_writer *w)
{
	const struct arch_vm *a = vm->arch;
	const struct kvm_cpuid2 *t = a->cpuid.table;
	int khz = kvm_ioctl_val(vm->vcpus[0]->fd, KVM_GET_TSC_KHZ, 0);
	struct state_buf s;

	if (khz <= 0) {
		log_err("snapshot", "cannot read the guest's TSC rate (KVM_GET_TSC_KHZ): %s",
			strerror(khz < 0 ? -khz : EINVAL));
		return khz < 0 ? khz : -EINVAL;
	}
	state_init(&s);
	state_put_u32(&s, vm->nr_vcpus);
	state_put_u32(&s, (uint32_t)khz);
	state_put_u32(&s, (uint32_t)x86_xsave_size(&a->host));
	state_put_u32(&s, a->msrs.n);
	for (uint32_t i = 0; i < a->msrs.n; i++)
		state_put_u32(&s, a->msrs.index[i]);
	state_put_u32(&s, t->nent);
	for (uint32_t i = 0; i < t->nent; i++)
		x86_put_piece(&s, &t->entries[i], sizeof(t->entries[i]));
	return snapshot_add_state(w, X86_SEC_MACHINE, 0, &s);
}

static int x86_save_vcpu(struct vcpu *vcpu, struct snapfile_writer *w)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct x86_vcpu_state *st = &vcpu->arch->scratch;
	struct state_buf s;
	int ret = x86_state_get(vcpu->fd, &a->host, st);

	if (ret)
		return ret;
	state_init(&s);
	x86_put_piece(&s, &st->regs, sizeof(st->regs));
	x86_put_piece(&s, &st->sregs, sizeof(st->sregs));
	x86_put_piece(&s, &st->xcrs, sizeof(st->xcrs));
	x86_put_piece(&s, &st->lapic, sizeof(st->lapic));
	x86_put_piece(&s, &st->mp_state, sizeof(st->mp_state));
	x86_put_piece(&s, &st->events, sizeof(st->events));
	x86_put_piece(&s, &st->debugregs, sizeof(st->debugregs));
	x86_put_piece(&s, st->xsave, x86_xsave_size(&a->host));
	/* The indexes are the machine section's, in its order: the values only. */
	state_put_u32(&s, st->msrs->nmsrs);
	for (uint32_t i = 0; i < st->msrs->nmsrs; i++)
		state_put_u64(&s, st->msrs->entries[i].data);
	return snapshot_add_state(w, X86_SEC_VCPU, vcpu->id, &s);
}

static int x86_save_platform(struct vm *vm, struct snapfile_writer *w)
{
	struct arch_vm *a = vm->arch;
	struct kvm_irqchip chip;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock = { 0 };
	struct state_buf s;
	int ret = 0;

	state_init(&s);
	for (uint32_t id = 0; id < X86_NR_CHIPS && !ret; id++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = id;
		ret = kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip);
		if (!ret)
			x86_put_piece(&s, &chip, sizeof(chip));
	}
	if (!ret)
		ret = kvm_ioctl(vm->vm_fd, KVM_GET_PIT2, &pit);
	/* Paused by the user: kvmclock stopped where the pause began. */
	if (!ret && a->clock_frozen)
		clock = a->frozen_clock;
	else if (!ret)
		ret = kvm_ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock);
	if (ret) {
		state_free(&s);
		return ret;
	}
	x86_put_piece(&s, &pit, sizeof(pit));
	state_put_u64(&s, clock.clock);
	return snapshot_add_state(w, X86_SEC_PLATFORM, 0, &s);
}

/*
 * kvmini does not move nested virtualization state (KVM_GET/SET_NESTED_
 * STATE) yet: a vCPU whose guest is in VMX operation, or is running its
 * own guest, would lose it, so such a VM is refused. An SVM guest with
 * EFER.SVME set but no guest of its own running has nothing beyond the
 * header (and its GIF, set again on restore) and is saved.
 */
static bool x86_vcpu_nested(const struct vcpu *vcpu, char *why, size_t why_len)
{
	struct kvm_nested_state st = { .size = sizeof(st) };
	int ret = kvm_ioctl_quiet(vcpu->fd, KVM_GET_NESTED_STATE, &st);

	if (ret == -E2BIG || (!ret && (st.flags & (KVM_STATE_NESTED_GUEST_MODE |
						     KVM_STATE_NESTED_RUN_PENDING))) ||
	    (!ret && st.format == KVM_STATE_NESTED_FORMAT_VMX &&
	     st.hdr.vmx.vmxon_pa != ~0ULL)) {
		/* On E2BIG KVM wrote only the size: the format is not known then. */
		snprintf(why, why_len, "vCPU %u's guest uses nested virtualization%s, "
			 "whose state kvmini does not save yet", vcpu->id,
			 ret ? "" : st.format == KVM_STATE_NESTED_FORMAT_VMX ? " (VMX)" : " (SVM)");
		return true;
	}
	return false;
}

int arch_snapshot_savable(const struct vm *vm, char *why, size_t why_len)
{
	if (kvm_check_cap(vm->kvm_fd, KVM_CAP_NESTED_STATE) <= 0)
		return 0;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (x86_vcpu_nested(vm->vcpus[i], why, why_len))
			return -EOPNOTSUPP;
	return 0;
}

int arch_snapshot_flush(struct vm *vm)
{
	/* Nothing of x86's in-kernel devices lives in guest RAM. */
	(void)vm;
	return 0;
}

int arch_snapshot_save(struct vm *vm, struct snapfile_writer *w)
{
	int ret = x86_save_machine(vm, w);

	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = x86_save_vcpu(vm->vcpus[i], w);
	return ret ?: x86_save_platform(vm, w);
}

static void x86_cpuid_entry_format(const struct kvm_cpuid_entry2 *e, char *buf, size_t len)
{
	snprintf(buf, len, "eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x", e->eax, e->ebx,
		 e->ecx, e->edx);
}

/*
 * The saved CPUID against what the same options give on this host: a
 * restored vCPU must be the saved one, or the guest, which read its CPUID
 * once at boot, would run on features it was told it has and lacks.
 */
static int x86_check_cpuid(const struct vm *vm, struct state_buf *s, const char *path)
{
	const struct kvm_cpuid2 *here = vm->arch->cpuid.table;
	uint32_t nent = state_get_u32(s);
	char want[96], have[96];
	bool *matched;
	int bad = 0;

	if (nent > here->nent * 4 + 64) {
		log_err("snapshot", "%s: the machine section holds %" PRIu32 " CPUID leaves, "
			"more than any VM has", path, nent);
		return -EBADMSG;
	}
	/* Each of this host's leaves matched once: a repeated one would hide a missing one. */
	matched = calloc(here->nent ? here->nent : 1, sizeof(*matched));
	if (!matched)
		return -ENOMEM;
	for (uint32_t i = 0; i < nent && !s->err; i++) {
		/* Both without the APIC IDs, which are each vCPU's (x86_cpuid_set()). */
		struct kvm_cpuid_entry2 e, h;
		const struct kvm_cpuid_entry2 *found;

		if (!x86_get_piece(s, &e, sizeof(e), path, "a CPUID leaf")) {
			free(matched);
			return -EBADMSG;
		}
		x86_cpuid_set_apic_id(&e, 0);
		x86_cpuid_entry_format(&e, want, sizeof(want));
		found = x86_cpuid_find(here, e.function, e.index);
		if (!found) {
			log_err("snapshot", "%s: CPUID leaf 0x%x index %u (%s): these options on "
				"this host give no such leaf", path, e.function, e.index, want);
			bad++;
			continue;
		}
		if (matched[found - here->entries]) {
			log_err("snapshot", "%s: CPUID leaf 0x%x index %u is saved twice", path,
				e.function, e.index);
			free(matched);
			return -EBADMSG;
		}
		matched[found - here->entries] = true;
		h = *found;
		x86_cpuid_set_apic_id(&h, 0);
		x86_cpuid_entry_format(&h, have, sizeof(have));
		if (h.eax != e.eax || h.ebx != e.ebx || h.ecx != e.ecx || h.edx != e.edx) {
			log_err("snapshot", "%s: CPUID leaf 0x%x index %u was %s; these options on "
				"this host give %s", path, e.function, e.index, want, have);
			bad++;
		}
	}
	for (uint32_t i = 0; i < here->nent && !s->err; i++) {
		if (matched[i])
			continue;
		log_err("snapshot", "%s: CPUID leaf 0x%x index %u, which these options on this "
			"host give, is not in the snapshot", path, here->entries[i].function,
			here->entries[i].index);
		bad++;
	}
	free(matched);
	if (bad)
		log_err("snapshot", "%s: restore on a host whose KVM offers the same CPU, or "
			"take the snapshot with a CPU model (--cpu-model) both hosts can run", path);
	return bad ? -EINVAL : 0;
}

int arch_snapshot_check(struct vm *vm, const struct snapfile *f)
{
	struct x86_machine_head head;
	struct state_buf s;
	void *data = NULL;
	int ret = snapshot_read_section(f, X86_SEC_MACHINE, 0, "machine section", &data, &s);

	if (ret)
		return ret;
	/* The TSC rate is checked once the vCPUs exist. */
	x86_get_machine_head(&s, &head);
	/* No vCPU exists yet: the configuration says how many there will be. */
	if (!s.err && head.nr_vcpus != vm->cfg->nr_cpus) {
		log_err("snapshot", "%s: %" PRIu32 " vCPUs saved, %u configured", f->path,
			head.nr_vcpus, vm->cfg->nr_cpus);
		ret = -EBADMSG;
	} else if (!s.err && head.xsave_size != x86_xsave_size(&vm->arch->host)) {
		log_err("snapshot", "%s: the vCPUs' XSAVE state is %" PRIu32 " bytes; this host's "
			"KVM moves %zu (KVM_CAP_XSAVE2): it cannot hold the same state", f->path,
			head.xsave_size, x86_xsave_size(&vm->arch->host));
		ret = -EINVAL;
	}
	/* The MSR list is chosen with the first vCPU: compared at restore. */
	for (uint32_t i = 0; i < head.nr_msrs && !s.err && !ret; i++)
		state_get_u32(&s);
	if (!ret && !s.err)
		ret = x86_check_cpuid(vm, &s, f->path);
	if (s.err || (!ret && state_read_done(&s))) {
		log_err("snapshot", "%s: the machine section is malformed", f->path);
		ret = -EBADMSG;
	}
	free(data);
	return ret;
}

bool arch_snapshot_memory_lazy(const struct vm *vm)
{
	(void)vm;
	return true;
}

int arch_snapshot_restore_memory(struct vm *vm, const struct snapfile *f)
{
	(void)vm;
	(void)f;
	return 0;
}

/*
 * The vCPUs' TSC runs at the saved rate: KVM scales it where the host's
 * differs (KVM_SET_TSC_KHZ), and refuses where it cannot.
 */
static int x86_restore_tsc_rate(struct vm *vm, uint32_t khz, const char *path)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int fd = vm->vcpus[i]->fd;
		int here = kvm_ioctl_val(fd, KVM_GET_TSC_KHZ, 0);
		int ret;

		if (here == (int)khz)
			continue;
		ret = __kvm_ioctl(fd, KVM_SET_TSC_KHZ, "KVM_SET_TSC_KHZ", khz, true);
		if (ret) {
			log_err("snapshot", "%s: the guest's TSC ran at %" PRIu32 " kHz; this "
				"host's runs at %d kHz and KVM cannot scale it (KVM_SET_TSC_KHZ: %s; "
				"'kvmini caps' says whether it scales TSC rates)", path, khz, here,
				strerror(-ret));
			return -EINVAL;
		}
	}
	return 0;
}

/* The machine section's MSR list against the VM's, then the TSC rate. */
static int x86_restore_machine(struct vm *vm, const struct snapfile *f)
{
	const struct x86_msr_list *list = &vm->arch->msrs;
	struct x86_machine_head head;
	struct state_buf s;
	void *data = NULL;
	int ret = snapshot_read_section(f, X86_SEC_MACHINE, 0, "machine section", &data, &s);

	if (ret)
		return ret;
	/* The vCPU count and XSAVE size were checked before the VM. */
	x86_get_machine_head(&s, &head);
	if (!s.err && head.nr_msrs != list->n) {
		log_err("snapshot", "%s: the vCPUs' state holds %" PRIu32 " MSRs; this host's "
			"KVM gives these vCPUs %" PRIu32 " (another kernel?)", f->path,
			head.nr_msrs, list->n);
		ret = -EINVAL;
	}
	for (uint32_t i = 0; i < head.nr_msrs && !s.err && !ret; i++) {
		uint32_t index = state_get_u32(&s);

		if (!s.err && index != list->index[i]) {
			log_err("snapshot", "%s: MSR 0x%" PRIx32 " of the saved state is not the "
				"one this host's KVM lists there (0x%" PRIx32 "; another kernel?)",
				f->path, index, list->index[i]);
			ret = -EINVAL;
		}
	}
	free(data);
	if (s.err && !ret) {
		log_err("snapshot", "%s: the machine section is malformed", f->path);
		ret = -EBADMSG;
	}
	return ret ?: x86_restore_tsc_rate(vm, head.tsc_khz, f->path);
}

static int x86_restore_vcpu(struct vcpu *vcpu, const struct snapfile *f)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct x86_vcpu_state want = { 0 }, *got = &vcpu->arch->scratch;
	struct state_buf s;
	void *data = NULL;
	uint32_t nr_msrs;
	int ret = x86_state_alloc(&want, a);

	if (!ret)
		ret = snapshot_read_section(f, X86_SEC_VCPU, vcpu->id, "vCPU section", &data, &s);
	if (ret) {
		x86_state_free(&want);
		return ret;
	}
	if (x86_get_piece(&s, &want.regs, sizeof(want.regs), f->path, "kvm_regs") &&
	    x86_get_piece(&s, &want.sregs, sizeof(want.sregs), f->path, "kvm_sregs") &&
	    x86_get_piece(&s, &want.xcrs, sizeof(want.xcrs), f->path, "kvm_xcrs") &&
	    x86_get_piece(&s, &want.lapic, sizeof(want.lapic), f->path, "kvm_lapic_state") &&
	    x86_get_piece(&s, &want.mp_state, sizeof(want.mp_state), f->path, "kvm_mp_state") &&
	    x86_get_piece(&s, &want.events, sizeof(want.events), f->path, "kvm_vcpu_events") &&
	    x86_get_piece(&s, &want.debugregs, sizeof(want.debugregs), f->path,
			  "kvm_debugregs") &&
	    x86_get_piece(&s, want.xsave, x86_xsave_size(&a->host), f->path, "the XSAVE area")) {
		nr_msrs = state_get_u32(&s);
		if (!s.err && nr_msrs != want.msrs->nmsrs)
			s.err = -EBADMSG;
		for (uint32_t i = 0; i < nr_msrs && !s.err; i++)
			want.msrs->entries[i].data = state_get_u64(&s);
	}
	if (state_read_done(&s)) {
		log_err("snapshot", "%s: vCPU %u's section is malformed", f->path, vcpu->id);
		ret = -EBADMSG;
	}
	free(data);
	if (!ret && (want.events.flags & KVM_VCPUEVENT_VALID_PAYLOAD) &&
	    kvm_check_cap(vcpu->vm->vm_fd, KVM_CAP_EXCEPTION_PAYLOAD) <= 0) {
		log_err("snapshot", "%s: vCPU %u's pending exceptions were saved apart from "
			"injected ones (KVM_CAP_EXCEPTION_PAYLOAD), which this host's KVM "
			"cannot take", f->path, vcpu->id);
		ret = -EINVAL;
	}
	/* Every piece, the TSC too: the guest's time goes on from the saved count. */
	if (!ret) {
		ret = x86_state_set(vcpu->fd, &a->host, &want, X86_STATE_ALL);
		if (ret == -EINVAL)
			log_err("snapshot", "%s: KVM refused vCPU %u's saved state", f->path,
				vcpu->id);
	}
	/* Proves every write took: what KVM holds now is what was saved. */
	if (!ret)
		ret = x86_state_get(vcpu->fd, &a->host, got);
	if (!ret)
		ret = x86_state_compare(vcpu->id, &a->host, &want, got, "snapshot restore");
	x86_state_free(&want);
	return ret;
}

/* The PICs, IOAPIC and PIT; clock gets the saved kvmclock, set after the vCPUs. */
static int x86_restore_platform(struct vm *vm, const struct snapfile *f,
				struct kvm_clock_data *clock)
{
	struct kvm_irqchip chips[X86_NR_CHIPS];
	struct kvm_pit_state2 pit;
	struct state_buf s;
	void *data = NULL;
	bool ok = true;
	int ret = snapshot_read_section(f, X86_SEC_PLATFORM, 0, "platform section", &data, &s);

	if (ret)
		return ret;
	for (uint32_t id = 0; id < X86_NR_CHIPS && ok; id++) {
		ok = x86_get_piece(&s, &chips[id], sizeof(chips[id]), f->path, "kvm_irqchip");
		if (ok && chips[id].chip_id != id) {
			log_err("snapshot", "%s: interrupt controller %" PRIu32 " is saved as "
				"chip %" PRIu32, f->path, id, chips[id].chip_id);
			s.err = -EBADMSG;
			ok = false;
		}
	}
	if (ok)
		x86_get_piece(&s, &pit, sizeof(pit), f->path, "kvm_pit_state2");
	clock->clock = state_get_u64(&s);
	ret = state_read_done(&s);
	free(data);
	if (ret) {
		log_err("snapshot", "%s: the platform section is malformed", f->path);
		return ret;
	}
	for (uint32_t id = 0; id < X86_NR_CHIPS && !ret; id++)
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chips[id]);
	if (!ret)
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_PIT2, &pit);
	if (ret)
		log_err("snapshot", "%s: KVM refused the saved interrupt controllers or PIT: %s",
			f->path, strerror(-ret));
	return ret;
}

/*
 * The interrupt controllers before the vCPUs, whose local APICs deliver
 * into them; kvmclock last, after the TSC writes it is computed from.
 */
int arch_snapshot_restore(struct vm *vm, const struct snapfile *f)
{
	struct kvm_clock_data clock = { 0 };
	int ret = x86_restore_machine(vm, f);

	if (!ret)
		ret = x86_restore_platform(vm, f, &clock);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = x86_restore_vcpu(vm->vcpus[i], f);
	if (!ret)
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock);
	return ret;
}
