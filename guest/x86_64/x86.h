// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instructions C needs that the compiler does not emit on its own: port
 * and MMIO accesses, CPUID, MSRs, XCR0, interrupts. All touch general
 * registers only (the build's -mgeneral-regs-only holds for them too).
 *
 * MMIO accesses are spelled out as one mov of the register's exact width
 * with a plain base register: KVM's instruction emulator then sees exactly
 * the access the test device documents.
 */
#ifndef KVMINI_X86_GUEST_X86_H
#define KVMINI_X86_GUEST_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a" (val), "Nd" (port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	__asm__ volatile("inb %1, %0" : "=a" (val) : "Nd" (port) : "memory");
	return val;
}

static inline void outw(uint16_t port, uint16_t val)
{
	__asm__ volatile("outw %0, %1" : : "a" (val), "Nd" (port) : "memory");
}

static inline void outl(uint16_t port, uint32_t val)
{
	__asm__ volatile("outl %0, %1" : : "a" (val), "Nd" (port) : "memory");
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t val;

	__asm__ volatile("movl (%1), %0" : "=r" (val) : "r" (addr) : "memory");
	return val;
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
	__asm__ volatile("movl %0, (%1)" : : "r" (val), "r" (addr) : "memory");
}

static inline void mmio_write64(uintptr_t addr, uint64_t val)
{
	__asm__ volatile("movq %0, (%1)" : : "r" (val), "r" (addr) : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a" (r.eax), "=b" (r.ebx), "=c" (r.ecx), "=d" (r.edx)
			 : "a" (leaf), "c" (subleaf) : "memory");
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr) : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 : : "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32))
			 : "memory");
}

/* XGETBV and XSETBV #UD unless CR4.OSXSAVE is set. */
static inline uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a" (lo), "=d" (hi) : "c" (xcr));
	return (uint64_t)hi << 32 | lo;
}

static inline void xsetbv(uint32_t xcr, uint64_t val)
{
	__asm__ volatile("xsetbv"
			 : : "c" (xcr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32))
			 : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t val;

	__asm__ volatile("mov %%cr2, %0" : "=r" (val));
	return val;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

/*
 * Sleep until an interrupt, then mask interrupts again. STI's one-
 * instruction interrupt shadow covers the HLT, so an interrupt that became
 * pending before the STI wakes the HLT instead of being taken before it
 * (and the HLT sleeping forever).
 */
static inline void sti_hlt_cli(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* Stop this vCPU for good: with interrupts masked, HLT never returns. */
static inline __attribute__((noreturn)) void cpu_park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" : : : "memory");
}

/* CPUID.1:ECX and EDX bits, CPUID.(7,0) bits, CPUID.0x80000001:EDX bits. */
#define CPUID_1_ECX_XSAVE	(1U << 26)
#define CPUID_1_ECX_OSXSAVE	(1U << 27)
#define CPUID_1_ECX_AVX		(1U << 28)
#define CPUID_7_EBX_AVX2	(1U << 5)
#define CPUID_7_EBX_AVX512F	(1U << 16)
#define CPUID_7_EBX_AVX512BW	(1U << 30)
#define CPUID_7_EDX_AMX_TILE	(1U << 24)
#define CPUID_7_ECX_RDPID	(1U << 22)
#define CPUID_80000001_EDX_RDTSCP (1U << 27)

/* XCR0 state components. */
#define XCR0_X87		(1U << 0)
#define XCR0_SSE		(1U << 1)
#define XCR0_AVX		(1U << 2)
#define XCR0_SSE_STATE		(XCR0_X87 | XCR0_SSE)
#define XCR0_AVX_STATE		(XCR0_X87 | XCR0_SSE | XCR0_AVX)
/* AVX-512: opmask k0-7, ZMM0-15's upper halves, ZMM16-31. */
#define XCR0_AVX512_STATE	(0x7U << 5)
/* AMX: XTILECFG and XTILEDATA. */
#define XCR0_AMX_STATE		(0x3U << 17)

#define MSR_IA32_APIC_BASE	0x0000001b
#define MSR_IA32_CR_PAT		0x00000277
#define MSR_TSC_AUX		0xc0000103

#endif
