// SPDX-License-Identifier: GPL-2.0-only
/* vCPU creation and the per-vCPU thread running the KVM_RUN exit loop. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <kvmini/arch.h>
#include <kvmini/coalesced.h>
#include <kvmini/cputime.h>
#include <kvmini/deadline.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/test-hooks.h>
#include <kvmini/thread-name.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

/* Sent to a vCPU thread to make KVM_RUN return; the handler does nothing. */
#define VCPU_KICK_SIGNAL SIGUSR1

int vcpu_create(struct vm *vm, unsigned int id, struct vcpu **out)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int ret;

	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->trace_exits = log_debug_enabled("exit");
	vcpu->run_size = vm->run_size;
	vcpu->run = MAP_FAILED;
	pthread_mutex_init(&vcpu->kick_lock, NULL);
	vcpu->fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0) {
		ret = vcpu->fd;
		goto err_free;
	}
	vcpu->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		log_err("vcpu", "vCPU %u: cannot map its kvm_run area: %s", id,
			strerror(errno));
		goto err_close;
	}
	ret = arch_vcpu_init(vcpu);
	if (ret)
		goto err_unmap;
	*out = vcpu;
	return 0;

err_unmap:
	arch_vcpu_destroy(vcpu);
	munmap(vcpu->run, (size_t)vm->run_size);
err_close:
	close(vcpu->fd);
err_free:
	pthread_mutex_destroy(&vcpu->kick_lock);
	free(vcpu);
	return ret;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	arch_vcpu_destroy(vcpu);
	munmap(vcpu->run, (size_t)vcpu->vm->run_size);
	close(vcpu->fd);
	pthread_mutex_destroy(&vcpu->kick_lock);
	free(vcpu);
}

static __cold void vcpu_fail(struct vcpu *vcpu, int err, const char *what)
{
	char where[160];

	arch_vcpu_describe(vcpu, where, sizeof(where));
	log_err("vcpu", "vCPU %u: %s (%s)", vcpu->id, what, where);
	vm_stop(vcpu->vm, VM_STOP_ERROR, err);
}

static __hot void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int len = run->mmio.len;

	vcpu->nr_mmio_exits++;
	/* KVM decodes 1, 2, 4 or 8 bytes; anything else is a KVM bug, not the guest's. */
	if (len == 0 || len > sizeof(run->mmio.data) || (len & (len - 1))) {
		vcpu_fail(vcpu, -EIO, "KVM reported an MMIO access of an impossible size");
		return;
	}
	bus_access_cached(&vcpu->vm->mmio, &vcpu->mmio_cache, vcpu->id, run->mmio.phys_addr,
			  run->mmio.data, len, run->mmio.is_write);
}

/* An exit the VM cannot go on from (KVM's failures, a reason nobody handles): stop it. */
static __cold void vcpu_exit_failed(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[96];

	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM could not enter the guest "
			 "(hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error (suberror %u)",
			 run->internal.suberror);
		break;
	default:
		snprintf(what, sizeof(what), "unexpected KVM exit reason %u (%s)",
			 run->exit_reason, kvm_exit_reason_name(run->exit_reason));
		break;
	}
	vcpu_fail(vcpu, -EIO, what);
}

/* Handle one exit; failures stop the VM through vm_stop(). */
static __hot void vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int ret;

	vcpu->nr_exits++;
	/* The guest's coalesced writes came before this exit: the devices see them first. */
	if (coalesced_pending(vcpu->coalesced_ring))
		coalesced_drain(vcpu->vm, vcpu->id);
	if (unlikely(vcpu->trace_exits))
		log_msg(LOG_DEBUG, "exit", "vCPU %u: %s exit", vcpu->id,
			kvm_exit_reason_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return;
	case KVM_EXIT_INTR:
		return;
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_exit_failed(vcpu);
		return;
	}
	ret = arch_vcpu_handle_exit(vcpu);
	if (unlikely(ret == -ENOSYS))
		vcpu_exit_failed(vcpu);
	else if (unlikely(ret < 0))
		vm_stop(vcpu->vm, VM_STOP_ERROR, ret);
}

static __cold void vcpu_run_failed(struct vcpu *vcpu, int err)
{
	char what[96];

	snprintf(what, sizeof(what), "KVM_RUN failed: %s", strerror(-err));
	vcpu_fail(vcpu, err, what);
}

/*
 * One KVM_RUN, through the test machinery's checks when it installed them.
 * The ioctl is made here, not through kvm_ioctl(): the exit path makes as
 * few calls as it can (see __hot), and the caller reports any error.
 */
static __hot int vcpu_kvm_run(struct vcpu *vcpu, int *run_ret)
{
	if (vcpu->run_hook)
		return vcpu->run_hook(vcpu, run_ret);
	*run_ret = ioctl(vcpu->fd, KVM_RUN, 0) < 0 ? -errno : 0;
	return 0;
}

/*
 * KVM_RUN and each exit, until the VM stops. Page-aligned, and linked
 * first in .text.hot (vcpu.o comes before the other objects with hot
 * code): the exit path that follows it (this loop, the arch's exit
 * handler, the bus, the device) then shares one code page, not two (see
 * __hot). Best effort: on x86_64 today nm shows it all in one page.
 */
static __hot __attribute__((aligned(4096), noinline)) void vcpu_run_loop(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	if (vm_stopping(vm))
		return;
	/*
	 * A stop is looked for only after a kick, not after each exit (the
	 * VM's page, see __hot): vm_stop() kicks every vCPU, its own too,
	 * after the stop is set, so the next KVM_RUN returns -EINTR at once.
	 */
	for (;;) {
		int ret, check = vcpu_kvm_run(vcpu, &ret);

		if (check) {
			vm_stop(vm, VM_STOP_ERROR, check);
			break;
		}
		if (ret == -EINTR || ret == -EAGAIN) {
			/* Ordered before the stop check, so a kick is never lost. */
			__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			/* Kicked: maybe to replay coalesced writes (coalesced.h), maybe for a pause. */
			coalesced_drain(vm, vcpu->id);
			pause_point(&vm->pause);
			if (vm_stopping(vm))
				break;
			continue;
		}
		if (unlikely(ret < 0)) {
			vcpu_run_failed(vcpu, ret);
			break;
		}
		vcpu_handle_exit(vcpu);
	}
}

/*
 * The stack an exit takes, from vcpu_run_loop() down to clock_gettime() in
 * the vDSO (the test device's PING): about 450 bytes measured on x86_64.
 * Compared with the frame address, which lies above vcpu_thread()'s own
 * frame (a few hundred bytes): at least about 750 bytes are left.
 */
#define VCPU_EXIT_STACK 1024

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	const struct test_hooks *hooks = vm->test_hooks;
	uintptr_t in_page = (uintptr_t)__builtin_frame_address(0) % 4096;
	sigset_t kick;

	/* The kick signal is blocked everywhere else; let it interrupt KVM_RUN here. */
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	pause_join(&vm->pause);

	if (hooks && hooks->vcpu_thread_start && hooks->vcpu_thread_start(vcpu)) {
		vm_stop(vm, VM_STOP_ERROR, -EIO);
		goto out;
	}
	vcpu->coalesced_ring = vm->coalesced_ring;
	/* Empty: the regions may have changed since the last thread ran (see bus_cache). */
	memset(&vcpu->mmio_cache, 0, sizeof(vcpu->mmio_cache));
	memset(&vcpu->pio_cache, 0, sizeof(vcpu->pio_cache));
	/*
	 * Where the thread's stack starts in its page is glibc's choice; an
	 * exit's frames that cross a page boundary touch two pages, and under
	 * emulation each costs a walk (see __hot). So the loop starts near
	 * the top of a page: this skips down to the one below when too
	 * little of the current page is left.
	 */
	if (in_page < VCPU_EXIT_STACK) {
		char *skip = __builtin_alloca(in_page + 64);

		__asm__ volatile("" : : "r"(skip) : "memory");
	}
	vcpu_run_loop(vcpu);
out:
	vcpu->cpu_ns += thread_cpu_ns();	/* a reboot's new thread adds up */
	if (hooks && hooks->vcpu_thread_end)
		hooks->vcpu_thread_end(vcpu);
	pause_leave(&vm->pause);
	return NULL;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

/* Once, from the main thread: vCPU threads inherit the blocked mask. */
static void vcpu_install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };
	sigset_t kick;

	/* No SA_RESTART: KVM_RUN must return EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
}

int vcpu_start(struct vcpu *vcpu)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int ret;

	pthread_once(&once, vcpu_install_kick_handler);
	ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (ret) {
		log_err("vcpu", "vCPU %u: cannot start its thread: %s", vcpu->id,
			strerror(ret));
		return -ret;
	}
	thread_set_name(vcpu->thread, "vcpu%u", vcpu->id);
	pthread_mutex_lock(&vcpu->kick_lock);
	vcpu->thread_started = true;
	pthread_mutex_unlock(&vcpu->kick_lock);
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	/*
	 * immediate_exit covers the window where the thread has checked the
	 * stop flag but not yet entered KVM_RUN: KVM then returns at once.
	 */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	/* Under the lock: a thread already joined (a reboot, the end) is never signalled. */
	pthread_mutex_lock(&vcpu->kick_lock);
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
	pthread_mutex_unlock(&vcpu->kick_lock);
}

/*
 * How long a join waits before kicking the thread again. A kick can be
 * lost: in the emulated arm64 host, about one stop in 25 under load left
 * the vCPU in KVM_RUN with the kick signal taken and no exit. Kicking
 * again bounds that to this delay instead of a hang.
 */
#define VCPU_REKICK_NS 10000000L
/* About one second of re-kicks before a stuck vCPU is worth a warning. */
#define VCPU_WARN_REKICKS 100

void vcpu_join(struct vcpu *vcpu)
{
	unsigned int rekicks = 0;
	struct timespec deadline;
	bool started;

	pthread_mutex_lock(&vcpu->kick_lock);
	started = vcpu->thread_started;
	vcpu->thread_started = false;
	pthread_mutex_unlock(&vcpu->kick_lock);
	if (!started)
		return;
	/* Not joined yet, so the thread still exists and may be signalled. */
	for (;;) {
		int ret;

		deadline_from_now(&deadline, VCPU_REKICK_NS);
		ret = pthread_clockjoin_np(vcpu->thread, NULL, CLOCK_MONOTONIC, &deadline);
		if (!ret)
			break;
		if (ret != ETIMEDOUT) {
			/* Cannot happen for a joinable thread; never leave it running. */
			log_warn("vcpu", "vCPU %u: timed join: %s; waiting without re-kicks",
				 vcpu->id, strerror(ret));
			pthread_join(vcpu->thread, NULL);
			break;
		}
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
		if (++rekicks == VCPU_WARN_REKICKS)
			log_warn("vcpu", "vCPU %u: still running 1 s after the VM stopped; "
				 "kicking it again", vcpu->id);
	}
	if (rekicks)
		log_debug("vcpu", "vCPU %u: stopped after %u more kicks", vcpu->id, rekicks);
}
