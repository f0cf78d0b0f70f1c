/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest driver's split rings for the unit tests, for devices with
 * several queues: probe (virtio_driver.h) with queue i's rings at
 * rings + i * 0x1000, then write descriptors, offer chains, kick through
 * QueueNotify and read the used ring back.
 */
#ifndef KVMINI_TEST_VIRTIO_RINGS_H
#define KVMINI_TEST_VIRTIO_RINGS_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include <kvmini/mem.h>

#include "virtio_driver.h"
#include "virtq_desc.h"

#define VRINGS_QSIZE 8
#define VRINGS_STRIDE 0x1000
#define VRINGS_AVAIL_OFF 0x400
#define VRINGS_USED_OFF 0x800

struct vrings_queue {
	uint64_t desc, avail, used;
	uint16_t avail_idx;		/* what the driver published */
	uint16_t used_seen;		/* used entries the driver has taken */
};

struct vrings {
	const struct guest_mem *mem;
	struct device *dev;
	struct vrings_queue q[VIRTIO_MAX_QUEUES];
};

static inline uint8_t *vrings_ptr(struct vrings *r, uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(r->mem, gpa, len);
}

/* 3.1.1 with nr_queues queues of VRINGS_QSIZE, their rings zeroed: whether all went well. */
static inline bool vrings_probe(struct vrings *r, uint64_t features, unsigned int nr_queues,
				uint64_t rings)
{
	if (!vdrv_negotiate(r->dev, features))
		return false;
	for (unsigned int i = 0; i < nr_queues; i++) {
		struct vrings_queue *q = &r->q[i];

		q->desc = rings + i * VRINGS_STRIDE;
		q->avail = q->desc + VRINGS_AVAIL_OFF;
		q->used = q->desc + VRINGS_USED_OFF;
		q->avail_idx = q->used_seen = 0;
		memset(vrings_ptr(r, q->desc, VRINGS_STRIDE), 0, VRINGS_STRIDE);
		if (!vdrv_queue(r->dev, i, VRINGS_QSIZE, q->desc, q->avail, q->used))
			return false;
	}
	vdrv_driver_ok(r->dev);
	return true;
}

static inline void vrings_desc(struct vrings *r, unsigned int q, uint16_t i, uint64_t addr,
			       uint32_t len, uint16_t flags, uint16_t next)
{
	virtq_desc_put(vrings_ptr(r, r->q[q].desc, 16 * VRINGS_QSIZE), i, addr, len, flags,
		       next);
}

/* Make the chain at head available (no notification). */
static inline void vrings_offer(struct vrings *r, unsigned int q, uint16_t head)
{
	struct vrings_queue *vq = &r->q[q];
	uint16_t h = htole16(head), idx;

	memcpy(vrings_ptr(r, vq->avail + 4 + 2 * (vq->avail_idx % VRINGS_QSIZE), 2), &h, 2);
	idx = htole16(++vq->avail_idx);
	memcpy(vrings_ptr(r, vq->avail + 2, 2), &idx, 2);
}

/* Notify through the QueueNotify register, as a guest does (the device's eventfd). */
static inline void vrings_kick(struct vrings *r, unsigned int q)
{
	wr(r->dev, 0x050, q);
}

/* The next used element, if the device published one. */
static inline bool vrings_used(struct vrings *r, unsigned int q, uint32_t *id, uint32_t *len)
{
	struct vrings_queue *vq = &r->q[q];
	uint8_t *elem;
	uint16_t idx;

	memcpy(&idx, vrings_ptr(r, vq->used + 2, 2), 2);
	if (le16toh(idx) == vq->used_seen)
		return false;
	elem = vrings_ptr(r, vq->used + 4 + 8 * (vq->used_seen % VRINGS_QSIZE), 8);
	memcpy(id, elem, 4);
	memcpy(len, elem + 4, 4);
	*id = le32toh(*id);
	*len = le32toh(*len);
	vq->used_seen++;
	return true;
}

#endif
