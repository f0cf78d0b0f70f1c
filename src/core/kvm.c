// SPDX-License-Identifier: GPL-2.0-only
/* KVM ioctl wrappers: one place that names failing ioctls and their errno. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>

__hot int __kvm_ioctl(int fd, unsigned long cmd, const char *name,
		       unsigned long arg, bool quiet)
{
	int ret;

	do {
		ret = ioctl(fd, cmd, arg);
	} while (ret < 0 && errno == EINTR && cmd != KVM_RUN);
	if (ret >= 0)
		return ret;
	ret = -errno;
	if (quiet)
		log_debug("kvm", "%s: %s", name, strerror(-ret));
	else
		log_err("kvm", "%s failed: %s (errno %d)", name, strerror(-ret), -ret);
	return ret;
}

int kvm_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd >= 0)
		return fd;
	err = errno;
	switch (err) {
	case ENOENT:
		log_err("kvm", "cannot open %s: no such device; this host has no KVM "
			"(load the kvm module, or enable virtualization in the "
			"firmware or hypervisor)", path);
		break;
	case EACCES:
	case EPERM:
		log_err("kvm", "cannot open %s: permission denied; run as root or "
			"add your user to the group owning %s (usually 'kvm')",
			path, path);
		break;
	default:
		log_err("kvm", "cannot open %s: %s", path, strerror(err));
	}
	return -err;
}

int kvm_check_cap(int fd, long cap)
{
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

int kvm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0 } };

	return kvm_ioctl(vm_fd, KVM_ENABLE_CAP, &ec);
}

int kvm_get_one_reg(int vcpu_fd, uint64_t id, void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };
	int ret = kvm_ioctl_quiet(vcpu_fd, KVM_GET_ONE_REG, &reg);

	if (ret < 0)
		log_err("kvm", "KVM_GET_ONE_REG 0x%" PRIx64 " failed: %s", id,
			strerror(-ret));
	return ret;
}

int kvm_set_one_reg(int vcpu_fd, uint64_t id, const void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };
	int ret = kvm_ioctl_quiet(vcpu_fd, KVM_SET_ONE_REG, &reg);

	if (ret < 0)
		log_err("kvm", "KVM_SET_ONE_REG 0x%" PRIx64 " failed: %s", id,
			strerror(-ret));
	return ret;
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_ARM_NISV] = "ARM_NISV",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "(unnamed)";
}
