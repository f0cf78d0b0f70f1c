/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing split-virtqueue descriptors into fake guest memory, as a driver would. */
#ifndef KVMINI_TEST_VIRTQ_DESC_H
#define KVMINI_TEST_VIRTQ_DESC_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

/* Descriptor i of the table at host pointer table (16 bytes each, little-endian). */
static inline void virtq_desc_put(uint8_t *table, uint16_t i, uint64_t addr, uint32_t len,
				  uint16_t flags, uint16_t next)
{
	uint8_t *d = table + 16ULL * i;
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t f = htole16(flags), n = htole16(next);

	memcpy(d, &a, 8);
	memcpy(d + 8, &l, 4);
	memcpy(d + 12, &f, 2);
	memcpy(d + 14, &n, 2);
}

#endif
