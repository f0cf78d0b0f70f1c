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

bool params_parse(const char *str, struct guest_params *params, char *err,
		  size_t err_size)
{
	static const char key[] = "iterations=";
	const size_t key_len = sizeof(key) - 1;

	params->iterations = PARAMS_DEFAULT_ITERATIONS;
	if (!str)
		return true;

	while (*str) {
		const char *word;
		size_t len = 0;
		uint64_t n;

		while (is_space(*str))
			str++;
		word = str;
		while (word[len] && !is_space(word[len]))
			len++;
		str += len;

		if (len < key_len || memcmp(word, key, key_len))
			continue;
		if (!parse_count(word + key_len, len - key_len,
				 PARAMS_MAX_ITERATIONS, &n)) {
			snprintf(err, err_size, "%.*s: want a decimal number "
				 "from 1 to " STRINGIFY(PARAMS_MAX_ITERATIONS),
				 (int)len, word);
			return false;
		}
		params->iterations = (uint32_t)n;
	}
	return true;
}
