// SPDX-License-Identifier: GPL-2.0-only
#include "lib/cmdline.h"
#include "lib/print.h"
#include "params.h"

/* "@word: want a decimal number from 1 to @max_str" in @err on a bad N. */
static bool parse_count(const struct cmdline_word *w, uint64_t max,
			const char *max_str, uint32_t *out, char *err,
			size_t err_size)
{
	uint64_t n;

	if (!cmdline_parse_count(w->value, w->value_len, max, &n)) {
		snprintf(err, err_size, "%.*s: want a decimal number from 1 to %s",
			 cmdline_word_len(w), w->key, max_str);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

bool params_parse(const char *str, struct guest_params *params, char *err,
		  size_t err_size)
{
	struct cmdline_word w;

	params->iterations = PARAMS_DEFAULT_ITERATIONS;
	params->bench = BENCH_NONE;
	params->bench_count = PARAMS_DEFAULT_BENCH_COUNT;
	if (!str)
		return true;

	while (cmdline_next_word(&str, &w)) {
		if (!w.value)
			continue;
		if (cmdline_equals(w.key, w.key_len, "iterations")) {
			if (!parse_count(&w, PARAMS_MAX_ITERATIONS,
					 STRINGIFY(PARAMS_MAX_ITERATIONS),
					 &params->iterations, err, err_size))
				return false;
		} else if (cmdline_equals(w.key, w.key_len, "count")) {
			if (!parse_count(&w, PARAMS_MAX_BENCH_COUNT,
					 STRINGIFY(PARAMS_MAX_BENCH_COUNT),
					 &params->bench_count, err, err_size))
				return false;
		} else if (cmdline_equals(w.key, w.key_len, "bench")) {
			if (cmdline_equals(w.value, w.value_len, "pio")) {
				params->bench = BENCH_PIO;
			} else if (cmdline_equals(w.value, w.value_len, "mmio")) {
				params->bench = BENCH_MMIO;
			} else {
				snprintf(err, err_size, "%.*s: want bench=pio or "
					 "bench=mmio", cmdline_word_len(&w), w.key);
				return false;
			}
		}
	}
	return true;
}
