/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one way kvmini talks to KVM. Every ioctl goes through these wrappers,
 * which check at compile time that the argument matches the ioctl's encoded
 * size, and on failure log the ioctl's name and errno.
 */
#ifndef KVMINI_KVM_H
#define KVMINI_KVM_H

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <kvmini/compat-kvm.h>
#include <kvmini/compiler.h>

/* Raw call: the ioctl result (>= 0) or -errno. quiet: log failures as debug. */
int __kvm_ioctl(int fd, unsigned long cmd, const char *name, unsigned long arg,
		bool quiet);

#define __kvm_ioctl_ptr(fd, cmd, argp, quiet) ({ \
	_Static_assert(_IOC_SIZE(cmd) == sizeof(*(argp)), \
		       #cmd ": argument size does not match the ioctl"); \
	__kvm_ioctl(fd, cmd, #cmd, (unsigned long)(argp), quiet); })

/* An ioctl whose argument is a pointer to a struct of the encoded size. */
#define kvm_ioctl(fd, cmd, argp) __kvm_ioctl_ptr(fd, cmd, argp, false)
/* The same, for probes whose failure is an expected answer. */
#define kvm_ioctl_quiet(fd, cmd, argp) __kvm_ioctl_ptr(fd, cmd, argp, true)

/* An ioctl that takes a plain value (or nothing) rather than a pointer. */
#define kvm_ioctl_val(fd, cmd, val) ({ \
	_Static_assert(_IOC_SIZE(cmd) == 0, #cmd ": takes a pointer, not a value"); \
	__kvm_ioctl(fd, cmd, #cmd, (unsigned long)(val), false); })

/* Open the KVM device with a clear error for a missing or forbidden one. */
int __must_check kvm_open(const char *path);

/* KVM_CHECK_EXTENSION on a system or VM fd: the cap's value, 0 if absent. */
int kvm_check_cap(int fd, long cap);

/* KVM_ENABLE_CAP on a VM fd with args[0] = arg0. */
int __must_check kvm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0);

/* ONE_REG access; the value buffer holds KVM_REG_SIZE(id) bytes. */
int kvm_get_one_reg(int vcpu_fd, uint64_t id, void *val);
int kvm_set_one_reg(int vcpu_fd, uint64_t id, const void *val);

/* KVM_EXIT_* as text, for messages. */
const char *kvm_exit_reason_name(uint32_t reason);

#endif
