// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every vCPU prints its own results, so whole lines (and a failed test's
 * block of diagnostics) must not interleave: lib/print.c takes this lock
 * around each printf, and lib/tap.c around a result with its diagnostics.
 *
 * The lock is best effort by design, as on arm64: the output it protects
 * is what tells a human why a run failed, so it must never be the reason
 * the guest hangs. Its owner may take it again (a vCPU that faults while
 * printing still reports), and a lock held for too long (its owner died
 * mid-line) is ignored.
 */
#include <stdint.h>
#include "lib/console.h"
#include "percpu.h"
#include "x86.h"

/* A couple of seconds of PAUSEs on any host: far longer than one line takes. */
#define CONSOLE_LOCK_SPINS	(1UL << 26)

/* 0 when free, otherwise the owner's index + 1 (MAX_CPUS + 1: unknown stack). */
static uint32_t console_owner;

bool console_lock(void)
{
	uint32_t me = this_cpu() + 1;

	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
		return false;
	for (unsigned long spin = 0; spin < CONSOLE_LOCK_SPINS; spin++) {
		uint32_t expected = 0;

		if (__atomic_compare_exchange_n(&console_owner, &expected, me,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		cpu_relax();
	}
	return false;
}

void console_unlock(void)
{
	__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}
