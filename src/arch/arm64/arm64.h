/* SPDX-License-Identifier: GPL-2.0-only */
/* State and helpers shared by the arm64 backend's files (needs the arm64 uapi). */
#ifndef KVMINI_ARM64_H
#define KVMINI_ARM64_H

#include <stddef.h>

#include <kvmini/kvm.h>

#include "host_mte.h"
#include "host_sve.h"
#include "regs.h"

struct vm;
struct vcpu;
struct vm_config;

/* What the host's KVM offers guests (kvmini caps prints it). */
struct arm64_host {
	int ipa_bits;			/* 0: no KVM_CAP_ARM_VM_IPA_SIZE, fixed 40 */
	int nr_vcpus, max_vcpus;
	bool sve;
	uint64_t sve_vls[8];		/* vector lengths, KVM_REG_ARM64_SVE_VLS */
	bool mte, ptrauth, pmu;
	bool writable_id_regs;		/* KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES */
	bool counter_offset;
};

int __must_check arm64_host_probe(int kvm_fd, struct arm64_host *h);

struct arch_vm {
	struct arm64_host host;
	int gic_fd;
	uint64_t *mpidrs;		/* per vCPU, read back from KVM */
	bool inject_ext_dabt;		/* KVM_CAP_ARM_INJECT_EXT_DABT */
	bool sve;			/* vCPUs have SVE ... */
	unsigned int sve_max_vl;	/* ... up to this VL (bits) */
	uint64_t sve_vls[8];		/* the set written to each vCPU */
	bool fault_injected;		/* --inject-fault fires once per VM */
	unsigned int host_sve_vl;	/* vCPU threads' own VL; 0: no host SVE check */
	bool host_mte;			/* vCPU threads check MTE state of their own */
	unsigned long vm_type;		/* KVM_CREATE_VM's argument */
	bool mte;			/* KVM_CAP_ARM_MTE enabled */
	bool ptrauth;			/* vCPUs have pointer authentication (a CPU model asks) */
	struct arm64_idregs *idregs;	/* a CPU model's ID registers (idregs.c); NULL: none */
};

/* ONE_REG ids of the core registers (struct kvm_regs) and system registers. */
#define ARM64_CORE_REG(field) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))
#define ARM64_SYS_REG_ID(op0, op1, crn, crm, op2) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) | \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) | \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) | \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) | \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))
#define ARM64_REG_MPIDR_EL1 ARM64_SYS_REG_ID(3, 0, 0, 0, 5)

/* EL1h with D, A, I and F masked: the state booting.rst asks for. */
#define ARM64_PSTATE_BOOT 0x3c5ULL

/* Per-vCPU state of the arm64 backend. */
struct arch_vcpu {
	struct arm64_regs regs;		/* list and values, for round trips */
	struct host_sve host_sve;	/* the thread's own SVE check */
	struct host_mte host_mte;	/* the thread's own MTE check */
};

/*
 * KVM_ARM_VCPU_INIT with the VM's features, then the SVE vector lengths
 * and KVM_ARM_VCPU_FINALIZE: for the VM's vCPUs and for scratch ones.
 */
int __must_check arm64_vcpu_setup(int vm_fd, int vcpu_fd, unsigned int id,
				  const struct arch_vm *a);

/*
 * A new, empty VM with the same machine type and shaping capabilities
 * (MTE) as vm: its vCPUs accept vm's register state. Returns its fd.
 */
int __must_check arm64_vm_create_like(const struct vm *vm);

/* MTE: decide (before the VM exists); copy tags of page-aligned RAM ranges. */
int __must_check arm64_choose_mte(struct arch_vm *a, const struct vm_config *cfg);
int __must_check arm64_mte_copy_tags(struct vm *vm, uint64_t ipa, uint64_t len,
				     uint8_t *tags, bool to_guest);

/*
 * CPU models (idregs.c): checked field by field before the VM exists,
 * written through vCPU 0 right after its setup and read back on every
 * vCPU, compared again after the run (arch_vm_after_run()).
 */
struct arm64_idregs;
int __must_check arm64_choose_cpu_model(struct vm *vm);
int __must_check arm64_idregs_apply(struct vcpu *vcpu);
void arm64_idregs_free(struct arch_vm *a);
/*
 * TESTDEV_REQ_IDREGS_CHECK: at ipa
 * the guest left what MRS read from every S3_0_C0_C<crm>_<op2>, crm and op2
 * 0..7, as 64 little-endian u64s in that order. Each register kvmini knows
 * is compared with the CPU model's value (without a model: with what
 * KVM_GET_ONE_REG reads); -EIO naming each difference, -EFAULT outside RAM.
 */
#define ARM64_IDREGS_GUEST_BYTES (64 * 8)
int __must_check arm64_idregs_guest_check(struct vcpu *vcpu, uint64_t ipa);

/* The test device's arm64 hooks: fault injection and guest requests. */
void arm64_testdev_ping(struct vcpu *vcpu, uint32_t tag, uint32_t count);
int arm64_testdev_request(struct vcpu *vcpu, uint32_t req, uint64_t arg);

int __must_check arm64_gic_create(struct vm *vm);
int __must_check arm64_gic_init(struct vm *vm);
/* Load the kernel (or the embedded guest), initrd and DTB; set vCPU 0's entry state. */
int __must_check arm64_boot(struct vm *vm);

/* The test guest built into kvmini (generated from guest/). */
extern const unsigned char kvmini_guest_image[];
extern const size_t kvmini_guest_image_size;

#endif
