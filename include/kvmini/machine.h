/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every architecture's machine file does alike: the console device
 * wired to stdin, and the virtio-mmio devices a configuration asks for.
 * The architecture says where each virtio-mmio slot is and how a device
 * there gets its interrupt.
 */
#ifndef KVMINI_MACHINE_H
#define KVMINI_MACHINE_H

#include <kvmini/compiler.h>

struct vm;
struct device;

/* The machine's virtio-mmio slots, handed out in order from 0. */
struct virtio_slots {
	/* Where slot n's registers are. */
	uint64_t (*base)(unsigned int slot);
	/*
	 * Put dev (created at base(slot)) on the bus with slot's interrupt;
	 * the VM takes dev, also on failure (-errno, reported).
	 */
	int (*add)(struct vm *vm, unsigned int slot, struct device *dev);
	unsigned int next;
};

/*
 * stdin for the console: the 8250 uart (already on the bus) with
 * --console serial; with --console virtio a virtio console in the next
 * slot, the 8250 keeping its output. 0 or -errno.
 */
int __must_check machine_add_console(struct vm *vm, struct device *uart,
				     struct virtio_slots *slots);
/* --disk, --network and --rng, in that order (vda first), in the next slots. */
int __must_check machine_add_virtio_devices(struct vm *vm, struct virtio_slots *slots);

#endif
