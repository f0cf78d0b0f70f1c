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
#include <kvmini/device.h>
#include <kvmini/irq.h>
#include <kvmini/machine.h>
#include <kvmini/pl031.h>
#include <kvmini/uart8250.h>
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
static int arm64_add_virtio(struct vm *vm, unsigned int slot, struct device *dev)
{
	return arm64_add_spi_device(vm, dev, ARM64_SPI_VIRTIO + slot);
}

static uint64_t arm64_virtio_base(unsigned int slot)
{
	return ARM64_VIRTIO_MMIO_BASE + slot * ARM64_VIRTIO_MMIO_SIZE;
}

int arch_vm_add_devices(struct vm *vm)
{
	struct virtio_slots slots = { .base = arm64_virtio_base, .add = arm64_add_virtio };
	unsigned int n = vm->cfg->nr_cpus;
	struct device *uart = NULL, *dev = NULL;
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
		ret = uart8250_create(ARM64_UART_BASE, STDOUT_FILENO, &uart);
	if (!ret)
		ret = arm64_add_spi_device(vm, uart, ARM64_SPI_UART);
	if (!ret)
		ret = machine_add_console(vm, uart, &slots);
	if (!ret)
		ret = pl031_create(ARM64_RTC_BASE, ARM64_FDT_APB_CLOCK_PHANDLE, &dev);
	if (!ret)
		ret = arm64_add_spi_device(vm, dev, ARM64_SPI_RTC);
	return ret ? ret : machine_add_virtio_devices(vm, &slots);
}

int arch_vm_irqchip_init(struct vm *vm)
{
	int ret = arm64_gic_create(vm);

	return ret ? ret : arm64_gic_init(vm);
}
