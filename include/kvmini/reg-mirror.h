/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register mirrors: a device's register page the guest reads from memory,
 * without an exit. The page is a read-only memslot over the device's
 * region (KVM_MEM_READONLY): reads are served from it, writes still exit
 * as MMIO (and reach coalesced zones) as without it.
 *
 * A device shows its mirror only while no read of its registers has an
 * effect (a FIFO pop, an interrupt acknowledged) and every value follows
 * from writes it handled: it then writes the values into the page after
 * each write, before the writing vCPU resumes. The 8250 does so while its
 * interrupts and loopback are off: a Linux console polling LSR before each
 * byte then makes no exit at all (its THR writes are coalesced).
 *
 * MMIO regions made of whole host pages only; none on the port bus.
 */
#ifndef KVMINI_REG_MIRROR_H
#define KVMINI_REG_MIRROR_H

#include <stdint.h>

#include <kvmini/compiler.h>

struct device;
struct vm;

struct reg_mirror {
	uint8_t *page;		/* what the guest reads while shown; NULL: no mirror */
	size_t size;
	struct vm *vm;
	uint64_t gpa;
	uint32_t slot;		/* its KVM memslot */
	bool mappable;		/* KVM can map it (without: the page is kept, never shown) */
	bool shown;
	bool failed;		/* a memslot ioctl failed: no more tries */
};

/*
 * At realize: a mirror of dev's region, hidden. No page (m->page NULL; the
 * device's reads exit as before) for a port region or one not made of
 * whole host pages. A page that is never shown where KVM cannot map it (no
 * KVM_CAP_READONLY_MEM, no memslot left, no VM: unit tests hold a device's
 * reads to it). Both logged (debug) and in reg_mirror_state(). -errno: no
 * memory.
 */
int __must_check reg_mirror_init(struct reg_mirror *m, const struct device *dev);
/*
 * In the guest's map (on) or out of it. A failure to map (logged) leaves
 * it out for good: reads exit, which is always correct. A failure to
 * unmap stops the VM with an error (VM_STOP_ERROR).
 */
void reg_mirror_show(struct reg_mirror *m, bool on);
/*
 * The registers' values from the region's start (the rest of the page
 * reads 0): written into the page when they changed, and made visible to
 * the guest, whose device mapping may read past the host's caches. While
 * shown, before the vCPU whose write changed them resumes.
 */
void reg_mirror_update(struct reg_mirror *m, const uint8_t *image, size_t len);
/* The page as the guest would read it; NULL: none. */
const uint8_t *reg_mirror_page(const struct reg_mirror *m);
/* In words, for --stats: "up", "down", or why there is none. */
const char *reg_mirror_state(const struct reg_mirror *m);
/* At teardown, after the vCPUs ended. */
void reg_mirror_destroy(struct reg_mirror *m);

#endif
