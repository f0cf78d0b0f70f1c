// SPDX-License-Identifier: GPL-2.0-only
#include "lib/print.h"
#include "lib/string.h"
#include "params.h"

#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
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

/* @word is "@key=...": then *@value and *@value_len are what follows the '='. */
static bool key_is(const char *word, size_t len, const char *key,
		   const char **value, size_t *value_len)
{
	size_t key_len = strlen(key);

	if (len <= key_len || memcmp(word, key, key_len) || word[key_len] != '=')
		return false;
	*value = word + key_len + 1;
	*value_len = len - key_len - 1;
	return true;
}

static bool value_is(const char *value, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(value, want, len);
}

bool params_parse(const char *str, struct guest_params *params, char *err,
		  size_t err_size)
{
	params->iterations = PARAMS_DEFAULT_ITERATIONS;
	params->bench = BENCH_NONE;
	params->bench_count = PARAMS_DEFAULT_BENCH_COUNT;
	if (!str)
		return true;

	while (*str) {
		const char *word, *value;
		size_t len = 0, value_len;
		uint64_t n;

		while (is_space(*str))
			str++;
		word = str;
		while (word[len] && !is_space(word[len]))
			len++;
		str += len;

		if (key_is(word, len, "iterations", &value, &value_len)) {
			if (!parse_count(value, value_len, PARAMS_MAX_ITERATIONS, &n)) {
				snprintf(err, err_size, "%.*s: want a decimal number "
					 "from 1 to " STRINGIFY(PARAMS_MAX_ITERATIONS),
					 (int)len, word);
				return false;
			}
			params->iterations = (uint32_t)n;
		} else if (key_is(word, len, "count", &value, &value_len)) {
			if (!parse_count(value, value_len, PARAMS_MAX_BENCH_COUNT, &n)) {
				snprintf(err, err_size, "%.*s: want a decimal number "
					 "from 1 to " STRINGIFY(PARAMS_MAX_BENCH_COUNT),
					 (int)len, word);
				return false;
			}
			params->bench_count = (uint32_t)n;
		} else if (key_is(word, len, "bench", &value, &value_len)) {
			if (value_is(value, value_len, "pio")) {
				params->bench = BENCH_PIO;
			} else if (value_is(value, value_len, "mmio")) {
				params->bench = BENCH_MMIO;
			} else {
				snprintf(err, err_size, "%.*s: want bench=pio or "
					 "bench=mmio", (int)len, word);
				return false;
			}
		}
	}
	return true;
}
