// SPDX-License-Identifier: GPL-2.0-only
/* The parts of a machine file every architecture shares (see machine.h). */
#include <unistd.h>

#include <kvmini/console.h>
#include <kvmini/device.h>
#include <kvmini/machine.h>
#include <kvmini/net.h>
#include <kvmini/uart8250.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/vm.h>

/* A device created at the next slot's address (ret its creation's result), added there. */
static int machine_add_virtio(struct vm *vm, struct virtio_slots *slots, int ret,
			      struct device *dev)
{
	return ret ? ret : slots->add(vm, slots->next++, dev);
}

int machine_add_console(struct vm *vm, struct device *uart, struct virtio_slots *slots)
{
	struct device *dev;
	int ret;

	if (vm->cfg->console == CONSOLE_SERIAL) {
		/* The 8250 is the console: stdin is its keyboard. */
		uart8250_set_input(uart, &vm->console);
		console_connect(&vm->console, uart, uart8250_input_ready);
		return 0;
	}
	/*
	 * hvc0 is the console; the 8250 stays (earlycon, firmware) with its
	 * output on stdout too, but stdin is hvc0's alone.
	 */
	ret = virtio_console_create(slots->base(slots->next), STDOUT_FILENO, &dev);
	ret = machine_add_virtio(vm, slots, ret, dev);
	if (!ret) {
		virtio_console_set_input(dev, &vm->console);
		console_connect(&vm->console, dev, virtio_console_input_ready);
		console_watch_size(&vm->console, virtio_console_resize);
	}
	return ret;
}

int machine_add_virtio_devices(struct vm *vm, struct virtio_slots *slots)
{
	struct device *dev = NULL;
	int ret = 0;

	for (unsigned int i = 0; i < vm->cfg->nr_disks && !ret; i++) {
		struct blk_backend *disk = vm->disks[i];

		vm->disks[i] = NULL;	/* the device owns it now */
		ret = virtio_blk_create(slots->base(slots->next), disk, vm->cfg->disks[i].queues,
					&dev);
		ret = machine_add_virtio(vm, slots, ret, dev);
	}
	for (unsigned int i = 0; i < vm->cfg->nr_nets && !ret; i++) {
		uint8_t mac[NET_MAC_LEN];

		net_guest_mac(&vm->cfg->nets[i], i, mac);
		ret = virtio_net_create(slots->base(slots->next), &vm->taps[i], mac, &dev);
		ret = machine_add_virtio(vm, slots, ret, dev);
	}
	if (!ret && vm->cfg->rng) {
		ret = virtio_rng_create(slots->base(slots->next), &dev);
		ret = machine_add_virtio(vm, slots, ret, dev);
	}
	return ret;
}
