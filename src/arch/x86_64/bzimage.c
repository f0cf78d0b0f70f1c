// SPDX-License-Identifier: GPL-2.0-only
/* bzImage setup header and boot placement (see bzimage.h; boot.rst for every offset). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/log.h>

#include "bzimage.h"
#include "layout.h"

/* Offsets in the file, which are also offsets in boot_params. */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4	/* the protected-mode kernel, in 16-byte units */
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP_END		0x201	/* 0x202 + this byte: the header's end */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_LOADFLAGS		0x211
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260

#define LOADED_HIGH		0x01	/* the protected-mode kernel runs at 1 MiB up */
#define XLF_KERNEL_64		0x01	/* it has the 64-bit entry at +0x200 */
#define X86_ENTRY_64_OFFSET	0x200
#define X86_INITRD_ALIGN	UINT64_C(0x1000)
/*
 * The real-mode setup (boot sector included) lives below X + 0x8000 in
 * boot.rst's memory map; a few hundred bytes of slack for the boot sector
 * kernels count apart. More is a damaged header, not a kernel.
 */
#define X86_SETUP_MAX_BYTES	(0x8000 + 512)

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

int x86_bzimage_parse(const uint8_t *head, size_t len, uint64_t file_size, const char *what,
		      const char *path, struct x86_bzimage *img)
{
	unsigned int setup_sects;
	uint64_t kernel_bytes;

	memset(img, 0, sizeof(*img));
	/* Real-mode code never starts like this: a vmlinux given for the bzImage. */
	if (len >= 4 && !memcmp(head, "\x7f" "ELF", 4)) {
		log_err("loader", "%s %s: an ELF file (vmlinux?); give the bzImage (arch/x86/"
			"boot/bzImage in a kernel build, /boot/vmlinuz-* on a distribution)",
			what, path);
		return -EINVAL;
	}
	/* No boot sector and setup header at all: not a bzImage (the caller may load it raw). */
	if (len < HDR_MAGIC + 4 || get16(head + HDR_BOOT_FLAG) != 0xaa55 ||
	    memcmp(head + HDR_MAGIC, "HdrS", 4))
		return -ENOEXEC;
	if (len < X86_BZIMAGE_HEAD_SIZE) {
		log_err("loader", "%s %s: truncated: %zu bytes, fewer than a bzImage's boot "
			"sector and setup header (%d bytes); copy the bzImage again", what, path,
			len, X86_BZIMAGE_HEAD_SIZE);
		return -EINVAL;
	}
	img->version = get16(head + HDR_VERSION);
	if (img->version < X86_BOOT_PROTOCOL_MIN || !(head[HDR_XLOADFLAGS] & XLF_KERNEL_64)) {
		log_err("loader", "%s %s: boot protocol %u.%02u %s; kvmini enters kernels at "
			"their 64-bit entry, which needs protocol 2.12 or later with "
			"XLF_KERNEL_64 (Linux 3.8 or newer, 64-bit)", what, path,
			img->version >> 8, img->version & 0xff,
			img->version < X86_BOOT_PROTOCOL_MIN ? "is too old" :
			"has no 64-bit entry point");
		return -EINVAL;
	}
	if (!(head[HDR_LOADFLAGS] & LOADED_HIGH)) {
		log_err("loader", "%s %s: a zImage (loaded below 1 MiB), not a bzImage", what, path);
		return -EINVAL;
	}
	setup_sects = head[HDR_SETUP_SECTS] ? head[HDR_SETUP_SECTS] : 4;
	img->setup_bytes = (uint64_t)(setup_sects + 1) * 512;
	img->hdr_len = 0x202 + head[HDR_JUMP_END] - X86_SETUP_HDR_OFFSET;
	if (img->setup_bytes > X86_SETUP_MAX_BYTES) {
		log_err("loader", "%s %s: damaged: its header's setup_sects (%u) makes %" PRIu64
			" bytes of real-mode setup, more than a bzImage has room for (32 KiB); "
			"give an intact bzImage", what, path, setup_sects, img->setup_bytes);
		return -EINVAL;
	}
	/* syssize (protocol 2.04 and later, so always here): what must follow the setup. */
	kernel_bytes = (uint64_t)get32(head + HDR_SYSSIZE) * 16;
	if (img->setup_bytes + kernel_bytes > file_size || kernel_bytes == 0 ||
	    X86_SETUP_HDR_OFFSET + img->hdr_len > len) {
		log_err("loader", "%s %s: truncated: its header says %" PRIu64 " bytes (%" PRIu64
			" of setup, %" PRIu64 " of kernel), the file has %" PRIu64 "; copy the "
			"bzImage again", what, path, img->setup_bytes + kernel_bytes,
			img->setup_bytes, kernel_bytes, file_size);
		return -EINVAL;
	}
	img->kernel_size = file_size - img->setup_bytes;
	img->pref_address = get64(head + HDR_PREF_ADDRESS);
	img->init_size = get32(head + HDR_INIT_SIZE);
	img->initrd_addr_max = get32(head + HDR_INITRD_ADDR_MAX);
	img->cmdline_size = get32(head + HDR_CMDLINE_SIZE);
	return 0;
}

int x86_boot_plan(uint64_t low_ram_end, const struct x86_bzimage *img, uint64_t initrd_size,
		  struct x86_boot_plan *plan)
{
	/* It decompresses at pref_address (or higher, with KASLR), never below its load address. */
	uint64_t kernel_end = X86_IMAGE_BASE + img->kernel_size;
	uint64_t booting_end = img->pref_address + img->init_size;
	uint64_t busy_end = kernel_end > booting_end ? kernel_end : booting_end;
	uint64_t top = low_ram_end;

	plan->kernel_addr = X86_IMAGE_BASE;
	plan->entry = X86_IMAGE_BASE + X86_ENTRY_64_OFFSET;
	plan->initrd_addr = 0;
	/* No --mem helps a kernel that wants to boot in or past the 32-bit MMIO gap. */
	if (booting_end < img->pref_address || busy_end > X86_MMIO_GAP_START) {
		log_err("loader", "this kernel's header asks for RAM up to 0x%" PRIx64 " while "
			"it boots (pref_address 0x%" PRIx64 " + init_size 0x%" PRIx64 "), past "
			"the 3 GiB below the 32-bit MMIO gap where kvmini boots a kernel; the "
			"header is damaged, or the kernel is not for a PC", busy_end,
			img->pref_address, (uint64_t)img->init_size);
		return -ENOSPC;
	}
	if (busy_end > low_ram_end) {
		log_err("loader", "--mem %" PRIu64 "M is too small for this kernel: it needs RAM "
			"up to 0x%" PRIx64 " while it boots (%" PRIu64 " MiB); give --mem %" PRIu64
			" or more", low_ram_end >> 20, busy_end, busy_end >> 20,
			((busy_end + initrd_size) >> 20) + 16);
		return -ENOSPC;
	}
	if (!initrd_size)
		return 0;
	if (img->initrd_addr_max && (uint64_t)img->initrd_addr_max + 1 < top)
		top = (uint64_t)img->initrd_addr_max + 1;
	if (initrd_size > top || ((top - initrd_size) & ~(X86_INITRD_ALIGN - 1)) < busy_end) {
		/* The most any --mem gives: below the 32-bit MMIO gap and the kernel's limit. */
		uint64_t ceiling = X86_MMIO_GAP_START;
		uint64_t need = ((busy_end + X86_INITRD_ALIGN - 1) & ~(X86_INITRD_ALIGN - 1)) +
				initrd_size;

		if (img->initrd_addr_max && (uint64_t)img->initrd_addr_max + 1 < ceiling)
			ceiling = (uint64_t)img->initrd_addr_max + 1;
		if (need > ceiling)
			log_err("loader", "--initrd of %" PRIu64 " MiB is too large for this kernel: "
				"it takes its initrd below 0x%" PRIx64 " (initrd_addr_max and "
				"the 32-bit MMIO gap), above the kernel (up to 0x%" PRIx64 "), "
				"which leaves %" PRIu64 " MiB whatever --mem is; give a smaller "
				"initrd", initrd_size >> 20, ceiling, busy_end,
				(ceiling - busy_end) >> 20);
		else
			log_err("loader", "--initrd of %" PRIu64 " MiB does not fit between the "
				"kernel (up to 0x%" PRIx64 ") and the end of usable RAM (0x%" PRIx64
				"); give --mem %" PRIu64 "M or more", initrd_size >> 20, busy_end,
				top, (need + (1 << 20) - 1) >> 20);
		return -ENOSPC;
	}
	plan->initrd_addr = (top - initrd_size) & ~(X86_INITRD_ALIGN - 1);
	return 0;
}
