// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's clock across a user pause: the virtual counter is read when
 * the pause begins and written back when it ends, so KVM moves the VM's
 * counter offset by the time paused (api.rst, KVM_REG_ARM_TIMER_CNT). The
 * guest sees no time pass: its clock never jumps or runs backwards, and
 * timers do not all expire at once when it runs again.
 */
#include <errno.h>
#include <string.h>

#include <kvmini/arch.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"

void arch_vm_clock_freeze(struct vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!vm->nr_vcpus || a->clock_frozen)
		return;
	if (kvm_get_one_reg(vm->vcpus[0]->fd, KVM_REG_ARM_TIMER_CNT, &a->frozen_cnt)) {
		log_warn("vm", "cannot read the guest's counter: its clock runs on while paused");
		return;
	}
	a->clock_frozen = true;
}

void arch_vm_clock_thaw(struct vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!a->clock_frozen)
		return;
	a->clock_frozen = false;
	/* One counter offset for the VM: any vCPU's write sets it for all. */
	if (kvm_set_one_reg(vm->vcpus[0]->fd, KVM_REG_ARM_TIMER_CNT, &a->frozen_cnt))
		log_warn("vm", "cannot set the guest's counter: its clock jumps by the time paused");
}
