// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86_64 machine: which devices a configuration gets, where they sit
 * (layout.h: ports and MMIO) and their interrupt lines, which are pins of
 * the in-kernel IOAPIC (and, below 16, the PIC): KVM_IRQ_LINE and irqfd
 * take the same GSI there.
 */
#include <errno.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/console.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/net.h>
#include <kvmini/uart8250.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/vm.h>

#include "layout.h"
#include "x86_64.h"

static void x86_irq_line_gsi(struct vm *vm, struct irq_line *line, unsigned int gsi)
{
	line->vm_fd = vm->vm_fd;
	line->kvm_irq = gsi;
	line->gsi = gsi;
	line->dt_cells = 0;	/* no device tree on x86 */
}

/* dev with its interrupt on gsi; the VM takes dev. */
static int x86_add_irq_device(struct vm *vm, struct device *dev, unsigned int gsi)
{
	x86_irq_line_gsi(vm, &dev->irq, gsi);
	dev->has_irq = true;
	return vm_add_device(vm, dev);
}

static const unsigned int x86_virtio_irqs[X86_VIRTIO_MAX] = X86_VIRTIO_IRQS;

static uint64_t x86_virtio_base(unsigned int slot)
{
	return X86_VIRTIO_MMIO_BASE + slot * X86_VIRTIO_MMIO_SIZE;
}

/* The next virtio-mmio slot and its IOAPIC pin; the VM takes dev. */
static int x86_add_virtio(struct vm *vm, unsigned int *slot, struct device *dev)
{
	if (*slot >= X86_VIRTIO_MAX) {
		log_err("vm", "%s: the x86_64 machine has interrupts for %u virtio devices; "
			"use fewer --disk, --network, --rng", dev->name, X86_VIRTIO_MAX);
		if (dev->ops->destroy)
			dev->ops->destroy(dev);
		return -EINVAL;
	}
	return x86_add_irq_device(vm, dev, x86_virtio_irqs[(*slot)++]);
}

static int x86_add_console(struct vm *vm, unsigned int *slot)
{
	struct device *dev;
	int ret = uart8250_create(X86_COM1_PORT, STDOUT_FILENO, &dev);

	if (ret)
		return ret;
	device_use_ports(dev, 8);	/* RBR/THR ... SCR */
	ret = x86_add_irq_device(vm, dev, X86_COM1_IRQ);
	if (!ret && vm->cfg->console == CONSOLE_SERIAL) {
		uart8250_set_input(dev, &vm->console);
		console_connect(&vm->console, dev, uart8250_input_ready);
	}
	if (ret || vm->cfg->console != CONSOLE_VIRTIO)
		return ret;
	/* hvc0 is the console; COM1 keeps printing (early output), stdin is hvc0's. */
	ret = virtio_console_create(x86_virtio_base(*slot), STDOUT_FILENO, &dev);
	if (!ret)
		ret = x86_add_virtio(vm, slot, dev);
	if (!ret) {
		virtio_console_set_input(dev, &vm->console);
		console_connect(&vm->console, dev, virtio_console_input_ready);
		console_watch_size(&vm->console, virtio_console_resize);
	}
	return ret;
}

int arch_vm_add_devices(struct vm *vm)
{
	unsigned int slot = 0;
	struct device *dev;
	int ret;

	/* KVM emulates the IOAPIC and the local APICs: no device may sit there. */
	ret = bus_reserve(&vm->mmio, X86_IOAPIC_BASE, 0x1000, "ioapic");
	if (!ret)
		ret = bus_reserve(&vm->mmio, X86_LAPIC_BASE, 0x1000, "lapic");
	if (!ret)
		ret = x86_add_console(vm, &slot);
	if (!ret)
		ret = x86_pm_add(vm);
	for (unsigned int i = 0; i < vm->cfg->nr_disks && !ret; i++) {
		struct blk_backend *disk = vm->disks[i];

		vm->disks[i] = NULL;	/* the device owns it now */
		ret = virtio_blk_create(x86_virtio_base(slot), disk, &dev);
		if (!ret)
			ret = x86_add_virtio(vm, &slot, dev);
	}
	for (unsigned int i = 0; i < vm->cfg->nr_nets && !ret; i++) {
		uint8_t mac[NET_MAC_LEN];

		net_guest_mac(&vm->cfg->nets[i], i, mac);
		ret = virtio_net_create(x86_virtio_base(slot), &vm->taps[i], mac, &dev);
		if (!ret)
			ret = x86_add_virtio(vm, &slot, dev);
	}
	if (!ret && vm->cfg->rng) {
		ret = virtio_rng_create(x86_virtio_base(slot), &dev);
		if (!ret)
			ret = x86_add_virtio(vm, &slot, dev);
	}
	return ret;
}
