/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio devices kvmini offers, each on the virtio-mmio transport (virtio.h). */
#ifndef KVMINI_VIRTIO_DEVICES_H
#define KVMINI_VIRTIO_DEVICES_H

#include <kvmini/compiler.h>

struct device;
struct blk_backend;
struct console;

/* virtio-rng at base: entropy from the host's getrandom(). */
int __must_check virtio_rng_create(uint64_t base, struct device **out);
/*
 * virtio-blk at base over an opened backend (the device owns it from
 * here, even when this fails), with 1 to DISK_MAX_QUEUES request queues.
 */
int __must_check virtio_blk_create(uint64_t base, struct blk_backend *backend,
				   unsigned int queues, struct device **out);

/*
 * virtio-console at base, one port (the guest's hvc0): the guest's output
 * goes to out_fd (-1: dropped), its size offered when out_fd is a terminal
 * that has one. Input comes from the console set below; connect it with
 * console_connect(c, dev, virtio_console_input_ready).
 */
int __must_check virtio_console_create(uint64_t base, int out_fd, struct device **out);
/* Where input comes from (NULL: nowhere; the default). Before the VM runs. */
void virtio_console_set_input(struct device *dev, struct console *in);
/*
 * The console has new input: the receive queue is served on the I/O thread
 * (the console calls this there; it is safe from any thread).
 */
void virtio_console_input_ready(struct device *dev);
/* out_fd's terminal changed size (SIGWINCH): tell the driver. From any thread. */
void virtio_console_resize(struct device *dev);

#endif
