// SPDX-License-Identifier: GPL-2.0-only
/*
 * What this host's KVM offers arm64 guests. Most of it is capabilities;
 * the SVE vector lengths exist only on a vCPU, so a scratch VM with one
 * SVE vCPU is made and thrown away: the real VM is created only once the
 * configuration is known to be possible.
 */
#include <errno.h>
#include <string.h>

#include <kvmini/log.h>

#include "arm64.h"
#include "sve.h"

/* A scratch SVE vCPU with the host's vector lengths reports them. */
static int arm64_probe_sve_vls(int kvm_fd, uint64_t vls[SVE_VLS_WORDS])
{
	const struct arm64_vcpu_shape shape = { .sve = true };
	struct arm64_scratch s;
	int ret = arm64_scratch_create(kvm_fd, &shape, 0, &s);

	if (ret)
		return ret;
	ret = kvm_get_one_reg(s.vcpu_fd, KVM_REG_ARM64_SVE_VLS, vls);
	arm64_scratch_destroy(&s);
	return ret;
}

int arm64_host_probe(int kvm_fd, struct arm64_host *h)
{
	memset(h, 0, sizeof(*h));
	h->ipa_bits = kvm_check_cap(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE);
	h->nr_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_NR_VCPUS);
	h->max_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_MAX_VCPUS);
	h->sve = kvm_check_cap(kvm_fd, KVM_CAP_ARM_SVE) > 0;
	h->mte = kvm_check_cap(kvm_fd, KVM_CAP_ARM_MTE) > 0;
	h->ptrauth = kvm_check_cap(kvm_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0 &&
		     kvm_check_cap(kvm_fd, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0;
	h->pmu = kvm_check_cap(kvm_fd, KVM_CAP_ARM_PMU_V3) > 0;
	h->writable_id_regs =
		kvm_check_cap(kvm_fd, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) & 1;
	h->counter_offset = kvm_check_cap(kvm_fd, KVM_CAP_COUNTER_OFFSET) > 0;
	if (h->sve)
		return arm64_probe_sve_vls(kvm_fd, h->sve_vls);
	return 0;
}
