/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 Linux Image header (Documentation/arch/arm64/booting.rst) and
 * where the image, initrd and DTB go in guest RAM. Pure: no KVM needed.
 */
#ifndef KVMINI_ARM64_IMAGE_H
#define KVMINI_ARM64_IMAGE_H

#include <kvmini/compiler.h>

#define ARM64_IMAGE_HEADER_SIZE 64
#define ARM64_IMAGE_MAGIC 0x644d5241U	/* "ARM\x64", little-endian at offset 56 */

struct arm64_image {
	uint64_t text_offset;	/* load offset from a 2 MiB aligned base */
	uint64_t mem_size;	/* bytes the image occupies once running */
};

/* Validate the header of a file of len bytes; what/path name it in errors. */
int __must_check arm64_image_parse(const void *buf, size_t len,
				   const char *what, const char *path,
				   struct arm64_image *img);

struct arm64_boot_plan {
	uint64_t kernel_addr;
	uint64_t initrd_addr;	/* 0 when there is no initrd */
	uint64_t fdt_addr;
};

/* Place everything in [ram_base, ram_base + ram_size); -ENOSPC if it does not fit. */
int __must_check arm64_boot_plan(uint64_t ram_base, uint64_t ram_size,
				 const struct arm64_image *img,
				 uint64_t initrd_size, struct arm64_boot_plan *plan);

#endif
