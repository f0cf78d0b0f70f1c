// SPDX-License-Identifier: GPL-2.0-only
/*
 * MTE: allocation tags across exits, tag check faults in each check mode,
 * the MTE system registers across exits, and tags read and written by the
 * VMM. Each CPU tags only its own buffer of whole pages.
 */
#ifndef KVMINI_GUEST_TESTS_MTE_H
#define KVMINI_GUEST_TESTS_MTE_H

#include <stdbool.h>
#include <stdint.h>

/* Whole pages: KVM_ARM_MTE_COPY_TAGS takes page-aligned ranges only. */
#define MTE_PAGE_SIZE		4096
#define MTE_BUF_PAGES		4
#define MTE_BUF_BYTES		(MTE_BUF_PAGES * MTE_PAGE_SIZE)
#define MTE_BUF_GRANULES	(MTE_BUF_BYTES / 16)

enum mte_test {
	MTE_TEST_EXITS,		/* tags across MMIO, HVC and WFI exits */
	MTE_TEST_SYNC,		/* SCTLR_EL1.TCF = 1 */
	MTE_TEST_ASYNC,		/* TCF = 2 */
	MTE_TEST_ASYM,		/* TCF = 3, with FEAT_MTE3 only */
	MTE_TEST_REGS,		/* GCR, RGSR, TFSR, TFSRE0 across exits; IRG */
	MTE_TEST_VMM_READ,	/* TESTDEV_REQ_MTE_CHECK_TAGS */
	MTE_TEST_VMM_WRITE,	/* TESTDEV_REQ_MTE_WRITE_TAGS */
	MTE_TESTS,
};

/* What came between setting a buffer's tags and reading them back. */
enum mte_step {
	MTE_STEP_NONE,		/* nothing: a mismatch is the guest's own bug */
	MTE_STEP_MMIO,		/* PING write tagged TESTDEV_PING_MTE */
	MTE_STEP_HVC,		/* PSCI_VERSION, handled inside KVM */
	MTE_STEP_WFI,		/* WFI woken by the virtual timer */
	MTE_STEP_VMM_READ,	/* the VMM read the tags */
	MTE_STEP_VMM_WRITE,	/* the VMM wrote the tags */
	MTE_STEP_VMM_WRITE_FRESH, /* ... into memory the guest then touched first */
};

/* The first tag check of a test that found wrong tags. */
struct mte_mismatch {
	enum mte_step step;
	uint32_t round;
	uint64_t addr;		/* the lowest granule with a wrong tag */
	uint8_t expected, found;
	uint32_t bad_granules;	/* of MTE_BUF_GRANULES */
};

struct mte_result {
	bool ran;
	bool skip;		/* MTE_TEST_ASYM without FEAT_MTE3 */
	uint32_t rounds_done;
	uint32_t checks;	/* everything checked, tags or otherwise */
	uint32_t bad_checks;
	bool has_mismatch;
	struct mte_mismatch first;
	/* The first failure other than wrong tags, or why the test stopped. */
	char error[160];
};

/*
 * Run the MTE tests on this CPU (@cpu is its index, mixed into the tags),
 * whose ID_AA64PFR1_EL1.MTE is @level (>= 2), @iterations rounds for the
 * tests that have rounds. @wfi_error is why WFI exits cannot be used, NULL
 * if they can. @progress is bumped as work gets done so a watcher can tell
 * a slow CPU from a stuck one.
 */
void mte_test_run(unsigned int cpu, unsigned int level, uint32_t iterations,
		  const char *wfi_error, struct mte_result res[MTE_TESTS],
		  uint64_t *progress);
/* How many rounds a complete run of @test has. */
uint32_t mte_test_rounds(unsigned int test, uint32_t iterations);
/* Print "# " lines describing a failed result (CPU 0 only). */
void mte_report_failure(unsigned int cpu, unsigned int test,
			const struct mte_result *res);

#endif
