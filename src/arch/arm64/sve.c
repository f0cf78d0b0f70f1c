// SPDX-License-Identifier: GPL-2.0-only
/* SVE ONE_REG ids, vector-length sets and the slice codec (see sve.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sve.h"

uint64_t sve_reg_id(enum sve_reg_kind kind, unsigned int n, unsigned int slice)
{
	uint64_t id = SVE_REG_ARM64 | SVE_REG_COPROC | (slice & (SVE_MAX_SLICES - 1));

	switch (kind) {
	case SVE_Z:
		return id | SVE_REG_ZREG_BASE | SVE_REG_SIZE_U2048 |
		       ((uint64_t)(n & (SVE_NUM_ZREGS - 1)) << 5);
	case SVE_P:
		return id | SVE_REG_PREG_BASE | SVE_REG_SIZE_U256 |
		       ((uint64_t)(n & (SVE_NUM_PREGS - 1)) << 5);
	case SVE_FFR:
		break;
	}
	return id | SVE_REG_FFR_BASE | SVE_REG_SIZE_U256;
}

int sve_reg_id_decode(uint64_t id, enum sve_reg_kind *kind, unsigned int *n,
		      unsigned int *slice)
{
	const uint64_t family = SVE_REG_ARM64 | SVE_REG_COPROC;
	uint64_t low = id & 0xffff;

	if ((id & ~(0xffffULL | (0xfULL << SVE_REG_SIZE_SHIFT))) != family)
		return -ENOENT;
	*slice = (unsigned int)(low & 0x1f);
	if (low < SVE_REG_PREG_BASE) {
		*kind = SVE_Z;
		*n = (unsigned int)(low >> 5);
	} else if (low < SVE_REG_FFR_BASE) {
		*kind = SVE_P;
		*n = (unsigned int)((low - SVE_REG_PREG_BASE) >> 5);
	} else if (low < SVE_REG_FFR_BASE + SVE_MAX_SLICES) {
		*kind = SVE_FFR;
		*n = 0;
	} else {
		return -ENOENT;	/* KVM_REG_ARM64_SVE_VLS and anything newer */
	}
	/* The size field must be the one the ABI gives this register kind. */
	if (sve_reg_id(*kind, *n, *slice) != id)
		return -ENOENT;
	return 0;
}

void sve_reg_name(enum sve_reg_kind kind, unsigned int n, char *buf, size_t len)
{
	if (kind == SVE_FFR)
		snprintf(buf, len, "FFR");
	else
		snprintf(buf, len, "%c%u", kind == SVE_Z ? 'Z' : 'P', n);
}

void sve_slice_pack(enum sve_reg_kind kind, unsigned int vl_bits,
		    const uint8_t *reg, unsigned int slice, uint8_t *out)
{
	size_t size = sve_slice_bytes(kind), reg_bytes = sve_reg_bytes(kind, vl_bits);
	size_t start = (size_t)slice * size;
	size_t n = start < reg_bytes ? reg_bytes - start : 0;

	if (n > size)
		n = size;
	memcpy(out, reg + start, n);
	memset(out + n, 0, size - n);
}

int sve_slice_unpack(enum sve_reg_kind kind, unsigned int vl_bits,
		     const uint8_t *in, unsigned int slice, uint8_t *reg,
		     struct sve_slice_error *err)
{
	size_t size = sve_slice_bytes(kind), reg_bytes = sve_reg_bytes(kind, vl_bits);
	size_t start = (size_t)slice * size;
	size_t n = start < reg_bytes ? reg_bytes - start : 0;

	if (n > size)
		n = size;
	for (size_t i = n; i < size; i++) {
		if (in[i]) {
			err->byte = start + i;
			err->value = in[i];
			return -EINVAL;
		}
	}
	memcpy(reg + start, in, n);
	return 0;
}

bool sve_vls_has(const uint64_t vls[SVE_VLS_WORDS], unsigned int vq)
{
	if (vq < 1 || vq > SVE_VQ_MAX)
		return false;
	return (vls[(vq - 1) / 64] >> ((vq - 1) % 64)) & 1;
}

void sve_vls_set(uint64_t vls[SVE_VLS_WORDS], unsigned int vq)
{
	if (vq >= 1 && vq <= SVE_VQ_MAX)
		vls[(vq - 1) / 64] |= 1ULL << ((vq - 1) % 64);
}

unsigned int sve_vls_max_vq(const uint64_t vls[SVE_VLS_WORDS])
{
	for (unsigned int vq = SVE_VQ_MAX; vq >= 1; vq--)
		if (sve_vls_has(vls, vq))
			return vq;
	return 0;
}

int sve_vls_limit(const uint64_t host[SVE_VLS_WORDS], unsigned int max_vq,
		  uint64_t out[SVE_VLS_WORDS])
{
	if (!sve_vls_has(host, max_vq))
		return -EINVAL;
	memset(out, 0, SVE_VLS_WORDS * sizeof(uint64_t));
	for (unsigned int vq = 1; vq <= max_vq; vq++)
		if (sve_vls_has(host, vq))
			sve_vls_set(out, vq);
	return 0;
}

void sve_vls_format(const uint64_t vls[SVE_VLS_WORDS], char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned int vq = 1; vq <= SVE_VQ_MAX && used < len; vq++) {
		if (!sve_vls_has(vls, vq))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%u",
					 used ? " " : "", vq * 128);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
