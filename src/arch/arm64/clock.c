// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's clock. Where KVM has KVM_ARM_SET_COUNTER_OFFSET (Linux 6.4),
 * kvmini sets one offset for the VM's virtual and physical counters when
 * it creates the VM, so both start at 0 (api.rst), and a snapshot's
 * restore sets the offset that makes both go on from the saved count -
 * across hosts and kernel instances alike - and checks that the virtual
 * one does. Without it, the virtual counter is moved through
 * KVM_REG_ARM_TIMER_CNT (the physical one stays the host's). QEMU 10.0's
 * emulated host does not show the offset in the guest's physical counter
 * (CNTPOFF_EL2): there only the virtual one can be seen to go on.
 *
 * Across a user pause the counter is read when the pause begins and set
 * back when it ends: the guest sees no time pass, its clock never jumps or
 * runs backwards, and timers do not all expire at once when it runs again.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/arch.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"

/* The host's counter, the one KVM subtracts the VM's offset from. */
static uint64_t clock_host_counter(void)
{
	uint64_t cnt;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(cnt) : : "memory");
	return cnt;
}

/*
 * Both guest counters read guest_cnt now. vCPUs must not be in KVM_RUN
 * (-EBUSY); from here on KVM ignores counter writes through SET_ONE_REG.
 */
static int clock_set_guest_counter(struct vm *vm, uint64_t guest_cnt)
{
	struct kvm_arm_counter_offset o = { .counter_offset = clock_host_counter() - guest_cnt };

	return kvm_ioctl(vm->vm_fd, KVM_ARM_SET_COUNTER_OFFSET, &o);
}

int arm64_clock_init(struct vm *vm)
{
	struct arch_vm *a = vm->arch;
	int ret;

	if (!a->host.counter_offset)
		return 0;
	ret = clock_set_guest_counter(vm, 0);
	if (!ret)
		a->counter_offset = true;
	return ret;
}

uint64_t arm64_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

int arm64_clock_restore(struct vm *vm, uint64_t guest_cnt)
{
	uint64_t now;
	int ret = 0;

	/* Without the offset, the vCPUs' TIMER_CNT writes moved the virtual counter. */
	if (vm->arch->counter_offset)
		ret = clock_set_guest_counter(vm, guest_cnt);
	if (!ret)
		ret = kvm_get_one_reg(vm->vcpus[0]->fd, KVM_REG_ARM_TIMER_CNT, &now);
	if (ret)
		return ret;
	/*
	 * Proved, not assumed: the guest's counter goes on from the saved
	 * count (a second is far more than restoring takes from here).
	 */
	if (now < guest_cnt || now - guest_cnt > arm64_cntfrq()) {
		log_err("snapshot", "the guest's counter reads %" PRIu64 " after the restore; "
			"it was saved at %" PRIu64 " (%s): its clock would jump", now, guest_cnt,
			vm->arch->counter_offset ? "KVM_ARM_SET_COUNTER_OFFSET" :
			"KVM_REG_ARM_TIMER_CNT");
		return -EIO;
	}
	log_debug("snapshot", "the guest's counter goes on from %" PRIu64 " (%s)", guest_cnt,
		  vm->arch->counter_offset ? "one offset for the VM's counters" : "CNTVCT written");
	return 0;
}

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
	if (a->counter_offset) {
		if (clock_set_guest_counter(vm, a->frozen_cnt))
			log_warn("vm", "cannot set the guest's counters: its clock jumps by the "
				 "time paused");
		return;
	}
	/* One counter offset for the VM: any vCPU's write sets it for all. */
	if (kvm_set_one_reg(vm->vcpus[0]->fd, KVM_REG_ARM_TIMER_CNT, &a->frozen_cnt))
		log_warn("vm", "cannot set the guest's counter: its clock jumps by the time paused");
}
