// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a VM: the I/O thread with its housekeeping (the --timeout timer,
 * SIGINT and SIGTERM), the vCPU threads, waiting for the guest to stop, and
 * what the run's exit status is.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/coalesced.h>
#include <kvmini/cputime.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/snapshot.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm-api.h>
#include <kvmini/vm.h>

/* --timeout: the I/O thread stops the VM when the timer fires. */
static void vm_timeout_ready(struct ev_source *src, uint32_t events)
{
	struct vm *vm = container_of(src, struct vm, timeout_src);
	uint64_t expirations;

	(void)events;
	if (read(src->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;	/* spurious wake-up: the timer has not fired */
	log_err("vm", "the guest did not finish within %u s (--timeout); "
		"stopping it", vm->cfg->timeout_s);
	vm_stop(vm, VM_STOP_TIMEOUT, 0);
}

/*
 * SIGINT and SIGTERM stop the VM cleanly: output flushed, the exit status
 * says which. The handler only writes the signal's number to an eventfd the
 * I/O thread watches; the rest happens there. Not a signalfd: every signal
 * the process takes (the host check's timers, thousands a second) wakes a
 * signalfd's pollers, which nested virtualisation makes very expensive.
 */
static int stop_signal_fd = -1;

static void vm_stop_signal_handler(int sig)
{
	uint64_t v = (uint64_t)sig;
	int saved = errno;

	if (write(stop_signal_fd, &v, sizeof(v)) < 0) {
		/* Nothing async-signal-safe to do about it: the counter is full. */
	}
	errno = saved;
}

static void vm_signal_ready(struct ev_source *src, uint32_t events)
{
	struct vm *vm = container_of(src, struct vm, signal_src);
	uint64_t sig;

	(void)events;
	/* An eventfd adds up: two signals read as their sum, so name the first. */
	if (read(src->fd, &sig, sizeof(sig)) != sizeof(sig))
		return;
	if (sig != SIGINT && sig != SIGTERM)
		sig = SIGTERM;
	log_info("vm", "%s: stopping the guest", strsignal((int)sig));
	pthread_mutex_lock(&vm->lock);
	if (vm->stop_reason == VM_RUNNING || vm->stop_reason == VM_STOP_RESET)
		vm->stop_signal = (int)sig;
	pthread_mutex_unlock(&vm->lock);
	vm_stop(vm, VM_STOP_SIGNAL, 0);
}

/* The signals only the I/O thread takes: blocked on every other thread. */
static void vm_loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGWINCH);	/* the console's: the I/O thread's too */
}

/* The I/O thread's own sources: the --timeout timer and the stop signals. */
static int vm_add_housekeeping(struct vm *vm)
{
	struct itimerspec when = { .it_value.tv_sec = vm->cfg->timeout_s };
	int ret;

	vm->signal_src = (struct ev_source){ .ready = vm_signal_ready, .name = "SIGINT/SIGTERM" };
	vm->timeout_src = (struct ev_source){ .fd = -1, .ready = vm_timeout_ready,
					      .name = "--timeout timer" };
	vm->signal_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->signal_src.fd < 0) {
		ret = -errno;
		log_err("vm", "eventfd: %s", strerror(errno));
		return ret;
	}
	ret = evloop_add(&vm->loop, &vm->signal_src, EPOLLIN);
	if (!ret)
		ret = console_start(&vm->console);
	if (!ret)
		ret = vm_api_start(vm);
	if (ret || !vm->cfg->timeout_s)
		return ret;
	vm->timeout_src.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->timeout_src.fd < 0 ||
	    timerfd_settime(vm->timeout_src.fd, 0, &when, NULL) < 0) {
		ret = -errno;
		log_err("vm", "--timeout: cannot set a timer: %s", strerror(errno));
		return ret;
	}
	return evloop_add(&vm->loop, &vm->timeout_src, EPOLLIN);
}

static void vm_wait_stopped(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (vm->stop_reason == VM_RUNNING)
		pthread_cond_wait(&vm->stopped_cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

/* --stats: asked for explicitly, so printed even with --quiet; vCPUs are joined. */
/* When this process began: before main(), as close to exec as kvmini gets. */
static struct timespec process_start;

__attribute__((constructor)) static void vm_note_process_start(void)
{
	clock_gettime(CLOCK_MONOTONIC, &process_start);
}

/* The vCPUs are about to enter KVM_RUN: how long, and how much CPU, it took to get here. */
static void vm_note_startup(struct vm *vm)
{
	struct timespec now;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &now);
	vm->startup_wall_ns = timespec_ns(&now) - timespec_ns(&process_start);
	if (!getrusage(RUSAGE_SELF, &ru))
		vm->startup_cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
				     1000000000ULL +
				     (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static void vm_print_stats(struct vm *vm)
{
	fprintf(stderr, "kvmini: stats: exec to the first KVM_RUN: %.1f ms, %.1f ms of CPU\n",
		vm->startup_wall_ns / 1e6, vm->startup_cpu_ns / 1e6);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		fprintf(stderr, "kvmini: stats: vCPU %u: %" PRIu64 " exits, %" PRIu64
			" MMIO, %.2f s of CPU (guest time included)\n", i, vm->vcpus[i]->nr_exits,
			vm->vcpus[i]->nr_mmio_exits, vm->vcpus[i]->cpu_ns / 1e9);
	fprintf(stderr, "kvmini: stats: I/O thread: %.2f s of CPU, %" PRIu64 " wakeups, %" PRIu64
		" polling rounds, %.2f s in polls that found work\n", vm->loop.cpu_ns / 1e9,
		vm->loop.wakeups, vm->loop.poll_rounds, vm->loop.poll_work_ns / 1e9);
	fprintf(stderr, "kvmini: stats: %" PRIu64 " device writes coalesced (no exit)\n",
		coalesced_count(vm));
	fprintf(stderr, "kvmini: stats: %" PRIu64 " MMIO accesses hit no device\n",
		vm->mmio.unmapped_accesses);
	if (vm->pio)
		fprintf(stderr, "kvmini: stats: %" PRIu64 " I/O port accesses hit no device\n",
			vm->pio->unmapped_accesses);
	for (struct device *d = vm->devices; d; d = d->next)
		if (d->ops->print_stats)
			d->ops->print_stats(d, stderr);
	snapshot_lazy_print_stats(vm->lazy, stderr);
	if (vm->test_hooks && vm->test_hooks->print_stats)
		vm->test_hooks->print_stats(vm, stderr);
}

/*
 * The threads. The I/O thread first, so the vCPUs' first exits find it,
 * and with SIGINT and SIGTERM open: it alone takes them (its epoll_wait
 * returns EINTR, the handler has written to its eventfd). The vCPU threads
 * start with both blocked, so a ^C never lands in a KVM_RUN or a host check.
 */
static int vm_start_threads(struct vm *vm, const struct sigaction inherited[2])
{
	static const int stop_signals[2] = { SIGINT, SIGTERM };
	struct sigaction sa = { .sa_handler = vm_stop_signal_handler };
	sigset_t stop;
	int ret;

	stop_signal_fd = vm->signal_src.fd;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (int i = 0; i < 2; i++) {
		/* Ignored when we started (nohup, a background job): stay so. */
		if (inherited[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(stop_signals[i], &sa, NULL)) {
			ret = -errno;
			log_err("vm", "cannot handle %s: %s", strsignal(stop_signals[i]),
				strerror(errno));
			return ret;
		}
	}
	ret = evloop_start(&vm->loop);
	vm_loop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	return ret;
}

/* One boot of the guest: its vCPU threads from start to stop. */
static void vm_run_vcpus(struct vm *vm)
{
	int ret = 0;

	/* Closed by the end of the boot before, if this one follows a reboot. */
	vm_api_open(vm);

	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = vcpu_start(vm->vcpus[i]);
	if (ret)
		vm_stop(vm, VM_STOP_ERROR, ret);
	/*
	 * A vCPU may have stopped the VM while later threads were still being
	 * started, when their kick could not reach them: kick everyone again.
	 */
	if (vm_stopping(vm))
		vm_kick_vcpus(vm);
	vm_wait_stopped(vm);
	/* Parked vCPUs cannot see the stop: a pause from the control socket ends here. */
	vm_api_release(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(vm->vcpus[i]);
}

/*
 * The guest asked for a reset (PSCI SYSTEM_RESET): as a machine does, put
 * the devices and vCPUs back to their power-on state and boot again, in
 * this process (kvmtool and QEMU do the same). RAM keeps its contents, as
 * on hardware; the kernel, initrd and device tree are loaded afresh.
 */
static int vm_reboot(struct vm *vm)
{
	int ret = 0;

	log_info("vm", "the guest rebooted; starting it again (--no-reboot: exit instead)");
	devices_reset(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = arch_vcpu_reset(vm->vcpus[i]);
	if (!ret)
		ret = arch_vm_boot(vm);
	/* Unless something (^C, --timeout, an error) stopped kvmini meanwhile. */
	pthread_mutex_lock(&vm->lock);
	if (vm->stop_reason == VM_STOP_RESET)
		__atomic_store_n(&vm->stop_reason, VM_RUNNING, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static bool vm_wants_reboot(struct vm *vm)
{
	return vm->stop_reason == VM_STOP_RESET && !vm->cfg->no_reboot && !vm->test_hooks;
}

/* How the run ends, once everything stopped. */
static int vm_exit_status(struct vm *vm)
{
	/*
	 * A test guest reports its status and powers off; one that resets
	 * without a status was reset by a fault (an x86 triple fault), which
	 * must not pass as a clean run.
	 */
	int silent = vm->stop_reason == VM_STOP_RESET ? 1 : 0;
	int guest = vm->test_hooks && vm->test_hooks->exit_status ?
		vm->test_hooks->exit_status(vm, silent) : 0;

	switch (vm->stop_reason) {
	case VM_STOP_POWEROFF:
		return guest;
	case VM_STOP_RESET:
		if (vm->stop_error && !vm->test_hooks) {
			/* Not the guest's wish: a fault reset the machine (x86 triple fault). */
			log_err("vm", "the guest triple-faulted; kvmini stops rather than rebooting "
				"it (--no-reboot), and fails");
			return 1;
		}
		log_info("vm", "the guest asked for a reset; kvmini stops rather than "
			 "rebooting it (%s)", vm->test_hooks ? "a test guest" : "--no-reboot");
		return guest;
	case VM_STOP_CRASH:
		log_err("vm", "the guest reported a crash");
		return guest ?: 1;
	case VM_STOP_TIMEOUT:
		return -ETIMEDOUT;
	case VM_STOP_SIGNAL:
		return 128 + vm->stop_signal;
	case VM_STOP_QUIT:
		return 0;
	case VM_STOP_ERROR:
		return vm->stop_error < 0 ? vm->stop_error : -EIO;
	case VM_RUNNING:
		break;
	}
	return -EIO;
}

/*
 * A guest that resets this soon after each start, this many times in a
 * row, is in a boot loop (a damaged or wrong kernel triple-faulting early):
 * booting it again would only repeat it, forever. No real boot resets that
 * soon, not even on an emulated host.
 */
#define BOOT_LOOP_MS		1000
#define BOOT_LOOP_RESETS	5

/* Quick resets in a row, and how many of them were triple faults. */
struct boot_loop {
	unsigned int resets, faults;
};

/* After a boot that ended in a reset: stop the VM if that makes a boot loop. */
static void vm_check_boot_loop(struct vm *vm, uint64_t boot_start_ns, struct boot_loop *bl)
{
	if (monotonic_ns() - boot_start_ns >= BOOT_LOOP_MS * 1000000ULL) {
		*bl = (struct boot_loop){ 0 };
		return;
	}
	bl->faults += vm->stop_error != 0;
	if (++bl->resets < BOOT_LOOP_RESETS)
		return;
	if (bl->faults == bl->resets)
		log_err("vm", "the guest triple-faulted %u times in a row, each within %u ms of "
			"starting: a boot loop, which another reboot would only repeat; kvmini "
			"stops (check the kernel or firmware, and see the first boot's messages)",
			bl->resets, BOOT_LOOP_MS);
	else
		log_err("vm", "the guest reset %u times in a row (%u of them triple faults), "
			"each within %u ms of starting: a boot loop, which another reboot would "
			"only repeat; kvmini stops (check the kernel or firmware, and see the "
			"first boot's messages)", bl->resets, bl->faults, BOOT_LOOP_MS);
	vm_stop(vm, VM_STOP_ERROR, -ELOOP);
}

int vm_run(struct vm *vm)
{
	struct boot_loop boot_loop = { 0 };
	uint64_t boot_start_ns = 0;
	struct sigaction old_actions[2], old_pipe;
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t stop, old_mask;
	int ret;

	/* A closed stdout (kvmini ... | head) must not kill the VM: writes just fail. */
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGPIPE, &ignore, &old_pipe);
	sigaction(SIGINT, NULL, &old_actions[0]);
	sigaction(SIGTERM, NULL, &old_actions[1]);
	vm_loop_signals(&stop);
	pthread_sigmask(SIG_UNBLOCK, &stop, &old_mask);
	ret = vm_add_housekeeping(vm);
	if (!ret)
		ret = vm_start_threads(vm, old_actions);
	if (ret) {
		vm_stop(vm, VM_STOP_ERROR, ret);
	} else {
		vm_note_startup(vm);
		boot_start_ns = monotonic_ns();
		vm_run_vcpus(vm);
	}
	while (vm_wants_reboot(vm)) {
		vm_check_boot_loop(vm, boot_start_ns, &boot_loop);
		if (vm_stopping(vm) && vm->stop_reason != VM_STOP_RESET)
			break;
		ret = vm_reboot(vm);
		if (ret)
			vm_stop(vm, VM_STOP_ERROR, ret);
		if (vm_stopping(vm))
			break;
		boot_start_ns = monotonic_ns();
		vm_run_vcpus(vm);
	}
	evloop_stop(&vm->loop);
	vm_api_close(vm);
	devices_quiesce(vm);
	console_stop(&vm->console);
	/* Back to how the caller had them: a later ^C ends kvmini the usual way. */
	sigaction(SIGINT, &old_actions[0], NULL);
	sigaction(SIGTERM, &old_actions[1], NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	stop_signal_fd = -1;
	if (vm->cfg->stats)
		vm_print_stats(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus && vm->cfg->dump_regs; i++)
		arch_vcpu_dump_regs(vm->vcpus[i], stdout);
	ret = test_hook(vm, after_run, vm);
	ret = arch_vm_after_run(vm) ?: ret;
	if (ret && (vm->stop_reason == VM_STOP_POWEROFF || vm->stop_reason == VM_STOP_RESET))
		return ret;
	return vm_exit_status(vm);
}

