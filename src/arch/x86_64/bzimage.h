/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux x86 boot images (bzImage): the setup header and where the parts go
 * for the 64-bit boot protocol (Documentation/arch/x86/boot.rst). Pure
 * functions: unit-tested without KVM.
 */
#ifndef KVMINI_X86_64_BZIMAGE_H
#define KVMINI_X86_64_BZIMAGE_H

#include <kvmini/compiler.h>

/* Bytes of a bzImage read to parse it: the boot sector and the whole setup header. */
#define X86_BZIMAGE_HEAD_SIZE	1024
/* The setup header's place in the file and in boot_params (the zero page). */
#define X86_SETUP_HDR_OFFSET	0x1f1
/* 2.12: the 64-bit entry point and xloadflags; kvmini enters there. */
#define X86_BOOT_PROTOCOL_MIN	0x020c

struct x86_bzimage {
	uint16_t version;		/* boot protocol, e.g. 0x020f */
	uint64_t setup_bytes;		/* file offset of the protected-mode kernel */
	uint64_t kernel_size;		/* bytes of the protected-mode kernel */
	uint64_t pref_address;		/* where it decompresses unless relocated */
	uint32_t init_size;		/* bytes it needs from there while booting */
	uint32_t initrd_addr_max;	/* highest byte an initrd may occupy */
	uint32_t cmdline_size;		/* longest command line, without its NUL */
	size_t hdr_len;			/* setup header bytes to copy into the zero page */
};

/*
 * Check the head of a bzImage (len bytes of a file of file_size bytes):
 * boot sector signature, "HdrS", protocol 2.12 or later with a 64-bit
 * entry, a protected-mode part. -ENOEXEC, silently, for a file without a
 * boot sector signature and "HdrS" (not a bzImage at all); -EINVAL with an
 * error naming what/path, what is wrong and what to do for a bzImage that
 * kvmini cannot boot.
 */
int __must_check x86_bzimage_parse(const uint8_t *head, size_t len, uint64_t file_size,
				   const char *what, const char *path, struct x86_bzimage *img);

struct x86_boot_plan {
	uint64_t kernel_addr;		/* protected-mode kernel */
	uint64_t entry;			/* its 64-bit entry (kernel_addr + 0x200) */
	uint64_t initrd_addr;		/* 0 without an initrd */
};

/*
 * Place the kernel at 1 MiB and the initrd at the top of RAM below
 * low_ram_end and the kernel's initrd limit, clear of where the kernel
 * decompresses. -ENOSPC with an error naming --mem and the sizes.
 */
int __must_check x86_boot_plan(uint64_t low_ram_end, const struct x86_bzimage *img,
			       uint64_t initrd_size, struct x86_boot_plan *plan);

#endif
