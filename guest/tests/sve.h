// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVE state preservation at every vector length: load a known Z0-Z31,
 * P0-P15, FFR, FPSR and FPCR, exit, store, compare; and the reverse, the
 * VMM writing the registers during an exit. Offsets shared with sve.S.
 */
#ifndef KVMINI_GUEST_TESTS_SVE_H
#define KVMINI_GUEST_TESTS_SVE_H

#define SVE_STATE_FPSR		0
#define SVE_STATE_FPCR		8
#define SVE_STATE_REGS		16
/* FFR's place in the P area, right after P15. */
#define SVE_STATE_FFR_SLOT	16

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

#define SVE_NUM_Z		32
#define SVE_NUM_P		16
#define SVE_VL_MAX_BYTES	256	/* the architecture's 2048 bits */
#define SVE_MAX_VLS		16	/* one per ZCR_EL1.LEN value */

/*
 * Registers as STR stores them at the current vector length VL (bytes):
 * Z0-Z31 back to back (VL bytes each), then P0-P15 and FFR (VL / 8 bytes
 * each). Byte b of a register is its b-th byte in memory order, which is
 * also how KVM's ONE_REG slices lay them out. sve.S computes the same
 * offsets with ADDVL and MUL VL addressing.
 */
#define SVE_REGS_MAX_BYTES	(SVE_NUM_Z * SVE_VL_MAX_BYTES + \
				 (SVE_NUM_P + 1) * (SVE_VL_MAX_BYTES / 8))

struct sve_state {
	uint64_t fpsr;
	uint64_t fpcr;
	uint8_t regs[SVE_REGS_MAX_BYTES];
} __attribute__((aligned(16)));

/* Set ZCR_EL1.LEN = @len; returns the vector length that gives, in bytes. */
unsigned int sve_set_len(unsigned int len);
unsigned int sve_vl_bytes(void);
void sve_load(const struct sve_state *state);
void sve_store(struct sve_state *state);

enum sve_exit {
	SVE_EXIT_MMIO,		/* PING write tagged TESTDEV_PING_SVE */
	SVE_EXIT_HVC,		/* PSCI_VERSION, handled inside KVM */
	SVE_EXIT_WFI,		/* WFI woken by the virtual timer */
	SVE_EXIT_SYSREG,	/* ID_AA64PFR0_EL1 read, trapped by TID3 */
	SVE_EXIT_ROUNDTRIP,	/* the VMM gets and sets every register */
	SVE_EXIT_MOVE,		/* the VMM moves every register into a new VM's vCPU */
	SVE_EXIT_PAUSE,		/* the VMM pauses every vCPU and round-trips all their registers */
	SVE_EXIT_KINDS,
};

/* The results of one CPU: one per exit kind, then the VMM-write check. */
#define SVE_TEST_VMM_WRITE	SVE_EXIT_KINDS
#define SVE_TESTS		(SVE_EXIT_KINDS + 1)

enum sve_reg_class { SVE_REG_Z, SVE_REG_P, SVE_REG_FFR };

/* Bytes kept of the first differing register: whole if it fits. */
#define SVE_WINDOW_BYTES	64

/* The first round of a test that lost state. */
struct sve_mismatch {
	unsigned int vl;		/* bits */
	uint32_t round;
	uint32_t bad_z;			/* bitmaps of differing registers */
	uint32_t bad_p;
	bool bad_ffr;
	/*
	 * The first differing Z/P/FFR register (in that order) if any: its
	 * first differing byte and a window of bytes around it.
	 */
	enum sve_reg_class cls;
	unsigned int reg;
	unsigned int reg_bytes;
	unsigned int byte;
	unsigned int window_start, window_len;
	uint8_t expected[SVE_WINDOW_BYTES];
	uint8_t found[SVE_WINDOW_BYTES];
	uint64_t expected_fpsr, found_fpsr;
	uint64_t expected_fpcr, found_fpcr;
};

struct sve_result {
	bool ran;
	uint32_t vls_done;		/* vector lengths fully checked */
	uint32_t rounds_done;		/* over all vector lengths */
	uint32_t bad_rounds;
	bool has_mismatch;
	struct sve_mismatch first;
	char error[160];		/* why the test stopped early */
};

/* The distinct vector lengths a CPU visited, ascending, in bits. */
struct sve_vls {
	unsigned int count;
	unsigned int vl[SVE_MAX_VLS];
};

/*
 * Run the SVE tests on this CPU (@cpu is its index, mixed into the
 * patterns) at every vector length it has, @iterations rounds per exit
 * kind and length; the VL ends at its largest. Results whose ->error is
 * already set (say, WFI with no usable timer interrupt) are not run.
 * @progress is bumped per round so a watcher can tell a slow CPU from a
 * stuck one.
 */
/*
 * bench=sve: @count rounds of fill, load, MMIO exit, store and compare at
 * @vl_bits (0: the largest). Returns the rounds whose state came back
 * intact; *ticks gets the counter ticks taken, *vl_bits the VL used.
 * Returns -1 with @err set when the VL cannot be had.
 */
int64_t sve_bench(unsigned int *vl_bits, uint64_t count, uint64_t *ticks,
		  char *err, size_t err_size);

void sve_test_run(unsigned int cpu, uint32_t iterations, struct sve_vls *vls,
		  struct sve_result res[SVE_TESTS], uint64_t *progress);
/* "mmio", ..., and "vmm-write" for SVE_TEST_VMM_WRITE. */
const char *sve_test_name(unsigned int test);
/* Print "# " lines describing a failed result (CPU 0 only). */
void sve_report_failure(unsigned int cpu, unsigned int test,
			const struct sve_result *res);

#endif
#endif
