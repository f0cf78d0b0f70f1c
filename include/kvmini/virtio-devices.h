/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio devices kvmini offers, each on the virtio-mmio transport (virtio.h). */
#ifndef KVMINI_VIRTIO_DEVICES_H
#define KVMINI_VIRTIO_DEVICES_H

#include <kvmini/compiler.h>

struct device;
struct blk_backend;

/* virtio-rng at base: entropy from the host's getrandom(). */
int __must_check virtio_rng_create(uint64_t base, struct device **out);
/* virtio-blk at base over an opened backend (the device owns it from here). */
int __must_check virtio_blk_create(uint64_t base, struct blk_backend *backend,
				   struct device **out);

#endif
