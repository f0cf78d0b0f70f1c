// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every vCPU runs: x87, SSE, AVX and AVX-512 state across every exit
 * kind, across XCR0 switches, and written by the VMM. Each vCPU prints its
 * own results as it goes.
 */
#ifndef KVMINI_X86_GUEST_TESTS_H
#define KVMINI_X86_GUEST_TESTS_H

#include <stdbool.h>
#include <stdint.h>
#include "exits.h"
#include "features.h"

/* Register classes, each tested across every exit kind. */
enum reg_class { CLASS_X87, CLASS_SSE, CLASS_AVX, CLASS_AVX512, CLASSES };

/*
 * Per vCPU: its identity (2), each class across each exit kind, XMM across
 * XCR0 switches (1), XMM and YMM written by the VMM (2), and AMX (1: a
 * skip, saying why, until it has a check).
 */
#define TESTS_PER_CPU		(2 + CLASSES * EXIT_KINDS + 1 + 2 + 1)

struct cpu_ctx {
	unsigned int cpu;
	uint32_t iterations;
	struct cpu_features feat;
	bool hlt_ready;			/* the LAPIC timer can end a HLT */
	char apic_error[160];		/* why not */
};

/* Everything above on this vCPU; returns when its results are printed. */
void cpu_tests_run(unsigned int cpu, uint32_t iterations);

/* vec_tests.c: the register tests. */
void vec_tests_run(const struct cpu_ctx *ctx);

#endif
