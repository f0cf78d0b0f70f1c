// SPDX-License-Identifier: GPL-2.0-only
/* The MMIO bus dispatches by offset, refuses overlaps, and absorbs stray accesses. */
#include <errno.h>
#include <string.h>

#include <kvmini/bus.h>

#include "tap.h"

struct recorder {
	uint64_t last_offset;
	unsigned int last_len;
	uint32_t last_value;
	int reads, writes;
};

static void rec_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct recorder *r = opaque;
	uint32_t v = 0xa5000000 | (uint32_t)offset;

	r->reads++;
	r->last_offset = offset;
	r->last_len = len;
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

static void rec_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct recorder *r = opaque;

	r->writes++;
	r->last_offset = offset;
	r->last_len = len;
	r->last_value = 0;
	memcpy(&r->last_value, data, len < 4 ? len : 4);
}

static const struct bus_ops rec_ops = { .read = rec_read, .write = rec_write };

int main(void)
{
	struct recorder a = { 0 }, b = { 0 };
	struct bus bus;
	uint32_t v;
	uint64_t v64;

	bus_init(&bus, "mmio");
	ok(bus_register(&bus, 0x1000, 0x100, &rec_ops, &a, "a") == 0, "register a");
	ok(bus_register(&bus, 0x3000, 0x1000, &rec_ops, &b, "b") == 0, "register b after a");
	ok(bus_register(&bus, 0x2000, 0x1000, &rec_ops, &b, "c") == 0,
	   "register c between a and b (touching b's start)");

	ok(bus_register(&bus, 0x1080, 0x10, &rec_ops, &a, "x") == -EEXIST,
	   "overlap inside a refused");
	ok(bus_register(&bus, 0x0f00, 0x101, &rec_ops, &a, "x") == -EEXIST,
	   "overlap with a's first byte refused");
	ok(bus_register(&bus, 0x10ff, 0x1, &rec_ops, &a, "x") == -EEXIST,
	   "overlap with a's last byte refused");
	ok(bus_register(&bus, 0x0, 0x100000, &rec_ops, &a, "x") == -EEXIST,
	   "region covering everything refused");
	ok(bus_register(&bus, 0x1100, 0x0, &rec_ops, &a, "x") == -EINVAL,
	   "empty region refused");
	ok(bus_register(&bus, UINT64_MAX - 0xf, 0x20, &rec_ops, &a, "x") == -EINVAL,
	   "wrapping region refused");
	ok(bus_register(&bus, UINT64_MAX - 0xf, 0x10, &rec_ops, &a, "top") == 0,
	   "region ending at the top of the address space accepted");
	ok(bus.nr_regions == 4, "refused registrations left nothing behind (%u regions)",
	   bus.nr_regions);

	v = 0x1234;
	ok(bus_access(&bus, 0x1010, &v, 4, true) && a.writes == 1 &&
	   a.last_offset == 0x10 && a.last_len == 4 && a.last_value == 0x1234,
	   "write dispatched to a with offset 0x10");
	ok(bus_access(&bus, 0x3ffc, &v, 4, false) && b.reads == 1 &&
	   b.last_offset == 0xffc && v == (0xa5000000 | 0xffc),
	   "read dispatched to b with offset 0xffc");
	ok(bus_find(&bus, 0x2000) && !strcmp(bus_find(&bus, 0x2000)->name, "c"),
	   "lookup at c's first byte finds c");
	ok(bus_find(&bus, 0x1fff) == NULL, "lookup in a hole finds nothing");
	ok(bus_find(&bus, UINT64_MAX) && !strcmp(bus_find(&bus, UINT64_MAX)->name, "top"),
	   "lookup of the last address finds top");

	v64 = 0xffffffffffffffffULL;
	ok(!bus_access(&bus, 0x1800, &v64, 8, false) && v64 == 0,
	   "unmapped read returns zeros");
	v = 0xdead;
	a.writes = b.writes = 0;
	ok(!bus_access(&bus, 0x1800, &v, 4, true) && a.writes == 0 && b.writes == 0,
	   "unmapped write is dropped");
	v64 = ~0ULL;
	ok(!bus_access(&bus, 0x10fc, &v64, 8, false) && v64 == 0 && a.reads == 0,
	   "access straddling a's end is not given to a");
	ok(bus.unmapped_accesses == 3, "stray accesses are counted (%llu)",
	   (unsigned long long)bus.unmapped_accesses);
	bus_free(&bus);
	return tap_done();
}
