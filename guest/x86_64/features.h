// SPDX-License-Identifier: GPL-2.0-only
/* What this vCPU's CPUID offers the tests, read once per vCPU. */
#ifndef KVMINI_X86_GUEST_FEATURES_H
#define KVMINI_X86_GUEST_FEATURES_H

#include <stdbool.h>
#include <stdint.h>
#include "x86.h"

struct cpu_features {
	struct cpuid_regs leaf0;	/* max leaf and vendor: the CPUID exit checks them */
	char vendor[13];
	bool osxsave;			/* CR4.OSXSAVE, as CPUID.1:ECX reflects it */
	bool avx;			/* AVX usable: CPUID, OSXSAVE and XCR0 all allow it */
	bool avx2;			/* and AVX2 on top */
	bool avx512;			/* AVX-512F usable: CPUID, OSXSAVE, XCR0 bits 5-7 */
	bool avx512bw;			/* and AVX512BW: k0-7 are 64 bits wide */
	uint64_t xcr0_supported;	/* CPUID.(0xd,0):EDX:EAX */
	uint32_t mxcsr_mask;		/* MXCSR bits that may be set */
	/* The MSR the MSR exit writes and reads back (KVM intercepts both). */
	uint32_t exit_msr;
	const char *exit_msr_name;
	char no_avx_reason[80];		/* when !avx: why, for the SKIP */
	char no_avx512_reason[128];	/* when !avx512: why, for the SKIP */
	/* Why the AMX check is skipped: absent, or not written yet. */
	char amx_skip_reason[128];
};

void features_detect(struct cpu_features *f);

#endif
