// SPDX-License-Identifier: GPL-2.0-only
/* arm64 ONE_REG ids: families, names, and the registers a round trip treats specially. */
#include <string.h>

#include "../../src/arch/arm64/regid.h"
#include "../../src/arch/arm64/sve.h"

#include "tap.h"

static bool named(uint64_t id, const char *want)
{
	char buf[64];

	arm64_reg_name(id, buf, sizeof(buf));
	if (strcmp(buf, want))
		printf("# 0x%016llx is named '%s', expected '%s'\n",
		       (unsigned long long)id, buf, want);
	return !strcmp(buf, want);
}

int main(void)
{
	/* Ids as KVM_GET_REG_LIST reports them on Linux 6.12 (arm64, SVE on). */
	const uint64_t core_pc = 0x6030000000100040ULL, core_x0 = 0x6030000000100000ULL;
	const uint64_t core_fpcr = 0x60200000001000d5ULL, core_v7 = 0x6040000000100070ULL;
	const uint64_t demux0 = 0x6020000000110000ULL, fw0 = 0x6030000000140000ULL;
	const uint64_t fwfeat0 = 0x6030000000160000ULL;
	const uint64_t mpidr = 0x603000000013c005ULL, timer_cnt = 0x603000000013df1aULL;
	const uint64_t ptimer_cnt = 0x603000000013df01ULL, cntv_ctl = 0x603000000013df19ULL;

	ok(arm64_reg_family(core_pc) == ARM64_REG_CORE && named(core_pc, "pc"), "pc");
	ok(named(core_x0, "x0") && named(core_x0 + 2 * 30, "x30"), "x0, x30");
	ok(named(core_v7, "v7") && arm64_reg_size(core_v7) == 16, "v7: 16 bytes");
	ok(named(core_fpcr, "fpcr") && arm64_reg_size(core_fpcr) == 4, "fpcr: 4 bytes");
	ok(arm64_reg_family(demux0) == ARM64_REG_DEMUX && named(demux0, "CCSIDR[0]"), "CCSIDR");
	ok(arm64_reg_family(fw0) == ARM64_REG_FW && arm64_reg_fixed_after_run(fw0),
	   "firmware register: fixed after the first run");
	ok(arm64_reg_family(fwfeat0) == ARM64_REG_FW_FEAT && arm64_reg_fixed_after_run(fwfeat0),
	   "firmware feature bitmap: fixed after the first run");
	ok(arm64_sysreg_id(3, 0, 0, 0, 5) == mpidr && named(mpidr, "MPIDR_EL1"),
	   "MPIDR_EL1 id and name");
	ok(arm64_reg_is_id_reg(mpidr), "MPIDR_EL1 is in the feature-ID range");
	ok(arm64_reg_is_id_reg(arm64_sysreg_id(3, 0, 0, 4, 0)) &&
	   named(arm64_sysreg_id(3, 0, 0, 4, 0), "ID_AA64PFR0_EL1"), "ID_AA64PFR0_EL1");
	ok(!arm64_reg_is_id_reg(arm64_sysreg_id(3, 0, 1, 0, 0)) &&
	   !arm64_reg_fixed_after_run(arm64_sysreg_id(3, 0, 1, 0, 0)), "SCTLR_EL1 is writable");
	ok(named(arm64_sysreg_id(3, 1, 0, 0, 2), "S3_1_C0_C0_2"), "unnamed sysreg by encoding");
	ok(arm64_reg_is_counter(timer_cnt) && named(timer_cnt, "CNTVCT_EL0"),
	   "KVM_REG_ARM_TIMER_CNT is the virtual counter");
	ok(arm64_reg_is_counter(ptimer_cnt), "KVM_REG_ARM_PTIMER_CNT is a counter");
	ok(!arm64_reg_is_counter(cntv_ctl) && named(cntv_ctl, "CNTV_CTL_EL0"),
	   "CNTV_CTL is not a counter");
	ok(arm64_reg_family(SVE_REG_VLS) == ARM64_REG_SVE && arm64_reg_fixed_after_run(SVE_REG_VLS) &&
	   named(SVE_REG_VLS, "SVE_VLS") && arm64_reg_size(SVE_REG_VLS) == 64,
	   "SVE_VLS: 64 bytes, fixed");
	ok(named(sve_reg_id(SVE_Z, 7, 0), "Z7[0]") && arm64_reg_size(sve_reg_id(SVE_Z, 7, 0)) == 256 &&
	   !arm64_reg_fixed_after_run(sve_reg_id(SVE_Z, 7, 0)), "Z7 slice 0: 256 bytes, writable");
	ok(named(sve_reg_id(SVE_FFR, 0, 1), "FFR[1]") && arm64_reg_size(sve_reg_id(SVE_P, 3, 0)) == 32,
	   "FFR slice 1; P: 32 bytes");
	ok(arm64_reg_family(0x6030000000200000ULL) == ARM64_REG_UNKNOWN, "unknown family");
	ok(arm64_reg_family(0x4030000000100040ULL) == ARM64_REG_UNKNOWN, "not an arm64 id");
	return tap_done();
}
