// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power and reset registers on I/O ports, as the FADT describes them
 * (acpi.c): ACPI's hardware-reduced sleep control register, where any
 * write with SLP_EN set powers off (the DSDT offers only \_S5), its status
 * register beside it, and the reset register (a write with RST_CPU set
 * resets, as the 0xcf9 register of PC chipsets does). Reads give 0.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

#include "layout.h"
#include "x86_64.h"

static void x86_pm_read(struct device *dev, unsigned int cpu, uint64_t offset, void *data,
			unsigned int len)
{
	(void)dev; (void)cpu; (void)offset;
	bus_data_put(data, len, 0);
}

/* Offset 0: sleep control; offset 1: sleep status, whose wake bit is write-1-to-clear. */
static void x86_sleep_write(struct device *dev, unsigned int cpu, uint64_t offset,
			    const void *data, unsigned int len)
{
	uint64_t value = bus_data_get(data, len);

	if (offset != 0 || !(value & X86_SLP_EN))
		return;
	log_debug("vm", "vCPU %u: sleep control 0x%llx: power off", cpu, (unsigned long long)value);
	vm_stop(dev->vm, VM_STOP_POWEROFF, 0);
}

static void x86_reset_write(struct device *dev, unsigned int cpu, uint64_t offset,
			    const void *data, unsigned int len)
{
	uint64_t value = bus_data_get(data, len);

	(void)offset;
	if (!(value & X86_RESET_CPU))
		return;
	log_debug("vm", "vCPU %u: reset register 0x%llx: reset", cpu, (unsigned long long)value);
	vm_stop(dev->vm, VM_STOP_RESET, 0);
}

static void x86_pm_destroy(struct device *dev)
{
	free(dev);
}

static const struct device_ops x86_sleep_ops = {
	.type = "acpi-sleep",
	.read = x86_pm_read,
	.write = x86_sleep_write,
	.save = device_save_stateless,	/* neither register holds state between writes */
	.load = device_load_stateless,
	.destroy = x86_pm_destroy,
};

static const struct device_ops x86_reset_ops = {
	.type = "reset",
	.read = x86_pm_read,
	.write = x86_reset_write,
	.save = device_save_stateless,	/* neither register holds state between writes */
	.load = device_load_stateless,
	.destroy = x86_pm_destroy,
};

static int x86_port_device(const struct device_ops *ops, uint16_t port, uint64_t ports,
			   struct device **out)
{
	struct device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	device_init(dev, ops, port, ports);
	device_use_ports(dev, ports);
	*out = dev;
	return 0;
}

int x86_pm_add(struct vm *vm)
{
	struct device *dev;
	int ret = x86_port_device(&x86_sleep_ops, X86_SLEEP_CONTROL_PORT, 2, &dev);

	if (!ret)
		ret = vm_add_device(vm, dev);
	if (!ret)
		ret = x86_port_device(&x86_reset_ops, X86_RESET_PORT, 1, &dev);
	return ret ? ret : vm_add_device(vm, dev);
}
