// SPDX-License-Identifier: GPL-2.0-only
/*
 * What this host's KVM offers arm64 guests. Most of it is capabilities;
 * the SVE vector lengths exist only on a vCPU, so a scratch VM with one
 * SVE vCPU is made and thrown away: the real VM is created only once the
 * configuration is known to be possible.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <kvmini/log.h>

#include "arm64.h"
#include "sve.h"

static int arm64_probe_sve_vls(int kvm_fd, uint64_t vls[SVE_VLS_WORDS])
{
	struct kvm_vcpu_init init;
	int vm_fd, vcpu_fd = -1, ret;

	vm_fd = kvm_ioctl_val(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		return vm_fd;
	ret = kvm_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
	if (ret)
		goto out;
	vcpu_fd = kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0) {
		ret = vcpu_fd;
		goto out;
	}
	init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	ret = kvm_ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init);
	if (!ret)
		ret = kvm_get_one_reg(vcpu_fd, KVM_REG_ARM64_SVE_VLS, vls);
out:
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	close(vm_fd);
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
