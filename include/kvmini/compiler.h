/* SPDX-License-Identifier: GPL-2.0-only */
/* Small language helpers shared by every module. */
#ifndef KVMINI_COMPILER_H
#define KVMINI_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define __must_check __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))
/*
 * The per-exit path: grouped in .text.hot so an exit touches few code
 * pages (it shows under emulation, where each page costs a table walk).
 */
#define __hot __attribute__((hot))
/* A rare path out of a __hot function: kept out of line, away from the hot pages. */
#define __cold __attribute__((cold, noinline))
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#define SZ_4K 0x1000ULL
#define SZ_64K 0x10000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

/*
 * Pointers that carry an error: the kernel's ERR_PTR convention, so a
 * constructor can return either an object or -errno through one value.
 */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}

/* [base, base + size) lies inside [lo, lo + len), without overflow. */
static inline bool range_within(uint64_t base, uint64_t size, uint64_t lo,
				uint64_t len)
{
	return base >= lo && base - lo <= len && size <= len - (base - lo);
}

#endif
