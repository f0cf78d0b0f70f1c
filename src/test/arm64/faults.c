// SPDX-License-Identifier: GPL-2.0-only
/*
 * --inject-fault: state corrupted on purpose, through KVM, so that a
 * checker must fail and name what was hit - the proof that each checker
 * can fail. Guest vector registers and allocation tags are changed here,
 * at test device exits; the host-side faults live with the host checks.
 */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "../../arch/arm64/arm64.h"
#include "../../arch/arm64/regid.h"
#include "../../arch/arm64/sve.h"
#include "../testdev.h"
#include "test.h"

/* Flip one bit of a 128-bit V register (or the Z register holding it). */
void arm64_flip_vector_bit(struct vcpu *vcpu, unsigned int reg, unsigned int bit)
{
	bool sve = vcpu->vm->arch->shape.sve;
	/* With SVE on, KVM refuses the core block's V registers: use Zn. */
	uint64_t id = sve ? sve_reg_id(SVE_Z, reg, bit / (SVE_ZSLICE_BYTES * 8)) :
		KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
		(offsetof(struct kvm_regs, fp_regs.vregs[reg]) / sizeof(__u32));
	unsigned int in_slice = bit % (SVE_ZSLICE_BYTES * 8);
	uint8_t v[SVE_ZSLICE_BYTES];

	if (kvm_get_one_reg(vcpu->fd, id, v))
		return;
	v[in_slice / 8] ^= (uint8_t)(1U << (in_slice % 8));
	if (kvm_set_one_reg(vcpu->fd, id, v))
		return;
	log_info("vcpu", "--inject-fault: flipped bit %u of %s%u on vCPU %u; a "
		 "check must now fail", bit, sve && bit >= 128 ? "Z" : "V", reg, vcpu->id);
}

/* --inject-fault=mte-tag: change the tag of one granule the guest will check. */
static void arm64_inject_mte_fault(struct vcpu *vcpu)
{
	struct testdev_mte_region region;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), ipa;
	uint8_t tags[65536 / TESTDEV_MTE_GRANULE];
	const unsigned int granule = 5;

	if (arm64_test_mte_region(vcpu->vm, arm64_test(vcpu->vm)->testdev->cpu[vcpu->id].request_arg,
			     &region) || region.len < page || page > sizeof(tags) * 16)
		return;
	ipa = region.ipa + granule * TESTDEV_MTE_GRANULE;
	if (arm64_mte_copy_tags(vcpu->vm, region.ipa, page, tags, false))
		return;
	tags[granule] = (tags[granule] + 1) & 0xf;
	if (arm64_mte_copy_tags(vcpu->vm, region.ipa, page, tags, true))
		return;
	log_info("vcpu", "--inject-fault: set the allocation tag at IPA 0x%" PRIx64
		 " to 0x%x on vCPU %u; a check must now fail", ipa, tags[granule], vcpu->id);
}

/* The guest's current SVE vector length: ZCR_EL1.LEN, within the vCPU's set. */
static unsigned int arm64_guest_vl(struct vcpu *vcpu)
{
	const struct arch_vm *a = vcpu->vm->arch;
	uint64_t zcr;

	if (kvm_get_one_reg(vcpu->fd, arm64_sysreg_id(3, 0, 1, 2, 0), &zcr))
		return 0;
	/* A LEN naming a VL the vCPU lacks selects the next smaller one it has. */
	for (unsigned int vq = (unsigned int)(zcr & 0xf) + 1; vq > 0; vq--)
		if (sve_vls_has(a->shape.sve_vls, vq))
			return vq * 128;
	return 0;
}

/* --inject-fault=timer: bit 12 of the guest's virtual timer compare value. */
static void arm64_inject_timer_fault(struct vcpu *vcpu)
{
	uint64_t cval;

	if (kvm_get_one_reg(vcpu->fd, KVM_REG_ARM_TIMER_CVAL, &cval))
		return;
	cval ^= 1ULL << 12;
	if (kvm_set_one_reg(vcpu->fd, KVM_REG_ARM_TIMER_CVAL, &cval))
		return;
	log_info("vcpu", "--inject-fault: vCPU %u: flipped bit 12 of CNTV_CVAL_EL0 (now 0x%" PRIx64
		 "); the guest's timer check must catch it", vcpu->id, cval);
}

void arm64_test_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count)
{
	struct arm64_test *t = arm64_test(vcpu->vm);
	unsigned int vl;

	switch (t->cfg->fault) {
	case FAULT_FPSIMD:
		/* Early, so the guest's first check (MMIO exits) must catch it. */
		if (count == 3)
			arm64_flip_vector_bit(vcpu, 7, 42);
		break;
	case FAULT_SVE:
		/* A bit only an SVE check can see: the top one at the guest's VL. */
		if (tag != TESTDEV_PING_SVE || !vcpu->vm->arch->shape.sve ||
		    __atomic_load_n(&t->fault_injected, __ATOMIC_RELAXED))
			break;
		vl = arm64_guest_vl(vcpu);
		if (vl >= 512 && !__atomic_exchange_n(&t->fault_injected, true,
						      __ATOMIC_RELAXED))
			arm64_flip_vector_bit(vcpu, 7, vl - 1);
		break;
	case FAULT_HOST_SVE:	/* injected by the host check's signal handler */
		break;
	case FAULT_MTE_TAG:
		if (tag == TESTDEV_PING_MTE &&
		    !__atomic_exchange_n(&t->fault_injected, true, __ATOMIC_RELAXED))
			arm64_inject_mte_fault(vcpu);
		break;
	case FAULT_RESTORE:
		/*
		 * A restored VM, at its first exit of an FP/SIMD (tag 1) or
		 * SVE check: a bit of V7 (Z7) the guest holds a pattern in, as
		 * if the restore had lost it. Only the guest's checks see it.
		 */
		if (vcpu->vm->restore && (tag == TESTDEV_PING_SVE || tag == 1) &&
		    !__atomic_exchange_n(&t->fault_injected, true, __ATOMIC_RELAXED))
			arm64_flip_vector_bit(vcpu, 7, 42);
		break;
	case FAULT_TIMER:
		if (tag == TESTDEV_PING_CLOCK &&
		    !__atomic_exchange_n(&t->fault_injected, true, __ATOMIC_RELAXED))
			arm64_inject_timer_fault(vcpu);
		break;
	case FAULT_REGS_MOVE:	/* injected by arm64_regs_move() */
	case FAULT_HOST_MTE:	/* injected by the host MTE check */
	case FAULT_IDREG:	/* injected by the after_run hook */
	case FAULT_HOST_IDREG:	/* injected by the ID-register probe */
	case FAULT_NONE:
		break;
	}
}
