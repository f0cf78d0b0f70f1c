/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVE state through KVM's ONE_REG interface, as pure code (no KVM needed):
 * register ids, the vector-length set (KVM_REG_ARM64_SVE_VLS) and the codec
 * between an architectural register image of VL bits and KVM's fixed-size
 * slices (Z: 2048 bits, P and FFR: 256 bits; slice i holds bits
 * [i * size, (i + 1) * size) of the register). Today every VL fits in slice
 * 0, but the ABI allows 32 slices (VL up to 65536 bits), and the codec
 * handles any number.
 *
 * Register ids are the kernel's ABI (arch/arm64/include/uapi/asm/kvm.h),
 * restated here so this file builds on any machine.
 */
#ifndef KVMINI_ARM64_SVE_H
#define KVMINI_ARM64_SVE_H

#include <kvmini/compiler.h>

#define SVE_REG_ARM64		0x6000000000000000ULL
#define SVE_REG_COPROC		(0x15ULL << 16)
#define SVE_REG_SIZE_SHIFT	52
#define SVE_REG_SIZE_U256	(5ULL << SVE_REG_SIZE_SHIFT)
#define SVE_REG_SIZE_U512	(6ULL << SVE_REG_SIZE_SHIFT)
#define SVE_REG_SIZE_U2048	(8ULL << SVE_REG_SIZE_SHIFT)
#define SVE_REG_ZREG_BASE	0x000ULL
#define SVE_REG_PREG_BASE	0x400ULL
#define SVE_REG_FFR_BASE	0x600ULL
#define SVE_REG_VLS		(SVE_REG_ARM64 | SVE_REG_COPROC | SVE_REG_SIZE_U512 | 0xffff)

#define SVE_NUM_ZREGS		32
#define SVE_NUM_PREGS		16
#define SVE_MAX_SLICES		32
#define SVE_ZSLICE_BYTES	256
#define SVE_PSLICE_BYTES	32
#define SVE_VQ_BYTES		16
#define SVE_VQ_MAX		512	/* what the VLS bitmap can name */
#define SVE_VLS_WORDS		8
#define SVE_VL_ARCH_MAX		2048	/* the architecture's largest VL, in bits */

enum sve_reg_kind { SVE_Z, SVE_P, SVE_FFR };

/* Bytes of one register at a vector length of vl_bits. */
static inline size_t sve_reg_bytes(enum sve_reg_kind kind, unsigned int vl_bits)
{
	return kind == SVE_Z ? vl_bits / 8 : vl_bits / 64;
}

static inline size_t sve_slice_bytes(enum sve_reg_kind kind)
{
	return kind == SVE_Z ? SVE_ZSLICE_BYTES : SVE_PSLICE_BYTES;
}

/* Slices needed to hold a register at vl_bits (the same for Z, P and FFR). */
static inline unsigned int sve_slices_for_vl(unsigned int vl_bits)
{
	return (vl_bits + 2047) / 2048;
}

uint64_t sve_reg_id(enum sve_reg_kind kind, unsigned int n, unsigned int slice);
/* 0 and the parts for a Z/P/FFR slice id; -ENOENT for any other id. */
int sve_reg_id_decode(uint64_t id, enum sve_reg_kind *kind, unsigned int *n,
		      unsigned int *slice);
/* "Z7", "P15", "FFR" */
void sve_reg_name(enum sve_reg_kind kind, unsigned int n, char *buf, size_t len);

/*
 * Image -> slice (for KVM_SET_ONE_REG): slice `slice` of a register image
 * of sve_reg_bytes(kind, vl_bits) bytes, zero-filled beyond the VL.
 */
void sve_slice_pack(enum sve_reg_kind kind, unsigned int vl_bits,
		    const uint8_t *reg, unsigned int slice, uint8_t *out);

/* Where unpacking met data beyond the vector length. */
struct sve_slice_error {
	size_t byte;		/* offset in the register, at or beyond VL/8 (VL/64) */
	uint8_t value;
};

/*
 * Slice -> image (after KVM_GET_ONE_REG, or from a saved state): copy the
 * bytes within the VL into the image. Data beyond the VL would be silently
 * lost, so a non-zero byte there is refused: -EINVAL with *err filled in.
 */
int __must_check sve_slice_unpack(enum sve_reg_kind kind, unsigned int vl_bits,
				  const uint8_t *in, unsigned int slice, uint8_t *reg,
				  struct sve_slice_error *err);

/* The vector-length set: bit (vq - 1) of the bitmap means VL = vq * 128. */
bool sve_vls_has(const uint64_t vls[SVE_VLS_WORDS], unsigned int vq);
void sve_vls_set(uint64_t vls[SVE_VLS_WORDS], unsigned int vq);
unsigned int sve_vls_max_vq(const uint64_t vls[SVE_VLS_WORDS]);
/*
 * The set to write for a maximum of max_vq: KVM can only lower the maximum,
 * so it is the host's set cut at max_vq. -EINVAL if max_vq is not in it.
 */
int __must_check sve_vls_limit(const uint64_t host[SVE_VLS_WORDS],
			       unsigned int max_vq, uint64_t out[SVE_VLS_WORDS]);
/* "128 256 512" (bits), for messages. */
void sve_vls_format(const uint64_t vls[SVE_VLS_WORDS], char *buf, size_t len);

#endif
