/* SPDX-License-Identifier: GPL-2.0-only */
/* One vCPU: its KVM fd, its kvm_run page and the thread running its exit loop. */
#ifndef KVMINI_VCPU_H
#define KVMINI_VCPU_H

#include <pthread.h>

#include <kvmini/bus.h>
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
	/* thread_started vs a kick from another thread: no pthread_kill after the join. */
	pthread_mutex_t kick_lock;
	struct arch_vcpu *arch;
	/*
	 * NULL: KVM_RUN is a plain ioctl. Set by the test machinery to wrap
	 * every KVM_RUN with checks of its own: returns 0 with KVM_RUN's
	 * result (>= 0 or -errno) in *run_ret, or -errno when its checks
	 * failed (already reported; the VM stops). Kept here so the plain
	 * exit path reads nothing beyond this structure.
	 */
	int (*run_hook)(struct vcpu *vcpu, int *run_ret);
	void *test;			/* the test machinery's per-vCPU state */
	uint64_t cpu_ns;		/* the thread's CPU time, guest time included: at its end */
	bool trace_exits;		/* --debug=exit, read once: tested in this page at each exit */
	uint64_t nr_exits;
	uint64_t nr_mmio_exits;
	/*
	 * What an exit needs of the VM, here so it reads no page of the
	 * VM's (see __hot): its run_size, its coalesced ring (set as the
	 * thread starts: the ring is mapped after the vCPUs exist), and the
	 * region each bus served last.
	 */
	int run_size;
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	struct bus_cache mmio_cache;
	struct bus_cache pio_cache;	/* x86's I/O ports */
};

int __must_check vcpu_create(struct vm *vm, unsigned int id, struct vcpu **out);
void vcpu_destroy(struct vcpu *vcpu);
int __must_check vcpu_start(struct vcpu *vcpu);
/* Make the vCPU leave KVM_RUN soon (to stop or pause the VM). */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);

#endif
