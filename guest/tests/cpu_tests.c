// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every CPU does: identify itself, check FP/SIMD state across MMIO,
 * HVC and WFI exits, then SVE state (if it has SVE) across those and more
 * at every vector length, then MTE (if it has tags in memory), recording
 * everything in its cpu_slot. CPU 0 prints the results once all CPUs are
 * done (suite.c).
 */
#include "lib/gic.h"
#include "lib/mte.h"
#include "lib/platform.h"
#include "lib/print.h"
#include "lib/sve.h"
#include "lib/testdev.h"
#include "lib/timer.h"
#include "tests/cpu_tests.h"

/* Any priority below the 0xff mask works; this one is mid-range. */
#define TIMER_IRQ_PRIORITY	0xa0
#define TIMER_PROBE_TIMEOUT_MS	10000	/* as wfi_exit.c: loaded hosts stall vCPUs */

struct suite_config suite_config;
struct cpu_slot cpu_slots[MAX_CPUS];

static void bump_progress(struct cpu_slot *slot)
{
	__atomic_fetch_add(&slot->progress, 1, __ATOMIC_RELAXED);
}

/*
 * A WFI that no interrupt can end never returns, and no timeout can help
 * then. So before the WFI test, route the timer PPI to this CPU, fire the
 * timer at once and check, by polling, that the PPI shows up pending.
 */
static bool prepare_wfi(struct cpu_slot *slot, char *err, size_t err_size)
{
	const struct machine *m = suite_config.machine;
	uint64_t deadline;
	uintptr_t rd;

	if (suite_config.gic_error[0]) {
		snprintf(err, err_size, "%s", suite_config.gic_error);
		return false;
	}
	if (!gic_redist_for_cpu(m->gicr_base, m->gicr_size, slot->testdev_index,
				slot->mpidr, &rd, err, err_size))
		return false;
	if (!gic_cpu_enable_ppi(rd, TIMER_VIRT_PPI, TIMER_IRQ_PRIORITY, err,
				err_size))
		return false;

	timer_virt_arm(0);
	deadline = timer_deadline_ms(TIMER_PROBE_TIMEOUT_MS);
	while (!gic_ppi_pending(rd, TIMER_VIRT_PPI)) {
		/* Polled again past the deadline: see wfi_exit_timer(). */
		if (timer_passed(deadline) && !gic_ppi_pending(rd, TIMER_VIRT_PPI)) {
			snprintf(err, err_size, "virtual timer fired "
				 "(CNTV_CTL_EL0=0x%lx) but PPI %u never became "
				 "pending at the redistributor",
				 read_sysreg(cntv_ctl_el0), TIMER_VIRT_PPI);
			timer_virt_disable();
			return false;
		}
	}
	timer_virt_disable();
	return true;
}

void cpu_tests_run(unsigned int cpu)
{
	struct cpu_slot *slot = &cpu_slots[cpu];
	uint32_t iterations = suite_config.iterations;
	struct fpsimd_result *wfi = &slot->results[FPSIMD_EXIT_WFI];
	struct sve_result *sve_wfi = &slot->sve_results[SVE_EXIT_WFI];
	bool wfi_ready;

	slot->mpidr = read_sysreg(mpidr_el1);
	slot->testdev_index = testdev_read32(TESTDEV_CPU);
	slot->has_sve = cpu_has_sve();
	slot->mte_level = mte_level();
	__atomic_store_n(&slot->state, CPU_ONLINE, __ATOMIC_RELEASE);
	bump_progress(slot);

	fpsimd_test_run(cpu, FPSIMD_EXIT_MMIO, iterations,
			&slot->results[FPSIMD_EXIT_MMIO], &slot->progress);
	fpsimd_test_run(cpu, FPSIMD_EXIT_HVC, iterations,
			&slot->results[FPSIMD_EXIT_HVC], &slot->progress);
	wfi_ready = prepare_wfi(slot, wfi->error, sizeof(wfi->error));
	if (wfi_ready)
		fpsimd_test_run(cpu, FPSIMD_EXIT_WFI, iterations, wfi,
				&slot->progress);

	if (slot->has_sve) {
		/* No usable timer interrupt: a result with an error is skipped. */
		if (!wfi_ready)
			snprintf(sve_wfi->error, sizeof(sve_wfi->error), "%s",
				 wfi->error);
		sve_test_run(cpu, suite_config.sve_iterations, &slot->sve_vls,
			     slot->sve_results, &slot->progress);
	}

	if (slot->mte_level >= ID_AA64PFR1_MTE_MTE2)
		mte_test_run(cpu, slot->mte_level, suite_config.mte_iterations,
			     wfi_ready ? NULL : wfi->error, slot->mte_results,
			     &slot->progress);

	/* Last: it leaves both timers disabled, as the WFI tests expect to find them. */
	clock_test_run(CLOCK_ROUNDS, &slot->clock, &slot->progress);

	__atomic_store_n(&slot->state, CPU_DONE, __ATOMIC_RELEASE);
	bump_progress(slot);
}
