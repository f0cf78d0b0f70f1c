/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one way the VMM reaches the test-VMM machinery (src/test/): the test
 * device, guest requests, fault injection and the host-side SVE/MTE
 * checks. The CLI installs these hooks in the configuration only when the
 * machinery is on; with none installed the VMM calls nothing here and its
 * exit path is the plain one. Each hook is optional.
 */
#ifndef KVMINI_TEST_HOOKS_H
#define KVMINI_TEST_HOOKS_H

#include <stdio.h>

#include <kvmini/compiler.h>

struct vm;
struct vcpu;
struct vm_config;

struct test_hooks {
	/*
	 * Before KVM_CREATE_VM, after the architecture's own check: refuse
	 * what cannot work on this host (-EINVAL, reported).
	 */
	int (*check)(struct vm *vm);
	/* After the machine's devices, before vCPUs exist: add the test device. */
	int (*attach)(struct vm *vm);
	/*
	 * On the vCPU's thread before its first KVM_RUN. May set
	 * vcpu->run_hook to wrap every KVM_RUN with checks of its own.
	 */
	int (*vcpu_thread_start)(struct vcpu *vcpu);
	/* On the vCPU's thread after its last KVM_RUN. */
	void (*vcpu_thread_end)(struct vcpu *vcpu);
	/* The vCPUs stopped: checks of their own (-errno fails the run). */
	int (*after_run)(struct vm *vm);
	/* --stats lines of their own. */
	void (*print_stats)(struct vm *vm, FILE *f);
	/*
	 * The exit status of a guest that powered off or reset: what the
	 * test device says; `fallback` if the device heard nothing; 0
	 * without a test device (such a guest cannot report).
	 */
	int (*exit_status)(struct vm *vm, int fallback);
	/* Free what attach and check allocated (vm->test). */
	void (*detach)(struct vm *vm);
};

/* Call one of the VM's test hooks if the machinery is on and has it; else 0. */
#define test_hook(vm, hook, ...) \
	((vm)->test_hooks && (vm)->test_hooks->hook ? \
	 (vm)->test_hooks->hook(__VA_ARGS__) : 0)

/*
 * The hooks for a parsed configuration: NULL when its options leave the
 * test machinery off. Implemented by the test machinery (src/test/).
 */
const struct test_hooks *test_hooks_for(const struct vm_config *cfg);

#endif
