// SPDX-License-Identifier: GPL-2.0-only
/* Size and number parsing: every accepted form, and refusal of everything else. */
#include <errno.h>

#include <kvmini/parse.h>

#include "tap.h"

static void size_is(const char *s, uint64_t unit, uint64_t want)
{
	uint64_t v = 0;
	int ret = parse_size(s, unit, &v);

	ok(ret == 0 && v == want, "size '%s' = %llu (got %d, %llu)", s,
	   (unsigned long long)want, ret, (unsigned long long)v);
}

static void size_fails(const char *s, int want)
{
	uint64_t v = 42;
	int ret = parse_size(s, 1 << 20, &v);

	ok(ret == want && v == 42, "size '%s' refused with %d (got %d), output untouched",
	   s, want, ret);
}

int main(void)
{
	uint64_t v;

	size_is("256", 1 << 20, 256ULL << 20);
	size_is("512M", 1 << 20, 512ULL << 20);
	size_is("512m", 1 << 20, 512ULL << 20);
	size_is("2G", 1 << 20, 2ULL << 30);
	size_is("2GiB", 1 << 20, 2ULL << 30);
	size_is("4096K", 1, 4ULL << 20);
	size_is("1T", 1, 1ULL << 40);
	size_is("0", 1 << 20, 0);
	size_fails("", -EINVAL);
	size_fails("-1", -EINVAL);
	size_fails("+5", -EINVAL);
	size_fails(" 5", -EINVAL);
	size_fails("5 ", -EINVAL);
	size_fails("1.5G", -EINVAL);
	size_fails("12X", -EINVAL);
	size_fails("1GG", -EINVAL);
	size_fails("0x100", -EINVAL);
	size_fails("99999999999999999999", -ERANGE);
	size_fails("17179869184G", -ERANGE);

	ok(parse_uint("4", 1, 8, &v) == 0 && v == 4, "uint 4 in [1, 8]");
	ok(parse_uint("0", 1, 8, &v) == -ERANGE, "uint 0 below [1, 8]");
	ok(parse_uint("9", 1, 8, &v) == -ERANGE, "uint 9 above [1, 8]");
	ok(parse_uint("2x", 1, 8, &v) == -EINVAL, "uint with junk refused");
	ok(parse_uint("", 1, 8, &v) == -EINVAL, "empty uint refused");
	ok(parse_uint("18446744073709551616", 0, UINT64_MAX, &v) == -ERANGE,
	   "uint overflow refused");
	return tap_done();
}
