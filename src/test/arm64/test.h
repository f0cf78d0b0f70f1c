/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 test machinery: its options, its state in a VM (vm->test) and
 * in each vCPU (vcpu->test). The VMM reaches it only through
 * arm64_test_hooks (kvmini/test-hooks.h).
 */
#ifndef KVMINI_TEST_ARM64_TEST_H
#define KVMINI_TEST_ARM64_TEST_H

#include <kvmini/config.h>
#include <kvmini/test-hooks.h>
#include <kvmini/testdev-abi.h>
#include <kvmini/vm.h>

#include "../options_common.h"

#include "host_mte.h"
#include "host_sve.h"

struct vcpu;
struct testdev;

/* Faults a test run can inject to prove the checkers catch them. */
enum fault_kind {
	FAULT_NONE,
	FAULT_FPSIMD,	/* flip one bit of a guest V register mid-run */
	FAULT_SVE,	/* flip a bit of a guest Z register beyond V, mid-run */
	FAULT_HOST_SVE,	/* corrupt the vCPU thread's own V3/Z3 in a signal frame */
	FAULT_REGS_MOVE, /* damage a register moved into a new VM's vCPU */
	FAULT_MTE_TAG,	/* flip a guest allocation tag through KVM_ARM_MTE_COPY_TAGS */
	FAULT_HOST_MTE,	/* retag a granule of a vCPU thread's own tagged page */
	FAULT_IDREG,	/* change an ID register value the after-run compare expects */
	FAULT_RESTORE,	/* a restored VM: a bit of V7 at its first FP/SIMD or SVE check exit */
	FAULT_HOST_IDREG, /* the ID-register limit probe expects an allowed value refused */
	FAULT_TIMER,	/* a bit of the guest's CNTV_CVAL_EL0 at its first timer check exit */
};

struct test_config {
	bool enabled;			/* anything below is on: install the hooks */
	bool test_device;		/* the VM gets the test device */
	/* The vCPU threads check SVE and MTE state of their own across KVM_RUN. */
	enum feature_choice host_check;
	unsigned int host_sve_vl;	/* bits; 0: one that differs from the guest's */
	enum fault_kind fault;
	/* The options as given; finish() judges them into the fields above. */
	struct test_asked asked;
};

/* vm->test */
struct arm64_test {
	const struct test_config *cfg;
	struct testdev *testdev;	/* NULL: the VM has no test device */
	unsigned int host_sve_vl;	/* vCPU threads' own VL; 0: no host SVE check */
	bool host_mte;			/* vCPU threads check MTE state of their own */
	bool fault_injected;		/* --inject-fault fires once per VM */
};

/* vcpu->test */
struct arm64_test_vcpu {
	struct host_sve host_sve;
	struct host_mte host_mte;
};

static inline struct arm64_test *arm64_test(const struct vm *vm)
{
	return vm->test;
}

/* Guest requests through the test device (requests.c). */
int arm64_test_request(struct vcpu *vcpu, uint32_t req, uint64_t arg);
/*
 * The guest's struct testdev_mte_region at desc_ipa, copied out of guest
 * memory and checked like any guest-controlled value.
 */
int arm64_test_mte_region(struct vm *vm, uint64_t desc_ipa,
			  struct testdev_mte_region *region);

/* Fault injection (faults.c). */
void arm64_test_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count);
/* Flip one bit of a 128-bit V register (or the Z register holding it). */
void arm64_flip_vector_bit(struct vcpu *vcpu, unsigned int reg, unsigned int bit);

#endif
