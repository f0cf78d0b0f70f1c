// SPDX-License-Identifier: GPL-2.0-only
/* MMIO bus: a sorted, non-overlapping region table dispatching to devices by offset. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->trace = log_debug_enabled("mmio");
}

void bus_free(struct bus *bus)
{
	bus->nr_regions = 0;
}

/* Index of the first region whose end is above addr. */
static __always_inline unsigned int bus_lower_bound(const struct bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr_regions;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_region *r = &bus->regions[mid];

		if (addr - r->base >= r->size && addr > r->base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int bus_insert(struct bus *bus, uint64_t base, uint64_t size,
		      struct device *dev, const char *name)
{
	struct bus_region *regions = bus->regions;
	unsigned int pos;

	if (!size || base + size - 1 < base) {
		log_err("vm", "%s: device %s: region 0x%" PRIx64 "+0x%" PRIx64
			" is empty or wraps around the address space",
			bus->name, name, base, size);
		return -EINVAL;
	}
	pos = bus_lower_bound(bus, base);
	if (pos < bus->nr_regions) {
		const struct bus_region *next = &bus->regions[pos];

		if (next->base <= base + size - 1) {
			log_err("vm", "%s: device %s at 0x%" PRIx64 "-0x%" PRIx64
				" overlaps device %s at 0x%" PRIx64 "-0x%" PRIx64,
				bus->name, name, base, base + size - 1, next->name,
				next->base, next->base + next->size - 1);
			return -EEXIST;
		}
	}
	if (bus->nr_regions == BUS_MAX_REGIONS) {
		log_err("vm", "%s: no room for device %s: all %d regions are taken",
			bus->name, name, BUS_MAX_REGIONS);
		return -ENOSPC;
	}
	memmove(&regions[pos + 1], &regions[pos],
		(bus->nr_regions - pos) * sizeof(*regions));
	regions[pos] = (struct bus_region){
		.base = base, .size = size, .dev = dev, .name = name,
		.read = dev ? dev->ops->read : NULL, .write = dev ? dev->ops->write : NULL,
	};
	bus->nr_regions++;
	log_debug("vm", "%s: %s at 0x%" PRIx64 "+0x%" PRIx64, bus->name, name,
		  base, size);
	return 0;
}

int bus_register(struct bus *bus, struct device *dev)
{
	return bus_insert(bus, dev->base, dev->size, dev, dev->name);
}

int bus_reserve(struct bus *bus, uint64_t base, uint64_t size, const char *name)
{
	return bus_insert(bus, base, size, NULL, name);
}

void bus_unregister(struct bus *bus, struct device *dev)
{
	for (unsigned int i = 0; i < bus->nr_regions; i++) {
		if (bus->regions[i].dev != dev)
			continue;
		memmove(&bus->regions[i], &bus->regions[i + 1],
			(bus->nr_regions - i - 1) * sizeof(bus->regions[0]));
		bus->nr_regions--;
		return;
	}
}

/* bus_find(), inline in bus_access(): an exit makes no call it can avoid (see __hot). */
static __always_inline const struct bus_region *
bus_region_at(const struct bus *bus, uint64_t addr)
{
	unsigned int pos = bus_lower_bound(bus, addr);

	if (pos < bus->nr_regions && addr >= bus->regions[pos].base &&
	    addr - bus->regions[pos].base < bus->regions[pos].size)
		return &bus->regions[pos];
	return NULL;
}

const struct bus_region *bus_find(const struct bus *bus, uint64_t addr)
{
	return bus_region_at(bus, addr);
}

/* An access bus_access() could not dispatch (r: the region it fell in, if any). */
static __cold bool bus_unmapped(struct bus *bus, const struct bus_region *r, unsigned int cpu,
				uint64_t addr, void *data, unsigned int len, bool is_write)
{
	__atomic_add_fetch(&bus->unmapped_accesses, 1, __ATOMIC_RELAXED);
	if (!is_write)
		bus_data_put(data, len, bus->floating ? UINT64_MAX : 0);
	if (bus->floating) {
		if (bus->trace)
			log_msg(LOG_DEBUG, "mmio", "vCPU %u: guest %s of %u bytes at %s 0x%" PRIx64
				" hits no device", cpu, is_write ? "write" : "read", len,
				bus->name, addr);
		return false;
	}
	log_ratelimited(&bus->unmapped_rl, LOG_WARN, "mmio",
			"guest %s of %u bytes at 0x%" PRIx64 " hits no device%s%s; %s",
			is_write ? "write" : "read", len, addr,
			r ? (r->dev ? " beyond the end of " : " in the in-kernel ") : "",
			r ? r->name : "", is_write ? "dropped" : "reads as 0");
	return false;
}

/* Whether r is a device's region holding all len bytes at addr. */
static __always_inline bool bus_region_serves(const struct bus_region *r, uint64_t addr,
					      unsigned int len)
{
	return r && r->dev && len && range_within(addr, len, r->base, r->size);
}

/* The access, to the device of a region that serves it. */
static __always_inline void bus_dispatch(const struct bus_region *r, bool trace,
					 unsigned int cpu, uint64_t addr, void *data,
					 unsigned int len, bool is_write)
{
	uint64_t offset = addr - r->base;

	if (is_write)
		r->write(r->dev, cpu, offset, data, len);
	else
		r->read(r->dev, cpu, offset, data, len);
	if (unlikely(trace))
		log_msg(LOG_DEBUG, "mmio", "vCPU %u: %s %s+0x%" PRIx64 " len %u", cpu,
			is_write ? "write" : "read", r->name, offset, len);
}

/* The table's region for the access, kept in cache (if any) for the next one. */
static __always_inline bool bus_lookup_dispatch(struct bus *bus, struct bus_cache *cache,
						unsigned int cpu, uint64_t addr, void *data,
						unsigned int len, bool is_write)
{
	const struct bus_region *r = bus_region_at(bus, addr);

	if (unlikely(!bus_region_serves(r, addr, len)))
		return bus_unmapped(bus, r, cpu, addr, data, len, is_write);
	if (cache) {
		cache->region = *r;
		cache->trace = bus->trace;
	}
	bus_dispatch(r, bus->trace, cpu, addr, data, len, is_write);
	return true;
}

__hot bool bus_access(struct bus *bus, unsigned int cpu, uint64_t addr, void *data,
		      unsigned int len, bool is_write)
{
	return bus_lookup_dispatch(bus, NULL, cpu, addr, data, len, is_write);
}

/* A miss of bus_access_cached(): out of line, so a hit's path stays short. */
static __hot __attribute__((noinline)) bool
bus_access_fill(struct bus *bus, struct bus_cache *cache, unsigned int cpu, uint64_t addr,
		void *data, unsigned int len, bool is_write)
{
	return bus_lookup_dispatch(bus, cache, cpu, addr, data, len, is_write);
}

__hot bool bus_access_cached(struct bus *bus, struct bus_cache *cache, unsigned int cpu,
			     uint64_t addr, void *data, unsigned int len, bool is_write)
{
	if (unlikely(!bus_region_serves(&cache->region, addr, len)))
		return bus_access_fill(bus, cache, cpu, addr, data, len, is_write);
	bus_dispatch(&cache->region, cache->trace, cpu, addr, data, len, is_write);
	return true;
}
