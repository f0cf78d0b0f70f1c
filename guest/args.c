// SPDX-License-Identifier: GPL-2.0-only
#include "args.h"
#include "lib/print.h"
#include "lib/string.h"

#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

struct word {
	const char *key;
	size_t key_len;
	const char *value;	/* NULL if the word has no '=' */
	size_t value_len;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Split the next word off *pos; false at the end of the string. */
static bool next_word(const char **pos, struct word *w)
{
	const char *s = *pos, *eq = NULL;

	while (is_space(*s))
		s++;
	if (!*s)
		return false;

	w->key = s;
	for (; *s && !is_space(*s); s++) {
		if (*s == '=' && !eq)
			eq = s;
	}
	*pos = s;
	if (eq) {
		w->key_len = (size_t)(eq - w->key);
		w->value = eq + 1;
		w->value_len = (size_t)(s - w->value);
	} else {
		w->key_len = (size_t)(s - w->key);
		w->value = NULL;
		w->value_len = 0;
	}
	return true;
}

static bool equals(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(s, want, len);
}

/* Plain decimal from 1 to @max: no sign, no prefix, no overflow. */
static bool parse_count(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t val = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		val = val * 10 + (uint64_t)(s[i] - '0');
		if (val > max)
			return false;
	}
	if (!val)
		return false;
	*out = val;
	return true;
}

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
		if (equals(s, len, kinds[i].name)) {
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
	struct word w;
	uint64_t n;

	args->mode = MODE_TESTS;
	args->fault = FAULT_MMIO_UNMAPPED;
	args->iterations = ARGS_DEFAULT_ITERATIONS;
	args->sve_iterations = ARGS_DEFAULT_SVE_ITERATIONS;
	args->mte_iterations = ARGS_DEFAULT_MTE_ITERATIONS;
	args->bench_count = ARGS_DEFAULT_BENCH_COUNT;
	args->bench_vl = 0;

	while (next_word(&cmdline, &w)) {
		if (!w.value)
			continue;
		if (equals(w.key, w.key_len, "iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_ITERATIONS);
			if (!parse_count(w.value, w.value_len,
					 ARGS_MAX_ITERATIONS, &n))
				goto bad_value;
			args->iterations = (uint32_t)n;
		} else if (equals(w.key, w.key_len, "sve-iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_SVE_ITERATIONS);
			if (!parse_count(w.value, w.value_len,
					 ARGS_MAX_SVE_ITERATIONS, &n))
				goto bad_value;
			args->sve_iterations = (uint32_t)n;
		} else if (equals(w.key, w.key_len, "mte-iterations")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_MTE_ITERATIONS);
			if (!parse_count(w.value, w.value_len,
					 ARGS_MAX_MTE_ITERATIONS, &n))
				goto bad_value;
			args->mte_iterations = (uint32_t)n;
		} else if (equals(w.key, w.key_len, "count")) {
			want = "a decimal number from 1 to "
			       STRINGIFY(ARGS_MAX_BENCH_COUNT);
			if (!parse_count(w.value, w.value_len,
					 ARGS_MAX_BENCH_COUNT, &n))
				goto bad_value;
			args->bench_count = n;
		} else if (equals(w.key, w.key_len, "fault")) {
			want = "mmio-unmapped, undef, testdev-garbage or nisv";
			if (!parse_fault(w.value, w.value_len, &args->fault))
				goto bad_value;
			fault = true;
		} else if (equals(w.key, w.key_len, "bench")) {
			want = "mmio or sve";
			bench_sve = equals(w.value, w.value_len, "sve");
			if (!bench_sve && !equals(w.value, w.value_len, "mmio"))
				goto bad_value;
			bench = true;
		} else if (equals(w.key, w.key_len, "vl")) {
			want = "a multiple of 128 from 128 to 2048";
			if (!parse_count(w.value, w.value_len, 2048, &n) || n % 128)
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
		 (int)(w.key_len + 1 + w.value_len), w.key, want);
	return false;
}
