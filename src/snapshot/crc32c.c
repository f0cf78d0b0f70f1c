// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC-32C: slicing-by-8 tables everywhere, the ARMv8 CRC32C instructions on
 * arm64 hosts that have them (checked at run time: the feature is optional
 * before ARMv8.1, and kvmini's arm64 binary is one static build for all).
 */
#include <pthread.h>

#include <kvmini/compiler.h>
#include <kvmini/crc32c.h>

#if defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CRC32C_ARM64 1
#include <arm_acle.h>
#include <string.h>
#include <sys/auxv.h>
#endif

#define CRC32C_POLY 0x82F63B78u

/* table[k][b]: the CRC of byte b followed by k zero bytes. 8 KiB, built once. */
static uint32_t table[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint32_t (*impl)(uint32_t crc, const uint8_t *p, size_t n);

static inline uint32_t le32(const uint8_t *p)
{
	/* Byte by byte so it is right on any host; compilers make it one load. */
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* On the inverted CRC: the caller does the pre/post inversion. */
static uint32_t crc32c_slice8(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo = crc ^ le32(p), hi = le32(p + 4);

		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		      table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
	}
	while (n--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#ifdef CRC32C_ARM64
/* The instructions work on the inverted CRC too, as the tables do. */
__attribute__((target("+crc")))
static uint32_t crc32c_arm64(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = __crc32cb(crc, *p++);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		crc = __crc32cd(crc, v);
	}
	if (n & 4) {
		uint32_t v;

		memcpy(&v, p, sizeof(v));
		crc = __crc32cw(crc, v);
		p += 4;
	}
	if (n & 2) {
		uint16_t v;

		memcpy(&v, p, sizeof(v));
		crc = __crc32ch(crc, v);
		p += 2;
	}
	if (n & 1)
		crc = __crc32cb(crc, *p);
	return crc;
}
#endif

static void crc32c_init(void)
{
	for (unsigned int b = 0; b < 256; b++) {
		uint32_t crc = b;

		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (CRC32C_POLY & -(crc & 1));
		table[0][b] = crc;
	}
	for (unsigned int b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			table[k][b] = (table[k - 1][b] >> 8) ^
				      table[0][table[k - 1][b] & 0xff];
	impl = crc32c_slice8;
#ifdef CRC32C_ARM64
	if (getauxval(AT_HWCAP) & HWCAP_CRC32)
		impl = crc32c_arm64;
#endif
}

uint32_t crc32c(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&once, crc32c_init);
	return ~impl(~crc, p, n);
}

uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&once, crc32c_init);
	return ~crc32c_slice8(~crc, p, n);
}

uint32_t crc32c_zeros(uint32_t crc, size_t n)
{
	static const uint8_t zeros[64 * 1024];

	for (size_t k; n; n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		crc = crc32c(crc, zeros, k);
	}
	return crc;
}
