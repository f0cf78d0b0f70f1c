// SPDX-License-Identifier: GPL-2.0-only
#include "features.h"
#include "lib/print.h"
#include "lib/string.h"
#include "vec.h"

/*
 * An MSR KVM intercepts on both VMX and SVM. Not MSR_KERNEL_GS_BASE: that
 * one is passed through to the guest on both, so accessing it exits nowhere.
 * IA32_TSC_AUX is intercepted and takes any 32-bit value, but exists only
 * with RDTSCP or RDPID; IA32_PAT is always emulated.
 */
static void choose_exit_msr(struct cpu_features *f, uint32_t max_leaf)
{
	bool tsc_aux = false;

	if (max_leaf >= 7)
		tsc_aux = cpuid(7, 0).ecx & CPUID_7_ECX_RDPID;
	if (cpuid(0x80000000, 0).eax >= 0x80000001)
		tsc_aux |= cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_RDTSCP;

	if (tsc_aux) {
		f->exit_msr = MSR_TSC_AUX;
		f->exit_msr_name = "IA32_TSC_AUX";
	} else {
		f->exit_msr = MSR_IA32_CR_PAT;
		f->exit_msr_name = "IA32_PAT";
	}
}

/*
 * AVX-512: usable, or why not, from CPUID and XCR0. AMX has no check yet:
 * its line is a skip whose reason says whether this vCPU has AMX. (No
 * reason may read "no AVX": the AVX tests' own skip says that.)
 */
static void detect_avx512_amx(struct cpu_features *f)
{
	struct cpuid_regs leaf7 = { 0 };
	uint64_t xcr0 = f->xcr0_supported;

	if (f->leaf0.eax >= 7)
		leaf7 = cpuid(7, 0);

	if (f->leaf0.eax < 7)
		snprintf(f->no_avx512_reason, sizeof(f->no_avx512_reason),
			 "this vCPU has no AVX-512F (CPUID max leaf 0x%x, no leaf 7)",
			 f->leaf0.eax);
	else if (!(leaf7.ebx & CPUID_7_EBX_AVX512F))
		snprintf(f->no_avx512_reason, sizeof(f->no_avx512_reason),
			 "this vCPU has no AVX-512F (CPUID.(7,0):EBX.AVX512F is 0)");
	else if (!f->avx)
		snprintf(f->no_avx512_reason, sizeof(f->no_avx512_reason),
			 "this vCPU has AVX-512F, but %s", f->no_avx_reason);
	else if ((xcr0 & XCR0_AVX512_STATE) != XCR0_AVX512_STATE)
		snprintf(f->no_avx512_reason, sizeof(f->no_avx512_reason),
			 "this vCPU has AVX-512F, but XCR0 may not enable opmask, "
			 "ZMM_Hi256 and Hi16_ZMM (bits 5-7; may hold 0x%lx)", xcr0);
	else
		f->avx512 = true;
	f->avx512bw = f->avx512 && (leaf7.ebx & CPUID_7_EBX_AVX512BW);

	if (f->leaf0.eax < 7)
		snprintf(f->amx_skip_reason, sizeof(f->amx_skip_reason),
			 "this vCPU has no AMX (CPUID max leaf 0x%x, no leaf 7)",
			 f->leaf0.eax);
	else if (!(leaf7.edx & CPUID_7_EDX_AMX_TILE))
		snprintf(f->amx_skip_reason, sizeof(f->amx_skip_reason),
			 "this vCPU has no AMX (CPUID.(7,0):EDX.AMX-TILE is 0)");
	else if (!f->osxsave || (xcr0 & XCR0_AMX_STATE) != XCR0_AMX_STATE)
		snprintf(f->amx_skip_reason, sizeof(f->amx_skip_reason),
			 "this vCPU has AMX-TILE, but XCR0 may not enable XTILECFG "
			 "and XTILEDATA (bits 17-18; may hold 0x%lx)", xcr0);
	else
		snprintf(f->amx_skip_reason, sizeof(f->amx_skip_reason),
			 "AMX checks not implemented yet (this vCPU has AMX-TILE "
			 "and XCR0 bits 17-18)");
}

void features_detect(struct cpu_features *f)
{
	struct fxsave_area area;
	struct cpuid_regs leaf1;
	bool has_avx;

	memset(f, 0, sizeof(*f));
	f->leaf0 = cpuid(0, 0);
	memcpy(f->vendor, &f->leaf0.ebx, 4);
	memcpy(f->vendor + 4, &f->leaf0.edx, 4);
	memcpy(f->vendor + 8, &f->leaf0.ecx, 4);

	leaf1 = cpuid(1, 0);
	f->osxsave = leaf1.ecx & CPUID_1_ECX_OSXSAVE;
	has_avx = leaf1.ecx & CPUID_1_ECX_AVX;
	if (f->osxsave && f->leaf0.eax >= 0xd) {
		struct cpuid_regs xsave = cpuid(0xd, 0);

		f->xcr0_supported = (uint64_t)xsave.edx << 32 | xsave.eax;
	}

	if (!has_avx)
		snprintf(f->no_avx_reason, sizeof(f->no_avx_reason),
			 "no AVX on this vCPU (CPUID.1:ECX.AVX is 0)");
	else if (!f->osxsave)
		snprintf(f->no_avx_reason, sizeof(f->no_avx_reason),
			 "no AVX on this vCPU (CR4.OSXSAVE is clear)");
	else if ((f->xcr0_supported & XCR0_AVX_STATE) != XCR0_AVX_STATE)
		snprintf(f->no_avx_reason, sizeof(f->no_avx_reason),
			 "no AVX on this vCPU (XCR0 may hold 0x%lx only)",
			 f->xcr0_supported);
	else
		f->avx = true;
	if (f->avx && f->leaf0.eax >= 7)
		f->avx2 = cpuid(7, 0).ebx & CPUID_7_EBX_AVX2;

	fxsave(&area);
	memcpy(&f->mxcsr_mask, area.bytes + FXSAVE_MXCSR_MASK, 4);
	if (!f->mxcsr_mask)
		f->mxcsr_mask = MXCSR_MASK_DEFAULT;

	choose_exit_msr(f, f->leaf0.eax);
	detect_avx512_amx(f);
}
