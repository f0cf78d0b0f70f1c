// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default run, driven by CPU 0: machine checks, then the per-CPU tests
 * on all CPUs at once (so the VMM juggles several vCPUs' FP/SIMD, SVE and
 * MTE state), then one batch of results in CPU order.
 */
#include "entry.h"
#include "lib/platform.h"
#include "lib/psci.h"
#include "lib/gic.h"
#include "lib/mte.h"
#include "lib/tap.h"
#include "lib/testdev.h"
#include "lib/timer.h"
#include "tests/cpu_tests.h"
#include "tests/tests.h"

#define TESTS_BEFORE_CPUS	3
#define TESTS_AFTER_CPUS	2	/* cpu_model.c, on CPU 0 */
#define TESTS_PER_CPU		(3 + FPSIMD_EXIT_KINDS + SVE_TESTS + MTE_TESTS)

/* A CPU that shows no progress for this long is given up on. */
#define CPU_STALL_TIMEOUT_MS	30000
/* Counter bit whose flips wake CPU 0's polling WFE: ~1 ms at 62.5 MHz. */
#define POLL_EVENT_BIT		15

void tests_print_bootargs(const struct machine *m)
{
	printf("# bootargs: \"%s\"\n", m->bootargs);
}

static bool in_device_region(uint64_t base, uint64_t size)
{
	return base < DEVICE_REGION_END && size <= DEVICE_REGION_END - base;
}

/* Leaves suite_config.gic_error empty if the WFI tests can use the GIC. */
static void gic_setup(const struct machine *m)
{
	char *err = suite_config.gic_error;
	size_t size = sizeof(suite_config.gic_error);

	if (!m->has_gic) {
		snprintf(err, size, "no arm,gic-v3 node in the device tree");
		return;
	}
	tap_diag("gic: distributor 0x%lx+0x%lx, redistributors 0x%lx+0x%lx",
		 m->gicd_base, m->gicd_size, m->gicr_base, m->gicr_size);
	if (!in_device_region(m->gicd_base, m->gicd_size) ||
	    !in_device_region(m->gicr_base, m->gicr_size)) {
		snprintf(err, size, "GIC registers lie outside the Device "
			 "memory region [0, 0x%x)", DEVICE_REGION_END);
		return;
	}
	if (!gic_dist_enable(m->gicd_base, err, size))
		return;
	err[0] = '\0';
}

static void check_psci_version(void)
{
	uint32_t v = psci_version();
	bool ok = !(v & 0x80000000U) &&
		  (PSCI_VERSION_MAJOR(v) > 0 || PSCI_VERSION_MINOR(v) >= 2);

	tap_result(ok, "psci version >= 0.2");
	tap_diag("psci version %u.%u (0x%08x)", PSCI_VERSION_MAJOR(v),
		 PSCI_VERSION_MINOR(v), v);
}

static void check_test_device(void)
{
	uint32_t id = testdev_read32(TESTDEV_ID);
	uint32_t version = testdev_read32(TESTDEV_VERSION);

	if (!tap_result(id == TESTDEV_ID_VALUE &&
			version == TESTDEV_VERSION_VALUE, "test device id"))
		tap_diag("ID=0x%08x (want 0x%08x) VERSION=%u (want %u)", id,
			 TESTDEV_ID_VALUE, version, TESTDEV_VERSION_VALUE);
}

static void start_secondaries(const struct machine *m)
{
	for (unsigned int cpu = 1; cpu < m->ncpus; cpu++) {
		struct cpu_slot *slot = &cpu_slots[cpu];

		slot->cpu_on_ret = psci_cpu_on(m->cpu_mpidr[cpu],
					       (uintptr_t)secondary_entry, cpu);
		if (slot->cpu_on_ret != PSCI_SUCCESS)
			__atomic_store_n(&slot->state, CPU_START_FAILED,
					 __ATOMIC_RELAXED);
	}
}

/*
 * Wait until every started CPU is done, or has shown no progress for
 * CPU_STALL_TIMEOUT_MS; the latter are flagged in @stalled. Progress
 * rather than total time is what is bounded, so large iteration counts
 * need no larger timeout.
 */
static void wait_for_secondaries(unsigned int ncpus, bool *stalled)
{
	uint64_t seen[MAX_CPUS], since[MAX_CPUS];
	uint64_t limit = timer_ticks_from_us(CPU_STALL_TIMEOUT_MS * 1000ULL);
	bool waiting;

	for (unsigned int cpu = 1; cpu < ncpus; cpu++) {
		seen[cpu] = __atomic_load_n(&cpu_slots[cpu].progress,
					    __ATOMIC_RELAXED);
		since[cpu] = timer_now();
	}

	timer_event_stream_enable(POLL_EVENT_BIT);
	do {
		waiting = false;
		for (unsigned int cpu = 1; cpu < ncpus; cpu++) {
			struct cpu_slot *slot = &cpu_slots[cpu];
			uint32_t state = __atomic_load_n(&slot->state,
							 __ATOMIC_ACQUIRE);
			uint64_t progress, now = timer_now();

			if (stalled[cpu] || state == CPU_DONE ||
			    state == CPU_START_FAILED)
				continue;
			progress = __atomic_load_n(&slot->progress,
						   __ATOMIC_RELAXED);
			if (progress != seen[cpu]) {
				seen[cpu] = progress;
				since[cpu] = now;
			} else if (now - since[cpu] > limit) {
				stalled[cpu] = true;
				continue;
			}
			waiting = true;
		}
		if (waiting)
			wfe();
	} while (waiting);
	timer_event_stream_disable();
}

static void report_online(const struct machine *m, unsigned int cpu,
			  uint32_t state)
{
	const struct cpu_slot *slot = &cpu_slots[cpu];
	uint64_t want = m->cpu_mpidr[cpu];
	bool online = state == CPU_ONLINE || state == CPU_DONE;

	if (!online) {
		tap_result(false, "cpu%u online (mpidr=0x%lx)", cpu, want);
		if (state == CPU_START_FAILED)
			tap_diag("cpu%u: PSCI CPU_ON returned %ld (%s)", cpu,
				 slot->cpu_on_ret,
				 psci_error_name(slot->cpu_on_ret));
		else
			tap_diag("cpu%u: not running %u s after CPU_ON; "
				 "AFFINITY_INFO says %ld", cpu,
				 CPU_STALL_TIMEOUT_MS / 1000,
				 psci_affinity_info(want));
		return;
	}
	if (!tap_result((slot->mpidr & MPIDR_AFF_MASK) == want,
			"cpu%u online (mpidr=0x%lx)", cpu, slot->mpidr))
		tap_diag("cpu%u: MPIDR_EL1 affinity 0x%lx, but its DTB reg is "
			 "0x%lx", cpu, slot->mpidr & MPIDR_AFF_MASK, want);
}

/* "(16 VLs 128..2048, 3 rounds)": rounds per vector length. */
static void describe_sve_run(const struct cpu_slot *slot, unsigned int rounds,
			     char *buf, size_t size)
{
	const struct sve_vls *vls = &slot->sve_vls;

	if (vls->count)
		snprintf(buf, size, " (%u VLs %u..%u, %u round%s)", vls->count,
			 vls->vl[0], vls->vl[vls->count - 1], rounds,
			 rounds == 1 ? "" : "s");
	else
		snprintf(buf, size, " (%u round%s)", rounds, rounds == 1 ? "" : "s");
}

static void print_sve_vls(unsigned int cpu, const struct sve_vls *vls)
{
	char line[SVE_MAX_VLS * 5 + 1];
	size_t len = 0;

	line[0] = '\0';
	for (unsigned int i = 0; i < vls->count; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %u",
					vls->vl[i]);
	tap_diag("cpu%u sve vector lengths (bits):%s", cpu, line);
}

static void report_sve(unsigned int cpu, uint32_t state, bool online)
{
	static const char *const titles[SVE_TESTS] = {
		[SVE_EXIT_MMIO] = "sve across mmio exits",
		[SVE_EXIT_HVC] = "sve across hvc exits",
		[SVE_EXIT_WFI] = "sve across wfi exits",
		[SVE_EXIT_SYSREG] = "sve across sysreg exits",
		[SVE_EXIT_ROUNDTRIP] = "sve across register round trips",
		[SVE_EXIT_MOVE] = "sve across register moves to a new VM",
		[SVE_EXIT_PAUSE] = "sve across pauses of every vCPU with their registers round-tripped",
		[SVE_TEST_VMM_WRITE] = "sve state written by the VMM",
	};
	const struct cpu_slot *slot = &cpu_slots[cpu];
	const struct sve_vls *vls = &slot->sve_vls;
	char detail[48];

	if (online && !slot->has_sve) {
		for (unsigned int test = 0; test < SVE_TESTS; test++)
			tap_skip("no SVE on this vCPU", "cpu%u %s", cpu,
				 titles[test]);
		return;
	}
	if (vls->count)
		print_sve_vls(cpu, vls);

	for (unsigned int test = 0; test < SVE_TESTS; test++) {
		const struct sve_result *res = &slot->sve_results[test];
		bool ok = state == CPU_DONE && vls->count && res->ran &&
			  !res->error[0] && !res->has_mismatch &&
			  res->vls_done == vls->count;

		if (test == SVE_TEST_VMM_WRITE)
			snprintf(detail, sizeof(detail), " (%u VLs)",
				 vls->count);
		else	/* a pause of every vCPU: one round per VL (sve.c) */
			describe_sve_run(slot, test == SVE_EXIT_PAUSE ? 1 :
					 suite_config.sve_iterations, detail, sizeof(detail));
		tap_result(ok, "cpu%u %s%s", cpu, titles[test], detail);
		if (ok)
			continue;
		if (!online)
			tap_diag("cpu%u: not run, the CPU is offline", cpu);
		else if (res->error[0] || res->has_mismatch)
			sve_report_failure(cpu, test, res);
		else if (!res->ran)
			tap_diag("cpu%u sve %s: never started", cpu,
				 sve_test_name(test));
		else
			tap_diag("cpu%u sve %s: stopped after %u of %u vector "
				 "lengths (%u rounds)", cpu,
				 sve_test_name(test), res->vls_done,
				 vls->count, res->rounds_done);
	}
}

/* " (3 rounds, 4 pages)", for the tests whose size depends on a setting. */
static void describe_mte_run(unsigned int test, char *buf, size_t size)
{
	switch (test) {
	case MTE_TEST_EXITS:
		snprintf(buf, size, " (%u rounds, %u pages)",
			 suite_config.mte_iterations, MTE_BUF_PAGES);
		return;
	case MTE_TEST_REGS:
		snprintf(buf, size, " (%u rounds)",
			 suite_config.mte_iterations);
		return;
	case MTE_TEST_VMM_READ:
	case MTE_TEST_VMM_WRITE:
		snprintf(buf, size, " (%u pages)", MTE_BUF_PAGES);
		return;
	}
	buf[0] = '\0';
}

static void report_mte(unsigned int cpu, uint32_t state, bool online)
{
	static const char *const titles[MTE_TESTS] = {
		[MTE_TEST_EXITS] = "mte tags across mmio/hvc/wfi exits",
		[MTE_TEST_SYNC] = "mte sync tag check fault",
		[MTE_TEST_ASYNC] = "mte async tag check fault",
		[MTE_TEST_ASYM] = "mte asymmetric tag check",
		[MTE_TEST_REGS] = "mte registers across exits",
		[MTE_TEST_VMM_READ] = "mte tags read by the VMM",
		[MTE_TEST_VMM_WRITE] = "mte tags written by the VMM",
	};
	const struct cpu_slot *slot = &cpu_slots[cpu];
	char detail[32];

	if (online && slot->mte_level < ID_AA64PFR1_MTE_MTE2) {
		for (unsigned int test = 0; test < MTE_TESTS; test++)
			tap_skip("no MTE on this vCPU", "cpu%u %s", cpu,
				 titles[test]);
		return;
	}
	if (online)
		tap_diag("cpu%u mte: ID_AA64PFR1_EL1.MTE is %u (%s)", cpu,
			 slot->mte_level,
			 slot->mte_level >= ID_AA64PFR1_MTE_MTE3 ?
			 "FEAT_MTE3, with asymmetric mode" : "FEAT_MTE2");

	for (unsigned int test = 0; test < MTE_TESTS; test++) {
		const struct mte_result *res = &slot->mte_results[test];
		uint32_t rounds = mte_test_rounds(test,
						  suite_config.mte_iterations);
		bool ok = state == CPU_DONE && res->ran && !res->error[0] &&
			  !res->has_mismatch && !res->bad_checks &&
			  res->rounds_done == rounds;

		if (state == CPU_DONE && res->skip) {
			tap_skip("no asymmetric mode (FEAT_MTE3)", "cpu%u %s",
				 cpu, titles[test]);
			continue;
		}
		describe_mte_run(test, detail, sizeof(detail));
		tap_result(ok, "cpu%u %s%s", cpu, titles[test], detail);
		if (ok)
			continue;
		if (!online)
			tap_diag("cpu%u: not run, the CPU is offline", cpu);
		else if (res->error[0] || res->has_mismatch || res->bad_checks)
			mte_report_failure(cpu, test, res);
		else if (!res->ran)
			tap_diag("cpu%u %s: never started", cpu,
				 titles[test]);
		else
			tap_diag("cpu%u %s: stopped after %u of %u rounds",
				 cpu, titles[test], res->rounds_done, rounds);
	}
}

static void report_clock(unsigned int cpu, uint32_t state, bool online)
{
	const struct clock_result *res = &cpu_slots[cpu].clock;
	bool ok = state == CPU_DONE && res->ran && !res->bad_checks;

	if (tap_result(ok, "cpu%u timer registers and counter across exits (%u rounds)", cpu,
		       CLOCK_ROUNDS))
		return;
	if (!online)
		tap_diag("cpu%u: not run, the CPU is offline", cpu);
	else if (res->bad_checks)
		tap_diag("cpu%u timers: %u bad checks, the first: %s", cpu, res->bad_checks,
			 res->error);
	else
		tap_diag("cpu%u timers: stopped after %u of %u rounds", cpu, res->rounds_done,
			 CLOCK_ROUNDS);
}

static void report_cpu(const struct machine *m, unsigned int cpu,
		       bool stalled)
{
	static const char *const fpsimd_titles[FPSIMD_EXIT_KINDS] = {
		[FPSIMD_EXIT_MMIO] = "fpsimd across mmio exits",
		[FPSIMD_EXIT_HVC] = "fpsimd across hvc exits",
		[FPSIMD_EXIT_WFI] = "fpsimd across wfi exits (timer wake-up)",
	};
	const struct cpu_slot *slot = &cpu_slots[cpu];
	uint32_t state = __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE);
	bool online = state == CPU_ONLINE || state == CPU_DONE;

	report_online(m, cpu, state);

	if (!tap_result(online && slot->testdev_index == cpu,
			"cpu%u test device cpu index is %u", cpu, cpu) &&
	    online)
		tap_diag("cpu%u: the test device's CPU register reads %u", cpu,
			 slot->testdev_index);

	if (stalled && online)
		tap_diag("cpu%u: no progress for %u s; its results are partial",
			 cpu, CPU_STALL_TIMEOUT_MS / 1000);
	for (unsigned int kind = 0; kind < FPSIMD_EXIT_KINDS; kind++) {
		const struct fpsimd_result *res = &slot->results[kind];
		bool ok = state == CPU_DONE && res->ran && !res->error[0] &&
			  !res->has_mismatch;

		if (kind == FPSIMD_EXIT_MMIO)
			tap_result(ok, "cpu%u %s (%u iterations)", cpu,
				   fpsimd_titles[kind],
				   suite_config.iterations);
		else
			tap_result(ok, "cpu%u %s", cpu, fpsimd_titles[kind]);
		if (ok)
			continue;
		if (!online)
			tap_diag("cpu%u: not run, the CPU is offline", cpu);
		else if (res->error[0] || res->has_mismatch)
			fpsimd_report_failure(cpu, kind, res);
		else if (!res->ran)
			tap_diag("cpu%u %s exit: never started", cpu,
				 fpsimd_exit_name(kind));
		else
			tap_diag("cpu%u %s exit: stopped after %u of %u "
				 "iterations", cpu, fpsimd_exit_name(kind),
				 res->iterations_done, suite_config.iterations);
	}
	report_sve(cpu, state, online);
	report_mte(cpu, state, online);
	report_clock(cpu, state, online);
}

void suite_run(const struct machine *m, const struct guest_args *args)
{
	bool stalled[MAX_CPUS] = { false };

	tap_plan(TESTS_BEFORE_CPUS + TESTS_PER_CPU * m->ncpus + TESTS_AFTER_CPUS);
	tap_result(true, "dtb: bootargs parsed, %u cpus", m->ncpus);
	tests_print_bootargs(m);
	tap_diag("iterations %u, counter frequency %lu Hz", args->iterations,
		 timer_freq());
	tap_diag("sve-iterations %u", args->sve_iterations);
	tap_diag("mte-iterations %u", args->mte_iterations);
	check_test_device();
	check_psci_version();

	suite_config.machine = m;
	suite_config.iterations = args->iterations;
	suite_config.sve_iterations = args->sve_iterations;
	suite_config.mte_iterations = args->mte_iterations;
	gic_setup(m);

	start_secondaries(m);
	cpu_tests_run(0);
	wait_for_secondaries(m->ncpus, stalled);

	for (unsigned int cpu = 0; cpu < m->ncpus; cpu++)
		report_cpu(m, cpu, stalled[cpu]);
	check_id_registers();
	check_sve_undefined();
	/*
	 * Both counters, for the VMM's tests: where the VMM sets one offset
	 * for the VM they read alike, after a snapshot's restore too.
	 */
	tap_diag("counters: virtual %lu physical %lu", read_sysreg(cntvct_el0),
		 read_sysreg(cntpct_el0));
	guest_exit(tap_exit_status());
}
