// SPDX-License-Identifier: GPL-2.0-only
/* The VM's device list: adding devices in order and driving their hooks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kvmini/coalesced.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

void device_init(struct device *dev, const struct device_ops *ops, uint64_t base,
		 uint64_t size)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->base = base;
	dev->size = size;
	irq_line_init(&dev->irq);
	snprintf(dev->name, sizeof(dev->name), "%s@%" PRIx64, ops->type, base);
}

int device_save_stateless(struct device *dev, struct state_buf *out)
{
	(void)dev;
	(void)out;
	return 0;
}

/*
 * The section must be empty (past the name restore.c read): bytes there
 * are no state of this device's, and load validates what it is given.
 */
int device_load_stateless(struct device *dev, struct state_buf *in)
{
	if (state_read_done(in)) {
		log_err("vm", "%s: saved state of %zu bytes; this device saves none", dev->name,
			in->len - in->pos);
		return -EBADMSG;
	}
	return 0;
}

void device_use_ports(struct device *dev, uint64_t ports)
{
	dev->pio = true;
	dev->size = ports;
	snprintf(dev->name, sizeof(dev->name), "%s@port%" PRIx64, dev->ops->type, dev->base);
}

struct device *vm_find_device(struct vm *vm, const char *type)
{
	for (struct device *d = vm->devices; d; d = d->next)
		if (!strcmp(d->ops->type, type))
			return d;
	return NULL;
}

static struct device *vm_find_device_named(struct vm *vm, const char *name)
{
	for (struct device *d = vm->devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* The bus dev's region is on: NULL for ports on a machine without them. */
static struct bus *device_bus(struct vm *vm, const struct device *dev)
{
	return dev->pio ? vm->pio : &vm->mmio;
}

int vm_add_device(struct vm *vm, struct device *dev)
{
	struct device **tail = &vm->devices;
	int ret;

	if (vm_find_device_named(vm, dev->name)) {
		log_err("vm", "two devices named %s", dev->name);
		ret = -EEXIST;
		goto err;
	}
	if (dev->size && !device_bus(vm, dev)) {
		log_err("vm", "device %s: this machine has no I/O port space", dev->name);
		ret = -EINVAL;
		goto err;
	}
	if (dev->size) {
		ret = bus_register(device_bus(vm, dev), dev);
		if (ret)
			goto err;
	}
	while (*tail)
		tail = &(*tail)->next;
	dev->vm = vm;
	dev->next = NULL;
	*tail = dev;
	return 0;
err:
	if (dev->ops->destroy)
		dev->ops->destroy(dev);
	return ret;
}

int devices_realize(struct vm *vm)
{
	for (struct device *d = vm->devices; d; d = d->next) {
		int ret = d->ops->realize ? d->ops->realize(d) : 0;

		if (ret) {
			log_err("vm", "device %s: cannot be set up: %s", d->name,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int devices_fdt_nodes(struct device *first, void *fdt)
{
	for (struct device *d = first; d; d = d->next) {
		int ret = d->ops->fdt_node ? d->ops->fdt_node(d, fdt) : 0;

		if (ret)
			return ret;	/* libfdt's error: the caller names it */
	}
	return 0;
}

/*
 * Each of the next three first replays the guest's coalesced writes: they
 * came before, and a device must not be reset, quiesced (its output
 * flushed) or frozen (saved) without them.
 */
void devices_reset(struct vm *vm)
{
	coalesced_drain(vm, 0);
	for (struct device *d = vm->devices; d; d = d->next)
		if (d->ops->reset)
			d->ops->reset(d);
}

void devices_quiesce(struct vm *vm)
{
	coalesced_drain(vm, 0);
	for (struct device *d = vm->devices; d; d = d->next)
		if (d->ops->quiesce)
			d->ops->quiesce(d);
}

void devices_freeze(struct vm *vm)
{
	coalesced_drain(vm, 0);
	for (struct device *d = vm->devices; d; d = d->next)
		if (d->ops->freeze)
			d->ops->freeze(d);
}

void devices_thaw(struct vm *vm)
{
	for (struct device *d = vm->devices; d; d = d->next)
		if (d->ops->thaw)
			d->ops->thaw(d);
}

void devices_destroy(struct vm *vm)
{
	struct device *d = vm->devices;

	vm->devices = NULL;
	while (d) {
		struct device *next = d->next;

		if (device_bus(vm, d))
			bus_unregister(device_bus(vm, d), d);
		irq_line_release(&d->irq);
		if (d->ops->destroy)
			d->ops->destroy(d);
		d = next;
	}
}
