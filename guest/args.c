// SPDX-License-Identifier: GPL-2.0-only
#include "args.h"
#include "lib/cmdline.h"
#include "lib/print.h"

static bool parse_fault(const char *s, size_t len, enum fault_kind *out)
{
	static const struct {
		const char *name;
		enum fault_kind kind;
	} kinds[] = {
		{ "mmio-unmapped", FAULT_MMIO_UNMAPPED },
		{ "undef", FAULT_UNDEF },
		{ "testdev-garbage", FAULT_TESTDEV_GARBAGE },
		{ "nisv", FAULT_NISV },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (cmdline_equals(s, len, kinds[i].name)) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

bool args_parse(const char *cmdline, struct guest_args *args,
		char *err, size_t err_size)
{
	bool fault = false, bench = false, bench_sve = false;
	const char *want;
	struct cmdline_word w;
	uint64_t n;

	args->mode = MODE_TESTS;
	args->fault = FAULT_MMIO_UNMAPPED;
	args->iterations = ARGS_DEFAULT_ITERATIONS;
	args->sve_iterations = ARGS_DEFAULT_SVE_ITERATIONS;
	args->mte_iterations = ARGS_DEFAULT_MTE_ITERATIONS;
	args->bench_count = ARGS_DEFAULT_BENCH_COUNT;
	args->bench_vl = 0;

	while (cmdline_next_word(&cmdline, &w)) {
		if (!w.value)
			continue;
		if (cmdline_equals(w.key, w.key_len, "iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_ITERATIONS);
			if (!cmdline_parse_count(w.value, w.value_len,
						 ARGS_MAX_ITERATIONS, &n))
				goto bad_value;
			args->iterations = (uint32_t)n;
		} else if (cmdline_equals(w.key, w.key_len, "sve-iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_SVE_ITERATIONS);
			if (!cmdline_parse_count(w.value, w.value_len,
						 ARGS_MAX_SVE_ITERATIONS, &n))
				goto bad_value;
			args->sve_iterations = (uint32_t)n;
		} else if (cmdline_equals(w.key, w.key_len, "mte-iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_MTE_ITERATIONS);
			if (!cmdline_parse_count(w.value, w.value_len,
						 ARGS_MAX_MTE_ITERATIONS, &n))
				goto bad_value;
			args->mte_iterations = (uint32_t)n;
		} else if (cmdline_equals(w.key, w.key_len, "count")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_BENCH_COUNT);
			if (!cmdline_parse_count(w.value, w.value_len,
						 ARGS_MAX_BENCH_COUNT, &n))
				goto bad_value;
			args->bench_count = n;
		} else if (cmdline_equals(w.key, w.key_len, "fault")) {
			want = "mmio-unmapped, undef, testdev-garbage or nisv";
			if (!parse_fault(w.value, w.value_len, &args->fault))
				goto bad_value;
			fault = true;
		} else if (cmdline_equals(w.key, w.key_len, "bench")) {
			want = "mmio or sve";
			bench_sve = cmdline_equals(w.value, w.value_len, "sve");
			if (!bench_sve &&
			    !cmdline_equals(w.value, w.value_len, "mmio"))
				goto bad_value;
			bench = true;
		} else if (cmdline_equals(w.key, w.key_len, "vl")) {
			want = "a multiple of 128 from 128 to 2048";
			if (!cmdline_parse_count(w.value, w.value_len, 2048,
						 &n) || n % 128)
				goto bad_value;
			args->bench_vl = (uint32_t)n;
		}
	}

	if (fault && bench) {
		snprintf(err, err_size, "fault= and bench= cannot be combined");
		return false;
	}
	if (fault)
		args->mode = MODE_FAULT;
	else if (bench)
		args->mode = bench_sve ? MODE_BENCH_SVE : MODE_BENCH_MMIO;
	return true;

bad_value:
	snprintf(err, err_size, "\"%.*s\": the value must be %s",
		 cmdline_word_len(&w), w.key, want);
	return false;
}
