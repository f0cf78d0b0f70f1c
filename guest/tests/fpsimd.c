// SPDX-License-Identifier: GPL-2.0-only
/*
 * FP/SIMD state across exits: each round fills V0-V31, FPCR and FPSR with
 * values unique to (CPU, exit kind, round, register, byte lane), loads
 * them, takes one exit of the kind under test, stores them back and
 * compares every byte.
 */
#include <stddef.h>
#include "lib/print.h"
#include "lib/psci.h"
#include "lib/string.h"
#include "lib/testdev.h"
#include "tests/fpsimd.h"
#include "tests/wfi_exit.h"

_Static_assert(offsetof(struct fpsimd_state, fpcr) == FPSIMD_STATE_FPCR,
	       "fpsimd.S layout");
_Static_assert(offsetof(struct fpsimd_state, fpsr) == FPSIMD_STATE_FPSR,
	       "fpsimd.S layout");

/* pattern() slots for the control registers, after V0-V31. */
#define PATTERN_SLOT_FPCR	FPSIMD_NREGS
#define PATTERN_SLOT_FPSR	(FPSIMD_NREGS + 1)

static const char *const exit_names[FPSIMD_EXIT_KINDS] = {
	[FPSIMD_EXIT_MMIO] = "mmio",
	[FPSIMD_EXIT_HVC] = "hvc",
	[FPSIMD_EXIT_WFI] = "wfi",
};

const char *fpsimd_exit_name(enum fpsimd_exit kind)
{
	return exit_names[kind];
}

/*
 * 64 pattern bits for one half of a register (@slot: V number or
 * PATTERN_SLOT_*). The fields do not overlap and mix64 is a bijection, so
 * no two (cpu, kind, round, slot, half) share a value.
 */
static uint64_t pattern(unsigned int cpu, enum fpsimd_exit kind,
			uint32_t round, unsigned int slot, unsigned int half)
{
	return testdev_mix64((uint64_t)round | (uint64_t)slot << 32 |
		     (uint64_t)half << 38 | (uint64_t)kind << 40 |
		     (uint64_t)cpu << 48);
}

static void fill(struct fpsimd_state *s, unsigned int cpu,
		 enum fpsimd_exit kind, uint32_t round)
{
	for (unsigned int reg = 0; reg < FPSIMD_NREGS; reg++) {
		for (unsigned int half = 0; half < 2; half++) {
			uint64_t bits = pattern(cpu, kind, round, reg, half);
			uint8_t *lanes = &s->v[reg][half * 8];

			for (unsigned int b = 0; b < 8; b++)
				lanes[b] = (uint8_t)(bits >> (8 * b));
		}
	}
	s->fpcr = pattern(cpu, kind, round, PATTERN_SLOT_FPCR, 0) &
		  FPCR_TEST_MASK;
	s->fpsr = pattern(cpu, kind, round, PATTERN_SLOT_FPSR, 0) &
		  FPSR_TEST_MASK;
}

/* Compare; on the first mismatch of the run, record the details. */
static bool compare(const struct fpsimd_state *exp,
		    const struct fpsimd_state *got, uint32_t round,
		    struct fpsimd_result *res)
{
	struct fpsimd_mismatch m = {
		.iteration = round,
		.expected_fpcr = exp->fpcr,
		.found_fpcr = got->fpcr,
		.expected_fpsr = exp->fpsr,
		.found_fpsr = got->fpsr,
	};

	for (unsigned int reg = 0; reg < FPSIMD_NREGS; reg++) {
		if (memcmp(exp->v[reg], got->v[reg], FPSIMD_REG_BYTES))
			m.bad_vregs |= 1U << reg;
	}
	if (!m.bad_vregs && exp->fpcr == got->fpcr && exp->fpsr == got->fpsr)
		return true;

	res->bad_iterations++;
	if (res->has_mismatch)
		return false;

	if (m.bad_vregs) {
		m.vreg = (unsigned int)__builtin_ctz(m.bad_vregs);
		memcpy(m.expected, exp->v[m.vreg], FPSIMD_REG_BYTES);
		memcpy(m.found, got->v[m.vreg], FPSIMD_REG_BYTES);
		while (m.expected[m.lane] == m.found[m.lane])
			m.lane++;
	}
	res->first = m;
	res->has_mismatch = true;
	return false;
}

static bool exit_mmio(struct fpsimd_result *res)
{
	(void)res;
	testdev_write32(TESTDEV_PING, 1);
	return true;
}

static bool exit_hvc(struct fpsimd_result *res)
{
	(void)res;
	psci_version();
	return true;
}

static bool exit_wfi(struct fpsimd_result *res)
{
	return wfi_exit_timer(res->error, sizeof(res->error));
}

static bool (*const exits[FPSIMD_EXIT_KINDS])(struct fpsimd_result *) = {
	[FPSIMD_EXIT_MMIO] = exit_mmio,
	[FPSIMD_EXIT_HVC] = exit_hvc,
	[FPSIMD_EXIT_WFI] = exit_wfi,
};

void fpsimd_test_run(unsigned int cpu, enum fpsimd_exit kind,
		     uint32_t iterations, struct fpsimd_result *res,
		     uint64_t *progress)
{
	struct fpsimd_state expected, found;

	res->ran = true;

	/*
	 * First with no exit of the guest's own: a mismatch here is the
	 * guest's bug, or the host's when an interrupt's exit came between.
	 */
	fill(&expected, cpu, kind, 0);
	memset(&found, 0xa5, sizeof(found));
	fpsimd_load(&expected);
	fpsimd_store(&found);
	if (!compare(&expected, &found, 0, res)) {
		snprintf(res->error, sizeof(res->error),
			 "state lost with no exit of its own: an interrupt's exit came "
			 "between (a host bug) or the guest is wrong");
		return;
	}

	for (uint32_t round = 1; round <= iterations; round++) {
		fill(&expected, cpu, kind, round);
		memset(&found, 0xa5, sizeof(found));

		/* Only -mgeneral-regs-only C between load and store. */
		fpsimd_load(&expected);
		if (!exits[kind](res))
			return;
		fpsimd_store(&found);

		compare(&expected, &found, round, res);
		res->iterations_done = round;
		__atomic_fetch_add(progress, 1, __ATOMIC_RELAXED);
	}
}

static uint64_t bytes_to_u64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

void fpsimd_report_failure(unsigned int cpu, enum fpsimd_exit kind,
			   const struct fpsimd_result *res)
{
	const struct fpsimd_mismatch *m = &res->first;
	const char *name = exit_names[kind];

	if (res->error[0])
		printf("# cpu%u %s exit: %s (after %u iterations)\n",
		       cpu, name, res->error, res->iterations_done);
	if (!res->has_mismatch)
		return;

	printf("# cpu%u %s exit: %u of %u iterations lost state, first at "
	       "iteration %u (differing V registers: mask 0x%08x)\n",
	       cpu, name, res->bad_iterations, res->iterations_done,
	       m->iteration, m->bad_vregs);
	if (m->bad_vregs) {
		printf("# cpu%u %s exit: iteration %u: V%u byte lane %u: "
		       "expected 0x%02x, found 0x%02x\n", cpu, name,
		       m->iteration, m->vreg, m->lane, m->expected[m->lane],
		       m->found[m->lane]);
		printf("# cpu%u %s exit: V%u expected 0x%016lx%016lx\n", cpu,
		       name, m->vreg, bytes_to_u64(m->expected + 8),
		       bytes_to_u64(m->expected));
		printf("# cpu%u %s exit: V%u found    0x%016lx%016lx\n", cpu,
		       name, m->vreg, bytes_to_u64(m->found + 8),
		       bytes_to_u64(m->found));
	}
	if (m->expected_fpcr != m->found_fpcr)
		printf("# cpu%u %s exit: iteration %u: FPCR: expected 0x%08lx, "
		       "found 0x%08lx\n", cpu, name, m->iteration,
		       m->expected_fpcr, m->found_fpcr);
	if (m->expected_fpsr != m->found_fpsr)
		printf("# cpu%u %s exit: iteration %u: FPSR: expected 0x%08lx, "
		       "found 0x%08lx\n", cpu, name, m->iteration,
		       m->expected_fpsr, m->found_fpsr);
}
