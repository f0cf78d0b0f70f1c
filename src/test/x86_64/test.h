/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86_64 test machinery: the test device (MMIO and its PING port),
 * guest requests on XSAVE state, the host vector check and fault
 * injection. The VMM reaches it only through kvmini/test-hooks.h.
 */
#ifndef KVMINI_TEST_X86_64_TEST_H
#define KVMINI_TEST_X86_64_TEST_H

#include <kvmini/config.h>
#include <kvmini/test-hooks.h>
#include <kvmini/testdev-abi.h>
#include <kvmini/vm.h>

#include "../options_common.h"

#include "host_vec.h"

struct vcpu;
struct device;
struct testdev;

/* Faults a test run can inject to prove the checkers catch them. */
enum fault_kind {
	FAULT_NONE,
	FAULT_VEC,	/* flip a bit of the guest's YMM7 (XMM7 without AVX) mid-run */
	FAULT_REGS_MOVE, /* damage a register moved into a new VM's vCPU */
	FAULT_HOST_VEC,	/* corrupt a vCPU thread's own YMM register across KVM_RUN */
	FAULT_RESTORE,	/* a restored VM: a bit of YMM7 (XMM7) at its first vector check exit */
};

struct test_config {
	bool enabled;			/* anything below is on: install the hooks */
	bool test_device;		/* the VM gets the test device */
	/* The vCPU threads check vector state of their own across KVM_RUN. */
	enum feature_choice host_check;
	enum fault_kind fault;
	struct test_asked asked;
};

/* vm->test */
struct x86_test {
	const struct test_config *cfg;
	struct testdev *testdev;	/* NULL: the VM has no test device */
	bool host_check;		/* vCPU threads hold vector state of their own */
	bool fault_injected;		/* --inject-fault fires once per VM */
};

/* vcpu->test */
struct x86_test_vcpu {
	struct host_vec host_vec;
};

static inline struct x86_test *x86_test(const struct vm *vm)
{
	return vm->test;
}

/* Guest requests through the test device (requests.c). */
int x86_test_request(struct vcpu *vcpu, uint32_t req, uint64_t arg);
/* --inject-fault=vec at the guest's PING exits (requests.c). */
void x86_test_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count);
/* A device at port `port` whose 32-bit write is a PING of td (port.c). */
int __must_check testdev_port_create(struct testdev *td, uint16_t port, struct device **out);

#endif
