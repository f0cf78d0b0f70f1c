// SPDX-License-Identifier: GPL-2.0-only
/* SVE ONE_REG ids, VL sets and the slice codec at every VL, multi-slice included. */
#include <errno.h>
#include <string.h>

#include "../../src/arch/arm64/sve.h"

#include "tap.h"

/* A register of up to 65536 bits: what 32 slices can hold. */
static uint8_t reg[8192 + 16], back[8192 + 16], slices[SVE_MAX_SLICES * SVE_ZSLICE_BYTES];

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8) + 1) | 1;	/* never 0 */
}

/* Pack every slice, check the layout, unpack them back: all for one VL and kind. */
static bool round_trip(enum sve_reg_kind kind, unsigned int vl)
{
	size_t rb = sve_reg_bytes(kind, vl), sb = sve_slice_bytes(kind);
	unsigned int ns = sve_slices_for_vl(vl);
	struct sve_slice_error err;

	fill(reg, rb, vl);
	memset(back, 0, sizeof(back));
	for (unsigned int s = 0; s < ns; s++)
		sve_slice_pack(kind, vl, reg, s, slices + s * sb);
	if (memcmp(slices, reg, rb))
		return false;		/* slice i must hold bytes [i*sb, (i+1)*sb) */
	for (size_t i = rb; i < ns * sb; i++)
		if (slices[i])
			return false;	/* zero-filled beyond the VL */
	for (unsigned int s = 0; s < ns; s++)
		if (sve_slice_unpack(kind, vl, slices + s * sb, s, back, &err))
			return false;
	return !memcmp(reg, back, rb) && back[rb] == 0;
}

int main(void)
{
	uint64_t host[SVE_VLS_WORDS] = { 0 }, out[SVE_VLS_WORDS];
	struct sve_slice_error err;
	enum sve_reg_kind k;
	unsigned int n, s;
	char buf[256];
	bool all;

	ok(sve_reg_id(SVE_Z, 0, 0) == 0x6080000000150000ULL, "Z0 slice 0 id (ABI value)");
	ok(sve_reg_id(SVE_Z, 31, 1) == 0x60800000001503e1ULL, "Z31 slice 1 id");
	ok(sve_reg_id(SVE_P, 0, 0) == 0x6050000000150400ULL, "P0 slice 0 id (ABI value)");
	ok(sve_reg_id(SVE_FFR, 0, 0) == 0x6050000000150600ULL, "FFR slice 0 id (ABI value)");
	ok(SVE_REG_VLS == 0x606000000015ffffULL, "VLS id (ABI value)");

	all = true;
	for (int kind = SVE_Z; kind <= SVE_FFR; kind++) {
		unsigned int count = kind == SVE_Z ? 32 : kind == SVE_P ? 16 : 1;

		for (unsigned int reg_n = 0; reg_n < count; reg_n++)
			for (unsigned int sl = 0; sl < SVE_MAX_SLICES; sl++)
				all &= !sve_reg_id_decode(sve_reg_id(kind, reg_n, sl), &k, &n, &s) &&
				       (int)k == kind && n == reg_n && s == sl;
	}
	ok(all, "every Z/P/FFR id of every slice decodes back to itself");
	ok(sve_reg_id_decode(SVE_REG_VLS, &k, &n, &s) == -ENOENT, "VLS is not a data register");
	ok(sve_reg_id_decode(sve_reg_id(SVE_Z, 1, 0) ^ SVE_REG_SIZE_U2048 ^ SVE_REG_SIZE_U256,
			     &k, &n, &s) == -ENOENT, "a Z id with the wrong size is refused");
	ok(sve_reg_id_decode(0x6030000000100000ULL, &k, &n, &s) == -ENOENT,
	   "a core register is not an SVE register");
	sve_reg_name(SVE_P, 15, buf, sizeof(buf));
	ok(!strcmp(buf, "P15"), "register name P15");

	for (unsigned int vl = 128; vl <= 2048; vl += 128) {
		all = true;
		for (int kind = SVE_Z; kind <= SVE_FFR; kind++)
			all &= round_trip(kind, vl);
		ok(all && sve_slices_for_vl(vl) == 1, "VL %u: Z, P, FFR round-trip in one slice", vl);
	}
	for (unsigned int vl = 2176; vl <= 65536; vl = vl < 4096 ? vl + 1920 : vl * 2) {
		all = true;
		for (int kind = SVE_Z; kind <= SVE_FFR; kind++)
			all &= round_trip(kind, vl);
		ok(all && sve_slices_for_vl(vl) == (vl + 2047) / 2048,
		   "VL %u: Z, P, FFR round-trip across %u slices", vl, sve_slices_for_vl(vl));
	}
	ok(round_trip(SVE_Z, 2048 + 128) && sve_slices_for_vl(2176) == 2,
	   "VL 2176: a slice boundary crossed by one quadword");

	/* Data beyond the VL must not vanish silently. */
	memset(slices, 0, sizeof(slices));
	slices[32] = 0x80;		/* byte 32 of Z at VL 256 is beyond the VL */
	ok(sve_slice_unpack(SVE_Z, 256, slices, 0, back, &err) == -EINVAL &&
	   err.byte == 32 && err.value == 0x80, "Z at VL 256: non-zero byte 32 refused, named");
	memset(slices, 0, sizeof(slices));
	slices[31] = 0x80;
	ok(sve_slice_unpack(SVE_Z, 256, slices, 0, back, &err) == 0 && back[31] == 0x80,
	   "Z at VL 256: byte 31 is inside the VL");
	memset(slices, 0, sizeof(slices));
	slices[4] = 1;			/* P at VL 256 is 4 bytes */
	ok(sve_slice_unpack(SVE_P, 256, slices, 0, back, &err) == -EINVAL && err.byte == 4,
	   "P at VL 256: non-zero byte 4 refused");
	memset(slices, 0, sizeof(slices));
	slices[1] = 2;			/* slice 1 of a VL-2048 register: all beyond */
	ok(sve_slice_unpack(SVE_Z, 2048, slices, 1, back, &err) == -EINVAL &&
	   err.byte == 257, "VL 2048: any data in slice 1 refused (byte 257)");

	for (unsigned int vq = 1; vq <= 16; vq *= 2)
		sve_vls_set(host, vq);
	sve_vls_set(host, 3);
	ok(sve_vls_max_vq(host) == 16 && sve_vls_has(host, 3) && !sve_vls_has(host, 5),
	   "VL set: members and maximum");
	ok(sve_vls_limit(host, 4, out) == 0 && sve_vls_has(out, 1) && sve_vls_has(out, 2) &&
	   sve_vls_has(out, 3) && sve_vls_has(out, 4) && !sve_vls_has(out, 8) &&
	   sve_vls_max_vq(out) == 4, "limit at 512 bits keeps every smaller host VL");
	ok(sve_vls_limit(host, 5, out) == -EINVAL, "a VL the host lacks cannot be the maximum");
	sve_vls_format(host, buf, sizeof(buf));
	ok(!strcmp(buf, "128 256 384 512 1024 2048"), "format: '%s'", buf);
	memset(host, 0, sizeof(host));
	sve_vls_set(host, 512);
	ok(sve_vls_has(host, 512) && host[7] == 1ULL << 63 && sve_vls_max_vq(host) == 512,
	   "VQ 512 is the last bit of the last word");
	return tap_done();
}
