// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench=mmio count=N: the cost of an MMIO exit to the VMM, as counter ticks
 * for N back-to-back 32-bit writes to the test device's PING register.
 * bench=sve vl=BITS count=N: the SVE stress's own round (fill, load, MMIO
 * exit, store, compare) N times at one VL: verified exits per second.
 */
#include "lib/platform.h"
#include "lib/tap.h"
#include "lib/testdev.h"
#include "lib/timer.h"
#include "lib/sve.h"
#include "tests/sve.h"
#include "tests/tests.h"

/* Nothing but the exits in the loop: store, count down, branch. */
static void ping_loop(uintptr_t ping, uint64_t count)
{
	register uintptr_t x0 __asm__("x0") = ping;
	register uint64_t x1 __asm__("x1") = count;

	__asm__ volatile("1:	str	w1, [x0]\n"
			 "	subs	x1, x1, #1\n"
			 "	b.ne	1b"
			 : "+r" (x1) : "r" (x0) : "cc", "memory");
}

void bench_mmio_run(const struct machine *m, uint64_t count)
{
	uint64_t start, ticks;

	tap_plan(1);
	tests_print_bootargs(m);
	start = timer_now();
	ping_loop(TESTDEV_BASE + TESTDEV_PING, count);
	ticks = timer_now() - start;
	tap_diag("bench mmio-exit count=%lu ticks=%lu freq=%lu", count, ticks,
		 timer_freq());
	tap_result(true, "bench mmio-exit");
	guest_exit(tap_exit_status());
}

void bench_sve_run(const struct machine *m, unsigned int vl_bits, uint64_t count)
{
	uint64_t ticks;
	int64_t verified;
	char err[96];

	tap_plan(1);
	tests_print_bootargs(m);
	if (!cpu_has_sve())
		tap_bail_out("bench=sve: this vCPU has no SVE");
	verified = sve_bench(&vl_bits, count, &ticks, err, sizeof(err));
	if (verified < 0)
		tap_bail_out("bench=sve: %s", err);
	tap_diag("bench sve-exit vl=%u count=%lu verified=%ld ticks=%lu freq=%lu",
		 vl_bits, count, verified, ticks, timer_freq());
	tap_result((uint64_t)verified == count, "bench sve-exit vl=%u: every exit verified",
		   vl_bits);
	guest_exit(tap_exit_status());
}
