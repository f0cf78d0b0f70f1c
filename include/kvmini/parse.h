/* SPDX-License-Identifier: GPL-2.0-only */
/* Strict parsers for numbers and sizes given on the command line. */
#ifndef KVMINI_PARSE_H
#define KVMINI_PARSE_H

#include <kvmini/compiler.h>

/*
 * A decimal number with an optional K/M/G/T suffix (powers of 1024, 'iB'
 * or 'B' may follow); a bare number is in units of default_unit. Returns
 * -EINVAL for anything else (empty, sign, junk) and -ERANGE on overflow.
 */
int __must_check parse_size(const char *s, uint64_t default_unit, uint64_t *out);

/* A decimal number in [min, max]: -EINVAL for junk, -ERANGE outside. */
int __must_check parse_uint(const char *s, uint64_t min, uint64_t max,
			    uint64_t *out);

#endif
