/* SPDX-License-Identifier: GPL-2.0-only */
/* What the virtio-mmio transport's files share (mmio.c: registers, virtio_state.c: snapshots). */
#ifndef KVMINI_VIRTIO_TRANSPORT_H
#define KVMINI_VIRTIO_TRANSPORT_H

#include <kvmini/virtio.h>

/* The feature bits offered: the device's own and VERSION_1. */
uint64_t virtio_device_features(const struct virtio_dev *vd);
/* The interrupt line follows InterruptStatus (vd->lock held). */
void virtio_update_irq(struct virtio_dev *vd);
/* A configuration change interrupt for the driver (vd->lock held). */
void virtio_config_interrupt(struct virtio_dev *vd);
/* Every held used-buffer interrupt out now (vd->lock held): a snapshot must not lose one. */
void virtio_release_held_locked(struct virtio_dev *vd);

#endif
