// SPDX-License-Identifier: GPL-2.0-only
/*
 * Flattened device tree reader (format per the Devicetree Specification,
 * chapter 5). Every offset taken from the blob is checked against the block
 * it points into before it is used, so a corrupt blob yields an error
 * message rather than a wild read.
 */
#include <stdbool.h>
#include <stddef.h>
#include "lib/fdt.h"

#define FDT_MAGIC		0xd00dfeedU
#define FDT_VERSION		17

#define FDT_BEGIN_NODE		1
#define FDT_END_NODE		2
#define FDT_PROP		3
#define FDT_NOP			4
#define FDT_END			9

/* Header fields, as byte offsets. */
#define FDT_HDR_MAGIC		0
#define FDT_HDR_TOTALSIZE	4
#define FDT_HDR_OFF_STRUCT	8
#define FDT_HDR_OFF_STRINGS	12
#define FDT_HDR_VERSION		20
#define FDT_HDR_LAST_COMP	24
#define FDT_HDR_SIZE_STRINGS	32
#define FDT_HDR_SIZE_STRUCT	36

uint32_t fdt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t fdt_read_cells(const uint8_t *p, uint32_t cells)
{
	if (cells == 1)
		return fdt_be32(p);
	return (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

/* Does [off, off + len) fit in a block of @size bytes? */
static bool fits(uint32_t off, uint32_t len, uint32_t size)
{
	return off <= size && len <= size - off;
}

/* Length of the NUL-terminated string at @s, or -1 if none within @max. */
static int64_t bounded_strlen(const uint8_t *s, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++) {
		if (!s[i])
			return i;
	}
	return -1;
}

static uint32_t align4(uint32_t n)
{
	return (n + 3) & ~3U;
}

const char *fdt_open(struct fdt *fdt, uintptr_t addr)
{
	const uint8_t *hdr = (const uint8_t *)addr;

	if (!addr)
		return "no device tree address";
	if (addr & 7)
		return "device tree address not 8-byte aligned";
	if (fdt_be32(hdr + FDT_HDR_MAGIC) != FDT_MAGIC)
		return "bad magic (expected 0xd00dfeed)";
	if (fdt_be32(hdr + FDT_HDR_VERSION) < FDT_VERSION ||
	    fdt_be32(hdr + FDT_HDR_LAST_COMP) > FDT_VERSION)
		return "unsupported version (need one compatible with 17)";

	fdt->blob = hdr;
	fdt->size = fdt_be32(hdr + FDT_HDR_TOTALSIZE);
	fdt->struct_off = fdt_be32(hdr + FDT_HDR_OFF_STRUCT);
	fdt->struct_size = fdt_be32(hdr + FDT_HDR_SIZE_STRUCT);
	fdt->strings_off = fdt_be32(hdr + FDT_HDR_OFF_STRINGS);
	fdt->strings_size = fdt_be32(hdr + FDT_HDR_SIZE_STRINGS);

	if (fdt->size < FDT_HEADER_SIZE || fdt->size > FDT_MAX_SIZE)
		return "bad totalsize";
	if (fdt->struct_off < FDT_HEADER_SIZE || (fdt->struct_off & 3) ||
	    !fits(fdt->struct_off, fdt->struct_size, fdt->size))
		return "structure block outside the blob";
	if (fdt->strings_off < FDT_HEADER_SIZE ||
	    !fits(fdt->strings_off, fdt->strings_size, fdt->size))
		return "strings block outside the blob";
	return NULL;
}

const char *fdt_next(const struct fdt *fdt, uint32_t *cursor,
		     struct fdt_token *tok)
{
	const uint8_t *block = fdt->blob + fdt->struct_off;
	const uint8_t *strings = fdt->blob + fdt->strings_off;
	uint32_t size = fdt->struct_size;

	for (;;) {
		uint32_t pos = *cursor, token, nameoff;
		int64_t len;

		if (!fits(pos, 4, size))
			return "structure block ends without FDT_END";
		token = fdt_be32(block + pos);
		pos += 4;

		switch (token) {
		case FDT_BEGIN_NODE:
			len = bounded_strlen(block + pos, size - pos);
			if (len < 0)
				return "unterminated node name";
			tok->kind = FDT_TOKEN_BEGIN_NODE;
			tok->name = (const char *)(block + pos);
			*cursor = pos + align4((uint32_t)len + 1);
			return NULL;
		case FDT_END_NODE:
			tok->kind = FDT_TOKEN_END_NODE;
			*cursor = pos;
			return NULL;
		case FDT_PROP:
			if (!fits(pos, 8, size))
				return "truncated property header";
			tok->len = fdt_be32(block + pos);
			nameoff = fdt_be32(block + pos + 4);
			pos += 8;
			if (!fits(pos, tok->len, size))
				return "property value overruns its block";
			if (nameoff >= fdt->strings_size ||
			    bounded_strlen(strings + nameoff,
					   fdt->strings_size - nameoff) < 0)
				return "bad property name offset";
			tok->kind = FDT_TOKEN_PROP;
			tok->name = (const char *)(strings + nameoff);
			tok->value = block + pos;
			*cursor = pos + align4(tok->len);
			return NULL;
		case FDT_NOP:
			*cursor = pos;
			continue;
		case FDT_END:
			tok->kind = FDT_TOKEN_END;
			*cursor = pos;
			return NULL;
		default:
			return "unknown structure block token";
		}
	}
}
