// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86_64 test machinery as the VMM sees it: the hooks of
 * kvmini/test-hooks.h. Adds the test device (MMIO, and its PING port),
 * wraps each vCPU thread's KVM_RUN with the host vector check, and turns
 * the test device's report into the exit status.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "../../arch/x86_64/layout.h"
#include "../testdev.h"
#include "test.h"

static int test_check(struct vm *vm)
{
	struct x86_test *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	vm->test = t;
	t->cfg = vm->cfg->test;
	t->host_check = t->cfg->host_check != FEATURE_OFF;
	if (t->cfg->fault == FAULT_HOST_VEC)
		host_vec_arm_fault();
	return 0;
}

static int test_attach(struct vm *vm)
{
	struct x86_test *t = x86_test(vm);
	struct device *port;
	struct testdev *td;
	int ret;

	if (!t->cfg->test_device)
		return 0;
	ret = testdev_create(X86_TESTDEV_BASE, vm->cfg->nr_cpus, &td);
	if (ret)
		return ret;
	/* Only faults fired at PING exits need the hook: the exit path pays for none. */
	if (t->cfg->fault == FAULT_VEC || t->cfg->fault == FAULT_RESTORE)
		td->ping_hook = x86_test_ping;
	td->request = x86_test_request;
	ret = vm_add_device(vm, &td->dev);
	if (ret)
		return ret;
	t->testdev = td;
	ret = testdev_port_create(td, X86_TESTDEV_PORT, &port);
	return ret ? ret : vm_add_device(vm, port);
}

/* KVM_RUN with the host check's state live around it, then its checks. */
static __hot int test_kvm_run(struct vcpu *vcpu, int *run_ret)
{
	struct x86_test_vcpu *tv = vcpu->test;

	return host_vec_kvm_run(&tv->host_vec, vcpu->fd, run_ret);
}

static int test_vcpu_thread_start(struct vcpu *vcpu)
{
	const struct x86_test *t = x86_test(vcpu->vm);
	struct x86_test_vcpu *tv = calloc(1, sizeof(*tv));
	int ret = 0;

	if (!tv)
		return -ENOMEM;
	vcpu->test = tv;
	if (t->host_check)
		ret = host_vec_start(&tv->host_vec, vcpu->id, host_vec_width_here());
	if (!ret && t->host_check)
		vcpu->run_hook = test_kvm_run;
	return ret;
}

static void test_vcpu_thread_end(struct vcpu *vcpu)
{
	struct x86_test_vcpu *tv = vcpu->test;

	if (!tv)
		return;
	vcpu->run_hook = NULL;
	host_vec_stop(&tv->host_vec);
	free(tv);
	vcpu->test = NULL;
}

static void test_print_stats(struct vm *vm, FILE *f)
{
	const struct x86_test *t = x86_test(vm);

	if (t->testdev)
		testdev_print_stats(t->testdev, f);
	if (t->host_check)
		fprintf(f, "kvmini: stats: host vector check on (%s), %llu timer signals "
			"taken by vCPU threads\n", host_vec_width_name(host_vec_width_here()),
			(unsigned long long)host_vec_signals());
}

static int test_exit_status(struct vm *vm, int fallback)
{
	const struct x86_test *t = x86_test(vm);

	/* Without the test device the guest cannot report: its ending counts as clean. */
	return t->testdev ? testdev_exit_status(t->testdev, fallback) : 0;
}

static void test_detach(struct vm *vm)
{
	free(vm->test);
	vm->test = NULL;
}

static const struct test_hooks x86_test_hooks = {
	.check = test_check,
	.attach = test_attach,
	.vcpu_thread_start = test_vcpu_thread_start,
	.vcpu_thread_end = test_vcpu_thread_end,
	.print_stats = test_print_stats,
	.exit_status = test_exit_status,
	.detach = test_detach,
};

const struct test_hooks *test_hooks_for(const struct vm_config *cfg)
{
	return cfg->test && cfg->test->enabled ? &x86_test_hooks : NULL;
}
