// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 test machinery as the VMM sees it: the hooks of
 * kvmini/test-hooks.h. Decides the host check before the VM exists, adds
 * the test device, asks the host's KVM to refuse ID-register values beyond
 * its limits, wraps each vCPU thread's KVM_RUN with the host SVE and
 * MTE checks, and turns the test device's report into the exit status.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "../../arch/arm64/arm64.h"
#include "../../arch/arm64/layout.h"
#include "../../arch/arm64/sve.h"
#include "../testdev.h"
#include "host_idregs.h"
#include "test.h"

/*
 * The host check runs the vCPU threads at a VL of their own, by default
 * the smallest this host has that differs from the guest's maximum, so
 * every exit also switches the vector length.
 */
static int test_choose_host_check(struct arm64_test *t, const struct arch_vm *a)
{
	const struct test_config *cfg = t->cfg;
	char vls[256];

	if (cfg->host_check == FEATURE_OFF)
		return 0;
	t->host_mte = host_mte_available();
	if (!a->host.sve) {
		if (cfg->host_check == FEATURE_ON && (cfg->host_sve_vl || !t->host_mte)) {
			log_err("vm", "--host-check%s: the host check holds SVE state in "
				"the vCPU threads, and this host has no SVE",
				cfg->host_sve_vl ? " with --host-sve-vl" : "");
			return -EINVAL;
		}
		log_info("vm", "host SVE check: off, this host has no SVE");
		return 0;
	}
	if (cfg->host_sve_vl) {
		if (!sve_vls_has(a->host.sve_vls, cfg->host_sve_vl / 128)) {
			sve_vls_format(a->host.sve_vls, vls, sizeof(vls));
			log_err("vm", "--host-sve-vl %u: not a vector length this host "
				"supports (supported: %s)", cfg->host_sve_vl, vls);
			return -EINVAL;
		}
		t->host_sve_vl = cfg->host_sve_vl;
		return 0;
	}
	for (unsigned int vq = 1; vq <= SVE_VQ_MAX && !t->host_sve_vl; vq++)
		if (sve_vls_has(a->host.sve_vls, vq) && vq * 128 != a->sve_max_vl)
			t->host_sve_vl = vq * 128;
	if (!t->host_sve_vl)	/* a host with one VL: share it */
		t->host_sve_vl = a->sve_max_vl;
	log_debug("vm", "host SVE check at %u bits", t->host_sve_vl);
	return 0;
}

static int test_check(struct vm *vm)
{
	struct arm64_test *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	vm->test = t;
	t->cfg = vm->cfg->test;
	ret = test_choose_host_check(t, vm->arch);
	if (!ret && t->cfg->host_check != FEATURE_OFF)
		ret = host_idregs_check(vm->kvm_fd, vm->arch, t->cfg->fault == FAULT_HOST_IDREG);
	if (ret || t->cfg->fault != FAULT_HOST_SVE)
		return ret;
	/*
	 * The fault is planted in the signal frame's SVE record, which fits
	 * the frame's reserved space only below 1024 bits (beyond, the
	 * kernel moves it to an extra context this does not follow).
	 */
	if (!t->host_sve_vl || t->host_sve_vl >= 1024) {
		log_err("vm", "--inject-fault=host-sve needs the host SVE check at "
			"a vector length below 1024 bits (it is %u); use "
			"--host-sve-vl 512 or less", t->host_sve_vl);
		return -EINVAL;
	}
	host_sve_arm_fault();
	return 0;
}

static int test_attach(struct vm *vm)
{
	struct arm64_test *t = arm64_test(vm);
	struct testdev *td;
	int ret;

	if (!t->cfg->test_device)
		return 0;
	ret = testdev_create(ARM64_TESTDEV_BASE, vm->cfg->nr_cpus, &td);
	if (ret)
		return ret;
	/* Only faults fired at PING exits need the hook: the exit path pays for none. */
	if (t->cfg->fault == FAULT_FPSIMD || t->cfg->fault == FAULT_SVE ||
	    t->cfg->fault == FAULT_MTE_TAG || t->cfg->fault == FAULT_RESTORE ||
	    t->cfg->fault == FAULT_TIMER)
		td->ping_hook = arm64_test_ping;
	td->request = arm64_test_request;
	ret = vm_add_device(vm, &td->dev);
	if (!ret)
		t->testdev = td;
	return ret;
}

/* KVM_RUN with the host check's state live around it, then its checks. */
static __hot int test_kvm_run(struct vcpu *vcpu, int *run_ret)
{
	struct arm64_test_vcpu *tv = vcpu->test;
	int ret = 0;

	if (tv->host_sve.vl)
		ret = host_sve_kvm_run(&tv->host_sve, vcpu->fd, run_ret);
	else
		*run_ret = __kvm_ioctl(vcpu->fd, KVM_RUN, "KVM_RUN", 0, true);
	if (!ret)
		ret = host_mte_check(&tv->host_mte);
	return ret;
}

static int test_vcpu_thread_start(struct vcpu *vcpu)
{
	const struct arm64_test *t = arm64_test(vcpu->vm);
	struct arm64_test_vcpu *tv = calloc(1, sizeof(*tv));
	int ret = 0;

	if (!tv)
		return -ENOMEM;
	vcpu->test = tv;
	if (t->host_sve_vl)
		ret = host_sve_start(&tv->host_sve, vcpu->id, t->host_sve_vl);
	if (!ret && t->host_mte)
		ret = host_mte_start(&tv->host_mte, vcpu->id,
				     t->cfg->fault == FAULT_HOST_MTE);
	if (!ret && (tv->host_sve.vl || tv->host_mte.on))
		vcpu->run_hook = test_kvm_run;
	return ret;
}

static void test_vcpu_thread_end(struct vcpu *vcpu)
{
	struct arm64_test_vcpu *tv = vcpu->test;

	if (!tv)
		return;
	vcpu->run_hook = NULL;
	host_sve_stop(&tv->host_sve);
	host_mte_stop(&tv->host_mte);
	free(tv);
	vcpu->test = NULL;
}

/* --inject-fault=idreg: before the architecture's after-run compare. */
static int test_after_run(struct vm *vm)
{
	if (arm64_test(vm)->cfg->fault == FAULT_IDREG)
		arm64_idregs_flip_expected(vm, "ID_AA64ISAR0_EL1", 4);
	return 0;
}

static void test_print_stats(struct vm *vm, FILE *f)
{
	const struct arm64_test *t = arm64_test(vm);

	if (t->testdev)
		testdev_print_stats(t->testdev, f);
	if (t->host_sve_vl)
		fprintf(f, "kvmini: stats: host SVE check at %u bits, %llu timer "
			"signals taken by vCPU threads\n", t->host_sve_vl,
			(unsigned long long)host_sve_signals());
	if (t->host_mte)
		fprintf(f, "kvmini: stats: host MTE check on (tags, TCO, IRG mask, "
			"tag-check faults)\n");
}

static int test_exit_status(struct vm *vm, int fallback)
{
	const struct arm64_test *t = arm64_test(vm);

	/* Without the test device the guest cannot report: its ending counts as clean. */
	return t->testdev ? testdev_exit_status(t->testdev, fallback) : 0;
}

static void test_detach(struct vm *vm)
{
	free(vm->test);
	vm->test = NULL;
}

static const struct test_hooks arm64_test_hooks = {
	.check = test_check,
	.attach = test_attach,
	.vcpu_thread_start = test_vcpu_thread_start,
	.vcpu_thread_end = test_vcpu_thread_end,
	.after_run = test_after_run,
	.print_stats = test_print_stats,
	.exit_status = test_exit_status,
	.detach = test_detach,
};

const struct test_hooks *test_hooks_for(const struct vm_config *cfg)
{
	return cfg->test && cfg->test->enabled ? &arm64_test_hooks : NULL;
}
