/* SPDX-License-Identifier: GPL-2.0-only */
/* One vCPU: its KVM fd, its kvm_run page and the thread running its exit loop. */
#ifndef KVMINI_VCPU_H
#define KVMINI_VCPU_H

#include <pthread.h>

#include <kvmini/compiler.h>

struct vm;
struct arch_vcpu;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	struct arch_vcpu *arch;
	/*
	 * Set by the architecture when arch_vcpu_kvm_run() has checks to do
	 * around KVM_RUN; kept here so that the plain exit path reads nothing
	 * beyond this structure.
	 */
	bool run_checks;
	uint64_t nr_exits;
	uint64_t nr_mmio_exits;
};

int __must_check vcpu_create(struct vm *vm, unsigned int id, struct vcpu **out);
void vcpu_destroy(struct vcpu *vcpu);
int __must_check vcpu_start(struct vcpu *vcpu);
/* Make the vCPU leave KVM_RUN soon (used to stop the VM). */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);

/* The vCPU whose thread is calling, or NULL outside vCPU threads. */
struct vcpu *vcpu_current(void);

#endif
