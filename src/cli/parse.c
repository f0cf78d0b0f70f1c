// SPDX-License-Identifier: GPL-2.0-only
/* Number and size parsing that refuses anything it does not fully understand. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <kvmini/parse.h>

/* Leading decimal digits into *val; the rest of the string in *end. */
static int parse_digits(const char *s, uint64_t *val, const char **end)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*val = v;
	*end = s;
	return 0;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret = parse_digits(s, &v, &end);

	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
	static const struct { char c; unsigned int shift; } units[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 },
	};
	uint64_t v, unit = default_unit;
	const char *end;
	int ret = parse_digits(s, &v, &end);

	if (ret)
		return ret;
	if (*end) {
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			if (toupper((unsigned char)*end) == units[i].c) {
				unit = 1ULL << units[i].shift;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		end++;
		if (strcasecmp(end, "") && strcasecmp(end, "B") && strcasecmp(end, "iB"))
			return -EINVAL;
	}
	if (unit && v > UINT64_MAX / unit)
		return -ERANGE;
	*out = v * unit;
	return 0;
}
