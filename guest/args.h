// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest parameters from /chosen/bootargs: space-separated key=value words.
 * Known keys: iterations=N, sve-iterations=N, mte-iterations=N, fault=KIND,
 * bench=mmio|sve, vl=BITS (bench=sve),
 * count=N. Anything else is ignored, as a Linux-style command line may
 * carry other words.
 */
#ifndef KVMINI_GUEST_ARGS_H
#define KVMINI_GUEST_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGS_DEFAULT_ITERATIONS		200
#define ARGS_MAX_ITERATIONS		1000000
/* Per vector length and exit kind: 16 VLs make even 3 a few hundred exits. */
#define ARGS_DEFAULT_SVE_ITERATIONS	3
#define ARGS_MAX_SVE_ITERATIONS		10000
/* MTE rounds: each one tags and checks every granule around 3 exits. */
#define ARGS_DEFAULT_MTE_ITERATIONS	3
#define ARGS_MAX_MTE_ITERATIONS		10000
#define ARGS_DEFAULT_BENCH_COUNT	100000
#define ARGS_MAX_BENCH_COUNT		1000000000

enum guest_mode {
	MODE_TESTS,
	MODE_FAULT,
	MODE_BENCH_MMIO,
	MODE_BENCH_SVE,
};

enum fault_kind {
	FAULT_MMIO_UNMAPPED,
	FAULT_UNDEF,
	FAULT_TESTDEV_GARBAGE,
	FAULT_NISV,
};

struct guest_args {
	enum guest_mode mode;
	enum fault_kind fault;		/* MODE_FAULT */
	uint32_t iterations;
	uint32_t sve_iterations;
	uint32_t mte_iterations;
	uint64_t bench_count;		/* MODE_BENCH_* */
	uint32_t bench_vl;		/* MODE_BENCH_SVE, bits; 0: the largest */
};

/*
 * Returns true on success. On a malformed value for a known key, returns
 * false with a description in @err.
 */
bool args_parse(const char *cmdline, struct guest_args *args,
		char *err, size_t err_size);

#endif
