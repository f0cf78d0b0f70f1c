// SPDX-License-Identifier: GPL-2.0-only
/* arm64 vCPUs: KVM_ARM_VCPU_INIT, arm64-only exits, where a vCPU is. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "regs.h"
#include "sve.h"

/*
 * The vector lengths are fixed by writing KVM_REG_ARM64_SVE_VLS before
 * KVM_ARM_VCPU_FINALIZE (EPERM after); read back to prove KVM kept them.
 * A shape without VLs keeps the host's (a probe reads them afterwards).
 */
static int arm64_vcpu_finalize_sve(int fd, unsigned int id,
				   const struct arm64_vcpu_shape *shape)
{
	static const uint64_t none[SVE_VLS_WORDS];
	bool chosen = memcmp(shape->sve_vls, none, sizeof(none)) != 0;
	uint64_t got[SVE_VLS_WORDS];
	int feature = KVM_ARM_VCPU_SVE;
	char want_s[256], got_s[256];
	int ret = 0;

	if (chosen)
		ret = kvm_set_one_reg(fd, KVM_REG_ARM64_SVE_VLS, shape->sve_vls);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_ARM_VCPU_FINALIZE, &feature);
	if (!ret && chosen)
		ret = kvm_get_one_reg(fd, KVM_REG_ARM64_SVE_VLS, got);
	if (ret || !chosen)
		return ret;
	if (memcmp(got, shape->sve_vls, sizeof(got))) {
		sve_vls_format(shape->sve_vls, want_s, sizeof(want_s));
		sve_vls_format(got, got_s, sizeof(got_s));
		log_err("vcpu", "vCPU %u: KVM did not keep the SVE vector lengths "
			"(asked for %s, has %s)", id, want_s, got_s);
		return -EIO;
	}
	return 0;
}

/* The vCPU's features: the same at every (re)initialization, or KVM refuses. */
static int arm64_vcpu_init_features(int vm_fd, unsigned int id,
				    const struct arm64_vcpu_shape *shape,
				    struct kvm_vcpu_init *init)
{
	int ret = kvm_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, init);

	if (ret)
		return ret;
	init->features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	/* Secondaries wait powered off until the guest's PSCI CPU_ON. */
	if (id > 0)
		init->features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (shape->sve)
		init->features[0] |= 1U << KVM_ARM_VCPU_SVE;
	if (shape->pmu)
		init->features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (shape->ptrauth)	/* KVM wants both or neither */
		init->features[0] |= 1U << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
				    1U << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	return 0;
}

int arm64_vcpu_setup(int vm_fd, int vcpu_fd, unsigned int id,
		     const struct arm64_vcpu_shape *shape)
{
	struct kvm_vcpu_init init;
	int ret = arm64_vcpu_init_features(vm_fd, id, shape, &init);

	if (!ret)
		ret = kvm_ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init);
	if (!ret && shape->sve)
		ret = arm64_vcpu_finalize_sve(vcpu_fd, id, shape);
	return ret;
}

/* The VM capabilities that shape what a vCPU is: before any vCPU exists. */
int arm64_vm_enable_caps(int vm_fd, const struct arm64_vcpu_shape *shape)
{
	/* Before any vCPU exists, or the guest never sees MTE (api.rst). */
	return shape->mte ? kvm_enable_cap(vm_fd, KVM_CAP_ARM_MTE, 0) : 0;
}

int arm64_scratch_create(int kvm_fd, const struct arm64_vcpu_shape *shape,
			 unsigned int vcpu_id, struct arm64_scratch *s)
{
	int ret;

	s->vcpu_fd = -1;
	s->vm_fd = kvm_ioctl_val(kvm_fd, KVM_CREATE_VM, shape->vm_type);
	if (s->vm_fd < 0)
		return s->vm_fd;
	ret = arm64_vm_enable_caps(s->vm_fd, shape);
	if (!ret) {
		s->vcpu_fd = kvm_ioctl_val(s->vm_fd, KVM_CREATE_VCPU, vcpu_id);
		ret = s->vcpu_fd < 0 ? s->vcpu_fd : 0;
	}
	if (!ret)
		ret = arm64_vcpu_setup(s->vm_fd, s->vcpu_fd, vcpu_id, shape);
	if (ret)
		arm64_scratch_destroy(s);
	return ret;
}

void arm64_scratch_destroy(struct arm64_scratch *s)
{
	if (s->vcpu_fd >= 0)
		close(s->vcpu_fd);
	if (s->vm_fd >= 0)
		close(s->vm_fd);
	s->vcpu_fd = s->vm_fd = -1;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int ret;

	vcpu->arch = calloc(1, sizeof(*vcpu->arch));
	if (!vcpu->arch)
		return -ENOMEM;
	ret = arm64_vcpu_setup(vm->vm_fd, vcpu->fd, vcpu->id, &vm->arch->shape);
	if (!ret)
		ret = arm64_idregs_apply(vcpu);
	if (ret)
		return ret;
	/* The device tree must name each CPU by the MPIDR KVM gave it. */
	return kvm_get_one_reg(vcpu->fd, ARM64_REG_MPIDR_EL1,
			       &vm->arch->mpidrs[vcpu->id]);
}

/*
 * api.rst: KVM_ARM_VCPU_INIT again resets the vCPU to its initial state
 * (secondaries powered off again). SVE stays finalized with its vector
 * lengths; the ID registers, fixed since the first KVM_RUN, are kept.
 */
int arch_vcpu_reset(struct vcpu *vcpu)
{
	struct kvm_vcpu_init init;
	int ret = arm64_vcpu_init_features(vcpu->vm->vm_fd, vcpu->id, &vcpu->vm->arch->shape,
					   &init);

	return ret ? ret : kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init);
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu->arch)
		return;
	arm64_regs_free(&vcpu->arch->regs);
	free(vcpu->arch);
	vcpu->arch = NULL;
}

void arch_vcpu_dump_regs(struct vcpu *vcpu, FILE *f)
{
	struct arm64_regs *r = &vcpu->arch->regs;

	if (arm64_regs_list_once(vcpu, r) || arm64_regs_get(vcpu, r)) {
		fprintf(f, "vCPU %u: registers unreadable\n", vcpu->id);
		return;
	}
	fprintf(f, "vCPU %u: %u registers\n", vcpu->id, r->n);
	arm64_regs_print(r, f);
}

static int arm64_handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_debug("psci", "vCPU %u: SYSTEM_OFF", vcpu->id);
		vm_stop(vcpu->vm, VM_STOP_POWEROFF, 0);
		return 1;
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(vcpu->vm, VM_STOP_RESET, 0);
		return 1;
	case KVM_SYSTEM_EVENT_CRASH:
		vm_stop(vcpu->vm, VM_STOP_CRASH, 0);
		return 1;
	}
	log_err("psci", "vCPU %u: unknown system event %u from KVM", vcpu->id,
		run->system_event.type);
	return -EIO;
}

/*
 * An MMIO access KVM could not decode (no valid syndrome: LDP/STP,
 * writeback, ...). Real hardware would answer with an external abort; so
 * does kvmini, and the guest decides what to do about it.
 */
static int arm64_handle_nisv(struct vcpu *vcpu)
{
	static struct ratelimit rl;
	struct kvm_vcpu_events events = { 0 };
	struct kvm_run *run = vcpu->run;

	log_ratelimited(&rl, LOG_WARN, "mmio",
			"vCPU %u: guest accessed 0x%llx with an instruction KVM cannot "
			"emulate for MMIO (no valid syndrome; ESR ISS 0x%llx); "
			"injecting an external data abort", vcpu->id,
			(unsigned long long)run->arm_nisv.fault_ipa,
			(unsigned long long)run->arm_nisv.esr_iss);
	events.exception.ext_dabt_pending = 1;
	return kvm_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events) ?: 1;
}

int arch_vcpu_handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_SYSTEM_EVENT:
		return arm64_handle_system_event(vcpu);
	case KVM_EXIT_ARM_NISV:
		return arm64_handle_nisv(vcpu);
	}
	return -ENOSYS;
}

void arch_vcpu_describe(struct vcpu *vcpu, char *buf, size_t len)
{
	uint64_t pc, pstate;

	if (kvm_get_one_reg(vcpu->fd, ARM64_CORE_REG(regs.pc), &pc) ||
	    kvm_get_one_reg(vcpu->fd, ARM64_CORE_REG(regs.pstate), &pstate)) {
		snprintf(buf, len, "registers unreadable");
		return;
	}
	snprintf(buf, len, "PC 0x%" PRIx64 ", PSTATE 0x%" PRIx64 ", EL%u", pc,
		 pstate, (unsigned int)(pstate >> 2) & 3);
}
