// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 machine: which devices a configuration gets, where they sit
 * (layout.h) and their interrupt lines. The device tree is written from
 * the same list (boot.c), so a device is in the tree exactly when it is on
 * the bus.
 */
#include <errno.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/console.h>
#include <kvmini/device.h>
#include <kvmini/irq.h>
#include <kvmini/uart8250.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "layout.h"

/* The next virtio-mmio slot's interrupt, in the order devices are added; the VM takes dev. */
static int arm64_add_virtio(struct vm *vm, unsigned int *slot, struct device *dev)
{
	arm64_irq_line_spi(vm, &dev->irq, ARM64_SPI_VIRTIO + *slot);
	dev->has_irq = true;
	(*slot)++;
	return vm_add_device(vm, dev);
}

static uint64_t arm64_virtio_base(unsigned int slot)
{
	return ARM64_VIRTIO_MMIO_BASE + slot * ARM64_VIRTIO_MMIO_SIZE;
}

int arch_vm_add_devices(struct vm *vm)
{
	unsigned int slot = 0;
	unsigned int n = vm->cfg->nr_cpus;
	struct device *dev = NULL;
	int ret;

	/* KVM emulates the GIC: no device may sit on its frames. */
	ret = bus_reserve(&vm->mmio, ARM64_GIC_DIST_BASE, ARM64_GIC_DIST_SIZE,
			  "gicv3-dist");
	if (!ret)
		ret = bus_reserve(&vm->mmio, arm64_gic_redist_base(n),
				  n * ARM64_GIC_REDIST_SIZE, "gicv3-redist");
	if (!ret && arm64_config_get(vm->cfg)->irqchip == ARM64_IRQCHIP_GICV3_ITS)
		ret = bus_reserve(&vm->mmio, arm64_gic_its_base(n), ARM64_GIC_ITS_SIZE,
				  "gicv3-its");
	if (!ret)
		ret = uart8250_create(ARM64_UART_BASE, STDOUT_FILENO, &dev);
	if (!ret) {
		arm64_irq_line_spi(vm, &dev->irq, ARM64_SPI_UART);
		dev->has_irq = true;
		ret = vm_add_device(vm, dev);
	}
	if (!ret) {
		/* The 8250 is the console: stdin is its keyboard. */
		uart8250_set_input(dev, &vm->console);
		console_connect(&vm->console, dev, uart8250_input_ready);
	}
	for (unsigned int i = 0; i < vm->cfg->nr_disks && !ret; i++) {
		struct blk_backend *disk = vm->disks[i];

		vm->disks[i] = NULL;	/* the device owns it now */
		ret = virtio_blk_create(arm64_virtio_base(slot), disk, &dev);
		if (!ret)
			ret = arm64_add_virtio(vm, &slot, dev);
	}
	if (!ret && vm->cfg->rng) {
		ret = virtio_rng_create(arm64_virtio_base(slot), &dev);
		if (!ret)
			ret = arm64_add_virtio(vm, &slot, dev);
	}
	return ret;
}

int arch_vm_irqchip_init(struct vm *vm)
{
	int ret = arm64_gic_create(vm);

	return ret ? ret : arm64_gic_init(vm);
}
