/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF, as iSCSI, ext4 and Btrfs use it. Chosen for
 * snapshots because arm64 (ARMv8 CRC32, used here) and x86 (SSE4.2, not
 * used yet) compute it in hardware, and snapshots hold gigabytes of memory.
 */
#ifndef KVMINI_CRC32C_H
#define KVMINI_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * The zlib crc32() convention: crc32c(0, p, n) is the CRC of p[0..n), and
 * crc32c(crc32c(0, a, na), b, nb) equals the CRC of a followed by b, so
 * data can be checksummed in pieces. The pre/post inversion is done inside:
 * callers never see it. crc32c(0, NULL, 0) is 0. Thread-safe.
 */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* crc32c() of n zero bytes appended to crc, without memory of that size to read. */
uint32_t crc32c_zeros(uint32_t crc, size_t n);

/*
 * The portable slicing-by-8 code crc32c() falls back to: same results. For
 * tests and benchmarks that compare it with the hardware path.
 */
uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif
