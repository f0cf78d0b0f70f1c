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
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/machine.h>
#include <kvmini/mc146818.h>
#include <kvmini/uart8250.h>
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

/* Slot n's IOAPIC pin; the VM takes dev. */
static int x86_add_virtio(struct vm *vm, unsigned int slot, struct device *dev)
{
	if (slot >= X86_VIRTIO_MAX) {
		log_err("vm", "%s: the x86_64 machine has interrupts for %u virtio devices; "
			"use fewer --disk, --network, --rng", dev->name, X86_VIRTIO_MAX);
		if (dev->ops->destroy)
			dev->ops->destroy(dev);
		return -EINVAL;
	}
	return x86_add_irq_device(vm, dev, x86_virtio_irqs[slot]);
}

/* COM1 on its ports with IRQ 4; the console on it or on virtio. */
static int x86_add_console(struct vm *vm, struct virtio_slots *slots)
{
	struct device *uart;
	int ret = uart8250_create(X86_COM1_PORT, STDOUT_FILENO, &uart);

	if (ret)
		return ret;
	device_use_ports(uart, 8);	/* RBR/THR ... SCR */
	ret = x86_add_irq_device(vm, uart, X86_COM1_IRQ);
	return ret ? ret : machine_add_console(vm, uart, slots);
}

/* The CMOS RTC on its ports with IRQ 8, as the DSDT describes it (acpi.c). */
static int x86_add_rtc(struct vm *vm)
{
	struct device *rtc;
	int ret = mc146818_create(X86_RTC_PORT, &rtc);

	return ret ? ret : x86_add_irq_device(vm, rtc, X86_RTC_IRQ);
}

int arch_vm_add_devices(struct vm *vm)
{
	struct virtio_slots slots = { .base = x86_virtio_base, .add = x86_add_virtio };
	int ret;

	/* KVM emulates the IOAPIC and the local APICs: no device may sit there. */
	ret = bus_reserve(&vm->mmio, X86_IOAPIC_BASE, 0x1000, "ioapic");
	if (!ret)
		ret = bus_reserve(&vm->mmio, X86_LAPIC_BASE, 0x1000, "lapic");
	if (!ret)
		ret = x86_add_console(vm, &slots);
	if (!ret)
		ret = x86_add_rtc(vm);
	if (!ret)
		ret = x86_pm_add(vm);
	return ret ? ret : machine_add_virtio_devices(vm, &slots);
}
