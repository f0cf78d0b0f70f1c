/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host check of ID-register limits: KVM must refuse, field by field,
 * a value its own rules forbid (the check of seed 003). kvmini's CPU-model
 * checker refuses such values before KVM sees them, so a host that would
 * accept them is found only by asking it directly, on a scratch VM.
 */
#ifndef KVMINI_ARM64_HOST_IDREGS_H
#define KVMINI_ARM64_HOST_IDREGS_H

#include <kvmini/compiler.h>

struct arch_vm;

/*
 * Probe every writable field: -EIO (each acceptance reported, naming
 * register, field, value, limit and rule) if KVM took a forbidden value.
 * With `inject`, the first field is probed with its limit, which KVM
 * accepts, to prove the check fails.
 */
int __must_check host_idregs_check(int kvm_fd, const struct arch_vm *a, bool inject);

#endif
