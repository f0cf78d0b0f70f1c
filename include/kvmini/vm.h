/* SPDX-License-Identifier: GPL-2.0-only */
/* A virtual machine: KVM handles, memory, devices, vCPUs and how it stops. */
#ifndef KVMINI_VM_H
#define KVMINI_VM_H

#include <pthread.h>

#include <kvmini/bus.h>
#include <kvmini/config.h>
#include <kvmini/mem.h>
#include <kvmini/testdev.h>
#include <kvmini/uart8250.h>

struct vcpu;
struct arch_vm;

enum vm_stop_reason {
	VM_RUNNING,
	VM_STOP_POWEROFF,	/* the guest powered off (PSCI SYSTEM_OFF) */
	VM_STOP_RESET,		/* the guest asked for a reset: kvmini stops */
	VM_STOP_CRASH,		/* the guest reported a crash (PSCI/KVM crash event) */
	VM_STOP_ERROR,		/* kvmini or KVM failed; stop_error says how */
	VM_STOP_TIMEOUT,	/* --timeout expired */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	int run_size;			/* bytes of each vCPU's kvm_run mapping */
	struct guest_mem mem;
	struct bus mmio;
	struct uart8250 uart;
	struct testdev testdev;
	unsigned int nr_vcpus;
	struct vcpu **vcpus;
	struct arch_vm *arch;

	pthread_mutex_t lock;		/* protects the stop state below */
	pthread_cond_t stopped_cond;
	enum vm_stop_reason stop_reason;
	int stop_error;			/* -errno for VM_STOP_ERROR */
};

/* Create and set up everything up to the first KVM_RUN. */
int __must_check vm_create(const struct vm_config *cfg, struct vm **out);
/* Run until the guest stops; returns the exit status or -errno. */
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Stop every vCPU; the first reason given wins. Callable from any thread. */
void vm_stop(struct vm *vm, enum vm_stop_reason reason, int err);
bool vm_stopping(struct vm *vm);

#endif
