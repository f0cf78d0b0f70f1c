// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO accessors.
 *
 * KVM can only emulate an MMIO access whose syndrome it can decode: a
 * single LDR/STR of the right size, no pair, no writeback. Spelling each
 * access out in inline assembly with a plain base register guarantees the
 * compiler never picks another addressing form.
 */
#ifndef KVMINI_GUEST_MMIO_H
#define KVMINI_GUEST_MMIO_H

#include <stdint.h>

static inline void mmio_write8(uintptr_t addr, uint8_t val)
{
	__asm__ volatile("strb %w0, [%1]" : : "r" (val), "r" (addr) : "memory");
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	uint32_t val;

	__asm__ volatile("ldrb %w0, [%1]" : "=r" (val) : "r" (addr) : "memory");
	return (uint8_t)val;
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
	__asm__ volatile("str %w0, [%1]" : : "r" (val), "r" (addr) : "memory");
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t val;

	__asm__ volatile("ldr %w0, [%1]" : "=r" (val) : "r" (addr) : "memory");
	return val;
}

static inline void mmio_write64(uintptr_t addr, uint64_t val)
{
	__asm__ volatile("str %x0, [%1]" : : "r" (val), "r" (addr) : "memory");
}

static inline uint64_t mmio_read64(uintptr_t addr)
{
	uint64_t val;

	__asm__ volatile("ldr %x0, [%1]" : "=r" (val) : "r" (addr) : "memory");
	return val;
}

#endif
