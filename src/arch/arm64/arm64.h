/* SPDX-License-Identifier: GPL-2.0-only */
/* State and helpers shared by the arm64 backend's files (needs the arm64 uapi). */
#ifndef KVMINI_ARM64_H
#define KVMINI_ARM64_H

#include <stddef.h>

#include <kvmini/kvm.h>

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

/*
 * What makes an arm64 vCPU what it is: the VM's type and capabilities and
 * the vCPU's features. A vCPU of the same shape, in any VM, accepts the
 * same register state: scratch vCPUs (host probes, register moves) and
 * snapshot restores are built from it.
 */
struct arm64_vcpu_shape {
	unsigned long vm_type;		/* KVM_CREATE_VM's argument */
	bool mte;			/* KVM_CAP_ARM_MTE enabled on the VM */
	bool sve;			/* KVM_ARM_VCPU_SVE ... */
	uint64_t sve_vls[8];		/* ... with these vector lengths; all 0: the host's */
	bool ptrauth;			/* address and generic pointer authentication */
	bool pmu;			/* KVM_ARM_VCPU_PMU_V3 */
};

struct arch_vm {
	struct arm64_host host;
	struct arm64_vcpu_shape shape;
	unsigned int sve_max_vl;	/* bits, when shape.sve */
	int gic_fd;
	int its_fd;			/* --irqchip gicv3-its; -1: none */
	uint64_t *mpidrs;		/* per vCPU, read back from KVM */
	bool inject_ext_dabt;		/* KVM_CAP_ARM_INJECT_EXT_DABT */
	struct arm64_idregs *idregs;	/* a CPU model's ID registers (idregs.c); NULL: none */
	uint64_t frozen_cnt;		/* the guest's CNTVCT when a user pause began */
	bool clock_frozen;
	bool counter_offset;		/* the VM's counters set by KVM_ARM_SET_COUNTER_OFFSET */
};

/* clock.c: the counter's frequency: the guest reads the host's CNTFRQ_EL0, so a restore must match it. */
uint64_t arm64_cntfrq(void);
/* clock.c: the VM's counter offset, before any vCPU runs (no-ops without the cap). */
int __must_check arm64_clock_init(struct vm *vm);
int __must_check arm64_clock_restore(struct vm *vm, uint64_t guest_cnt);

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
};

/*
 * KVM_ARM_VCPU_INIT with the shape's features, then the SVE vector lengths
 * and KVM_ARM_VCPU_FINALIZE: for the VM's vCPUs and for scratch ones.
 */
int __must_check arm64_vcpu_setup(int vm_fd, int vcpu_fd, unsigned int id,
				  const struct arm64_vcpu_shape *shape);

/* KVM_ENABLE_CAP of what the shape needs on its VM, before any vCPU. */
int __must_check arm64_vm_enable_caps(int vm_fd, const struct arm64_vcpu_shape *shape);

/* A throw-away VM with one vCPU of a given shape. */
struct arm64_scratch {
	int vm_fd;
	int vcpu_fd;
};

/*
 * The one scratch-VM builder: a new VM of the shape's type and
 * capabilities with vCPU vcpu_id set up as the shape says (its vector
 * lengths finalized; all-zero VLs keep the host's). For host probes and
 * register moves; fds -1 on failure, nothing left open.
 */
int __must_check arm64_scratch_create(int kvm_fd, const struct arm64_vcpu_shape *shape,
				      unsigned int vcpu_id, struct arm64_scratch *s);
void arm64_scratch_destroy(struct arm64_scratch *s);

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
struct idreg_host;
/*
 * What a vCPU that never ran reads in every ID register (KVM's limits),
 * and with `masks` the VM's writable masks: the host view of a model.
 */
int __must_check arm64_idregs_read_host(int vm_fd, int vcpu_fd, bool masks,
					struct idreg_host *h);
int __must_check arm64_idregs_apply(struct vcpu *vcpu);
/*
 * A snapshot's ID register values (ids/vals: n registers of a vCPU's state;
 * others are skipped) checked field by field against this host, before the
 * VM exists: -EINVAL naming each refused field and its rule.
 */
int __must_check arm64_idregs_check_saved(struct vm *vm, const uint64_t *ids,
					  const uint64_t *vals, unsigned int n,
					  const char *origin);
void arm64_idregs_free(struct arch_vm *a);
/*
 * What MRS read from every S3_0_C0_C<crm>_<op2>, crm and op2 0..7, as 64
 * little-endian u64s in that order (ARM64_IDREGS_IMAGE_BYTES at image,
 * already copied out of the guest): each register kvmini knows is compared
 * with the CPU model's value (without a model: with what KVM_GET_ONE_REG
 * reads on vcpu). -EIO naming each difference (rate-limited).
 */
#define ARM64_IDREGS_IMAGE_BYTES (64 * 8)
int __must_check arm64_idregs_compare_image(struct vcpu *vcpu, const uint8_t *image);
/*
 * Flip bit `bit` of the value the after-run compare expects of register
 * `reg` (--inject-fault=idreg proves that compare can fail).
 */
void arm64_idregs_flip_expected(struct vm *vm, const char *reg, unsigned int bit);

/*
 * Number a device's interrupt line as SPI spi (spi < ARM64_GIC_NR_IRQS - 32):
 * KVM_IRQ_LINE's encoding, the irqfd GSI and the device-tree specifier.
 */
struct irq_line;
void arm64_irq_line_spi(struct vm *vm, struct irq_line *line, unsigned int spi);
int __must_check arm64_gic_create(struct vm *vm);
int __must_check arm64_gic_init(struct vm *vm);
/* The GIC's state for snapshots (gic_state.c); load validates what it reads. */
struct state_buf;
int __must_check arm64_gic_save(struct vm *vm, struct state_buf *out);
int __must_check arm64_gic_load(struct vm *vm, struct state_buf *in);
/* The ITS (gic_state.c): its tables and pending LPIs into guest RAM, its registers. */
int __must_check arm64_its_flush(struct vm *vm);
int __must_check arm64_its_save(struct vm *vm, struct state_buf *out);
int __must_check arm64_its_load(struct vm *vm, struct state_buf *in);
/* The saved GIC's interrupt and CPU counts (the section's start) against this machine's. */
int __must_check arm64_gic_check_shape(struct state_buf *in, unsigned int nr_cpus);

/* The test guest built into kvmini (generated from guest/). */
extern const unsigned char kvmini_guest_image[];
extern const size_t kvmini_guest_image_size;

#endif
