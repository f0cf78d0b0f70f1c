/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest driver's side of virtio-mmio for the unit tests: register
 * access, feature negotiation, queue setup and DRIVER_OK (3.1.1), against
 * a device without KVM.
 */
#ifndef KVMINI_TEST_VIRTIO_DRIVER_H
#define KVMINI_TEST_VIRTIO_DRIVER_H

#include <stdint.h>

#include <kvmini/device.h>
#include <kvmini/virtio.h>

#include "virtq_desc.h"

static inline uint32_t rd(struct device *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	d->ops->read(d, 0, off, &v, 4);
	return v;
}

static inline void wr(struct device *d, uint64_t off, uint32_t v)
{
	d->ops->write(d, 0, off, &v, 4);
}

/* Reset, acknowledge, offer features: whether the device took FEATURES_OK. */
static inline bool vdrv_negotiate(struct device *d, uint64_t features)
{
	wr(d, 0x070, 0);
	wr(d, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(d, 0x024, 0);
	wr(d, 0x020, (uint32_t)features);
	wr(d, 0x024, 1);
	wr(d, 0x020, (uint32_t)(features >> 32));
	wr(d, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return rd(d, 0x070) & VIRTIO_STATUS_FEATURES_OK;
}

/* Set up queue q with size entries and its rings: whether it became ready. */
static inline bool vdrv_queue(struct device *d, uint32_t q, uint32_t size, uint64_t desc,
			      uint64_t avail, uint64_t used)
{
	wr(d, 0x030, q);
	wr(d, 0x038, size);
	wr(d, 0x080, (uint32_t)desc);
	wr(d, 0x084, (uint32_t)(desc >> 32));
	wr(d, 0x090, (uint32_t)avail);
	wr(d, 0x094, (uint32_t)(avail >> 32));
	wr(d, 0x0a0, (uint32_t)used);
	wr(d, 0x0a4, (uint32_t)(used >> 32));
	wr(d, 0x044, 1);
	return rd(d, 0x044) == 1;
}

static inline void vdrv_driver_ok(struct device *d)
{
	wr(d, 0x070, rd(d, 0x070) | VIRTIO_STATUS_DRIVER_OK);
}

#endif
