// SPDX-License-Identifier: GPL-2.0-only
/*
 * FP/SIMD state preservation across exits to the hypervisor: load a known
 * V0-V31/FPCR/FPSR, exit, store, compare. Offsets shared with fpsimd.S.
 */
#ifndef KVMINI_GUEST_TESTS_FPSIMD_H
#define KVMINI_GUEST_TESTS_FPSIMD_H

#define FPSIMD_STATE_FPCR	512
#define FPSIMD_STATE_FPSR	520

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

#define FPSIMD_NREGS		32
#define FPSIMD_REG_BYTES	16

/* FPCR bits any ARMv8-A FP unit lets us write: AHP, DN, FZ, RMode. */
#define FPCR_TEST_MASK		((1UL << 26) | (1UL << 25) | (1UL << 24) | \
				 (3UL << 22))
/* FPSR cumulative flags: IOC, DZC, OFC, UFC, IXC, IDC, QC. */
#define FPSR_TEST_MASK		(0x1fUL | (1UL << 7) | (1UL << 27))

struct fpsimd_state {
	uint8_t v[FPSIMD_NREGS][FPSIMD_REG_BYTES];	/* byte i = lane i */
	uint64_t fpcr;
	uint64_t fpsr;
} __attribute__((aligned(16)));

void fpsimd_load(const struct fpsimd_state *state);
void fpsimd_store(struct fpsimd_state *state);

enum fpsimd_exit {
	FPSIMD_EXIT_MMIO,	/* 32-bit write to the test device's PING */
	FPSIMD_EXIT_HVC,	/* PSCI_VERSION, handled inside KVM */
	FPSIMD_EXIT_WFI,	/* WFI woken by the virtual timer */
	FPSIMD_EXIT_KINDS,
};

/* The first round of a run that lost state. */
struct fpsimd_mismatch {
	uint32_t iteration;
	uint32_t bad_vregs;		/* bitmap of differing V registers */
	/* The lowest differing V register (if any) and its first bad lane. */
	unsigned int vreg;
	unsigned int lane;
	uint8_t expected[FPSIMD_REG_BYTES];
	uint8_t found[FPSIMD_REG_BYTES];
	uint64_t expected_fpcr, found_fpcr;
	uint64_t expected_fpsr, found_fpsr;
};

struct fpsimd_result {
	bool ran;
	uint32_t iterations_done;
	uint32_t bad_iterations;
	bool has_mismatch;
	struct fpsimd_mismatch first;
	char error[160];		/* why the run stopped early */
};

/*
 * Run @iterations rounds of load/exit/store/compare on this CPU (@cpu is
 * its index, mixed into the patterns). @progress is bumped per round so a
 * watcher can tell a slow CPU from a stuck one.
 */
void fpsimd_test_run(unsigned int cpu, enum fpsimd_exit kind,
		     uint32_t iterations, struct fpsimd_result *res,
		     uint64_t *progress);
const char *fpsimd_exit_name(enum fpsimd_exit kind);
/* Print "# " lines describing a failed result (CPU 0 only). */
void fpsimd_report_failure(unsigned int cpu, enum fpsimd_exit kind,
			   const struct fpsimd_result *res);

#endif
#endif
