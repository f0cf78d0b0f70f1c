// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pieces for parsing a guest parameter string of space-separated
 * key=value words (arm64: /chosen/bootargs, args.c; x86_64: the string in
 * RDI at entry, x86_64/params.c). Each guest decides which keys it knows.
 */
#ifndef KVMINI_GUEST_CMDLINE_H
#define KVMINI_GUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRINGIFY_(x)	#x
#define STRINGIFY(x)	STRINGIFY_(x)

/* One word, split at its first '='. Slices of the string, not terminated. */
struct cmdline_word {
	const char *key;
	size_t key_len;
	const char *value;	/* NULL if the word has no '=' */
	size_t value_len;
};

/* The whole word again ("key=value"), for "%.*s" in error messages. */
static inline int cmdline_word_len(const struct cmdline_word *w)
{
	return (int)(w->value ? w->key_len + 1 + w->value_len : w->key_len);
}

/* Split the next word off *@pos; false at the end of the string. */
bool cmdline_next_word(const char **pos, struct cmdline_word *w);

/* Whether the slice @s of @len characters is exactly @want. */
bool cmdline_equals(const char *s, size_t len, const char *want);

/* Plain decimal from 1 to @max: no sign, no prefix, no overflow. */
bool cmdline_parse_count(const char *s, size_t len, uint64_t max,
			 uint64_t *out);

#endif
