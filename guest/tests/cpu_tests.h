// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-CPU part of the suite and the shared memory through which CPUs
 * report to CPU 0. CPU 0 writes suite_config before starting the others;
 * after that it is read-only. Each CPU writes only its own cpu_slot, and
 * publishes it with a release store of ->state.
 */
#ifndef KVMINI_GUEST_TESTS_CPU_TESTS_H
#define KVMINI_GUEST_TESTS_CPU_TESTS_H

#include <stdint.h>
#include "lib/percpu.h"
#include "machine.h"
#include "tests/clock.h"
#include "tests/fpsimd.h"
#include "tests/mte.h"
#include "tests/sve.h"

struct suite_config {
	const struct machine *machine;
	uint32_t iterations;
	uint32_t sve_iterations;
	uint32_t mte_iterations;
	char gic_error[96];	/* why the GIC cannot be used, "" if it can */
};

enum cpu_state {
	CPU_OFFLINE,		/* not started, or not yet running C */
	CPU_START_FAILED,	/* PSCI CPU_ON returned an error */
	CPU_ONLINE,
	CPU_DONE,
};

struct cpu_slot {
	uint32_t state;		/* enum cpu_state, atomic */
	uint64_t progress;	/* atomic; grows while the CPU makes progress */
	int64_t cpu_on_ret;	/* written by CPU 0 */
	uint64_t mpidr;		/* MPIDR_EL1 as the CPU read it */
	uint32_t testdev_index;	/* the test device's CPU register */
	struct fpsimd_result results[FPSIMD_EXIT_KINDS];
	bool has_sve;		/* ID_AA64PFR0_EL1.SVE != 0 */
	struct sve_vls sve_vls;	/* the vector lengths it visited */
	struct sve_result sve_results[SVE_TESTS];
	unsigned int mte_level;	/* ID_AA64PFR1_EL1.MTE; >= 2: tags in memory */
	struct mte_result mte_results[MTE_TESTS];
	struct clock_result clock;
};

/* Rounds of the timer and counter check: cheap, a fixed number. */
#define CLOCK_ROUNDS	20

extern struct suite_config suite_config;
extern struct cpu_slot cpu_slots[MAX_CPUS];

/* Run every per-CPU test on the calling CPU, whose index is @cpu. */
void cpu_tests_run(unsigned int cpu);

#endif
