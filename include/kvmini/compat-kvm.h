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
/* One offset for a VM's virtual and physical counters (Linux 6.4; api.rst 4.138). */
#ifndef KVM_ARM_SET_COUNTER_OFFSET
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET _IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
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

/*
 * The writable masks of the feature ID registers (Linux 6.7): arm64's
 * uapi asm/kvm.h has the struct and range numbers, linux/kvm.h the ioctl.
 */
#ifndef KVM_ARM_FEATURE_ID_RANGE_SIZE
#define KVM_ARM_FEATURE_ID_RANGE	0
#define KVM_ARM_FEATURE_ID_RANGE_SIZE	(3 * 8 * 8)
struct reg_mask_range {
	__u64 addr;		/* pointer to KVM_ARM_FEATURE_ID_RANGE_SIZE u64 masks */
	__u32 range;		/* KVM_ARM_FEATURE_ID_RANGE */
	__u32 reserved[13];
};
#endif
#ifndef KVM_ARM_GET_REG_WRITABLE_MASKS
#define KVM_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct reg_mask_range)
#endif

#endif
