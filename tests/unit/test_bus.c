// SPDX-License-Identifier: GPL-2.0-only
/* The MMIO bus dispatches by offset, refuses overlaps, and absorbs stray accesses. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>

#include "capture.h"
#include "tap.h"

/* A device that records what reached it. */
struct recorder {
	struct device dev;
	uint64_t last_offset;
	unsigned int last_len, last_cpu;
	uint32_t last_value;
	int reads, writes;
};

static void rec_read(struct device *dev, unsigned int cpu, uint64_t offset, void *data,
		     unsigned int len)
{
	struct recorder *r = container_of(dev, struct recorder, dev);
	uint32_t v = 0xa5000000 | (uint32_t)offset;

	r->reads++;
	r->last_offset = offset;
	r->last_len = len;
	r->last_cpu = cpu;
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

static void rec_write(struct device *dev, unsigned int cpu, uint64_t offset,
		      const void *data, unsigned int len)
{
	struct recorder *r = container_of(dev, struct recorder, dev);

	r->writes++;
	r->last_offset = offset;
	r->last_len = len;
	r->last_cpu = cpu;
	r->last_value = 0;
	memcpy(&r->last_value, data, len < 4 ? len : 4);
}

static const struct device_ops rec_ops = { .type = "rec", .read = rec_read, .write = rec_write };

/* Register a region through a throw-away recorder device named name. */
static int reg(struct bus *bus, struct recorder *r, uint64_t base, uint64_t size,
	       const char *name)
{
	device_init(&r->dev, &rec_ops, base, size);
	snprintf(r->dev.name, sizeof(r->dev.name), "%s", name);
	return bus_register(bus, &r->dev);
}

int main(void)
{
	struct recorder a, b, c, x, top;
	struct bus bus;
	uint32_t v;
	uint64_t v64;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	bus_init(&bus, "mmio");
	ok(reg(&bus, &a, 0x1000, 0x100, "a") == 0, "register a");
	ok(reg(&bus, &b, 0x3000, 0x1000, "b") == 0, "register b after a");
	ok(reg(&bus, &c, 0x2000, 0x1000, "c") == 0,
	   "register c between a and b (touching b's start)");

	ok(reg(&bus, &x, 0x1080, 0x10, "x") == -EEXIST, "overlap inside a refused");
	ok(reg(&bus, &x, 0x0f00, 0x101, "x") == -EEXIST, "overlap with a's first byte refused");
	ok(reg(&bus, &x, 0x10ff, 0x1, "x") == -EEXIST, "overlap with a's last byte refused");
	ok(reg(&bus, &x, 0x0, 0x100000, "x") == -EEXIST, "region covering everything refused");
	ok(reg(&bus, &x, 0x1100, 0x0, "x") == -EINVAL, "empty region refused");
	ok(reg(&bus, &x, UINT64_MAX - 0xf, 0x20, "x") == -EINVAL, "wrapping region refused");
	ok(reg(&bus, &top, UINT64_MAX - 0xf, 0x10, "top") == 0,
	   "region ending at the top of the address space accepted");
	ok(bus_reserve(&bus, 0x5000, 0x1000, "in-kernel") == 0, "reserve a range for KVM");
	ok(reg(&bus, &x, 0x5800, 0x10, "x") == -EEXIST, "a device inside a reserved range refused");
	ok(bus.nr_regions == 5, "refused registrations left nothing behind (%u regions)",
	   bus.nr_regions);

	a.reads = a.writes = b.reads = b.writes = 0;
	v = 0x1234;
	ok(bus_access(&bus, 2, 0x1010, &v, 4, true) && a.writes == 1 &&
	   a.last_offset == 0x10 && a.last_len == 4 && a.last_value == 0x1234 &&
	   a.last_cpu == 2, "write dispatched to a with offset 0x10 and the vCPU index");
	ok(bus_access(&bus, 0, 0x3ffc, &v, 4, false) && b.reads == 1 &&
	   b.last_offset == 0xffc && v == (0xa5000000 | 0xffc) && b.last_cpu == 0,
	   "read dispatched to b with offset 0xffc");
	ok(bus_find(&bus, 0x2000) && !strcmp(bus_find(&bus, 0x2000)->name, "c"),
	   "lookup at c's first byte finds c");
	ok(bus_find(&bus, 0x1fff) == NULL, "lookup in a hole finds nothing");
	ok(bus_find(&bus, UINT64_MAX) && !strcmp(bus_find(&bus, UINT64_MAX)->name, "top"),
	   "lookup of the last address finds top");

	v64 = 0xffffffffffffffffULL;
	ok(!bus_access(&bus, 0, 0x1800, &v64, 8, false) && v64 == 0,
	   "unmapped read returns zeros");
	v = 0xdead;
	a.writes = b.writes = 0;
	ok(!bus_access(&bus, 0, 0x1800, &v, 4, true) && a.writes == 0 && b.writes == 0,
	   "unmapped write is dropped");
	v64 = ~0ULL;
	ok(!bus_access(&bus, 0, 0x10fc, &v64, 8, false) && v64 == 0 && a.reads == 0,
	   "access straddling a's end is not given to a");
	v64 = ~0ULL;
	ok(!bus_access(&bus, 1, 0x5008, &v64, 8, false) && v64 == 0,
	   "a stray exit in a reserved range reads as zeros");
	ok(bus.unmapped_accesses == 4, "stray accesses are counted (%llu)",
	   (unsigned long long)bus.unmapped_accesses);

	/* A vCPU's cache: filled by a hit, used while it serves, left alone by a stray. */
	{
		struct bus_cache cache;
		unsigned long long strays = bus.unmapped_accesses;

		memset(&cache, 0, sizeof(cache));
		a.writes = b.reads = 0;
		v = 0x77;
		ok(bus_access_cached(&bus, &cache, 1, 0x1020, &v, 4, true) && a.writes == 1 &&
		   a.last_offset == 0x20 && a.last_value == 0x77 && a.last_cpu == 1 &&
		   cache.region.dev == &a.dev, "cached: a miss dispatches to a and keeps a's region");
		/* Only the cache can still find a once the table's region is moved aside. */
		bus.regions[0].base += 0x10000;
		ok(bus_access_cached(&bus, &cache, 1, 0x10fc, &v, 4, false) && a.reads == 1 &&
		   a.last_offset == 0xfc && v == (0xa5000000 | 0xfc),
		   "cached: a hit is served from the cache, not the table");
		bus.regions[0].base -= 0x10000;
		v64 = ~0ULL;
		ok(!bus_access_cached(&bus, &cache, 1, 0x10fc, &v64, 8, false) && v64 == 0 &&
		   a.reads == 1 && cache.region.dev == &a.dev &&
		   bus.unmapped_accesses == strays + 1,
		   "cached: an access straddling a's end is a stray, and the cache keeps a");
		ok(bus_access_cached(&bus, &cache, 0, 0x3004, &v, 4, false) && b.reads == 1 &&
		   b.last_offset == 4 && cache.region.dev == &b.dev,
		   "cached: an access to b replaces a in the cache");
		v = 0;
		ok(!bus_access_cached(&bus, &cache, 0, 0x5010, &v, 4, false) && v == 0 &&
		   cache.region.dev == &b.dev, "cached: a reserved range is not cached");
	}
	bus_unregister(&bus, &c.dev);
	ok(bus_find(&bus, 0x2000) == NULL && bus.nr_regions == 4, "unregister c");
	ok(reg(&bus, &x, 0x2000, 0x800, "x") == 0, "its range is free again");

	/* A full table: one region more is refused by name, and nothing moves. */
	{
		static struct recorder many[BUS_MAX_REGIONS + 1];
		struct bus full;
		struct capture cap;
		char said[256];
		int filled = 0, ret;

		bus_init(&full, "mmio");
		for (int i = 0; i < BUS_MAX_REGIONS; i++)
			filled += !reg(&full, &many[i], 0x10000 + 0x1000 * (uint64_t)i, 0x100, "m");
		ok(filled == BUS_MAX_REGIONS && full.nr_regions == BUS_MAX_REGIONS,
		   "%d regions fill the table (%u)", BUS_MAX_REGIONS, full.nr_regions);
		capture_begin(&cap, false);
		ret = reg(&full, &many[BUS_MAX_REGIONS], 0x100000, 0x100, "one-more");
		capture_end(&cap, said, sizeof(said));
		said[strcspn(said, "\n")] = '\0';	/* one TAP line */
		ok(ret == -ENOSPC && full.nr_regions == BUS_MAX_REGIONS &&
		   strstr(said, "no room for device one-more") && bus_find(&full, 0x100000) == NULL,
		   "one more is refused, named, and not added (%s)", said);
		bus_free(&full);
	}
	bus_free(&bus);
	return tap_done();
}
