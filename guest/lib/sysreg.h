// SPDX-License-Identifier: GPL-2.0-only
/*
 * System register access and barriers.
 *
 * The register name is pasted into the instruction text, so anything the
 * assembler accepts works, including S3_<op1>_C<n>_C<m>_<op2> encodings
 * hidden behind a macro (the extra expansion step makes that possible).
 */
#ifndef KVMINI_GUEST_SYSREG_H
#define KVMINI_GUEST_SYSREG_H

#include <stdbool.h>
#include <stdint.h>

#define SYSREG_STRINGIFY_(x)	#x
#define SYSREG_STRINGIFY(x)	SYSREG_STRINGIFY_(x)

#define read_sysreg(reg) __extension__ ({				\
	uint64_t sysreg_read_val_;					\
	__asm__ volatile("mrs %0, " SYSREG_STRINGIFY(reg)		\
			 : "=r" (sysreg_read_val_));			\
	sysreg_read_val_;						\
})

/* The "memory" clobber keeps memory accesses on their side of the write. */
#define write_sysreg(val, reg) do {					\
	uint64_t sysreg_write_val_ = (val);				\
	__asm__ volatile("msr " SYSREG_STRINGIFY(reg) ", %0"		\
			 : : "r" (sysreg_write_val_) : "memory");	\
} while (0)

#define isb()		__asm__ volatile("isb" : : : "memory")
#define dsb(opt)	__asm__ volatile("dsb " #opt : : : "memory")
#define wfi()		__asm__ volatile("wfi" : : : "memory")
#define wfe()		__asm__ volatile("wfe" : : : "memory")

/* GICv3 CPU interface registers, spelled as encodings (ICC_*_EL1). */
#define SYS_ICC_PMR_EL1		S3_0_C4_C6_0
#define SYS_ICC_SRE_EL1		S3_0_C12_C12_5
#define SYS_ICC_IGRPEN1_EL1	S3_0_C12_C12_7

#define SCTLR_EL1_M		(1UL << 0)

#define MPIDR_AFF_MASK		0xff00ffffffUL	/* Aff3, Aff2, Aff1, Aff0 */

static inline bool mmu_is_enabled(void)
{
	return read_sysreg(sctlr_el1) & SCTLR_EL1_M;
}

/* Sleep forever; with DAIF masked only a pending interrupt ends a WFI. */
static inline __attribute__((noreturn)) void cpu_halt(void)
{
	for (;;)
		wfi();
}

#endif
