// SPDX-License-Identifier: GPL-2.0-only
/* Guest memory: the only way from a guest address to a host pointer is bounds-checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/mem.h>

#include "tap.h"

int main(void)
{
	struct guest_mem mem = { 0 };
	const uint64_t base = 0x80000000ULL, size = 1 << 20;
	char *p;

	ok(guest_mem_add(&mem, base, size, GUEST_MEM_ANON) == 0, "map 1 MiB at 2 GiB");
	ok(guest_mem_add(&mem, base + 4096, 4096, GUEST_MEM_ANON) == -EEXIST,
	   "overlapping region refused");
	ok(guest_mem_add(&mem, base + size, 0, GUEST_MEM_ANON) == -EINVAL, "empty region refused");
	ok(guest_mem_add(&mem, base + size, 1000, GUEST_MEM_ANON) == -EINVAL,
	   "unaligned size refused");
	p = guest_mem_ptr(&mem, base, size);
	ok(p != NULL, "whole region reachable");
	memset(p, 0xab, size);
	ok(guest_mem_ptr(&mem, base + size - 8, 8) == p + size - 8, "last 8 bytes");
	ok(guest_mem_ptr(&mem, base + size - 8, 9) == NULL, "one byte past the end refused");
	ok(guest_mem_ptr(&mem, base - 1, 2) == NULL, "range starting below refused");
	ok(guest_mem_ptr(&mem, base + 16, UINT64_MAX) == NULL, "wrapping length refused");
	ok(guest_mem_ptr(&mem, UINT64_MAX, 1) == NULL, "top of address space refused");
	ok(guest_mem_region(&mem, base + size - 1) != NULL &&
	   guest_mem_region(&mem, base + size) == NULL, "region lookup edges");
	{
		char path[] = "/tmp/kvmini-test-mem-XXXXXX";
		int fd = mkstemp(path);
		uint32_t *w;

		close(fd);
		ok(guest_mem_add_file(&mem, 0x100000000ULL, 1 << 20, path) == 0,
		   "a file backs 1 MiB at 4 GiB, grown to size");
		w = guest_mem_ptr(&mem, 0x100000000ULL + 4096, 4);
		*w = 0x12345678;
		ok(guest_mem_region(&mem, 0x100000000ULL)->backing == GUEST_MEM_FILE,
		   "region says it is file-backed");
		guest_mem_free(&mem);
		fd = open(path, O_RDONLY);
		ok(fd >= 0 && lseek(fd, 4096, SEEK_SET) == 4096 && read(fd, &fd, 4) == 4 &&
		   (uint32_t)fd == 0x12345678, "guest writes reach the file (shared)");
		unlink(path);
		ok(guest_mem_add_file(&mem, 0x100000000ULL, 1 << 20,
				      "/nonexistent-dir/ram") == -ENOENT,
		   "a file that cannot be created is refused");
		ok(guest_mem_add_file(&mem, 0x100000000ULL, 1 << 20, "/tmp") == -EISDIR ||
		   mem.nr == 0, "a directory is refused");
		ok(mem.nr == 0, "nothing mapped after refusals");
	}
	guest_mem_free(&mem);
	ok(mem.nr == 0, "freed");
	return tap_done();
}
