/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MMIO bus: devices register guest-physical regions; accesses are
 * dispatched to the device's handlers with the offset into the region and
 * the accessing vCPU. Registration happens before vCPUs run; dispatch is
 * then lock-free.
 */
#ifndef KVMINI_BUS_H
#define KVMINI_BUS_H

#include <kvmini/compiler.h>
#include <kvmini/log.h>

struct device;

/*
 * A region is a device's (dispatched to its read/write ops with the offset
 * into the region and the accessing vCPU's index) or reserved: claimed by
 * something KVM emulates in the kernel (the GIC), so no device may overlap
 * it and a stray exit there is treated as unmapped.
 */
struct bus_region {
	uint64_t base;
	uint64_t size;
	struct device *dev;		/* NULL: reserved */
	const char *name;
	/*
	 * dev's ops->read and ->write, copied at bus_register(): an exit then
	 * reads no page of the ops table's (measured: 1.2% off a PIO exit in
	 * the emulated x86 host).
	 */
	void (*read)(struct device *dev, unsigned int cpu, uint64_t offset,
		     void *data, unsigned int len);
	void (*write)(struct device *dev, unsigned int cpu, uint64_t offset,
		      const void *data, unsigned int len);
};

/*
 * Inline rather than allocated: the exit path then reads the table from
 * the page that holds the VM, one fewer page per exit. Two tables of 28
 * fit that page (vm.c); a machine fills at most 20 (arm64: the GIC's 3,
 * UART, RTC, test device, 8 disks, 4 networks, console and rng).
 */
#define BUS_MAX_REGIONS 28

struct bus {
	const char *name;		/* "mmio" */
	struct bus_region regions[BUS_MAX_REGIONS];	/* sorted, disjoint */
	unsigned int nr_regions;
	struct ratelimit unmapped_rl;
	uint64_t unmapped_accesses;	/* guest accesses that hit nothing */
	/*
	 * x86's I/O ports: guests probe absent ports as a matter of course
	 * (PCI config, Super I/O, more serial ports, CMOS), so an access
	 * that hits nothing reads as all-ones, as a floating bus does, and
	 * is logged with --debug=mmio only. Otherwise it reads as zeros and
	 * is logged as a warning.
	 */
	bool floating;
	/* --debug=mmio, read at bus_init: the exit path tests this page, not the log's. */
	bool trace;
};

void bus_init(struct bus *bus, const char *name);
void bus_free(struct bus *bus);
/*
 * dev's region [dev->base, dev->base + dev->size), under dev->name.
 * -EINVAL for an empty or wrapping region, -EEXIST for an overlap,
 * -ENOSPC when the table is full (all logged).
 */
int __must_check bus_register(struct bus *bus, struct device *dev);
/* A region for something KVM emulates itself; same errors. */
int __must_check bus_reserve(struct bus *bus, uint64_t base, uint64_t size,
			     const char *name);
/* Take dev's region off the bus again (no-op if it is not there). */
void bus_unregister(struct bus *bus, struct device *dev);
/* The region holding addr, or NULL. */
const struct bus_region *bus_find(const struct bus *bus, uint64_t addr);
/*
 * Dispatch one guest access by vCPU cpu. An access that hits no device,
 * or straddles a region's end, reads as zeros (all-ones on a floating bus)
 * and writes are dropped, with a rate-limited log line. Returns true if a
 * device handled it.
 */
bool bus_access(struct bus *bus, unsigned int cpu, uint64_t addr, void *data,
		unsigned int len, bool is_write);

/*
 * A vCPU's copy of the region its last access on a bus hit: a device it
 * keeps accessing (a doorbell, a polled status port) is then found
 * without reading the bus's table, a page more per exit under emulation
 * (see __hot). Valid because a bus's regions change only while no vCPU
 * thread runs (devices are realized before and destroyed after); each
 * thread starts with its caches empty.
 */
struct bus_cache {
	struct bus_region region;	/* dev NULL: empty */
	bool trace;			/* the bus's */
};

/* bus_access() through cache, which it fills on a miss. */
bool bus_access_cached(struct bus *bus, struct bus_cache *cache, unsigned int cpu,
		       uint64_t addr, void *data, unsigned int len, bool is_write);

/*
 * Access data as a little-endian value of len (1, 2, 4 or 8) bytes: guest
 * and host are little-endian on every architecture kvmini supports. The
 * fixed-size copies compile to single loads and stores.
 */
static inline uint64_t bus_data_get(const void *data, unsigned int len)
{
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t d;

	switch (len) {
	case 1: __builtin_memcpy(&b, data, 1); return b;
	case 2: __builtin_memcpy(&h, data, 2); return h;
	case 4: __builtin_memcpy(&w, data, 4); return w;
	default: __builtin_memcpy(&d, data, 8); return d;
	}
}

static inline void bus_data_put(void *data, unsigned int len, uint64_t v)
{
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;

	switch (len) {
	case 1: __builtin_memcpy(data, &b, 1); break;
	case 2: __builtin_memcpy(data, &h, 2); break;
	case 4: __builtin_memcpy(data, &w, 4); break;
	default: __builtin_memcpy(data, &v, 8); break;
	}
}

#endif
