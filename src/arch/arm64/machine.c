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
#include <kvmini/net.h>
#include <kvmini/pl031.h>
#include <kvmini/uart8250.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "fdt.h"
#include "layout.h"

/* dev on the bus with SPI spi; the VM takes dev. */
static int arm64_add_spi_device(struct vm *vm, struct device *dev, unsigned int spi)
{
	arm64_irq_line_spi(vm, &dev->irq, spi);
	dev->has_irq = true;
	return vm_add_device(vm, dev);
}

/* The next virtio-mmio slot's interrupt, in the order devices are added; the VM takes dev. */
static int arm64_add_virtio(struct vm *vm, unsigned int *slot, struct device *dev)
{
	return arm64_add_spi_device(vm, dev, ARM64_SPI_VIRTIO + (*slot)++);
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
	if (!ret)
		ret = arm64_add_spi_device(vm, dev, ARM64_SPI_UART);
	if (!ret && vm->cfg->console == CONSOLE_SERIAL) {
		/* The 8250 is the console: stdin is its keyboard. */
		uart8250_set_input(dev, &vm->console);
		console_connect(&vm->console, dev, uart8250_input_ready);
	}
	if (!ret && vm->cfg->console == CONSOLE_VIRTIO) {
		/*
		 * hvc0 is the console; the 8250 stays (earlycon, firmware) with
		 * its output on stdout too, but stdin is hvc0's alone.
		 */
		ret = virtio_console_create(arm64_virtio_base(slot), STDOUT_FILENO, &dev);
		if (!ret)
			ret = arm64_add_virtio(vm, &slot, dev);
		if (!ret) {
			virtio_console_set_input(dev, &vm->console);
			console_connect(&vm->console, dev, virtio_console_input_ready);
			console_watch_size(&vm->console, virtio_console_resize);
		}
	}
	if (!ret)
		ret = pl031_create(ARM64_RTC_BASE, ARM64_FDT_APB_CLOCK_PHANDLE, &dev);
	if (!ret)
		ret = arm64_add_spi_device(vm, dev, ARM64_SPI_RTC);
	for (unsigned int i = 0; i < vm->cfg->nr_disks && !ret; i++) {
		struct blk_backend *disk = vm->disks[i];

		vm->disks[i] = NULL;	/* the device owns it now */
		ret = virtio_blk_create(arm64_virtio_base(slot), disk, &dev);
		if (!ret)
			ret = arm64_add_virtio(vm, &slot, dev);
	}
	for (unsigned int i = 0; i < vm->cfg->nr_nets && !ret; i++) {
		uint8_t mac[NET_MAC_LEN];

		net_guest_mac(&vm->cfg->nets[i], i, mac);
		ret = virtio_net_create(arm64_virtio_base(slot), &vm->taps[i], mac, &dev);
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
