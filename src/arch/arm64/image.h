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
	bool raw;		/* no Image header: a raw binary, placed as kvmtool does */
};

/*
 * Validate the header of a file of len bytes, whose first
 * min(len, ARM64_IMAGE_HEADER_SIZE) bytes buf holds; what/path name it in
 * errors. A file without the Image magic is a raw binary (bare-metal test
 * kernels made for kvmtool): loaded at text_offset 0x80000 and entered at
 * its first byte with x0 = DTB, as kvmtool does; a note says so. gzip and
 * ELF files are refused: loaded raw they would only crash.
 */
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

/*
 * --firmware: the image at the start of RAM, entered there, and the DTB
 * at the next 2 MiB boundary after it (kvmtool's placement).
 */
int __must_check arm64_firmware_plan(uint64_t ram_base, uint64_t ram_size, uint64_t fw_size,
				     struct arm64_boot_plan *plan);

#endif
