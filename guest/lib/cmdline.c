// SPDX-License-Identifier: GPL-2.0-only
#include "lib/cmdline.h"
#include "lib/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next_word(const char **pos, struct cmdline_word *w)
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

bool cmdline_equals(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(s, want, len);
}

bool cmdline_parse_count(const char *s, size_t len, uint64_t max,
			 uint64_t *out)
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
