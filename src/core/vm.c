// SPDX-License-Identifier: GPL-2.0-only
/* VM lifecycle: create in KVM's required order, run, stop, tear down. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/cli.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
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
		return -KVMINI_EUSAGE;
	}
	if (nr_vcpus > 0 && cfg->nr_cpus > (unsigned int)nr_vcpus)
		log_warn("vm", "--cpus %u: more vCPUs than this host has CPUs (%d); "
			 "they will share them", cfg->nr_cpus, nr_vcpus);
	if (sysinfo(&si) == 0) {
		uint64_t host_ram = (uint64_t)si.totalram * si.mem_unit;

		if (cfg->ram_size > host_ram) {
			log_err("vm", "--mem %" PRIu64 "M: more than this host's RAM "
				"(%" PRIu64 " MiB)", cfg->ram_size >> 20, host_ram >> 20);
			return -KVMINI_EUSAGE;
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

int vm_create(const struct vm_config *cfg, struct vm **out)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	pthread_condattr_t attr;
	unsigned long type;
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	/* The --timeout deadline is on the monotonic clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->stopped_cond, &attr);
	pthread_condattr_destroy(&attr);
	bus_init(&vm->mmio, "mmio");

	ret = vm_open_kvm(vm);
	if (ret)
		goto err;
	ret = vm_check_host_limits(vm);
	if (ret)
		goto err;
	ret = arch_vm_check(vm, &type);
	if (ret)
		goto err;
	vm->vm_fd = kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, type);
	if (vm->vm_fd < 0) {
		ret = vm->vm_fd;
		goto err;
	}
	vm->run_size = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < 0) {
		ret = vm->run_size;
		goto err;
	}
	ret = arch_vm_init(vm);
	if (ret)
		goto err;
	ret = arch_vm_add_memory(vm);
	if (ret)
		goto err;
	ret = vm_register_memslots(vm);
	if (ret)
		goto err;
	ret = arch_vm_add_devices(vm);
	if (ret)
		goto err;
	vm->vcpus = calloc(cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = -ENOMEM;
		goto err;
	}
	for (unsigned int i = 0; i < cfg->nr_cpus; i++) {
		ret = vcpu_create(vm, i, &vm->vcpus[i]);
		if (ret)
			goto err;
		vm->nr_vcpus++;
	}
	ret = arch_vm_finalize(vm);
	if (ret)
		goto err;
	*out = vm;
	return 0;
err:
	vm_destroy(vm);
	return ret;
}

__hot bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stop_reason, __ATOMIC_SEQ_CST) != VM_RUNNING;
}

void vm_stop(struct vm *vm, enum vm_stop_reason reason, int err)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->stop_reason == VM_RUNNING) {
		vm->stop_error = err;
		__atomic_store_n(&vm->stop_reason, reason, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&vm->stopped_cond);
	}
	pthread_mutex_unlock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(vm->vcpus[i]);
}

/* Sleep until the VM stops or the --timeout deadline passes. */
static void vm_wait_stopped(struct vm *vm)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += vm->cfg->timeout_s;
	pthread_mutex_lock(&vm->lock);
	while (vm->stop_reason == VM_RUNNING) {
		if (!vm->cfg->timeout_s) {
			pthread_cond_wait(&vm->stopped_cond, &vm->lock);
		} else if (pthread_cond_timedwait(&vm->stopped_cond, &vm->lock,
						  &deadline) == ETIMEDOUT) {
			pthread_mutex_unlock(&vm->lock);
			log_err("vm", "the guest did not finish within %u s (--timeout); "
				"stopping it", vm->cfg->timeout_s);
			vm_stop(vm, VM_STOP_TIMEOUT, 0);
			return;
		}
	}
	pthread_mutex_unlock(&vm->lock);
}

/* --stats: asked for explicitly, so printed even with --quiet; vCPUs are joined. */
static void vm_print_stats(struct vm *vm)
{
	const struct testdev *td = &vm->testdev;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		fprintf(stderr, "kvmini: stats: vCPU %u: %" PRIu64 " exits, %" PRIu64
			" MMIO\n", i, vm->vcpus[i]->nr_exits, vm->vcpus[i]->nr_mmio_exits);
	fprintf(stderr, "kvmini: stats: %" PRIu64 " MMIO accesses hit no device\n",
		vm->mmio.unmapped_accesses);
	arch_vm_print_stats(vm, stderr);
	if (td->ping_count > 1)
		fprintf(stderr, "kvmini: stats: %u PING exits, %.1f ns per exit "
			"from the first to the last\n", td->ping_count,
			(double)(td->ping_last_ns - td->ping_first_ns) /
				(td->ping_count - 1));
}

int vm_run(struct vm *vm)
{
	int ret = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = vcpu_start(vm->vcpus[i]);
	if (ret)
		vm_stop(vm, VM_STOP_ERROR, ret);
	/*
	 * A vCPU may have stopped the VM while later threads were still being
	 * started, when their kick could not reach them: kick everyone again.
	 */
	if (vm_stopping(vm))
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_kick(vm->vcpus[i]);
	vm_wait_stopped(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(vm->vcpus[i]);
	uart8250_flush(&vm->uart);
	if (vm->cfg->stats)
		vm_print_stats(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus && vm->cfg->dump_regs; i++)
		arch_vcpu_dump_regs(vm->vcpus[i], stdout);
	ret = arch_vm_after_run(vm);
	if (ret && (vm->stop_reason == VM_STOP_POWEROFF || vm->stop_reason == VM_STOP_RESET))
		return ret;

	switch (vm->stop_reason) {
	case VM_STOP_POWEROFF:
		return testdev_exit_status(&vm->testdev, 0);
	case VM_STOP_RESET:
		log_info("vm", "the guest asked for a reset; kvmini stops rather "
			 "than rebooting it");
		return testdev_exit_status(&vm->testdev, 0);
	case VM_STOP_CRASH:
		log_err("vm", "the guest reported a crash");
		return testdev_exit_status(&vm->testdev, 1) ?: 1;
	case VM_STOP_TIMEOUT:
		return -KVMINI_ETIMEOUT;
	case VM_STOP_ERROR:
		return vm->stop_error < 0 ? vm->stop_error : -EIO;
	case VM_RUNNING:
		break;
	}
	return -EIO;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	free(vm->vcpus);
	arch_vm_destroy(vm);
	testdev_destroy(&vm->testdev);
	uart8250_destroy(&vm->uart);
	bus_free(&vm->mmio);
	guest_mem_free(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	pthread_cond_destroy(&vm->stopped_cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
