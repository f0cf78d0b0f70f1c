// SPDX-License-Identifier: GPL-2.0-only
/*
 * The feature ID register table (see idreg_table.h). Each field is
 *   RULE("Name", msb, lsb)
 * as the Arm ARM writes it; a _S suffix marks a signed field, EXACT's last
 * argument is its safe value. FIXED fields are ones the kernel's cpufeature
 * table for the register does not list: KVM accepts no value but its own.
 * Rules are Linux 6.12's: cpufeature.c's ftr tables with the overrides of
 * arch/arm64/kvm/sys_regs.c (kvm_arm64_ftr_safe_value()), noted inline.
 */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "idreg_table.h"
#include "regid.h"

#define FIELD(n, msb, lsb, s, r, sv) \
	{ .name = (n), .shift = (lsb), .width = (msb) - (lsb) + 1, .sign = (s), \
	  .rule = (r), .safe = (sv) }
#define LOWER(n, msb, lsb)		FIELD(n, msb, lsb, false, IDREG_LOWER_SAFE, 0)
#define LOWER_S(n, msb, lsb)		FIELD(n, msb, lsb, true, IDREG_LOWER_SAFE, 0)
#define HIGHER(n, msb, lsb)		FIELD(n, msb, lsb, false, IDREG_HIGHER_SAFE, 0)
#define HIGHER_OR_ZERO(n, msb, lsb)	FIELD(n, msb, lsb, false, IDREG_HIGHER_OR_ZERO_SAFE, 0)
#define EXACT(n, msb, lsb, safe)	FIELD(n, msb, lsb, false, IDREG_EXACT, safe)
#define FIXED(n, msb, lsb)		FIELD(n, msb, lsb, false, IDREG_FIXED, 0)
#define FIXED_S(n, msb, lsb)		FIELD(n, msb, lsb, true, IDREG_FIXED, 0)

/* MIDR_EL1: S3_0_C0_C0_0. Per vCPU; Linux 6.12 accepts only the host's. */
static const struct idreg_field midr[] = {
	FIXED("Implementer", 31, 24),
	FIXED("Variant", 23, 20),
	FIXED("Architecture", 19, 16),
	FIXED("PartNum", 15, 4),
	FIXED("Revision", 3, 0),
};

/* REVIDR_EL1: S3_0_C0_C0_6. IMPLEMENTATION DEFINED revision details. */
static const struct idreg_field revidr[] = {
	FIXED("IMPDEF", 63, 0),
};

/* ID_PFR0_EL1: S3_0_C0_C1_0 */
static const struct idreg_field id_pfr0[] = {
	FIXED("RAS", 31, 28),
	LOWER("DIT", 27, 24),
	FIXED("AMU", 23, 20),
	LOWER("CSV2", 19, 16),
	LOWER("State3", 15, 12),
	LOWER("State2", 11, 8),
	LOWER("State1", 7, 4),
	LOWER("State0", 3, 0),
};

/* ID_PFR1_EL1: S3_0_C0_C1_1 */
static const struct idreg_field id_pfr1[] = {
	LOWER("GIC", 31, 28),
	LOWER("Virt_frac", 27, 24),
	LOWER("Sec_frac", 23, 20),
	LOWER("GenTimer", 19, 16),
	LOWER("Virtualization", 15, 12),
	LOWER("MProgMod", 11, 8),
	LOWER("Security", 7, 4),
	LOWER("ProgMod", 3, 0),
};

/* ID_DFR0_EL1: S3_0_C0_C1_2 */
static const struct idreg_field id_dfr0[] = {
	FIXED("TraceFilt", 31, 28),
	LOWER("PerfMon", 27, 24),		/* KVM: LOWER_SAFE, not cpufeature's EXACT */
	LOWER("MProfDbg", 23, 20),
	LOWER("MMapTrc", 19, 16),
	LOWER("CopTrc", 15, 12),
	LOWER("MMapDbg", 11, 8),
	LOWER("CopSDbg", 7, 4),
	LOWER("CopDbg", 3, 0),
};

/* ID_AFR0_EL1: S3_0_C0_C1_3 */
static const struct idreg_field id_afr0[] = {
	FIXED("IMPDEF3", 15, 12),
	FIXED("IMPDEF2", 11, 8),
	FIXED("IMPDEF1", 7, 4),
	FIXED("IMPDEF0", 3, 0),
};

/* ID_MMFR0_EL1: S3_0_C0_C1_4 */
static const struct idreg_field id_mmfr0[] = {
	LOWER_S("InnerShr", 31, 28),
	LOWER("FCSE", 27, 24),
	LOWER("AuxReg", 23, 20),
	LOWER("TCM", 19, 16),
	LOWER("ShareLvl", 15, 12),
	LOWER_S("OuterShr", 11, 8),
	LOWER("PMSA", 7, 4),
	LOWER("VMSA", 3, 0),
};

/* ID_MMFR1_EL1: S3_0_C0_C1_5 */
static const struct idreg_field id_mmfr1[] = {
	LOWER("BPred", 31, 28),
	LOWER("L1TstCln", 27, 24),
	LOWER("L1Uni", 23, 20),
	LOWER("L1Hvd", 19, 16),
	LOWER("L1UniSW", 15, 12),
	LOWER("L1HvdSW", 11, 8),
	LOWER("L1UniVA", 7, 4),
	LOWER("L1HvdVA", 3, 0),
};

/* ID_MMFR2_EL1: S3_0_C0_C1_6 */
static const struct idreg_field id_mmfr2[] = {
	LOWER("HWAccFlg", 31, 28),
	LOWER("WFIStall", 27, 24),
	LOWER("MemBarr", 23, 20),
	LOWER("UniTLB", 19, 16),
	LOWER("HvdTLB", 15, 12),
	LOWER("L1HvdRng", 11, 8),
	LOWER("L1HvdBG", 7, 4),
	LOWER("L1HvdFG", 3, 0),
};

/* ID_MMFR3_EL1: S3_0_C0_C1_7 */
static const struct idreg_field id_mmfr3[] = {
	LOWER("Supersec", 31, 28),
	LOWER("CMemSz", 27, 24),
	LOWER("CohWalk", 23, 20),
	LOWER("PAN", 19, 16),
	LOWER("MaintBcst", 15, 12),
	LOWER("BPMaint", 11, 8),
	LOWER("CMaintSW", 7, 4),
	LOWER("CMaintVA", 3, 0),
};

/* ID_ISAR0_EL1: S3_0_C0_C2_0 */
static const struct idreg_field id_isar0[] = {
	LOWER("Divide", 27, 24),
	LOWER("Debug", 23, 20),
	LOWER("Coproc", 19, 16),
	LOWER("CmpBranch", 15, 12),
	LOWER("BitField", 11, 8),
	LOWER("BitCount", 7, 4),
	LOWER("Swap", 3, 0),
};

/* ID_ISAR1_EL1: S3_0_C0_C2_1 */
static const struct idreg_field id_isar1[] = {
	LOWER("Jazelle", 31, 28),
	LOWER("Interwork", 27, 24),
	LOWER("Immediate", 23, 20),
	LOWER("IfThen", 19, 16),
	LOWER("Extend", 15, 12),
	LOWER("Except_AR", 11, 8),
	LOWER("Except", 7, 4),
	LOWER("Endian", 3, 0),
};

/* ID_ISAR2_EL1: S3_0_C0_C2_2 */
static const struct idreg_field id_isar2[] = {
	LOWER("Reversal", 31, 28),
	LOWER("PSR_AR", 27, 24),
	LOWER("MultU", 23, 20),
	LOWER("MultS", 19, 16),
	LOWER("Mult", 15, 12),
	LOWER("MultiAccessInt", 11, 8),
	LOWER("MemHint", 7, 4),
	LOWER("LoadStore", 3, 0),
};

/* ID_ISAR3_EL1: S3_0_C0_C2_3 */
static const struct idreg_field id_isar3[] = {
	LOWER("T32EE", 31, 28),
	LOWER("TrueNOP", 27, 24),
	LOWER("T32Copy", 23, 20),
	LOWER("TabBranch", 19, 16),
	LOWER("SynchPrim", 15, 12),
	LOWER("SVC", 11, 8),
	LOWER("SIMD", 7, 4),
	LOWER("Saturate", 3, 0),
};

/* ID_ISAR4_EL1: S3_0_C0_C2_4 */
static const struct idreg_field id_isar4[] = {
	LOWER("SWP_frac", 31, 28),
	LOWER("PSR_M", 27, 24),
	LOWER("SynchPrim_frac", 23, 20),
	LOWER("Barrier", 19, 16),
	LOWER("SMC", 15, 12),
	LOWER("Writeback", 11, 8),
	LOWER("WithShifts", 7, 4),
	LOWER("Unpriv", 3, 0),
};

/* ID_ISAR5_EL1: S3_0_C0_C2_5 */
static const struct idreg_field id_isar5[] = {
	FIXED("VCMA", 31, 28),
	LOWER("RDM", 27, 24),
	LOWER("CRC32", 19, 16),
	LOWER("SHA2", 15, 12),
	LOWER("SHA1", 11, 8),
	LOWER("AES", 7, 4),
	LOWER("SEVL", 3, 0),
};

/* ID_MMFR4_EL1: S3_0_C0_C2_6 */
static const struct idreg_field id_mmfr4[] = {
	LOWER("EVT", 31, 28),
	LOWER("CCIDX", 27, 24),
	LOWER("LSM", 23, 20),
	LOWER("HPDS", 19, 16),
	LOWER("CnP", 15, 12),
	LOWER("XNX", 11, 8),
	LOWER("AC2", 7, 4),
	HIGHER("SpecSEI", 3, 0),
};

/* ID_ISAR6_EL1: S3_0_C0_C2_7 */
static const struct idreg_field id_isar6[] = {
	LOWER("I8MM", 27, 24),
	LOWER("BF16", 23, 20),
	LOWER("SPECRES", 19, 16),
	LOWER("SB", 15, 12),
	LOWER("FHM", 11, 8),
	LOWER("DP", 7, 4),
	LOWER("JSCVT", 3, 0),
};

/* MVFR0_EL1: S3_0_C0_C3_0 */
static const struct idreg_field mvfr0[] = {
	LOWER("FPRound", 31, 28),
	LOWER("FPShVec", 27, 24),
	LOWER("FPSqrt", 23, 20),
	LOWER("FPDivide", 19, 16),
	LOWER("FPTrap", 15, 12),
	LOWER("FPDP", 11, 8),
	LOWER("FPSP", 7, 4),
	LOWER("SIMDReg", 3, 0),
};

/* MVFR1_EL1: S3_0_C0_C3_1 */
static const struct idreg_field mvfr1[] = {
	LOWER("SIMDFMAC", 31, 28),
	LOWER("FPHP", 27, 24),
	LOWER("SIMDHP", 23, 20),
	LOWER("SIMDSP", 19, 16),
	LOWER("SIMDInt", 15, 12),
	LOWER("SIMDLS", 11, 8),
	LOWER("FPDNaN", 7, 4),
	LOWER("FPFtZ", 3, 0),
};

/* MVFR2_EL1: S3_0_C0_C3_2 */
static const struct idreg_field mvfr2[] = {
	LOWER("FPMisc", 7, 4),
	LOWER("SIMDMisc", 3, 0),
};

/* ID_PFR2_EL1: S3_0_C0_C3_4 */
static const struct idreg_field id_pfr2[] = {
	FIXED("RAS_frac", 11, 8),
	LOWER("SSBS", 7, 4),
	LOWER("CSV3", 3, 0),
};

/* ID_DFR1_EL1: S3_0_C0_C3_5 */
static const struct idreg_field id_dfr1[] = {
	FIXED("HPMN0", 7, 4),
	LOWER_S("MTPMU", 3, 0),
};

/* ID_MMFR5_EL1: S3_0_C0_C3_6 */
static const struct idreg_field id_mmfr5[] = {
	FIXED("nTLBPA", 7, 4),
	LOWER("ETS", 3, 0),
};

/* ID_AA64PFR0_EL1: S3_0_C0_C4_0 */
static const struct idreg_field id_aa64pfr0[] = {
	LOWER("CSV3", 63, 60),
	LOWER("CSV2", 59, 56),
	FIXED("RME", 55, 52),
	LOWER("DIT", 51, 48),
	LOWER("AMU", 47, 44),
	LOWER("MPAM", 43, 40),
	LOWER("SEL2", 39, 36),
	LOWER("SVE", 35, 32),
	LOWER("RAS", 31, 28),
	LOWER("GIC", 27, 24),
	LOWER_S("AdvSIMD", 23, 20),
	LOWER_S("FP", 19, 16),
	LOWER("EL3", 15, 12),
	LOWER("EL2", 11, 8),
	LOWER("EL1", 7, 4),
	LOWER("EL0", 3, 0),
};

/* ID_AA64PFR1_EL1: S3_0_C0_C4_1 */
static const struct idreg_field id_aa64pfr1[] = {
	FIXED("PFAR", 63, 60),
	FIXED("DF2", 59, 56),
	FIXED("MTEX", 55, 52),
	FIXED("THE", 51, 48),
	FIXED("GCS", 47, 44),
	FIXED("MTE_frac", 43, 40),
	FIXED("NMI", 39, 36),
	FIXED("CSV2_frac", 35, 32),
	FIXED("RNDR_trap", 31, 28),
	LOWER("SME", 27, 24),
	LOWER("MPAM_frac", 19, 16),
	LOWER("RAS_frac", 15, 12),
	LOWER("MTE", 11, 8),
	LOWER("SSBS", 7, 4),
	LOWER("BT", 3, 0),
};

/* ID_AA64PFR2_EL1: S3_0_C0_C4_2 */
static const struct idreg_field id_aa64pfr2[] = {
	LOWER("FPMR", 35, 32),
	FIXED("MTEFAR", 11, 8),
	FIXED("MTESTOREONLY", 7, 4),
	FIXED("MTEPERM", 3, 0),
};

/* ID_AA64ZFR0_EL1: S3_0_C0_C4_4 */
static const struct idreg_field id_aa64zfr0[] = {
	LOWER("F64MM", 59, 56),
	LOWER("F32MM", 55, 52),
	LOWER("I8MM", 47, 44),
	LOWER("SM4", 43, 40),
	LOWER("SHA3", 35, 32),
	LOWER("B16B16", 27, 24),
	LOWER("BF16", 23, 20),
	LOWER("BitPerm", 19, 16),
	LOWER("AES", 7, 4),
	LOWER("SVEver", 3, 0),
};

/* ID_AA64SMFR0_EL1: S3_0_C0_C4_5 */
static const struct idreg_field id_aa64smfr0[] = {
	EXACT("FA64", 63, 63, 0),
	EXACT("LUTv2", 60, 60, 0),
	EXACT("SMEver", 59, 56, 0),
	EXACT("I16I64", 55, 52, 0),
	EXACT("F64F64", 48, 48, 0),
	EXACT("I16I32", 47, 44, 0),
	EXACT("B16B16", 43, 43, 0),
	EXACT("F16F16", 42, 42, 0),
	EXACT("F8F16", 41, 41, 0),
	EXACT("F8F32", 40, 40, 0),
	EXACT("I8I32", 39, 36, 0),
	EXACT("F16F32", 35, 35, 0),
	EXACT("B16F32", 34, 34, 0),
	EXACT("BI32I32", 33, 33, 0),
	EXACT("F32F32", 32, 32, 0),
	EXACT("SF8FMA", 30, 30, 0),
	EXACT("SF8DP4", 29, 29, 0),
	EXACT("SF8DP2", 28, 28, 0),
};

/* ID_AA64FPFR0_EL1: S3_0_C0_C4_7 */
static const struct idreg_field id_aa64fpfr0[] = {
	EXACT("F8CVT", 31, 31, 0),
	EXACT("F8FMA", 30, 30, 0),
	EXACT("F8DP4", 29, 29, 0),
	EXACT("F8DP2", 28, 28, 0),
	EXACT("F8E4M3", 1, 1, 0),
	EXACT("F8E5M2", 0, 0, 0),
};

/* ID_AA64DFR0_EL1: S3_0_C0_C5_0 */
static const struct idreg_field id_aa64dfr0[] = {
	FIXED("HPMN0", 63, 60),
	FIXED("ExtTrcBuff", 59, 56),
	FIXED("BRBE", 55, 52),
	FIXED("MTPMU", 51, 48),
	FIXED("TraceBuffer", 47, 44),
	FIXED("TraceFilt", 43, 40),
	LOWER_S("DoubleLock", 39, 36),
	LOWER("PMSVer", 35, 32),
	LOWER("CTX_CMPs", 31, 28),
	LOWER("WRPs", 23, 20),
	LOWER("BRPs", 15, 12),
	LOWER("PMUVer", 11, 8),		/* KVM: LOWER_SAFE, not cpufeature's EXACT */
	FIXED("TraceVer", 7, 4),
	LOWER("DebugVer", 3, 0),		/* KVM: LOWER_SAFE, not cpufeature's EXACT */
};

/* ID_AA64DFR1_EL1: S3_0_C0_C5_1 */
static const struct idreg_field id_aa64dfr1[] = {
	FIXED("ABL_CMPs", 63, 56),
	FIXED("DPFZS", 55, 52),
	FIXED("EBEP", 51, 48),
	FIXED("ITE", 47, 44),
	FIXED("ABLE", 43, 40),
	FIXED("PMICNTR", 39, 36),
	FIXED("SPMU", 35, 32),
	FIXED("CTX_CMPs", 31, 24),
	FIXED("WRPs", 23, 16),
	FIXED("BRPs", 15, 8),
	FIXED("SYSPMUID", 7, 0),
};

/* ID_AA64AFR0_EL1: S3_0_C0_C5_4 */
static const struct idreg_field id_aa64afr0[] = {
	FIXED("IMPDEF7", 31, 28),
	FIXED("IMPDEF6", 27, 24),
	FIXED("IMPDEF5", 23, 20),
	FIXED("IMPDEF4", 19, 16),
	FIXED("IMPDEF3", 15, 12),
	FIXED("IMPDEF2", 11, 8),
	FIXED("IMPDEF1", 7, 4),
	FIXED("IMPDEF0", 3, 0),
};

/* ID_AA64AFR1_EL1: S3_0_C0_C5_5, no fields (all RES0) */

/* ID_AA64ISAR0_EL1: S3_0_C0_C6_0 */
static const struct idreg_field id_aa64isar0[] = {
	LOWER("RNDR", 63, 60),
	LOWER("TLB", 59, 56),
	LOWER("TS", 55, 52),
	LOWER("FHM", 51, 48),
	LOWER("DP", 47, 44),
	LOWER("SM4", 43, 40),
	LOWER("SM3", 39, 36),
	LOWER("SHA3", 35, 32),
	LOWER("RDM", 31, 28),
	FIXED("TME", 27, 24),
	LOWER("ATOMIC", 23, 20),
	LOWER("CRC32", 19, 16),
	LOWER("SHA2", 15, 12),
	LOWER("SHA1", 11, 8),
	LOWER("AES", 7, 4),
};

/* ID_AA64ISAR1_EL1: S3_0_C0_C6_1 */
static const struct idreg_field id_aa64isar1[] = {
	FIXED("LS64", 63, 60),
	LOWER("XS", 59, 56),
	LOWER("I8MM", 55, 52),
	LOWER("DGH", 51, 48),
	LOWER("BF16", 47, 44),
	LOWER("SPECRES", 43, 40),
	LOWER("SB", 39, 36),
	LOWER("FRINTTS", 35, 32),
	LOWER("GPI", 31, 28),
	LOWER("GPA", 27, 24),
	LOWER("LRCPC", 23, 20),
	LOWER("FCMA", 19, 16),
	LOWER("JSCVT", 15, 12),
	EXACT("API", 11, 8, 0),
	EXACT("APA", 7, 4, 0),
	LOWER("DPB", 3, 0),
};

/* ID_AA64ISAR2_EL1: S3_0_C0_C6_2 */
static const struct idreg_field id_aa64isar2[] = {
	FIXED("ATS1A", 63, 60),
	LOWER("LUT", 59, 56),
	LOWER("CSSC", 55, 52),
	LOWER("RPRFM", 51, 48),
	FIXED("PRFMSLC", 43, 40),
	FIXED("SYSINSTR_128", 39, 36),
	FIXED("SYSREG_128", 35, 32),
	LOWER("CLRBHB", 31, 28),
	FIXED("PAC_frac", 27, 24),
	LOWER("BC", 23, 20),
	LOWER("MOPS", 19, 16),
	EXACT("APA3", 15, 12, 0),
	LOWER("GPA3", 11, 8),
	LOWER("RPRES", 7, 4),
	LOWER("WFxT", 3, 0),
};

/* ID_AA64ISAR3_EL1: S3_0_C0_C6_3 */
static const struct idreg_field id_aa64isar3[] = {
	FIXED("PACM", 15, 12),
	FIXED("TLBIW", 11, 8),
	LOWER("FAMINMAX", 7, 4),
	FIXED("CPA", 3, 0),
};

/* ID_AA64MMFR0_EL1: S3_0_C0_C7_0 */
static const struct idreg_field id_aa64mmfr0[] = {
	LOWER("ECV", 63, 60),
	LOWER("FGT", 59, 56),
	LOWER("EXS", 47, 44),
	EXACT("TGRAN4_2", 43, 40, 1),
	EXACT("TGRAN64_2", 39, 36, 1),
	EXACT("TGRAN16_2", 35, 32, 1),
	LOWER_S("TGRAN4", 31, 28),
	LOWER_S("TGRAN64", 27, 24),
	LOWER("TGRAN16", 23, 20),
	LOWER("BIGENDEL0", 19, 16),
	LOWER("SNSMEM", 15, 12),
	LOWER("BIGEND", 11, 8),
	LOWER("ASIDBITS", 7, 4),
	LOWER("PARANGE", 3, 0),
};

/* ID_AA64MMFR1_EL1: S3_0_C0_C7_1 */
static const struct idreg_field id_aa64mmfr1[] = {
	LOWER("ECBHB", 63, 60),
	FIXED("CMOW", 59, 56),
	LOWER("TIDCP1", 55, 52),
	FIXED("nTLBPA", 51, 48),
	LOWER("AFP", 47, 44),
	LOWER("HCX", 43, 40),
	LOWER("ETS", 39, 36),
	LOWER("TWED", 35, 32),
	LOWER("XNX", 31, 28),
	HIGHER("SpecSEI", 27, 24),
	LOWER("PAN", 23, 20),
	LOWER("LO", 19, 16),
	LOWER("HPDS", 15, 12),
	LOWER("VH", 11, 8),
	LOWER("VMIDBits", 7, 4),
	LOWER("HAFDBS", 3, 0),
};

/* ID_AA64MMFR2_EL1: S3_0_C0_C7_2 */
static const struct idreg_field id_aa64mmfr2[] = {
	LOWER("E0PD", 63, 60),
	LOWER("EVT", 59, 56),
	LOWER("BBM", 55, 52),
	LOWER("TTL", 51, 48),
	LOWER("FWB", 43, 40),
	LOWER("IDS", 39, 36),
	LOWER("AT", 35, 32),
	LOWER("ST", 31, 28),
	LOWER("NV", 27, 24),
	LOWER("CCIDX", 23, 20),
	LOWER("VARange", 19, 16),
	LOWER("IESB", 15, 12),
	LOWER("LSM", 11, 8),
	LOWER("UAO", 7, 4),
	LOWER("CnP", 3, 0),
};

/* ID_AA64MMFR3_EL1: S3_0_C0_C7_3 */
static const struct idreg_field id_aa64mmfr3[] = {
	FIXED("Spec_FPACC", 63, 60),
	FIXED("ADERR", 59, 56),
	FIXED("SDERR", 55, 52),
	FIXED("ANERR", 47, 44),
	FIXED("SNERR", 43, 40),
	FIXED("D128_2", 39, 36),
	FIXED("D128", 35, 32),
	FIXED("MEC", 31, 28),
	FIXED("AIE", 27, 24),
	FIXED("S2POE", 23, 20),
	LOWER("S1POE", 19, 16),
	FIXED("S2PIE", 15, 12),
	LOWER("S1PIE", 11, 8),
	FIXED("SCTLRX", 7, 4),
	LOWER("TCRX", 3, 0),
};

/* ID_AA64MMFR4_EL1: S3_0_C0_C7_4 */
static const struct idreg_field id_aa64mmfr4[] = {
	FIXED("E3DSE", 39, 36),
	LOWER_S("E2H0", 27, 24),
	FIXED("NV_frac", 23, 20),
	FIXED("FGWTE3", 19, 16),
	FIXED("HACDBS", 15, 12),
	FIXED("ASID2", 11, 8),
	FIXED("EIESB", 7, 4),
};

#define REG(n, c, o, fl, f) \
	{ .name = (n), .crm = (c), .op2 = (o), .flags = (fl), .fields = (f), \
	  .nr_fields = ARRAY_SIZE(f) }
#define REG_NOFIELDS(n, c, o, fl) \
	{ .name = (n), .crm = (c), .op2 = (o), .flags = (fl) }
#define UNALLOCATED(c, o) \
	{ .name = "S3_0_C0_C" #c "_" #o, .crm = (c), .op2 = (o), \
	  .flags = IDREG_UNALLOCATED | ((c) <= 3 ? IDREG_AARCH32 : 0) }

/* In encoding order. MPIDR_EL1 (CRm 0, op2 5) names a vCPU: not a feature. */
static const struct idreg_desc idregs[] = {
	REG("MIDR_EL1", 0, 0, IDREG_PER_VCPU, midr),
	REG("REVIDR_EL1", 0, 6, IDREG_PER_VCPU, revidr),
	REG("ID_PFR0_EL1", 1, 0, IDREG_AARCH32, id_pfr0),
	REG("ID_PFR1_EL1", 1, 1, IDREG_AARCH32, id_pfr1),
	REG("ID_DFR0_EL1", 1, 2, IDREG_AARCH32, id_dfr0),
	REG("ID_AFR0_EL1", 1, 3, IDREG_AARCH32, id_afr0),
	REG("ID_MMFR0_EL1", 1, 4, IDREG_AARCH32, id_mmfr0),
	REG("ID_MMFR1_EL1", 1, 5, IDREG_AARCH32, id_mmfr1),
	REG("ID_MMFR2_EL1", 1, 6, IDREG_AARCH32, id_mmfr2),
	REG("ID_MMFR3_EL1", 1, 7, IDREG_AARCH32, id_mmfr3),
	REG("ID_ISAR0_EL1", 2, 0, IDREG_AARCH32, id_isar0),
	REG("ID_ISAR1_EL1", 2, 1, IDREG_AARCH32, id_isar1),
	REG("ID_ISAR2_EL1", 2, 2, IDREG_AARCH32, id_isar2),
	REG("ID_ISAR3_EL1", 2, 3, IDREG_AARCH32, id_isar3),
	REG("ID_ISAR4_EL1", 2, 4, IDREG_AARCH32, id_isar4),
	REG("ID_ISAR5_EL1", 2, 5, IDREG_AARCH32, id_isar5),
	REG("ID_MMFR4_EL1", 2, 6, IDREG_AARCH32, id_mmfr4),
	REG("ID_ISAR6_EL1", 2, 7, IDREG_AARCH32, id_isar6),
	REG("MVFR0_EL1", 3, 0, IDREG_AARCH32, mvfr0),
	REG("MVFR1_EL1", 3, 1, IDREG_AARCH32, mvfr1),
	REG("MVFR2_EL1", 3, 2, IDREG_AARCH32, mvfr2),
	UNALLOCATED(3, 3),
	REG("ID_PFR2_EL1", 3, 4, IDREG_AARCH32, id_pfr2),
	REG("ID_DFR1_EL1", 3, 5, IDREG_AARCH32, id_dfr1),
	REG("ID_MMFR5_EL1", 3, 6, IDREG_AARCH32, id_mmfr5),
	UNALLOCATED(3, 7),
	REG("ID_AA64PFR0_EL1", 4, 0, 0, id_aa64pfr0),
	REG("ID_AA64PFR1_EL1", 4, 1, 0, id_aa64pfr1),
	REG("ID_AA64PFR2_EL1", 4, 2, 0, id_aa64pfr2),
	UNALLOCATED(4, 3),
	REG("ID_AA64ZFR0_EL1", 4, 4, 0, id_aa64zfr0),
	REG("ID_AA64SMFR0_EL1", 4, 5, 0, id_aa64smfr0),
	UNALLOCATED(4, 6),
	REG("ID_AA64FPFR0_EL1", 4, 7, 0, id_aa64fpfr0),
	REG("ID_AA64DFR0_EL1", 5, 0, 0, id_aa64dfr0),
	REG("ID_AA64DFR1_EL1", 5, 1, 0, id_aa64dfr1),
	UNALLOCATED(5, 2),
	UNALLOCATED(5, 3),
	REG("ID_AA64AFR0_EL1", 5, 4, 0, id_aa64afr0),
	REG_NOFIELDS("ID_AA64AFR1_EL1", 5, 5, 0),
	UNALLOCATED(5, 6),
	UNALLOCATED(5, 7),
	REG("ID_AA64ISAR0_EL1", 6, 0, 0, id_aa64isar0),
	REG("ID_AA64ISAR1_EL1", 6, 1, 0, id_aa64isar1),
	REG("ID_AA64ISAR2_EL1", 6, 2, 0, id_aa64isar2),
	REG("ID_AA64ISAR3_EL1", 6, 3, 0, id_aa64isar3),
	UNALLOCATED(6, 4),
	UNALLOCATED(6, 5),
	UNALLOCATED(6, 6),
	UNALLOCATED(6, 7),
	REG("ID_AA64MMFR0_EL1", 7, 0, 0, id_aa64mmfr0),
	REG("ID_AA64MMFR1_EL1", 7, 1, 0, id_aa64mmfr1),
	REG("ID_AA64MMFR2_EL1", 7, 2, 0, id_aa64mmfr2),
	REG("ID_AA64MMFR3_EL1", 7, 3, 0, id_aa64mmfr3),
	REG("ID_AA64MMFR4_EL1", 7, 4, 0, id_aa64mmfr4),
	UNALLOCATED(7, 5),
	UNALLOCATED(7, 6),
	UNALLOCATED(7, 7),
};

_Static_assert(ARRAY_SIZE(idregs) == IDREG_COUNT, "IDREG_COUNT is wrong");

const struct idreg_desc *idreg_table(void)
{
	return idregs;
}

const struct idreg_desc *idreg_by_name(const char *name)
{
	for (unsigned int i = 0; i < IDREG_COUNT; i++)
		if (!strcasecmp(idregs[i].name, name))
			return &idregs[i];
	return NULL;
}

const struct idreg_desc *idreg_by_enc(unsigned int crm, unsigned int op2)
{
	for (unsigned int i = 0; i < IDREG_COUNT; i++)
		if (idregs[i].crm == crm && idregs[i].op2 == op2)
			return &idregs[i];
	return NULL;
}

const struct idreg_field *idreg_field_by_name(const struct idreg_desc *d, const char *name)
{
	for (unsigned int i = 0; i < d->nr_fields; i++)
		if (!strcasecmp(d->fields[i].name, name))
			return &d->fields[i];
	return NULL;
}

const struct idreg_field *idreg_field_at(const struct idreg_desc *d, unsigned int bit)
{
	for (unsigned int i = 0; i < d->nr_fields; i++)
		if (bit < 64 && (idreg_field_mask(&d->fields[i]) >> bit) & 1)
			return &d->fields[i];
	return NULL;
}

uint64_t idreg_reg_id(const struct idreg_desc *d)
{
	return arm64_sysreg_id(3, 0, 0, d->crm, d->op2);
}

int64_t idreg_field_signed(const struct idreg_field *f, uint64_t val)
{
	if (!f->sign || f->width >= 64)
		return (int64_t)val;
	if (val & (1ULL << (f->width - 1)))
		return (int64_t)(val | ~idreg_field_max(f));
	return (int64_t)val;
}

uint64_t idreg_unknown_mask(const struct idreg_desc *d)
{
	uint64_t known = 0;

	for (unsigned int i = 0; i < d->nr_fields; i++)
		known |= idreg_field_mask(&d->fields[i]);
	return ~known;
}

const char *idreg_rule_name(enum idreg_rule rule)
{
	switch (rule) {
	case IDREG_FIXED: return "FIXED";
	case IDREG_LOWER_SAFE: return "LOWER_SAFE";
	case IDREG_HIGHER_SAFE: return "HIGHER_SAFE";
	case IDREG_HIGHER_OR_ZERO_SAFE: return "HIGHER_OR_ZERO_SAFE";
	case IDREG_EXACT: return "EXACT";
	}
	return "?";
}

const char *idreg_rule_text(enum idreg_rule rule)
{
	switch (rule) {
	case IDREG_FIXED: return "KVM has no rule for it: only the host's value";
	case IDREG_LOWER_SAFE: return "at most the host's value";
	case IDREG_HIGHER_SAFE: return "at least the host's value";
	case IDREG_HIGHER_OR_ZERO_SAFE: return "at least the host's value, or 0";
	case IDREG_EXACT: return "the host's value or the field's safe value";
	}
	return "?";
}

bool idreg_rule_accepts(const struct idreg_field *f, uint64_t want, uint64_t limit)
{
	int64_t w = idreg_field_signed(f, want), l = idreg_field_signed(f, limit);

	if (want == limit)
		return true;
	switch ((enum idreg_rule)f->rule) {
	case IDREG_FIXED:
		return false;
	case IDREG_LOWER_SAFE:
		return w < l;
	case IDREG_HIGHER_SAFE:
		return w > l;
	case IDREG_HIGHER_OR_ZERO_SAFE:
		/* The safe value is 0 if either is 0, else the higher. */
		if (!want || !limit)
			return !want;
		return w > l;
	case IDREG_EXACT:
		return want == f->safe;
	}
	return false;
}

bool idreg_rule_forbidden(const struct idreg_field *f, uint64_t limit, uint64_t *out)
{
	const uint64_t max = idreg_field_max(f);
	const int64_t steps[] = { 1, -1, 2, -2 };
	/* Candidates are taken in the field's own order: -1 (0xf) + 1 is 0. */
	const int64_t lo = f->sign ? -(int64_t)(max / 2) - 1 : 0;
	const int64_t hi = f->sign ? (int64_t)(max / 2) : (int64_t)max;
	const int64_t l = idreg_field_signed(f, limit);

	if (f->width >= 63)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		int64_t w = l + steps[i];
		uint64_t v = (uint64_t)w & max;

		if (w < lo || w > hi || idreg_rule_accepts(f, v, limit))
			continue;
		*out = v;
		return true;
	}
	return false;
}

int idreg_rule_meet(const struct idreg_field *f, uint64_t a, uint64_t b, uint64_t *out)
{
	int64_t sa = idreg_field_signed(f, a), sb = idreg_field_signed(f, b);

	if (a == b) {
		*out = a;
		return 0;
	}
	switch ((enum idreg_rule)f->rule) {
	case IDREG_FIXED:
		return -EINVAL;
	case IDREG_LOWER_SAFE:
		*out = sa < sb ? a : b;
		return 0;
	case IDREG_HIGHER_SAFE:
		*out = sa > sb ? a : b;
		return 0;
	case IDREG_HIGHER_OR_ZERO_SAFE:
		*out = !a || !b ? 0 : sa > sb ? a : b;
		return 0;
	case IDREG_EXACT:
		*out = f->safe;
		return 0;
	}
	return -EINVAL;
}

const char *idreg_kvm_refuses(const struct idreg_desc *d, const struct idreg_field *f,
			      uint64_t val)
{
	/* set_id_aa64dfr0_el1(): DebugVer has a non-zero minimum safe value. */
	if (!strcasecmp(d->name, "ID_AA64DFR0_EL1") && !strcasecmp(f->name, "DebugVer") && val < 6)
		return "KVM requires at least 6 (Armv8 debug)";
	/* set_id_dfr0_el1(). */
	if (!strcasecmp(d->name, "ID_DFR0_EL1") && !strcasecmp(f->name, "CopDbg") && val < 6)
		return "KVM requires at least 6 (Armv8 debug)";
	if (!strcasecmp(d->name, "ID_DFR0_EL1") && !strcasecmp(f->name, "PerfMon") &&
	    val && val < 3)
		return "KVM accepts 0 or a PMUv3 (3 or more)";
	return NULL;
}

void idreg_value_format(const struct idreg_field *f, uint64_t val, char *buf, size_t len)
{
	if (f->width <= 4)
		snprintf(buf, len, "%llu", (unsigned long long)val);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)val);
}
