// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest requests through the test device, carried out on the requesting
 * vCPU's own thread: register round trips and moves into a new VM, SVE
 * patterns the guest then checks, MTE tags read and written through KVM,
 * and the guest's view of the ID registers compared with the CPU model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "../../arch/arm64/arm64.h"
#include "../../arch/arm64/sve.h"
#include "../testdev.h"
#include "test.h"

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

/*
 * Every vCPU parked, every vCPU's registers read and written back from
 * this thread, everyone resumed: a snapshot's path, checked by the guests.
 */
static int arm64_pause_roundtrip(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int ret = 0;

	vm_pause(vm, vcpu);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = arm64_regs_roundtrip(vm->vcpus[i]);
	vm_resume(vm);
	return ret;
}

/* The state of this vCPU into a fresh vCPU of a scratch VM, and back out to compare. */
static int arm64_regs_move(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct arm64_regs *r = &vcpu->arch->regs;
	struct vcpu scratch = { .vm = vm, .id = vcpu->id, .fd = -1 };
	struct arm64_scratch s;
	int ret = arm64_regs_list_once(vcpu, r);

	if (!ret)
		ret = arm64_regs_get(vcpu, r);
	if (!ret)
		ret = arm64_scratch_create(vm->kvm_fd, &vm->arch->shape, vcpu->id, &s);
	if (ret)
		return ret;
	scratch.fd = s.vcpu_fd;
	ret = arm64_regs_set(&scratch, r, ARM64_REGS_FRESH_VCPU);
	if (!ret && arm64_test(vm)->cfg->fault == FAULT_REGS_MOVE)
		arm64_flip_vector_bit(&scratch, 5, 3);
	if (!ret)
		ret = arm64_regs_verify(&scratch, r, "move to a new vCPU");
	arm64_scratch_destroy(&s);
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

	if (!a->shape.sve)
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

/* Copied out of guest memory: the guest may change it meanwhile. */
int arm64_test_mte_region(struct vm *vm, uint64_t desc_ipa,
			  struct testdev_mte_region *region)
{
	const void *p = guest_mem_ptr(&vm->mem, desc_ipa, sizeof(*region));
	static struct ratelimit rl;

	if (!vm->arch->shape.mte)
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
	int ret = arm64_test_mte_region(vcpu->vm, desc_ipa, &region);

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

/* TESTDEV_REQ_IDREGS_CHECK: the guest's register image at ipa, copied out first. */
static int arm64_idregs_request(struct vcpu *vcpu, uint64_t ipa)
{
	const uint8_t *p = guest_mem_ptr(&vcpu->vm->mem, ipa, ARM64_IDREGS_IMAGE_BYTES);
	uint8_t image[ARM64_IDREGS_IMAGE_BYTES];
	static struct ratelimit rl;

	if (!p) {
		log_ratelimited(&rl, LOG_ERR, "cpu", "vCPU %u: ID register report "
				"at 0x%" PRIx64 " is not in guest RAM", vcpu->id, ipa);
		return -EFAULT;
	}
	memcpy(image, p, sizeof(image));
	return arm64_idregs_compare_image(vcpu, image);
}

/*
 * TESTDEV_REQ_COUNTER_CHECK: the guest's CNTVCT_EL0, read before this
 * exit, against KVM's own view of the same counter read during it.
 */
static int arm64_counter_request(struct vcpu *vcpu, uint64_t guest_cnt)
{
	uint64_t kvm_cnt, slack = TESTDEV_COUNTER_SLACK_S * arm64_cntfrq();
	static struct ratelimit rl;
	int ret = kvm_get_one_reg(vcpu->fd, KVM_REG_ARM_TIMER_CNT, &kvm_cnt);

	if (ret)
		return ret;
	if (guest_cnt <= kvm_cnt && kvm_cnt - guest_cnt <= slack)
		return 0;
	log_ratelimited(&rl, LOG_ERR, "vcpu", "vCPU %u: the guest read CNTVCT_EL0 0x%" PRIx64
			" before this exit, KVM's virtual counter (KVM_REG_ARM_TIMER_CNT) "
			"reads 0x%" PRIx64 " during it: the guest's clock is %s by %.3f s; the "
			"host does not apply the VM's counter offset", vcpu->id, guest_cnt,
			kvm_cnt, guest_cnt > kvm_cnt ? "ahead" : "behind",
			(double)(guest_cnt > kvm_cnt ? guest_cnt - kvm_cnt : kvm_cnt - guest_cnt) /
				(double)arm64_cntfrq());
	return -ERANGE;
}

int arm64_test_request(struct vcpu *vcpu, uint32_t req, uint64_t arg)
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
	case TESTDEV_REQ_PAUSE_ROUNDTRIP:
		return arm64_pause_roundtrip(vcpu);
	case TESTDEV_REQ_IDREGS_CHECK:
		return arm64_idregs_request(vcpu, arg);
	case TESTDEV_REQ_COUNTER_CHECK:
		return arm64_counter_request(vcpu, arg);
	}
	return -ENOSYS;
}

