/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtual machine: KVM handles, memory, the MMIO bus and the devices on
 * it, the I/O thread, vCPUs, and how the VM pauses and stops.
 */
#ifndef KVMINI_VM_H
#define KVMINI_VM_H

#include <pthread.h>

#include <kvmini/bus.h>
#include <kvmini/config.h>
#include <kvmini/console.h>
#include <kvmini/evloop.h>
#include <kvmini/mem.h>
#include <kvmini/pause.h>
#include <kvmini/test-hooks.h>

struct vcpu;
struct arch_vm;
struct device;
struct blk_backend;
struct snapfile;
struct vm_api;

enum vm_stop_reason {
	VM_RUNNING,
	VM_STOP_POWEROFF,	/* the guest powered off (PSCI SYSTEM_OFF) */
	VM_STOP_RESET,		/* the guest asked for a reset: rebooted unless --no-reboot */
	VM_STOP_CRASH,		/* the guest reported a crash (PSCI/KVM crash event) */
	VM_STOP_ERROR,		/* kvmini or KVM failed; stop_error says how */
	VM_STOP_TIMEOUT,	/* --timeout expired */
	VM_STOP_SIGNAL,		/* SIGINT or SIGTERM; stop_signal says which */
	VM_STOP_QUIT,		/* the user quit at the console (Ctrl-A x) */
};

struct snapshot_lazy;

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	unsigned long type;		/* KVM_CREATE_VM's argument (arch_vm_check) */
	const struct test_hooks *test_hooks;	/* NULL: no test machinery */
	int run_size;			/* bytes of each vCPU's kvm_run mapping */
	struct guest_mem mem;
	struct bus mmio;
	struct bus *pio;		/* the I/O port space: &port_bus, or NULL where there is none */
	/* In here, not the arch's: an exit to a port then reads no page but this one. */
	struct bus port_bus;
	struct device *devices;		/* in the order the machine added them */
	struct coalesced *coalesced;	/* coalesced.h; NULL: every write exits */
	/* Its ring, read at every exit: here, so that read touches no page of its own. */
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	unsigned int nr_mirrors;	/* register mirrors' memslots (reg-mirror.h) */
	/*
	 * vm_stop(vm, VM_STOP_ERROR, err), for code linked without vm.c (the
	 * devices): the VM cannot go on correctly. NULL in unit tests.
	 */
	void (*fail)(struct vm *vm, int err);
	/* --disk images, opened and locked before the VM exists; the machine hands them to devices. */
	struct blk_backend *disks[VM_MAX_DISKS];
	struct tap taps[VM_MAX_NETS];	/* opened by vm_prepare; the devices own them */
	char *cmdline;			/* the guest's command line (cmdline.h) */
	uint64_t startup_wall_ns, startup_cpu_ns;	/* exec to the first KVM_RUN (--stats) */
	unsigned int nr_vcpus;
	struct vcpu **vcpus;
	struct arch_vm *arch;
	const struct snapfile *restore;	/* kvmini restore: the state to start from; NULL: boot */
	struct snapshot_lazy *lazy;	/* its RAM loader, while one runs */
	struct vm_api *api;		/* --api-sock: the control socket's state; NULL: none */
	void *test;			/* the test machinery's state (test-hooks.h) */
	struct evloop loop;		/* the I/O thread */
	struct console console;		/* stdin, for the console device */
	struct ev_source timeout_src;	/* --timeout: a timerfd */
	struct ev_source signal_src;	/* SIGINT/SIGTERM: a signalfd */
	struct pause_barrier pause;	/* the vCPU threads are its members */
	pthread_mutex_t lock;		/* protects the stop state below */
	pthread_cond_t stopped_cond;
	enum vm_stop_reason stop_reason;
	/* -errno for VM_STOP_ERROR; for VM_STOP_RESET, -EFAULT when a fault (not the guest) reset it */
	int stop_error;
	int stop_signal;		/* the signal for VM_STOP_SIGNAL */
};

/*
 * Open KVM and check the whole configuration against what this host
 * offers, before any VM exists. -EINVAL: the host cannot run this
 * configuration (already reported, nothing created); other -errno: a
 * failure. On success *out is ready for vm_create().
 */
int __must_check vm_prepare(const struct vm_config *cfg, struct vm **out);
/* Create the VM and set up everything up to the first KVM_RUN. */
int __must_check vm_create(struct vm *vm);
/* Run until the guest stops; returns the exit status or -errno. */
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);
/* Make every vCPU leave KVM_RUN soon (it then looks for a stop or pause). */
void vm_kick_vcpus(struct vm *vm);
/* Stop every vCPU; the first reason given wins. Callable from any thread. */
void vm_stop(struct vm *vm, enum vm_stop_reason reason, int err);
/* Whether a stop was asked (any thread). */
static inline bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stop_reason, __ATOMIC_SEQ_CST) != VM_RUNNING;
}
/*
 * Whether a device may keep its caller waiting on the host (a full console
 * output): not once a stop or a pause is asked, which the wait would hold
 * up - nor on the threads that stop, pause, reset or save the VM, which
 * only run after asking. A device in no VM (vm NULL: a unit test's) may.
 */
static inline bool vm_may_wait(struct vm *vm)
{
	return !vm || (!vm_stopping(vm) && !pause_requested(&vm->pause));
}
/*
 * Park every vCPU thread outside KVM_RUN and return once all are parked;
 * self is the calling vCPU when a vCPU thread asks (it counts as parked),
 * else NULL. vm_resume() lets them run on.
 */
void vm_pause(struct vm *vm, struct vcpu *self);
void vm_resume(struct vm *vm);

#endif
