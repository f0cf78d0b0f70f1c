// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 side of the test device: guest requests carried out on the
 * requesting vCPU through ONE_REG (register round trips, SVE patterns the
 * guest then checks), and --inject-fault, which corrupts guest vector
 * state through ONE_REG so the guest's checkers must fail.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/testdev.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "regid.h"
#include "sve.h"

/* Flip one bit of a 128-bit V register (or the Z register holding it). */
static void arm64_flip_vector_bit(struct vcpu *vcpu, unsigned int reg, unsigned int bit)
{
	bool sve = vcpu->vm->arch->sve;
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

/* Read every register, write it back, read again: nothing may change. */
static int arm64_regs_roundtrip(struct vcpu *vcpu)
{
	struct arm64_regs *r = &vcpu->arch->regs;
	int ret = arm64_regs_list_once(vcpu, r);

	if (!ret)
		ret = arm64_regs_get(vcpu, r);
	if (!ret)
		ret = arm64_regs_set(vcpu, r, ARM64_REGS_SAME_VCPU);
	return ret ? ret : arm64_regs_verify(vcpu, r, "register round trip");
}

/* The state of this vCPU into a fresh vCPU of a scratch VM, and back out to compare. */
static int arm64_regs_move(struct vcpu *vcpu)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct arm64_regs *r = &vcpu->arch->regs;
	struct vcpu scratch = { .vm = vcpu->vm, .id = vcpu->id, .fd = -1 };
	int vm_fd, ret = arm64_regs_list_once(vcpu, r);

	if (!ret)
		ret = arm64_regs_get(vcpu, r);
	if (ret)
		return ret;
	vm_fd = arm64_vm_create_like(vcpu->vm);
	if (vm_fd < 0)
		return vm_fd;
	scratch.fd = kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, vcpu->id);
	ret = scratch.fd < 0 ? scratch.fd : 0;
	if (!ret)
		ret = arm64_vcpu_setup(vm_fd, scratch.fd, vcpu->id, a);
	if (!ret)
		ret = arm64_regs_set(&scratch, r, ARM64_REGS_FRESH_VCPU);
	if (!ret && vcpu->vm->cfg->inject_fault == FAULT_REGS_MOVE)
		arm64_flip_vector_bit(&scratch, 5, 3);
	if (!ret)
		ret = arm64_regs_verify(&scratch, r, "move to a new vCPU");
	if (scratch.fd >= 0)
		close(scratch.fd);
	close(vm_fd);
	return ret;
}

static unsigned int testdev_class(enum sve_reg_kind kind)
{
	return kind == SVE_Z ? TESTDEV_SVE_Z : kind == SVE_P ? TESTDEV_SVE_P : TESTDEV_SVE_FFR;
}

/* Z0-31, P0-15 and FFR at the vCPU's maximum VL, slice by slice, from the shared pattern. */
static int arm64_sve_write_pattern(struct vcpu *vcpu, uint64_t seed)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct arm64_regs *r = &vcpu->arch->regs;
	uint8_t image[SVE_MAX_SLICES * SVE_ZSLICE_BYTES];
	uint8_t slice[SVE_ZSLICE_BYTES];
	int ret;

	if (!a->sve)
		return -EOPNOTSUPP;
	ret = arm64_regs_list_once(vcpu, r);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < r->n; i++) {
		enum sve_reg_kind kind;
		unsigned int n, s;
		size_t bytes;

		if (sve_reg_id_decode(r->ids[i], &kind, &n, &s))
			continue;
		bytes = sve_reg_bytes(kind, a->sve_max_vl);
		if (bytes > sizeof(image))
			return -E2BIG;
		for (size_t b = 0; b < bytes; b++)
			image[b] = testdev_sve_pattern_byte(seed, testdev_class(kind), n,
							    (unsigned int)b);
		sve_slice_pack(kind, a->sve_max_vl, image, s, slice);
		ret = kvm_set_one_reg(vcpu->fd, r->ids[i], slice);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The guest's struct testdev_mte_region at desc_ipa: copied out of guest
 * memory (the guest may change it meanwhile) and checked like any
 * guest-controlled value.
 */
static int arm64_mte_region(struct vm *vm, uint64_t desc_ipa,
			    struct testdev_mte_region *region)
{
	const void *p = guest_mem_ptr(&vm->mem, desc_ipa, sizeof(*region));
	static struct ratelimit rl;

	if (!vm->arch->mte)
		return -EOPNOTSUPP;
	if (!p) {
		log_ratelimited(&rl, LOG_WARN, "testdev", "guest MTE request: descriptor "
				"at 0x%" PRIx64 " is not in guest RAM", desc_ipa);
		return -EFAULT;
	}
	memcpy(region, p, sizeof(*region));
	/* 64 MiB: more tag buffer than any test region needs, far less than RAM. */
	if (region->len > 64 * SZ_1M) {
		log_ratelimited(&rl, LOG_WARN, "testdev", "guest MTE request: region of "
				"0x%" PRIx64 " bytes is larger than 64 MiB", region->len);
		return -EINVAL;
	}
	return 0;
}

static struct ratelimit mte_rl;

/* TESTDEV_REQ_MTE_CHECK_TAGS / _WRITE_TAGS on the guest-described region. */
static int arm64_mte_request(struct vcpu *vcpu, uint64_t desc_ipa, bool write)
{
	struct testdev_mte_region region;
	uint64_t granules;
	uint8_t *tags;
	int ret = arm64_mte_region(vcpu->vm, desc_ipa, &region);

	if (ret)
		return ret;
	granules = region.len / TESTDEV_MTE_GRANULE;
	tags = malloc(granules ? granules : 1);
	if (!tags)
		return -ENOMEM;
	for (uint64_t g = 0; g < granules && write; g++)
		tags[g] = testdev_mte_pattern_tag(region.seed, g);
	ret = arm64_mte_copy_tags(vcpu->vm, region.ipa, region.len, tags, write);
	/* The first difference only: a guest must not be able to flood the log. */
	for (uint64_t g = 0; g < granules && !write && !ret; g++) {
		uint8_t want = testdev_mte_pattern_tag(region.seed, g);

		if (tags[g] != want) {
			log_ratelimited(&mte_rl, LOG_ERR, "vcpu", "vCPU %u: guest allocation "
					"tag at IPA 0x%" PRIx64 " is 0x%x, the guest says it "
					"set 0x%x", vcpu->id,
					region.ipa + g * TESTDEV_MTE_GRANULE, tags[g], want);
			ret = -EIO;
		}
	}
	free(tags);
	return ret;
}

/* --inject-fault=mte-tag: change the tag of one granule the guest will check. */
static void arm64_inject_mte_fault(struct vcpu *vcpu)
{
	struct testdev_mte_region region;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), ipa;
	uint8_t tags[65536 / TESTDEV_MTE_GRANULE];
	const unsigned int granule = 5;

	if (arm64_mte_region(vcpu->vm, vcpu->vm->testdev.cpu[vcpu->id].request_arg,
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

int arm64_testdev_request(struct vcpu *vcpu, uint32_t req, uint64_t arg)
{
	switch (req) {
	case TESTDEV_REQ_REGS_ROUNDTRIP:
		return arm64_regs_roundtrip(vcpu);
	case TESTDEV_REQ_SVE_WRITE_PATTERN:
		return arm64_sve_write_pattern(vcpu, arg);
	case TESTDEV_REQ_REGS_MOVE:
		return arm64_regs_move(vcpu);
	case TESTDEV_REQ_MTE_CHECK_TAGS:
		return arm64_mte_request(vcpu, arg, false);
	case TESTDEV_REQ_MTE_WRITE_TAGS:
		return arm64_mte_request(vcpu, arg, true);
	case TESTDEV_REQ_IDREGS_CHECK:
		return arm64_idregs_guest_check(vcpu, arg);
	}
	return -ENOSYS;
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
		if (sve_vls_has(a->sve_vls, vq))
			return vq * 128;
	return 0;
}

void arm64_testdev_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count)
{
	struct arch_vm *a = vcpu->vm->arch;
	unsigned int vl;

	switch (vcpu->vm->cfg->inject_fault) {
	case FAULT_FPSIMD:
		/* Early, so the guest's first check (MMIO exits) must catch it. */
		if (count == 3)
			arm64_flip_vector_bit(vcpu, 7, 42);
		break;
	case FAULT_SVE:
		/* A bit only an SVE check can see: the top one at the guest's VL. */
		if (tag != TESTDEV_PING_SVE || !a->sve ||
		    __atomic_load_n(&a->fault_injected, __ATOMIC_RELAXED))
			break;
		vl = arm64_guest_vl(vcpu);
		if (vl >= 512 && !__atomic_exchange_n(&a->fault_injected, true,
						      __ATOMIC_RELAXED))
			arm64_flip_vector_bit(vcpu, 7, vl - 1);
		break;
	case FAULT_HOST_SVE:	/* injected by the host check's signal handler */
		break;
	case FAULT_MTE_TAG:
		if (tag == TESTDEV_PING_MTE &&
		    !__atomic_exchange_n(&a->fault_injected, true, __ATOMIC_RELAXED))
			arm64_inject_mte_fault(vcpu);
		break;
	case FAULT_REGS_MOVE:	/* injected by arm64_regs_move() */
	case FAULT_HOST_MTE:	/* injected by the host MTE check */
	case FAULT_IDREG:	/* injected by arch_vm_after_run() */
	case FAULT_NONE:
		break;
	}
}
