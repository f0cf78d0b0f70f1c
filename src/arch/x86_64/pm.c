// SPDX-License-Identifier: GPL-2.0-only
/*
 * The power-management control register at X86_PM1A_CNT_PORT, laid out as
 * ACPI's PM1a_CNT (as on QEMU's q35): a write with SLP_EN set puts the
 * machine to sleep, which for kvmini is power-off. Reads give 0.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

#include "layout.h"
#include "x86_64.h"

#define X86_PM_TYPE "pm-control"

static void x86_pm_read(struct device *dev, unsigned int cpu, uint64_t offset, void *data,
			unsigned int len)
{
	(void)dev; (void)cpu; (void)offset;
	bus_data_put(data, len, 0);
}

static void x86_pm_write(struct device *dev, unsigned int cpu, uint64_t offset,
			 const void *data, unsigned int len)
{
	uint64_t value = bus_data_get(data, len);

	if (offset != 0 || !(value & X86_PM1_SLP_EN))
		return;
	log_debug("vm", "vCPU %u: PM1a_CNT 0x%llx: power off", cpu, (unsigned long long)value);
	vm_stop(dev->vm, VM_STOP_POWEROFF, 0);
}

static void x86_pm_destroy(struct device *dev)
{
	free(dev);
}

/* Nothing to save: the register holds no state between writes. */
static int x86_pm_save(struct device *dev, struct state_buf *out)
{
	(void)dev; (void)out;
	return 0;
}

static int x86_pm_load(struct device *dev, struct state_buf *in)
{
	(void)dev; (void)in;
	return 0;
}

static const struct device_ops x86_pm_ops = {
	.type = X86_PM_TYPE,
	.read = x86_pm_read,
	.write = x86_pm_write,
	.save = x86_pm_save,
	.load = x86_pm_load,
	.destroy = x86_pm_destroy,
};

int x86_pm_create(struct device **out)
{
	struct device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	device_init(dev, &x86_pm_ops, X86_PM1A_CNT_PORT, 2);
	device_use_ports(dev, 2);
	*out = dev;
	return 0;
}
