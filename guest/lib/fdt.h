// SPDX-License-Identifier: GPL-2.0-only
/*
 * A minimal, bounds-checked reader for flattened device trees: validates
 * the header, then hands out structure-block tokens one at a time. All
 * reads are byte-wise, so a blob at any address is safe to inspect.
 */
#ifndef KVMINI_GUEST_FDT_H
#define KVMINI_GUEST_FDT_H

#include <stdint.h>

#define FDT_HEADER_SIZE		40	/* version 17 header */

/* Larger blobs are rejected as corrupt; kvmini's are a few KiB. */
#define FDT_MAX_SIZE		(1U << 20)

struct fdt {
	const uint8_t *blob;
	uint32_t size;
	uint32_t struct_off, struct_size;
	uint32_t strings_off, strings_size;
};

enum fdt_token_kind {
	FDT_TOKEN_BEGIN_NODE,
	FDT_TOKEN_END_NODE,
	FDT_TOKEN_PROP,
	FDT_TOKEN_END,
};

struct fdt_token {
	enum fdt_token_kind kind;
	const char *name;	/* node or property name, NUL-terminated */
	const uint8_t *value;	/* property value */
	uint32_t len;		/* property length */
};

uint32_t fdt_be32(const uint8_t *p);
/* Read @cells (1 or 2) big-endian cells. */
uint64_t fdt_read_cells(const uint8_t *p, uint32_t cells);

/* Returns NULL on success, otherwise why the blob was rejected. */
const char *fdt_open(struct fdt *fdt, uintptr_t addr);
/*
 * Fetch the token at *cursor (start with 0) and advance past it, skipping
 * NOPs. Returns NULL on success, otherwise what is wrong with the blob.
 */
const char *fdt_next(const struct fdt *fdt, uint32_t *cursor,
		     struct fdt_token *tok);

#endif
