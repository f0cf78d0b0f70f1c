/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The architecture boundary. Generic code calls these hooks in this order;
 * every architecture implements all of them (selected at link time).
 */
#ifndef KVMINI_ARCH_H
#define KVMINI_ARCH_H

#include <stddef.h>
#include <stdio.h>

#include <kvmini/compiler.h>

struct vm;
struct vcpu;

/* The longest kernel command line the guest takes, with its NUL (COMMAND_LINE_SIZE). */
extern const size_t arch_cmdline_max;

/*
 * Before KVM_CREATE_VM: probe what this host's KVM offers, check the whole
 * configuration against it (memory map against the IPA size, CPU features)
 * so that a bad choice fails before any VM exists, allocate vm->arch and
 * choose the machine type. -EINVAL: this host cannot run the configuration
 * (reported, naming the option and what the host has).
 */
int __must_check arch_vm_check(struct vm *vm, unsigned long *type);
/* After KVM_CREATE_VM, before any vCPU: VM capabilities. */
int __must_check arch_vm_init(struct vm *vm);
/* Guest RAM regions (generic code registers the memslots). */
int __must_check arch_vm_add_memory(struct vm *vm);
/*
 * The machine file: the devices this configuration gets, added in order
 * with vm_add_device(), and bus ranges the kernel emulates reserved.
 */
int __must_check arch_vm_add_devices(struct vm *vm);
/* After KVM_CREATE_VCPU: KVM_ARM_VCPU_INIT and friends. */
int __must_check arch_vcpu_init(struct vcpu *vcpu);
/* A guest reboot: the vCPU back to its power-on state, its configuration kept. */
int __must_check arch_vcpu_reset(struct vcpu *vcpu);
/* After all vCPUs exist: the in-kernel interrupt controller. */
int __must_check arch_vm_irqchip_init(struct vm *vm);
/*
 * After the devices are realized: load the kernel (or the embedded test
 * guest), initrd and firmware tables, and set the boot vCPU's registers.
 */
int __must_check arch_vm_boot(struct vm *vm);
/*
 * After the vCPUs stopped, before the exit status is decided: checks of
 * the architecture's own (arm64: the ID registers read back as the CPU
 * model set them). -errno fails a run that otherwise succeeded.
 */
int arch_vm_after_run(struct vm *vm);
/*
 * A pause users see (the control socket's pause, a snapshot of a running
 * VM): with every vCPU parked, stop the guest's clock, and start it again
 * before they run, so the guest sees no time pass (no backwards clock, no
 * burst of expired timers). Failures are logged; the pause still holds.
 */
void arch_vm_clock_freeze(struct vm *vm);
void arch_vm_clock_thaw(struct vm *vm);
/* An exit generic code does not know: 1 handled, -ENOSYS not an arch exit, -errno failure. */
int arch_vcpu_handle_exit(struct vcpu *vcpu);
/* Where the vCPU is (PC, mode) in words, for error messages. */
void arch_vcpu_describe(struct vcpu *vcpu, char *buf, size_t len);
/* A guest-reported exception syndrome in words (test device reports). */
void arch_describe_exception(uint64_t syndrome, char *buf, size_t len);
/* `kvmini caps`: what the host's KVM offers this architecture's guests. */
int arch_caps_print(int kvm_fd, const char *path, bool json, FILE *f);
/* --dump-regs: every register of the vCPU, after it stopped. */
void arch_vcpu_dump_regs(struct vcpu *vcpu, FILE *f);
void arch_vcpu_destroy(struct vcpu *vcpu);
void arch_vm_destroy(struct vm *vm);

#endif
