// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test device's PING by port I/O (x86): a 32-bit OUT to its port is
 * the same PING as the MMIO register, so the guest can compare PIO exits
 * with MMIO ones and fault injection fires at either. Reads give the PING
 * count, as the MMIO register does.
 */
#include <errno.h>
#include <stdlib.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>

#include "../testdev.h"
#include "test.h"

struct testdev_port {
	struct device dev;
	struct testdev *td;
};

static struct testdev *port_testdev(struct device *dev)
{
	return ((struct testdev_port *)dev)->td;
}

static void testdev_port_read(struct device *dev, unsigned int cpu, uint64_t offset,
			      void *data, unsigned int len)
{
	struct testdev *td = port_testdev(dev);

	(void)offset;
	td->dev.ops->read(&td->dev, cpu, TESTDEV_PING, data, len);
}

static __hot void testdev_port_write(struct device *dev, unsigned int cpu, uint64_t offset,
			       const void *data, unsigned int len)
{
	struct testdev *td = port_testdev(dev);

	(void)offset;
	testdev_write(&td->dev, cpu, TESTDEV_PING, data, len);
}

static void testdev_port_destroy(struct device *dev)
{
	free(dev);
}

static const struct device_ops testdev_port_ops = {
	.type = "testdev-port",
	.read = testdev_port_read,
	.write = testdev_port_write,
	.save = device_save_stateless,	/* the PING count is the test device's, saved there */
	.load = device_load_stateless,
	.destroy = testdev_port_destroy,
};

int testdev_port_create(struct testdev *td, uint16_t port, struct device **out)
{
	struct testdev_port *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	device_init(&p->dev, &testdev_port_ops, port, 4);
	device_use_ports(&p->dev, 4);
	p->td = td;
	*out = &p->dev;
	return 0;
}
