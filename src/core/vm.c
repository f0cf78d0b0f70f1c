// SPDX-License-Identifier: GPL-2.0-only
/* VM lifecycle: check, create in KVM's required order, pause, stop, tear down (running: vm_run.c). */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/blk.h>
#include <kvmini/cmdline.h>
#include <kvmini/coalesced.h>
#include <kvmini/device.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/snapshot.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

/* Host limits that do not depend on the architecture. */
static int vm_check_host_limits(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int max_vcpus = kvm_check_cap(vm->kvm_fd, KVM_CAP_MAX_VCPUS);
	int nr_vcpus = kvm_check_cap(vm->kvm_fd, KVM_CAP_NR_VCPUS);
	struct sysinfo si;

	/* api.rst: without KVM_CAP_MAX_VCPUS the limit is KVM_CAP_NR_VCPUS, else 4. */
	if (max_vcpus <= 0)
		max_vcpus = nr_vcpus > 0 ? nr_vcpus : 4;
	if (cfg->nr_cpus > (unsigned int)max_vcpus) {
		log_err("vm", "--cpus %u: more vCPUs than KVM allows on this host "
			"(at most %d)", cfg->nr_cpus, max_vcpus);
		return -EINVAL;
	}
	if (nr_vcpus > 0 && cfg->nr_cpus > (unsigned int)nr_vcpus)
		log_warn("vm", "--cpus %u: more vCPUs than this host has CPUs (%d); "
			 "they will share them", cfg->nr_cpus, nr_vcpus);
	if (sysinfo(&si) == 0) {
		uint64_t host_ram = (uint64_t)si.totalram * si.mem_unit;

		if (cfg->ram_size > host_ram) {
			/* In the largest unit that is exact, as it was likely given (-m 1T). */
			int shift = !(cfg->ram_size & ((1ULL << 40) - 1)) ? 40 :
				    !(cfg->ram_size & ((1ULL << 30) - 1)) ? 30 : 20;

			log_err("vm", "--mem %" PRIu64 "%c: more than this host's RAM "
				"(%" PRIu64 " MiB); give at most that", cfg->ram_size >> shift,
				shift == 40 ? 'T' : shift == 30 ? 'G' : 'M', host_ram >> 20);
			return -EINVAL;
		}
	}
	return 0;
}

static int vm_register_memslots(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};
		int ret = kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot);

		if (ret)
			return ret;
	}
	return 0;
}

static int vm_open_kvm(struct vm *vm)
{
	int ret;

	vm->kvm_fd = kvm_open(vm->cfg->kvm_path);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	ret = kvm_ioctl_val(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret < 0)
		return ret;
	if (ret != KVM_API_VERSION) {
		log_err("kvm", "%s speaks KVM API version %d; kvmini needs %d",
			vm->cfg->kvm_path, ret, KVM_API_VERSION);
		return -EPROTO;
	}
	return 0;
}

/*
 * One page, page-aligned: every exit reads the bus table and the stop
 * state, and under emulation each distinct page an exit touches costs a
 * table walk, so the struct must never straddle a page boundary.
 */
static struct vm *vm_alloc(void)
{
	_Static_assert(sizeof(struct vm) <= 4096, "struct vm outgrew its page");
	struct vm *vm = aligned_alloc(4096, 4096);

	if (vm)
		memset(vm, 0, sizeof(*vm));
	return vm;
}

static void vm_fail(struct vm *vm, int err)
{
	vm_stop(vm, VM_STOP_ERROR, err);
}

int vm_prepare(const struct vm_config *cfg, struct vm **out)
{
	struct vm *vm = vm_alloc();
	pthread_condattr_t attr;
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->cfg = cfg;
	vm->test_hooks = cfg->test_hooks;
	vm->fail = vm_fail;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->loop.epoll_fd = vm->loop.wake.fd = -1;
	vm->timeout_src.fd = vm->signal_src.fd = -1;	/* vm_run() opens them */
	vm->console.room_src.fd = -1;
	vm->console.winch_src.fd = -1;
	for (unsigned int i = 0; i < VM_MAX_NETS; i++)
		vm->taps[i].fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->stopped_cond, &attr);
	pthread_condattr_destroy(&attr);
	pause_init(&vm->pause);
	bus_init(&vm->mmio, "mmio");

	/* The command line the guest gets, refused when it cannot take it whole. */
	ret = cmdline_build(cfg, arch_cmdline_max, &vm->cmdline);
	if (ret == -E2BIG)
		ret = -EINVAL;
	/* Disks are files the user named: refused (and locked) before anything else. */
	for (unsigned int i = 0; i < cfg->nr_disks && !ret; i++) {
		ret = blk_open(cfg->disks[i].path, cfg->disks[i].ro, &vm->disks[i]);
		if (!ret && cfg->disks[i].direct)
			ret = blk_set_direct(vm->disks[i]);
	}
	/* So are TAP interfaces: a bad name or no permission, before any VM. */
	for (unsigned int i = 0; i < cfg->nr_nets && !ret; i++)
		ret = tap_open(&cfg->nets[i], &vm->taps[i]);
	if (!ret)
		ret = vm_open_kvm(vm);
	if (!ret)
		ret = vm_check_host_limits(vm);
	if (!ret)
		ret = arch_vm_check(vm, &vm->type);
	if (!ret)
		ret = test_hook(vm, check, vm);
	if (ret) {
		vm_destroy(vm);
		return ret;
	}
	*out = vm;
	return 0;
}

/*
 * The I/O thread's polling window. Polling spins a CPU: on a host with no
 * CPU beside the vCPUs' it would take theirs, so the default is off there.
 * A window given on the command line is kept: the user may know that most
 * vCPUs idle (a guest polling its disk on one of two).
 */
static uint64_t vm_io_poll_ns(const struct vm_config *cfg)
{
	cpu_set_t set;
	long cpus = -1;

	if (!cfg->io_poll_us)
		return 0;
	/* The CPUs kvmini may run on (taskset, a cpuset), not all the host has. */
	if (!sched_getaffinity(0, sizeof(set), &set))
		cpus = CPU_COUNT(&set);
	else
		log_debug("vm", "sched_getaffinity: %s", strerror(errno));
	if (cpus > 0 && (unsigned long)cpus <= cfg->nr_cpus) {
		if (!cfg->io_poll_given) {
			log_debug("vm", "I/O polling off: the %ld CPUs kvmini may use have none to "
				  "spare beside %u vCPUs (--io-poll N polls anyway)", cpus,
				  cfg->nr_cpus);
			return 0;
		}
		log_info("vm", "--io-poll %u: polling, though the %ld CPUs kvmini may use have "
			 "none to spare beside %u vCPUs", cfg->io_poll_us, cpus, cfg->nr_cpus);
	}
	return (uint64_t)cfg->io_poll_us * 1000;
}

static void vm_quit(struct vm *vm)
{
	vm_stop(vm, VM_STOP_QUIT, 0);
}

/* The coalesced writes' flush: vCPU 0's thread drains them when kicked. */
static void vm_kick_first_vcpu(struct vm *vm)
{
	vcpu_kick(vm->vcpus[0]);
}

int vm_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int ret;

	vm->vm_fd = kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, vm->type);
	if (vm->vm_fd < 0)
		return vm->vm_fd;
	vm->run_size = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < 0)
		return vm->run_size;
	ret = evloop_init(&vm->loop);
	vm->loop.poll_ns = vm_io_poll_ns(vm->cfg);
	vm->loop.poll_start_ns = CONFIG_IO_POLL_START_US * 1000ULL;
	if (!ret)
		ret = console_init(&vm->console, vm, STDIN_FILENO, vm_quit);
	if (!ret)
		ret = arch_vm_init(vm);
	if (!ret)
		ret = arch_vm_add_memory(vm);
	/* A restore's RAM replaces the fresh RAM before KVM sees it. */
	if (!ret && vm->restore)
		ret = snapshot_restore_memory(vm);
	if (!ret)
		ret = vm_register_memslots(vm);
	if (!ret)
		ret = arch_vm_add_devices(vm);
	if (!ret)
		ret = test_hook(vm, attach, vm);
	if (ret)
		return ret;
	vm->vcpus = calloc(cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->nr_cpus; i++) {
		ret = vcpu_create(vm, i, &vm->vcpus[i]);
		if (ret)
			return ret;
		/* Published whole: a restore's RAM loader may kick vCPUs already. */
		__atomic_store_n(&vm->nr_vcpus, i + 1, __ATOMIC_RELEASE);
	}
	/* Before the devices are realized: they register their zones then. */
	ret = coalesced_init(vm, vm->vcpus[0]->fd, vm_kick_first_vcpu);
	if (!ret)
		ret = arch_vm_irqchip_init(vm);
	if (!ret)
		ret = devices_realize(vm);
	/* A restored VM continues where it was instead of booting. */
	if (!ret)
		ret = vm->restore ? snapshot_restore_state(vm) : arch_vm_boot(vm);
	return ret;
}

void vm_kick_vcpus(struct vm *vm)
{
	unsigned int n = __atomic_load_n(&vm->nr_vcpus, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; i < n; i++)
		vcpu_kick(vm->vcpus[i]);
}

static void vm_kick_for_pause(void *arg)
{
	vm_kick_vcpus(arg);
}

void vm_stop(struct vm *vm, enum vm_stop_reason reason, int err)
{
	pthread_mutex_lock(&vm->lock);
	/* A reset is not the end: a signal or an error while rebooting still stops kvmini. */
	if (vm->stop_reason == VM_RUNNING ||
	    (vm->stop_reason == VM_STOP_RESET && reason != VM_STOP_RESET)) {
		vm->stop_error = err;
		__atomic_store_n(&vm->stop_reason, reason, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&vm->stopped_cond);
	}
	pthread_mutex_unlock(&vm->lock);
	vm_kick_vcpus(vm);
}

void vm_pause(struct vm *vm, struct vcpu *self)
{
	pause_all(&vm->pause, self != NULL, vm_kick_for_pause, vm);
}

void vm_resume(struct vm *vm)
{
	pause_resume(&vm->pause);
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	evloop_stop(&vm->loop);
	/*
	 * The vCPU threads have ended: nothing touches guest RAM any more, and
	 * the RAM loader (which may stop the VM, kicking vCPUs) goes before them.
	 */
	snapshot_lazy_stop(vm->lazy);
	vm->lazy = NULL;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	free(vm->vcpus);
	coalesced_destroy(vm);
	devices_destroy(vm);
	for (unsigned int i = 0; i < VM_MAX_DISKS; i++)
		blk_close(vm->disks[i]);
	for (unsigned int i = 0; i < VM_MAX_NETS; i++)
		tap_close(&vm->taps[i]);
	if (vm->test_hooks && vm->test_hooks->detach)
		vm->test_hooks->detach(vm);
	arch_vm_destroy(vm);
	bus_free(&vm->mmio);
	guest_mem_free(&vm->mem);
	console_destroy(&vm->console);
	evloop_destroy(&vm->loop);
	if (vm->timeout_src.fd >= 0)
		close(vm->timeout_src.fd);
	if (vm->signal_src.fd >= 0)
		close(vm->signal_src.fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	pause_destroy(&vm->pause);
	pthread_cond_destroy(&vm->stopped_cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm->cmdline);
	free(vm);
}
