/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 ONE_REG ids as pure code: which family a register belongs to, its
 * size, its name for people, and which registers a same-VM round trip must
 * treat specially. The numbers are the kernel's ABI (uapi asm/kvm.h),
 * restated so this builds and is tested on any machine.
 */
#ifndef KVMINI_ARM64_REGID_H
#define KVMINI_ARM64_REGID_H

#include <kvmini/compiler.h>

enum arm64_reg_family {
	ARM64_REG_CORE,		/* struct kvm_regs: x0-x30, sp, pc, pstate, ... */
	ARM64_REG_DEMUX,	/* CCSIDR values by CSSELR */
	ARM64_REG_SYSREG,	/* system registers, op0/op1/CRn/CRm/op2 */
	ARM64_REG_FW,		/* firmware: PSCI version, SMCCC workarounds */
	ARM64_REG_SVE,		/* Z/P/FFR slices and the VL set */
	ARM64_REG_FW_FEAT,	/* firmware feature bitmaps */
	ARM64_REG_UNKNOWN,
};

#define ARM64_REGID_ARCH_MASK	0xff00000000000000ULL
#define ARM64_REGID_ARM64	0x6000000000000000ULL
#define ARM64_REGID_SIZE_SHIFT	52
#define ARM64_REGID_COPROC(id)	((unsigned int)((id) >> 16) & 0xfff)

static inline size_t arm64_reg_size(uint64_t id)
{
	return (size_t)1 << ((id >> ARM64_REGID_SIZE_SHIFT) & 0xf);
}

enum arm64_reg_family arm64_reg_family(uint64_t id);

/* "x3", "pc", "v7", "SCTLR_EL1", "S3_0_C0_C4_1", "Z7[0]", "FFR[0]", "fw 0x2" */
void arm64_reg_name(uint64_t id, char *buf, size_t len);

/* System register id from its encoding. */
uint64_t arm64_sysreg_id(unsigned int op0, unsigned int op1, unsigned int crn,
			 unsigned int crm, unsigned int op2);

/* A feature ID register (op0=3, op1=0, CRn=0, CRm=0..7): fixed once the VM runs. */
bool arm64_reg_is_id_reg(uint64_t id);

/*
 * The counters (CNTVCT through KVM_REG_ARM_TIMER_CNT, and CNTPCT):
 * writing one sets the VM's counter offset, so writing back a value read
 * a moment ago moves guest time backwards. A same-VM round trip must not.
 */
bool arm64_reg_is_counter(uint64_t id);

/*
 * CNTV_CTL/CNTP_CTL: ISTATUS (bit 2) is read-only, derived from the
 * counter at the moment of reading; two reads of one state may differ.
 */
#define ARM64_TIMER_CTL_ISTATUS 0x4
bool arm64_reg_is_timer_ctl(uint64_t id);

/* Registers only writable before the first KVM_RUN: ID registers, firmware, the VL set. */
bool arm64_reg_fixed_after_run(uint64_t id);

#endif
