// SPDX-License-Identifier: GPL-2.0-only
/* Guest memory: the only way from a guest address to a host pointer is bounds-checked. */
#include <errno.h>
#include <string.h>

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
	guest_mem_free(&mem);
	ok(mem.nr == 0, "freed");
	return tap_done();
}
