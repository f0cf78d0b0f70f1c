// SPDX-License-Identifier: GPL-2.0-only
/* Families and names of arm64 ONE_REG ids (see regid.h). */
#include <stdio.h>

#include "regid.h"
#include "sve.h"

#define COPROC_CORE	0x10
#define COPROC_DEMUX	0x11
#define COPROC_SYSREG	0x13
#define COPROC_FW	0x14
#define COPROC_SVE	0x15
#define COPROC_FW_FEAT	0x16

enum arm64_reg_family arm64_reg_family(uint64_t id)
{
	if ((id & ARM64_REGID_ARCH_MASK) != ARM64_REGID_ARM64)
		return ARM64_REG_UNKNOWN;
	switch (ARM64_REGID_COPROC(id)) {
	case COPROC_CORE: return ARM64_REG_CORE;
	case COPROC_DEMUX: return ARM64_REG_DEMUX;
	case COPROC_SYSREG: return ARM64_REG_SYSREG;
	case COPROC_FW: return ARM64_REG_FW;
	case COPROC_SVE: return ARM64_REG_SVE;
	case COPROC_FW_FEAT: return ARM64_REG_FW_FEAT;
	}
	return ARM64_REG_UNKNOWN;
}

uint64_t arm64_sysreg_id(unsigned int op0, unsigned int op1, unsigned int crn,
			 unsigned int crm, unsigned int op2)
{
	return ARM64_REGID_ARM64 | (3ULL << ARM64_REGID_SIZE_SHIFT) |
	       ((uint64_t)COPROC_SYSREG << 16) | ((uint64_t)(op0 & 3) << 14) |
	       ((uint64_t)(op1 & 7) << 11) | ((uint64_t)(crn & 15) << 7) |
	       ((uint64_t)(crm & 15) << 3) | (op2 & 7);
}

static void sysreg_fields(uint64_t id, unsigned int f[5])
{
	f[0] = (unsigned int)(id >> 14) & 3;
	f[1] = (unsigned int)(id >> 11) & 7;
	f[2] = (unsigned int)(id >> 7) & 15;
	f[3] = (unsigned int)(id >> 3) & 15;
	f[4] = (unsigned int)id & 7;
}

bool arm64_reg_is_id_reg(uint64_t id)
{
	unsigned int f[5];

	if (arm64_reg_family(id) != ARM64_REG_SYSREG)
		return false;
	sysreg_fields(id, f);
	return f[0] == 3 && f[1] == 0 && f[2] == 0 && f[3] <= 7;
}

bool arm64_reg_is_counter(uint64_t id)
{
	/*
	 * KVM_REG_ARM_TIMER_CNT is ARM64_SYS_REG(3, 3, 14, 3, 2) (its
	 * encoding swaps with CVAL for historical reasons) and
	 * KVM_REG_ARM_PTIMER_CNT is ARM64_SYS_REG(3, 3, 14, 0, 1).
	 */
	return id == arm64_sysreg_id(3, 3, 14, 3, 2) ||
	       id == arm64_sysreg_id(3, 3, 14, 0, 1);
}

bool arm64_reg_is_timer_ctl(uint64_t id)
{
	/* KVM_REG_ARM_TIMER_CTL and KVM_REG_ARM_PTIMER_CTL. */
	return id == arm64_sysreg_id(3, 3, 14, 3, 1) || id == arm64_sysreg_id(3, 3, 14, 2, 1);
}

bool arm64_reg_fixed_after_run(uint64_t id)
{
	switch (arm64_reg_family(id)) {
	case ARM64_REG_FW:
	case ARM64_REG_FW_FEAT:
		return true;
	case ARM64_REG_SVE:
		return id == SVE_REG_VLS;
	case ARM64_REG_SYSREG:
		return arm64_reg_is_id_reg(id);
	default:
		return false;
	}
}

/* struct kvm_regs, in 32-bit words: what KVM_REG_ARM_CORE ids index. */
static void core_name(unsigned int off, char *buf, size_t len)
{
	/* regs.regs[31], sp, pc, pstate, sp_el1, elr_el1, spsr[5], pad, vregs[32] (128-bit), fpsr, fpcr */
	if (off < 62)
		snprintf(buf, len, "x%u", off / 2);
	else if (off == 62)
		snprintf(buf, len, "sp");
	else if (off == 64)
		snprintf(buf, len, "pc");
	else if (off == 66)
		snprintf(buf, len, "pstate");
	else if (off == 68)
		snprintf(buf, len, "sp_el1");
	else if (off == 70)
		snprintf(buf, len, "elr_el1");
	else if (off >= 72 && off < 82)
		snprintf(buf, len, "spsr[%u]", (off - 72) / 2);
	else if (off >= 84 && off < 84 + 32 * 4)
		snprintf(buf, len, "v%u", (off - 84) / 4);
	else if (off == 84 + 32 * 4)
		snprintf(buf, len, "fpsr");
	else if (off == 84 + 32 * 4 + 1)
		snprintf(buf, len, "fpcr");
	else
		snprintf(buf, len, "core+0x%x", off);
}

static const struct { unsigned int enc[5]; const char *name; } sysreg_names[] = {
	{ { 3, 0, 0, 0, 0 }, "MIDR_EL1" },
	{ { 3, 0, 0, 0, 5 }, "MPIDR_EL1" },
	{ { 3, 0, 0, 4, 0 }, "ID_AA64PFR0_EL1" },
	{ { 3, 0, 0, 4, 1 }, "ID_AA64PFR1_EL1" },
	{ { 3, 0, 0, 4, 4 }, "ID_AA64ZFR0_EL1" },
	{ { 3, 0, 0, 6, 0 }, "ID_AA64ISAR0_EL1" },
	{ { 3, 0, 0, 6, 1 }, "ID_AA64ISAR1_EL1" },
	{ { 3, 0, 0, 7, 0 }, "ID_AA64MMFR0_EL1" },
	{ { 3, 0, 1, 0, 0 }, "SCTLR_EL1" },
	{ { 3, 0, 1, 0, 2 }, "CPACR_EL1" },
	{ { 3, 0, 1, 2, 0 }, "ZCR_EL1" },
	{ { 3, 0, 1, 0, 5 }, "RGSR_EL1" },
	{ { 3, 0, 1, 0, 6 }, "GCR_EL1" },
	{ { 3, 0, 5, 6, 0 }, "TFSR_EL1" },
	{ { 3, 0, 5, 6, 1 }, "TFSRE0_EL1" },
	{ { 3, 0, 2, 0, 0 }, "TTBR0_EL1" },
	{ { 3, 0, 2, 0, 1 }, "TTBR1_EL1" },
	{ { 3, 0, 2, 0, 2 }, "TCR_EL1" },
	{ { 3, 0, 5, 2, 0 }, "ESR_EL1" },
	{ { 3, 0, 6, 0, 0 }, "FAR_EL1" },
	{ { 3, 0, 10, 2, 0 }, "MAIR_EL1" },
	{ { 3, 0, 12, 0, 0 }, "VBAR_EL1" },
	{ { 3, 3, 14, 3, 1 }, "CNTV_CTL_EL0" },
	{ { 3, 3, 14, 0, 2 }, "CNTV_CVAL_EL0" },
	{ { 3, 3, 14, 3, 2 }, "CNTVCT_EL0" },	/* KVM_REG_ARM_TIMER_CNT */
};

void arm64_reg_name(uint64_t id, char *buf, size_t len)
{
	enum sve_reg_kind kind;
	unsigned int f[5], n, slice;

	switch (arm64_reg_family(id)) {
	case ARM64_REG_CORE:
		core_name((unsigned int)(id & 0xffff), buf, len);
		return;
	case ARM64_REG_DEMUX:
		snprintf(buf, len, "CCSIDR[%u]", (unsigned int)(id & 0xff));
		return;
	case ARM64_REG_SYSREG:
		sysreg_fields(id, f);
		for (size_t i = 0; i < ARRAY_SIZE(sysreg_names); i++) {
			const unsigned int *e = sysreg_names[i].enc;

			if (e[0] == f[0] && e[1] == f[1] && e[2] == f[2] &&
			    e[3] == f[3] && e[4] == f[4]) {
				snprintf(buf, len, "%s", sysreg_names[i].name);
				return;
			}
		}
		snprintf(buf, len, "S%u_%u_C%u_C%u_%u", f[0], f[1], f[2], f[3], f[4]);
		return;
	case ARM64_REG_SVE:
		if (id == SVE_REG_VLS) {
			snprintf(buf, len, "SVE_VLS");
			return;
		}
		if (!sve_reg_id_decode(id, &kind, &n, &slice)) {
			char r[8];

			sve_reg_name(kind, n, r, sizeof(r));
			snprintf(buf, len, "%s[%u]", r, slice);
			return;
		}
		break;
	case ARM64_REG_FW:
		snprintf(buf, len, "fw 0x%x", (unsigned int)(id & 0xffff));
		return;
	case ARM64_REG_FW_FEAT:
		snprintf(buf, len, "fw-features 0x%x", (unsigned int)(id & 0xffff));
		return;
	case ARM64_REG_UNKNOWN:
		break;
	}
	snprintf(buf, len, "reg 0x%016llx", (unsigned long long)id);
}
