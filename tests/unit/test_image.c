// SPDX-License-Identifier: GPL-2.0-only
/* arm64 Image headers: valid ones parse; everything else is refused by name. */
#include <errno.h>
#include <string.h>

#include "../../src/arch/arm64/image.h"
#include "../../src/arch/arm64/layout.h"

#include "tap.h"

static unsigned char img[4096];

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void make_image(uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(img, 0, sizeof(img));
	put64(img + 8, text_offset);
	put64(img + 16, image_size);
	put64(img + 24, flags);
	put64(img + 56, 0x644d5241);
}

int main(void)
{
	struct arm64_image im;
	struct arm64_boot_plan plan;
	const uint64_t ram = ARM64_RAM_BASE;

	make_image(0, 0x10000, 0xa);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == 0 &&
	   im.text_offset == 0 && im.mem_size == 0x10000,
	   "image_size beyond the file counts (bss)");
	make_image(0x80000, 0x100, 0xa);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == 0 &&
	   im.mem_size == sizeof(img), "file longer than image_size: the file counts");
	make_image(0x1234, 0, 0);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == 0 &&
	   im.text_offset == 0x80000, "image_size 0: legacy text_offset 0x80000");
	make_image(0, 0x1000, 0x1);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == -EINVAL,
	   "big-endian image refused");
	make_image(0, 0x1000, 0);
	img[56] = 'X';
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == 0 && im.raw &&
	   im.text_offset == 0x80000 && im.mem_size == sizeof(img),
	   "no Image magic: a raw binary at kvmtool's offset 0x80000");
	ok(arm64_image_parse(img, 63, "--kernel", "k", &im) == 0 && im.raw && im.mem_size == 63,
	   "a file shorter than the header: a raw binary");
	make_image(0, 0x1000, 0);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == 0 && !im.raw,
	   "an Image is not raw");
	memcpy(img, "\x1f\x8b\x08", 3);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == -EINVAL,
	   "gzip file refused");
	memcpy(img, "\x7f" "ELF", 4);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == -EINVAL,
	   "ELF file refused");
	make_image(1ULL << 40, 0x1000, 0);
	ok(arm64_image_parse(img, sizeof(img), "--kernel", "k", &im) == -EINVAL,
	   "absurd text_offset refused");

	im = (struct arm64_image){ .text_offset = 0, .mem_size = 0x100000 };
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, 0, &plan) == 0 &&
	   plan.kernel_addr == ram && plan.initrd_addr == 0 &&
	   plan.fdt_addr == ram + (256ULL << 20) - ARM64_FDT_AREA &&
	   plan.fdt_addr % 8 == 0, "image at RAM base, DTB in the last 2 MiB");
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, 12345, &plan) == 0 &&
	   plan.initrd_addr % 4096 == 0 && plan.initrd_addr + 12345 <= plan.fdt_addr &&
	   plan.initrd_addr >= ram + im.mem_size, "initrd page-aligned below the DTB");
	im.text_offset = 0x80000;
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, 0, &plan) == 0 &&
	   plan.kernel_addr == ram + 0x80000, "text_offset honoured");
	im.mem_size = 255ULL << 20;
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, 0, &plan) == -ENOSPC,
	   "image overlapping the DTB refused");
	im.mem_size = 100ULL << 20;
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, 200ULL << 20, &plan) == -ENOSPC,
	   "initrd overlapping the image refused");
	ok(arm64_boot_plan(ram, 256ULL << 20, &im, UINT64_MAX - 5, &plan) == -ENOSPC,
	   "huge initrd refused without wrapping");
	im = (struct arm64_image){ .text_offset = 0, .mem_size = 0x8000 };
	ok(arm64_boot_plan(ram, 1ULL << 20, &im, 0, &plan) == 0 &&
	   plan.fdt_addr == ram + (1ULL << 20) - ARM64_FDT_MAX_SIZE,
	   "tiny RAM: DTB in the last 64 KiB");
	ok(arm64_boot_plan(ram, 0x10000, &im, 0, &plan) == -ENOSPC,
	   "RAM no larger than the DTB refused");

	ok(arm64_firmware_plan(ram, 256ULL << 20, 12345, &plan) == 0 &&
	   plan.kernel_addr == ram && plan.fdt_addr == ram + SZ_2M && !plan.initrd_addr,
	   "firmware at the start of RAM, DTB at the next 2 MiB");
	ok(arm64_firmware_plan(ram, 256ULL << 20, SZ_2M, &plan) == 0 &&
	   plan.fdt_addr == ram + SZ_2M, "firmware of exactly 2 MiB: DTB right after");
	ok(arm64_firmware_plan(ram, 4ULL << 20, 3ULL << 20, &plan) == -ENOSPC,
	   "no room for the DTB after the firmware refused");
	ok(arm64_firmware_plan(ram, 4ULL << 20, (4ULL << 20) - 0x10000 + 1, &plan) == -ENOSPC &&
	   arm64_firmware_plan(ram, 0x8000, 0x100, &plan) == -ENOSPC,
	   "firmware filling RAM, and RAM smaller than a DTB, refused");
	return tap_done();
}
