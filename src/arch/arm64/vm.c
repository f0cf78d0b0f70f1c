// SPDX-License-Identifier: GPL-2.0-only
/* arm64 VM: machine type from the IPA size, capabilities, RAM, devices. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "layout.h"
#include "sve.h"

/* KVM's IPA size when the VM type asks for none (api.rst, KVM_CREATE_VM). */
#define ARM64_DEFAULT_IPA_BITS 40
#define ARM64_MIN_IPA_BITS 32

static unsigned int bits_for(uint64_t last_addr)
{
	return 64 - (unsigned int)__builtin_clzll(last_addr | 1);
}

/* The smallest IPA space that holds the memory map, within the host's limit. */
static int arm64_choose_ipa(const struct vm *vm, unsigned long *type)
{
	const struct vm_config *cfg = vm->cfg;
	int host_ipa = vm->arch->host.ipa_bits;
	unsigned int limit = host_ipa > 0 ? (unsigned int)host_ipa : ARM64_DEFAULT_IPA_BITS;
	unsigned int need = bits_for(ARM64_RAM_BASE + cfg->ram_size - 1);

	if (need > limit) {
		log_err("vm", "--mem %" PRIu64 "M: guest RAM would end at 0x%" PRIx64
			", beyond this host's %u-bit guest physical address space "
			"(at most %" PRIu64 " MiB of RAM)", cfg->ram_size >> 20,
			ARM64_RAM_BASE + cfg->ram_size - 1, limit,
			((UINT64_C(1) << limit) - ARM64_RAM_BASE) >> 20);
		return -EINVAL;
	}
	if (host_ipa <= 0) {
		*type = 0;	/* no KVM_CAP_ARM_VM_IPA_SIZE: the fixed 40-bit space */
		return 0;
	}
	/* Fewer bits, fewer stage-2 levels to walk; KVM's default is the floor. */
	if (need < ARM64_DEFAULT_IPA_BITS)
		need = ARM64_DEFAULT_IPA_BITS;
	if (need > limit)
		need = limit;
	if (need < ARM64_MIN_IPA_BITS)
		need = ARM64_MIN_IPA_BITS;
	*type = KVM_VM_TYPE_ARM_IPA_SIZE(need);
	log_debug("vm", "IPA size %u bits (host supports %d)", need, host_ipa);
	return 0;
}

/* SVE: on at the host's largest VL unless the user chose; refuse what KVM cannot give. */
static int arm64_choose_sve(struct arch_vm *a, const struct arch_config *cfg)
{
	char vls[256];
	unsigned int max_vq;

	sve_vls_format(a->host.sve_vls, vls, sizeof(vls));
	if (cfg->sve == FEATURE_OFF || (cfg->sve == FEATURE_AUTO && !a->host.sve))
		return 0;
	if (!a->host.sve) {
		log_err("vm", "--sve-vl %u: this host's KVM offers no SVE "
			"(KVM_CAP_ARM_SVE is 0); leave the option out or use --no-sve",
			cfg->sve_max_vl);
		return -EINVAL;
	}
	max_vq = cfg->sve_max_vl ? cfg->sve_max_vl / 128 : sve_vls_max_vq(a->host.sve_vls);
	if (sve_vls_limit(a->host.sve_vls, max_vq, a->shape.sve_vls)) {
		log_err("vm", "--sve-vl %u: not a vector length this host supports "
			"(supported: %s)", cfg->sve_max_vl, vls);
		return -EINVAL;
	}
	a->shape.sve = true;
	a->sve_max_vl = max_vq * 128;
	log_debug("vm", "SVE up to %u bits (host: %s)", a->sve_max_vl, vls);
	return 0;
}

/* --pmu: only where KVM can give the guest a PMUv3 (it needs the host's PMU driver). */
static int arm64_choose_pmu(struct arch_vm *a, const struct arch_config *cfg)
{
	if (!cfg->pmu)
		return 0;
	if (!a->host.pmu) {
		log_err("vm", "--pmu: this host's KVM offers guests no PMUv3 "
			"(KVM_CAP_ARM_PMU_V3 is 0: no PMU driver on the host?); leave --pmu out");
		return -EINVAL;
	}
	a->shape.pmu = true;
	return 0;
}

int arch_vm_check(struct vm *vm, unsigned long *type)
{
	const struct vm_config *cfg = vm->cfg;
	struct arch_vm *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	a->gic_fd = a->its_fd = -1;
	vm->arch = a;
	a->mpidrs = calloc(cfg->nr_cpus, sizeof(*a->mpidrs));
	if (!a->mpidrs)
		return -ENOMEM;
	if (cfg->nr_cpus > ARM64_MAX_CPUS) {
		log_err("vm", "--cpus %u: the arm64 memory map has room for the GIC "
			"redistributors of %" PRIu64 " vCPUs at most", cfg->nr_cpus,
			ARM64_MAX_CPUS);
		return -EINVAL;
	}
	ret = arm64_host_probe(vm->kvm_fd, &a->host);
	if (!ret)
		ret = arm64_choose_sve(a, arm64_config_get(cfg));
	if (!ret)
		ret = arm64_choose_mte(a, cfg);
	if (!ret)
		ret = arm64_choose_pmu(a, arm64_config_get(cfg));
	if (!ret)
		ret = arm64_choose_ipa(vm, type);
	if (!ret)
		a->shape.vm_type = *type;
	if (!ret)
		ret = arm64_choose_cpu_model(vm);
	return ret;
}

int arch_vm_init(struct vm *vm)
{
	struct arch_vm *a = vm->arch;
	int ret;

	ret = arm64_vm_enable_caps(vm->vm_fd, &a->shape);
	if (ret)
		return ret;
	/*
	 * An MMIO access KVM cannot decode (LDP, writeback...) would make
	 * KVM_RUN fail with ENOSYS and take the whole VM down. With this cap
	 * it comes to us instead, and the guest gets an external abort, as
	 * on hardware with nothing at that address.
	 */
	if (kvm_check_cap(vm->vm_fd, KVM_CAP_ARM_NISV_TO_USER) > 0 &&
	    kvm_check_cap(vm->vm_fd, KVM_CAP_ARM_INJECT_EXT_DABT) > 0) {
		ret = kvm_enable_cap(vm->vm_fd, KVM_CAP_ARM_NISV_TO_USER, 0);
		if (ret)
			return ret;
		a->inject_ext_dabt = true;
	}
	return arm64_clock_init(vm);
}

int arch_vm_add_memory(struct vm *vm)
{
	if (vm->cfg->mem_path)
		return guest_mem_add_file(&vm->mem, ARM64_RAM_BASE, vm->cfg->ram_size,
					  vm->cfg->mem_path);
	return guest_mem_add(&vm->mem, ARM64_RAM_BASE, vm->cfg->ram_size,
			     GUEST_MEM_ANON);
}

void arch_vm_destroy(struct vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!a)
		return;
	if (a->gic_fd >= 0)
		close(a->gic_fd);
	if (a->its_fd >= 0)
		close(a->its_fd);
	free(a->mpidrs);
	arm64_idregs_free(a);
	free(a);
	vm->arch = NULL;
}
