/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices: what the guest sees besides its CPUs and RAM. A device is a
 * const ops table plus an instance that names its MMIO region and
 * interrupt line. The machine file of each architecture creates the
 * devices a configuration asks for and adds them to the VM in order (no
 * constructor magic); the VM keeps them in a list and drives them through
 * these hooks. Only read and write are required.
 *
 * Lifecycle: vm_add_device() (region on the bus) -> realize (vCPUs and the
 * interrupt controller exist: connect to KVM and the event loop) -> the
 * guest runs -> quiesce -> destroy. reset, save and load happen with every
 * vCPU paused.
 */
#ifndef KVMINI_DEVICE_H
#define KVMINI_DEVICE_H

#include <stdio.h>

#include <kvmini/compiler.h>
#include <kvmini/irq.h>

struct vm;
struct device;
struct state_buf;

struct device_ops {
	const char *type;	/* "uart8250": messages and snapshot sections */
	/*
	 * Guest accesses of 1, 2, 4 or 8 bytes by offset into the region, on
	 * the accessing vCPU's thread (cpu: its index), little-endian. A read
	 * fills all len bytes. Trivial work only: anything slow goes to the
	 * event loop. A guest mistake is logged (rate-limited), never fatal.
	 */
	void (*read)(struct device *dev, unsigned int cpu, uint64_t offset,
		     void *data, unsigned int len);
	void (*write)(struct device *dev, unsigned int cpu, uint64_t offset,
		      const void *data, unsigned int len);
	/* The vCPUs and the interrupt controller exist: connect to KVM and the event loop. */
	int (*realize)(struct device *dev);
	/* Back to the power-on state (a guest reboot). */
	void (*reset)(struct device *dev);
	/* The vCPUs stopped or paused: finish in-flight work (flush output, complete I/O). */
	void (*quiesce)(struct device *dev);
	/*
	 * A snapshot is taken (vCPUs paused, the event loop running): finish
	 * in-flight work and take no new work until thaw, so guest RAM and
	 * the device's state hold still while they are saved.
	 */
	void (*freeze)(struct device *dev);
	void (*thaw)(struct device *dev);
	/* The device's node, in libfdt's sequential-write mode. */
	int (*fdt_node)(struct device *dev, void *fdt);
	/*
	 * Snapshot state. A device without save cannot be saved: a snapshot
	 * refuses the VM, naming the device. load validates everything it
	 * reads (the bytes are input) and changes nothing on failure.
	 */
	int (*save)(struct device *dev, struct state_buf *out);
	int (*load)(struct device *dev, struct state_buf *in);
	/* --stats: what the device counted, in "kvmini: stats: " lines (optional). */
	void (*print_stats)(struct device *dev, FILE *f);
	/* Free the object embedding dev (after the VM stopped using it). */
	void (*destroy)(struct device *dev);
};

#define DEVICE_NAME_MAX 40

struct device {
	const struct device_ops *ops;
	struct vm *vm;
	char name[DEVICE_NAME_MAX];	/* unique in the VM, e.g. "uart8250@1000000" */
	uint64_t base, size;		/* region; size 0: none */
	bool pio;			/* the region is in the I/O port space (x86), not MMIO */
	struct irq_line irq;		/* connected when has_irq */
	bool has_irq;
	struct device *next;		/* the VM's list, in the order added */
};

/*
 * save and load of a device that holds no state between accesses (a
 * register acted on at each write): it saves an empty section, and loads
 * one.
 */
int device_save_stateless(struct device *dev, struct state_buf *out);
int device_load_stateless(struct device *dev, struct state_buf *in);

/* Fill the generic part: name "<type>@<base in hex>", no interrupt. */
void device_init(struct device *dev, const struct device_ops *ops,
		 uint64_t base, uint64_t size);
/*
 * Before vm_add_device(): dev's region is `ports` I/O ports from its base
 * (x86) instead of MMIO, and its name says so: "<type>@port<base in hex>".
 */
void device_use_ports(struct device *dev, uint64_t ports);
/*
 * Put dev's region on the VM's MMIO bus (its port bus when dev->pio) and
 * append it to the VM's list.
 * The VM owns dev from here on: on failure it is destroyed at once.
 * -EEXIST for an overlap or a name in use, -EINVAL for a port region on a
 * machine without ports (logged).
 */
int __must_check vm_add_device(struct vm *vm, struct device *dev);
/* The first device of this type, or NULL. */
struct device *vm_find_device(struct vm *vm, const char *type);

/* Every device in order; the first failure stops and is returned. */
int __must_check devices_realize(struct vm *vm);
/* Each device's node, in order, into a tree being written (libfdt's error). */
int __must_check devices_fdt_nodes(struct device *first, void *fdt);
void devices_reset(struct vm *vm);
void devices_quiesce(struct vm *vm);
void devices_freeze(struct vm *vm);
void devices_thaw(struct vm *vm);
void devices_destroy(struct vm *vm);

#endif
