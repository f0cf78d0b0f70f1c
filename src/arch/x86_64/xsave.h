/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XSAVE state components (the XCR0 bits; Intel SDM vol. 1, 13.1) and the
 * standard-format layout kvmini reads. Pure: the CPU model code uses it
 * without <linux/kvm.h>.
 */
#ifndef KVMINI_X86_64_XSAVE_H
#define KVMINI_X86_64_XSAVE_H

#include <stdint.h>

#define XFEATURE_X87		0
#define XFEATURE_SSE		1
#define XFEATURE_YMM		2
#define XFEATURE_XTILECFG	17
#define XFEATURE_XTILEDATA	18
#define XFEATURE_MASK(n)	(UINT64_C(1) << (n))
#define XCR0_BOOT		(XFEATURE_MASK(XFEATURE_X87) | XFEATURE_MASK(XFEATURE_SSE))
/* Components that go together: MPX's two, AVX-512's three, AMX's two. */
#define XCR0_MPX		(UINT64_C(3) << 3)	/* BNDREGS, BNDCSR */
#define XCR0_AVX512		(UINT64_C(7) << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU		XFEATURE_MASK(9)
#define XCR0_AMX		(XFEATURE_MASK(XFEATURE_XTILECFG) | \
				 XFEATURE_MASK(XFEATURE_XTILEDATA))

/* Where each vector register lives in the standard (non-compacted) XSAVE layout. */
#define XSAVE_XMM_OFFSET	160	/* XMM0-15, 16 bytes each (legacy region) */
#define XSAVE_MXCSR_OFFSET	24
#define XSAVE_HDR_OFFSET	512	/* XSTATE_BV: the header's first u64 */
#define XSAVE_YMM_OFFSET	576	/* YMM0-15 bits 128-255, 16 bytes each */
/* The legacy region and the header: x87 and SSE state alone. */
#define XSAVE_LEGACY_SIZE	XSAVE_YMM_OFFSET

#endif
