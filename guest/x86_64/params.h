// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parameter string (RDI at entry): space-separated key=value words.
 * Known keys: iterations=N, rounds per exit kind and register class;
 * bench=pio|mmio with count=N, the exit-cost benchmark instead of the
 * tests (bench.c). Anything else is ignored, as on arm64.
 */
#ifndef KVMINI_X86_GUEST_PARAMS_H
#define KVMINI_X86_GUEST_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each exit costs ~35-100 us under emulation: keep the default modest. */
#define PARAMS_DEFAULT_ITERATIONS	20
#define PARAMS_MAX_ITERATIONS		100000
#define PARAMS_DEFAULT_BENCH_COUNT	10000
#define PARAMS_MAX_BENCH_COUNT		10000000

enum bench_kind { BENCH_NONE, BENCH_PIO, BENCH_MMIO };

struct guest_params {
	uint32_t iterations;
	enum bench_kind bench;		/* BENCH_NONE: run the tests */
	uint32_t bench_count;		/* PINGs in bench mode */
};

/* False, with a description in @err, on a malformed value for a known key. */
bool params_parse(const char *str, struct guest_params *params, char *err,
		  size_t err_size);

#endif
