// SPDX-License-Identifier: GPL-2.0-only
/* x86 bzImage setup headers and boot placement: valid ones place; the rest are refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/arch/x86_64/bzimage.h"
#include "../../src/arch/x86_64/layout.h"

#include "capture.h"
#include "tap.h"

static uint8_t head[X86_BZIMAGE_HEAD_SIZE];
/* The file the header describes: its setup, then syssize * 16 bytes of kernel. */
static const uint64_t file = 8 << 20;

static void put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header like Debian's 6.12 kernel's: protocol 2.15, relocatable, 64-bit entry. */
static void make_head(uint16_t version, uint8_t xloadflags)
{
	memset(head, 0, sizeof(head));
	head[0x1f1] = 27;			/* setup_sects */
	put(head + 0x1f4, (file - 28 * 512) / 16, 4);	/* syssize */
	put(head + 0x1fe, 0xaa55, 2);
	head[0x201] = 0x66;			/* header ends at 0x268 */
	memcpy(head + 0x202, "HdrS", 4);
	put(head + 0x206, version, 2);
	head[0x211] = 0x01;			/* LOADED_HIGH */
	put(head + 0x22c, 0x7fffffff, 4);	/* initrd_addr_max */
	put(head + 0x236, xloadflags, 2);
	put(head + 0x238, 2047, 4);		/* cmdline_size */
	put(head + 0x258, 0x1000000, 8);	/* pref_address */
	put(head + 0x260, 0x3000000, 4);	/* init_size: 48 MiB */
}

/* x86_boot_plan()'s status, with what it printed to stderr in msg. */
static int plan_said(uint64_t ram, const struct x86_bzimage *img, uint64_t initrd, char *msg,
		     size_t len)
{
	struct x86_boot_plan plan;
	struct capture c;
	int ret;

	capture_begin(&c, false);
	ret = x86_boot_plan(ram, img, initrd, &plan);
	capture_end(&c, msg, len);
	return ret;
}

int main(void)
{
	char msg[1024];
	const uint64_t mib = 1 << 20;
	struct x86_bzimage img;
	struct x86_boot_plan plan;

	make_head(0x020f, 0x1);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == 0 &&
	   img.version == 0x020f && img.setup_bytes == 28 * 512 &&
	   img.kernel_size == file - 28 * 512 && img.hdr_len == 0x268 - 0x1f1 &&
	   img.cmdline_size == 2047 && img.init_size == 0x3000000,
	   "Debian-like bzImage: setup sectors, sizes, header length");
	head[0x1f1] = 0;
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == 0 &&
	   img.setup_bytes == 5 * 512, "setup_sects 0 means 4");

	make_head(0x020f, 0x1);
	head[0x1fe] = 0;
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -ENOEXEC,
	   "no boot sector signature: not a bzImage (a raw binary, for the caller)");
	make_head(0x020f, 0x1);
	head[0x202] = 'X';
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -ENOEXEC,
	   "no HdrS: not a bzImage (an arm64 Image, an ELF, an initrd, a raw binary)");
	make_head(0x020b, 0x1);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -EINVAL,
	   "protocol 2.11, before the 64-bit entry: refused");
	make_head(0x020f, 0x0);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -EINVAL,
	   "no XLF_KERNEL_64 (a 32-bit kernel): refused");
	make_head(0x020f, 0x1);
	head[0x211] = 0;
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -EINVAL,
	   "a zImage (not loaded high): refused");
	make_head(0x020f, 0x1);
	ok(x86_bzimage_parse(head, sizeof(head), 28 * 512, "--kernel", "k", &img) == -EINVAL,
	   "setup code only, no kernel: refused as truncated");
	ok(x86_bzimage_parse(head, 512, file, "--kernel", "k", &img) == -ENOEXEC,
	   "a file shorter than a setup header: not a bzImage");
	ok(x86_bzimage_parse(head, 0x300, 0x300, "--kernel", "k", &img) == -EINVAL,
	   "a boot sector and HdrS in a file shorter than the setup header: truncated, not raw");
	ok(x86_bzimage_parse((const uint8_t *)"\x7f" "ELF\x02\x01\x01", 7, 1 << 20, "--kernel",
			     "vmlinux", &img) == -EINVAL,
	   "an ELF file (a vmlinux): refused, not run as real-mode code");
	ok(x86_bzimage_parse(head, sizeof(head), file - 16, "--kernel", "k", &img) == -EINVAL,
	   "16 bytes short of what syssize says: refused as truncated");
	ok(x86_bzimage_parse(head, sizeof(head), file + 4096, "--kernel", "k", &img) == 0,
	   "more than syssize says (an appended signature): accepted");
	put(head + 0x1f4, 0, 4);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -EINVAL,
	   "syssize 0 (no kernel): refused");
	make_head(0x020f, 0x1);
	head[0x1f1] = 255;
	put(head + 0x1f4, (file - 256 * 512) / 16, 4);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == -EINVAL,
	   "setup_sects 255 (128 KiB of setup, more than the real-mode area): refused");
	head[0x1f1] = 63;
	put(head + 0x1f4, (file - 64 * 512) / 16, 4);
	ok(x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img) == 0,
	   "setup_sects 63 (32 KiB, the most a bzImage has): accepted");

	make_head(0x020f, 0x1);
	ok(!x86_bzimage_parse(head, sizeof(head), file, "--kernel", "k", &img), "parsed again");
	ok(x86_boot_plan(256 * mib, &img, 0, &plan) == 0 && plan.kernel_addr == X86_IMAGE_BASE &&
	   plan.entry == X86_IMAGE_BASE + 0x200 && plan.initrd_addr == 0,
	   "kernel at 1 MiB, 64-bit entry at +0x200, no initrd");
	ok(x86_boot_plan(256 * mib, &img, 10 * mib + 5, &plan) == 0 &&
	   plan.initrd_addr % 4096 == 0 && plan.initrd_addr + 10 * mib + 5 <= 256 * mib &&
	   plan.initrd_addr >= 0x1000000 + 0x3000000,
	   "initrd page-aligned at the top of RAM, clear of the decompressed kernel");
	ok(x86_boot_plan(3072 * mib, &img, mib, &plan) == 0 &&
	   plan.initrd_addr + mib <= 0x80000000, "initrd below initrd_addr_max");
	ok(x86_boot_plan(48 * mib, &img, 0, &plan) == -ENOSPC,
	   "RAM below pref_address + init_size: refused (--mem too small)");
	ok(x86_boot_plan(80 * mib, &img, 40 * mib, &plan) == -ENOSPC,
	   "an initrd that would overlap the booting kernel: refused");
	img.pref_address = UINT64_MAX - 4096;
	ok(plan_said(3072 * mib, &img, 0, msg, sizeof(msg)) == -ENOSPC &&
	   strstr(msg, "the header is damaged") && !strstr(msg, "give --mem"),
	   "pref_address + init_size wrapping around: damaged, no --mem advised");
	img.pref_address = 0xbf000000;
	ok(plan_said(3072 * mib, &img, 0, msg, sizeof(msg)) == -ENOSPC &&
	   strstr(msg, "the header is damaged") && !strstr(msg, "give --mem"),
	   "booting into the 32-bit MMIO gap: no --mem helps, said so");
	img.pref_address = 0x1000000;
	ok(plan_said(80 * mib, &img, 40 * mib, msg, sizeof(msg)) == -ENOSPC &&
	   strstr(msg, "give --mem 104M or more"),
	   "... naming the --mem that makes room: the kernel's 64 MiB, then 40 MiB");
	ok(plan_said(3072 * mib, &img, 2000 * mib, msg, sizeof(msg)) == -ENOSPC &&
	   strstr(msg, "whatever --mem is; give a smaller initrd") &&
	   strstr(msg, "below 0x80000000") && strstr(msg, "leaves 1984 MiB"),
	   "an initrd past initrd_addr_max: no --mem helps, and the message says so");
	return tap_done();
}
