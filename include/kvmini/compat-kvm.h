/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM ABI numbers newer than the uapi headers kvmini may be built against
 * (Debian 12's cross headers are Linux 6.1). Values are from the kernel's
 * include/uapi/linux/kvm.h; each is probed at run time before use.
 */
#ifndef KVMINI_COMPAT_KVM_H
#define KVMINI_COMPAT_KVM_H

#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
#endif
#ifndef KVM_CAP_ARM_NISV_TO_USER
#define KVM_CAP_ARM_NISV_TO_USER 177
#endif
#ifndef KVM_CAP_ARM_INJECT_EXT_DABT
#define KVM_CAP_ARM_INJECT_EXT_DABT 178
#endif
#ifndef KVM_EXIT_ARM_NISV
#define KVM_EXIT_ARM_NISV 28
#endif

#endif
