// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench=pio|mmio count=N: the cost of an exit to the VMM. vCPU 0 sends N
 * back-to-back PINGs to the test device, by a 32-bit OUT to its port
 * (pio) or a 32-bit store to its PING register (mmio), and nothing else
 * runs: the VMM's --stats times them from the first to the last, as
 * tools/bench/x86-exit-raw does for the same loop without kvmini.
 */
#include "bench.h"
#include "lib/tap.h"
#include "testdev.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a" (lo), "=d" (hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Nothing but the exits in the loops: the exit, count down, branch. */
static void ping_pio(uint32_t count)
{
	__asm__ volatile("1:	outl	%%eax, %%dx\n"
			 "	decl	%%ecx\n"
			 "	jnz	1b"
			 : "+c" (count)
			 : "a" (0), "d" (TESTDEV_PORT) : "cc", "memory");
}

static void ping_mmio(uint32_t count)
{
	__asm__ volatile("1:	movl	%%eax, (%%rbx)\n"
			 "	decl	%%ecx\n"
			 "	jnz	1b"
			 : "+c" (count)
			 : "a" (0), "b" (TESTDEV_BASE + TESTDEV_PING)
			 : "cc", "memory");
}

void bench_run(enum bench_kind kind, uint32_t count)
{
	const char *name = kind == BENCH_PIO ? "pio" : "mmio";
	uint64_t start, ticks;

	tap_plan(1);
	start = rdtsc();
	if (kind == BENCH_PIO)
		ping_pio(count);
	else
		ping_mmio(count);
	ticks = rdtsc() - start;
	tap_diag("bench %s count=%u tsc_ticks=%lu", name, count, ticks);
	tap_result(true, "bench %s %u exits", name, count);
	guest_exit(tap_finish());
}
