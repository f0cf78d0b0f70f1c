// SPDX-License-Identifier: GPL-2.0-only
/* arm64 Image header parsing and boot placement, per booting.rst. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/log.h>

#include "image.h"
#include "layout.h"

/* Offsets of the header fields. */
#define HDR_TEXT_OFFSET 8
#define HDR_IMAGE_SIZE 16
#define HDR_FLAGS 24
#define HDR_MAGIC 56
#define FLAG_BE 0x1ULL
/* booting.rst: an image_size of 0 means a pre-3.17 kernel at offset 0x80000. */
#define LEGACY_TEXT_OFFSET 0x80000ULL

static uint64_t le64_at(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32_at(const unsigned char *p)
{
	return (uint32_t)le64_at(p) & 0xffffffffU;
}

int arm64_image_parse(const void *buf, size_t len, const char *what,
		      const char *path, struct arm64_image *img)
{
	const unsigned char *p = buf;
	uint64_t image_size;

	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		log_err("loader", "%s %s: gzip-compressed; kvmini boots uncompressed "
			"arm64 Images (gunzip it first)", what, path);
		return -EINVAL;
	}
	if (len >= 4 && !memcmp(p, "\x7f" "ELF", 4)) {
		log_err("loader", "%s %s: an ELF file (vmlinux?); give the arm64 Image "
			"(arch/arm64/boot/Image) instead", what, path);
		return -EINVAL;
	}
	img->raw = len < ARM64_IMAGE_HEADER_SIZE || le32_at(p + HDR_MAGIC) != ARM64_IMAGE_MAGIC;
	if (img->raw) {
		log_info("loader", "%s %s: no arm64 Image header; loading it as a raw binary at "
			 "RAM + 0x%llx, entered at its first byte (as kvmtool does)", what, path,
			 LEGACY_TEXT_OFFSET);
		img->text_offset = LEGACY_TEXT_OFFSET;
		img->mem_size = len;
		return 0;
	}
	if (le64_at(p + HDR_FLAGS) & FLAG_BE) {
		log_err("loader", "%s %s: a big-endian kernel; kvmini runs "
			"little-endian guests only", what, path);
		return -EINVAL;
	}
	image_size = le64_at(p + HDR_IMAGE_SIZE);
	img->text_offset = le64_at(p + HDR_TEXT_OFFSET);
	if (!image_size) {
		img->text_offset = LEGACY_TEXT_OFFSET;
		image_size = len;
	}
	if (img->text_offset >= SZ_1G || image_size >= (1ULL << 40)) {
		log_err("loader", "%s %s: implausible header (text_offset 0x%" PRIx64
			", image_size 0x%" PRIx64 ")", what, path, img->text_offset,
			image_size);
		return -EINVAL;
	}
	img->mem_size = image_size > len ? image_size : len;
	return 0;
}

int arm64_firmware_plan(uint64_t ram_base, uint64_t ram_size, uint64_t fw_size,
			struct arm64_boot_plan *plan)
{
	/* No wrap: fw_size is a file that fit in RAM (the loader checked). */
	uint64_t fdt_off = ALIGN_UP(fw_size, SZ_2M);

	plan->kernel_addr = ram_base;
	plan->initrd_addr = 0;
	plan->fdt_addr = ram_base + fdt_off;
	if (ram_size < ARM64_FDT_MAX_SIZE || fw_size > ram_size ||
	    fdt_off > ram_size - ARM64_FDT_MAX_SIZE) {
		log_err("loader", "--mem %" PRIu64 "M: too small for the firmware (%" PRIu64
			" KiB) and the device tree after it at the next 2 MiB; raise --mem",
			ram_size >> 20, fw_size >> 10);
		return -ENOSPC;
	}
	return 0;
}

int arm64_boot_plan(uint64_t ram_base, uint64_t ram_size,
		    const struct arm64_image *img, uint64_t initrd_size,
		    struct arm64_boot_plan *plan)
{
	uint64_t ram_end = ram_base + ram_size;
	uint64_t kernel_end, limit;

	/* The DTB takes the top 2 MiB (or what little RAM there is). */
	plan->fdt_addr = ram_end - (ram_size < ARM64_FDT_AREA * 2 ?
				    ARM64_FDT_MAX_SIZE : ARM64_FDT_AREA);
	plan->kernel_addr = ALIGN_UP(ram_base, SZ_2M) + img->text_offset;
	kernel_end = plan->kernel_addr + img->mem_size;
	limit = plan->fdt_addr;
	plan->initrd_addr = 0;
	if (initrd_size) {
		if (initrd_size > plan->fdt_addr - ram_base)
			goto no_space;
		plan->initrd_addr = (plan->fdt_addr - initrd_size) & ~(SZ_4K - 1);
		limit = plan->initrd_addr;
	}
	if (ram_size <= ARM64_FDT_MAX_SIZE || kernel_end > limit)
		goto no_space;
	return 0;
no_space:
	log_err("loader", "--mem %" PRIu64 "M: too small for the guest image "
		"(%" PRIu64 " KiB at offset 0x%" PRIx64 ")%s plus the device tree; "
		"raise --mem", ram_size >> 20, img->mem_size >> 10, img->text_offset,
		initrd_size ? ", the initrd" : "");
	return -ENOSPC;
}
