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
}
