// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86_64 guest's requests through the test device, each on the
 * requesting vCPU's own thread during its exit, and --inject-fault at its
 * PING exits: the state a snapshot or migration moves (KVM_GET/SET_XSAVE2,
 * registers, XCRs, the APIC...), read, written and compared.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "../../arch/x86_64/x86_64.h"
#include "../testdev.h"
#include "test.h"

/* Read every piece, write it back, read again: nothing may change. */
static int x86_regs_roundtrip(struct vcpu *vcpu)
{
	const struct x86_host *host = &vcpu->vm->arch->host;
	struct x86_vcpu_state *before = &vcpu->arch->scratch;
	struct x86_vcpu_state after;
	int ret = x86_state_alloc(&after, vcpu->vm->arch);

	if (!ret)
		ret = x86_state_get(vcpu->fd, host, before);
	if (!ret)
		ret = x86_state_set(vcpu->fd, host, before, X86_STATE_KEEP_TSC);
	if (!ret)
		ret = x86_state_get(vcpu->fd, host, &after);
	if (!ret)
		ret = x86_state_compare(vcpu->id, host, before, &after, "register round trip");
	x86_state_free(&after);
	return ret;
}

/* Every vCPU parked, every vCPU's state round-tripped from this thread: the snapshot path. */
static int x86_pause_roundtrip(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int ret = 0;

	vm_pause(vm, vcpu);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = x86_regs_roundtrip(vm->vcpus[i]);
	vm_resume(vm);
	return ret;
}

/*
 * Flip one bit of vector register reg in an XSAVE image (its YMM upper half
 * with AVX), and mark that component in use: XRSTOR loads a component
 * whose XSTATE_BV bit is clear from its init state, dropping the flip.
 */
static void x86_flip_vector_bit(uint8_t *xsave, bool ymm, unsigned int reg, unsigned int bit)
{
	size_t off = (ymm ? XSAVE_YMM_OFFSET : XSAVE_XMM_OFFSET) + 16 * reg + bit / 8;
	uint64_t bv;

	xsave[off] ^= (uint8_t)(1u << (bit % 8));
	memcpy(&bv, xsave + XSAVE_HDR_OFFSET, 8);
	bv |= XFEATURE_MASK(ymm ? XFEATURE_YMM : XFEATURE_SSE);
	memcpy(xsave + XSAVE_HDR_OFFSET, &bv, 8);
}

static bool x86_xcr0_has_ymm(const struct x86_vcpu_state *s)
{
	return s->xcrs.nr_xcrs > 0 && (s->xcrs.xcrs[0].value & XFEATURE_MASK(XFEATURE_YMM));
}

/* This vCPU's state into a fresh vCPU of a scratch VM, and back out to compare. */
static int x86_regs_move(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	const struct x86_host *host = &vm->arch->host;
	struct x86_vcpu_state *s = &vcpu->arch->scratch;
	struct x86_vcpu_state moved;
	struct x86_scratch scratch;
	int ret = x86_state_alloc(&moved, vm->arch);

	if (!ret)
		ret = x86_state_get(vcpu->fd, host, s);
	if (ret) {
		x86_state_free(&moved);
		return ret;
	}
	ret = x86_scratch_create(vm, vcpu->id, &scratch);
	if (!ret)
		ret = x86_state_set(scratch.vcpu_fd, host, s, X86_STATE_ALL);
	if (!ret && x86_test(vm)->cfg->fault == FAULT_REGS_MOVE) {
		/* Damage what the new vCPU holds: the read-back compare must catch it. */
		ret = x86_state_get(scratch.vcpu_fd, host, &moved);
		x86_flip_vector_bit(moved.xsave, x86_xcr0_has_ymm(s), 5, 3);
		if (!ret)
			ret = kvm_ioctl(scratch.vcpu_fd, KVM_SET_XSAVE, (struct kvm_xsave *)moved.xsave);
	}
	if (!ret)
		ret = x86_state_get(scratch.vcpu_fd, host, &moved);
	if (!ret)
		ret = x86_state_compare(vcpu->id, host, s, &moved, "move to a new vCPU");
	if (ret != -ENOMEM && ret != -EIO && ret)
		log_err("vcpu", "vCPU %u: moving its state to a new vCPU failed: %s", vcpu->id,
			strerror(-ret));
	x86_scratch_destroy(&scratch);
	x86_state_free(&moved);
	return ret;
}

/* XMM0-15 (and YMM0-15's upper halves when the guest's XCR0 has AVX) from the shared pattern. */
static int x86_vec_write_pattern(struct vcpu *vcpu, uint64_t seed)
{
	const struct x86_host *host = &vcpu->vm->arch->host;
	struct x86_vcpu_state *s = &vcpu->arch->scratch;
	uint8_t *xsave = s->xsave;
	uint64_t bv;
	bool ymm;
	int ret = x86_state_get(vcpu->fd, host, s);

	if (ret)
		return ret;
	ymm = x86_xcr0_has_ymm(s);
	for (unsigned int n = 0; n < 16; n++) {
		for (unsigned int b = 0; b < 32; b++) {
			uint8_t v = testdev_sve_pattern_byte(seed, TESTDEV_SVE_Z, n, b);

			if (b < 16)
				xsave[XSAVE_XMM_OFFSET + 16 * n + b] = v;
			else if (ymm)
				xsave[XSAVE_YMM_OFFSET + 16 * n + b - 16] = v;
		}
	}
	/* The components now hold data: XSTATE_BV must say so, or XRSTOR loads their init state. */
	memcpy(&bv, xsave + XSAVE_HDR_OFFSET, 8);
	bv |= XFEATURE_MASK(XFEATURE_SSE) | (ymm ? XFEATURE_MASK(XFEATURE_YMM) : 0);
	memcpy(xsave + XSAVE_HDR_OFFSET, &bv, 8);
	return kvm_ioctl(vcpu->fd, KVM_SET_XSAVE, (struct kvm_xsave *)xsave);
}

int x86_test_request(struct vcpu *vcpu, uint32_t req, uint64_t arg)
{
	switch (req) {
	case TESTDEV_REQ_REGS_ROUNDTRIP:
		return x86_regs_roundtrip(vcpu);
	case TESTDEV_REQ_REGS_MOVE:
		return x86_regs_move(vcpu);
	case TESTDEV_REQ_PAUSE_ROUNDTRIP:
		return x86_pause_roundtrip(vcpu);
	case TESTDEV_REQ_VEC_WRITE_PATTERN:
		return x86_vec_write_pattern(vcpu, arg);
	case TESTDEV_REQ_SVE_WRITE_PATTERN:
	case TESTDEV_REQ_MTE_CHECK_TAGS:
	case TESTDEV_REQ_MTE_WRITE_TAGS:
	case TESTDEV_REQ_IDREGS_CHECK:
	case TESTDEV_REQ_COUNTER_CHECK:
		return -EOPNOTSUPP;	/* arm64's */
	}
	return -ENOSYS;
}

/*
 * --inject-fault=vec: at the guest's third PING exit taken with its vector
 * patterns live, flip bit 37 of YMM7 (XMM7 when its XCR0 has no AVX)
 * through KVM_SET_XSAVE. The guest's own check must then fail, naming it.
 */
void x86_test_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count)
{
	struct x86_test *t = x86_test(vcpu->vm);
	const struct x86_host *host = &vcpu->vm->arch->host;
	struct x86_vcpu_state *s = &vcpu->arch->scratch;
	static unsigned int vec_pings;
	bool ymm;

	(void)count;
	if (tag != TESTDEV_PING_VEC)
		return;
	/*
	 * vec: the third vector check's exit. restore: a restored VM's first,
	 * as if the restore had lost a bit the guest holds a pattern in.
	 */
	if (t->cfg->fault == FAULT_VEC ?
	    __atomic_add_fetch(&vec_pings, 1, __ATOMIC_RELAXED) != 3 :
	    t->cfg->fault != FAULT_RESTORE || !vcpu->vm->restore)
		return;
	if (__atomic_exchange_n(&t->fault_injected, true, __ATOMIC_RELAXED))
		return;
	if (x86_state_get(vcpu->fd, host, s))
		return;
	ymm = x86_xcr0_has_ymm(s);
	x86_flip_vector_bit(s->xsave, ymm, 7, 37);
	if (kvm_ioctl(vcpu->fd, KVM_SET_XSAVE, (struct kvm_xsave *)s->xsave))
		return;
	log_info("vcpu", "vCPU %u: --inject-fault=%s: flipped bit %u of %s7", vcpu->id,
		 t->cfg->fault == FAULT_VEC ? "vec" : "restore", ymm ? 128 + 37 : 37,
		 ymm ? "YMM" : "XMM");
}
