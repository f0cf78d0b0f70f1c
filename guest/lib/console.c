// SPDX-License-Identifier: GPL-2.0-only
/*
 * The console lock is best effort by design: the output it protects is
 * what tells a human why a run failed, so it must never be the reason the
 * guest hangs. So:
 *  - with the MMU off, exclusives are not guaranteed to work on the
 *    (then Device) memory holding the lock, so it is not taken at all;
 *  - a CPU that faults while printing re-enters without waiting for itself;
 *  - a lock held for too long (its owner died mid-line) is ignored.
 */
#include <stdint.h>
#include "lib/console.h"
#include "lib/percpu.h"
#include "lib/sysreg.h"
#include "lib/timer.h"

#define CONSOLE_LOCK_TIMEOUT_MS	1000

/* 0 when free, otherwise the owner's CPU index + 1. */
static uint32_t console_owner;

bool console_lock(void)
{
	uint32_t me = this_cpu() + 1;
	uint64_t deadline;

	if (!mmu_is_enabled())
		return false;
	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
		return false;

	deadline = timer_deadline_ms(CONSOLE_LOCK_TIMEOUT_MS);
	do {
		uint32_t expected = 0;

		if (__atomic_compare_exchange_n(&console_owner, &expected, me,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	} while (!timer_passed(deadline));
	return false;
}

void console_unlock(void)
{
	__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}
