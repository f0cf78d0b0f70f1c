// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.x, 5.2) over a raw image: reads, writes, flushes
 * and the device ID. Every request is checked as input: a header and a
 * writable status byte where the spec puts them, data a whole number of
 * sectors, and sector + length inside the disk without wrapping
 * (checklist items 10 and 11). A request that breaks the layout marks the
 * device as needing a reset; one that is merely wrong gets an error status.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/blk.h>
#include <kvmini/log.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>

#define VIRTIO_BLK_F_SEG_MAX	(1ULL << 2)
#define VIRTIO_BLK_F_RO		(1ULL << 5)
#define VIRTIO_BLK_F_BLK_SIZE	(1ULL << 6)
#define VIRTIO_BLK_F_FLUSH	(1ULL << 9)

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define BLK_HEADER_BYTES	16
#define BLK_ID_BYTES		20
/* Segments besides the header and the status byte. */
#define BLK_SEG_MAX		(VIRTQ_MAX_SIZE - 2)
#define BLK_CONFIG_BYTES	24	/* capacity, size_max, seg_max, geometry, blk_size */

struct virtio_blk {
	struct virtio_dev vd;
	struct blk_backend *backend;
	uint8_t config[BLK_CONFIG_BYTES];
	struct virtq_chain chain;
	struct iovec data[VIRTQ_MAX_SIZE];
	struct ratelimit rl;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

/*
 * The iovecs covering [offset, offset + len) of the chain's readable
 * (writable) buffers, into out: how many.
 */
static int iov_slice(const struct iovec *iov, unsigned int n, uint64_t offset, uint64_t len,
		     struct iovec *out)
{
	int k = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		uint64_t seg = iov[i].iov_len, take;

		if (offset >= seg) {
			offset -= seg;
			continue;
		}
		take = seg - offset < len ? seg - offset : len;
		out[k++] = (struct iovec){ .iov_base = (uint8_t *)iov[i].iov_base + offset,
					   .iov_len = take };
		len -= take;
		offset = 0;
	}
	return k;
}

/* Sector and length inside the disk, in whole sectors, without wrapping. */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	uint64_t sectors = b->backend->size / BLK_SECTOR;

	return len % BLK_SECTOR == 0 && sector <= sectors &&
	       len / BLK_SECTOR <= sectors - sector;
}

/* One request: the status it ends with; *written: bytes put in its writable buffers. */
static uint8_t blk_request(struct virtio_blk *b, const struct virtq_chain *c, uint32_t type,
			   uint64_t sector, uint32_t *written)
{
	struct blk_backend *be = b->backend;
	uint64_t data_len;
	int n, ret = 0;

	*written = 0;
	switch (type) {
	case VIRTIO_BLK_T_IN:
		data_len = c->in_bytes - 1;	/* the last writable byte is the status */
		if (!blk_range_ok(b, sector, data_len))
			break;
		n = iov_slice(c->iov + c->nr_out, c->nr_in, 0, data_len, b->data);
		ret = blk_read(be, b->data, n, sector * BLK_SECTOR);
		if (!ret)
			*written = (uint32_t)data_len;
		return ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		if (be->ro)
			return VIRTIO_BLK_S_IOERR;
		data_len = c->out_bytes - BLK_HEADER_BYTES;
		if (!blk_range_ok(b, sector, data_len))
			break;
		n = iov_slice(c->iov, c->nr_out, BLK_HEADER_BYTES, data_len, b->data);
		ret = blk_write(be, b->data, n, sector * BLK_SECTOR);
		return ret ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return be->ro || !blk_flush(be) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID: {
		char id[BLK_ID_BYTES + 1];

		/* Up to 20 bytes, NUL-padded when shorter (5.2.6). */
		memset(id, 0, sizeof(id));
		snprintf(id, sizeof(id), "kvmini-%s", b->vd.dev.name + strlen("virtio-blk@"));
		*written = (uint32_t)virtq_chain_write(c, 0, id,
						       c->in_bytes - 1 < BLK_ID_BYTES ?
						       c->in_bytes - 1 : BLK_ID_BYTES);
		return VIRTIO_BLK_S_OK;
	}
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
	log_ratelimited(&b->rl, LOG_WARN, "vm", "%s: guest request type %u for sector %" PRIu64
			" with %" PRIu64 " bytes: not whole sectors inside the disk's %" PRIu64
			"; I/O error", b->vd.dev.name, type, sector, data_len,
			be->size / BLK_SECTOR);
	return VIRTIO_BLK_S_IOERR;
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);
	struct virtq_chain *c = &b->chain;

	for (unsigned int served = 0; virtio_pop(vd, q, c) > 0; served++) {
		uint8_t hdr[BLK_HEADER_BYTES], status;
		uint32_t type, written;
		uint64_t sector;

		/* Item 11: a header to read and a status byte to write, or nothing makes sense. */
		if (c->out_bytes < BLK_HEADER_BYTES || c->in_bytes < 1) {
			log_ratelimited(&b->rl, LOG_ERR, "vm", "%s: a request of %" PRIu64
					" readable and %" PRIu64 " writable bytes has no room for "
					"its header or status; returned unanswered",
					vd->dev.name, c->out_bytes, c->in_bytes);
			virtio_push(vd, q, c, 0);
			continue;
		}
		virtq_chain_read(c, 0, hdr, sizeof(hdr));
		memcpy(&type, hdr, 4);
		memcpy(&sector, hdr + 8, 8);
		status = blk_request(b, c, le32toh(type), le64toh(sector), &written);
		virtq_chain_write(c, c->in_bytes - 1, &status, 1);
		virtio_push(vd, q, c, written + 1);
		/* A queue's worth per call: a busy guest must not starve the I/O thread. */
		if (served + 1 == VIRTQ_MAX_SIZE) {
			virtio_requeue(vd, q);
			break;
		}
	}
	virtio_notify(vd, q);
}

static void blk_destroy(struct virtio_dev *vd)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);

	blk_close(b->backend);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.type = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_notify = blk_notify,
	.destroy = blk_destroy,
};

int virtio_blk_create(uint64_t base, struct blk_backend *backend, struct device **out)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	uint64_t capacity;

	if (!b) {
		blk_close(backend);
		return -ENOMEM;
	}
	b->backend = backend;
	capacity = htole64(backend->size / BLK_SECTOR);
	memcpy(b->config, &capacity, 8);
	put_le32(b->config + 12, BLK_SEG_MAX);
	put_le32(b->config + 20, BLK_SECTOR);
	/* Read-only disks say so; writable ones take flushes. */
	virtio_init(&b->vd, &blk_ops, base, VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
		    (backend->ro ? VIRTIO_BLK_F_RO : VIRTIO_BLK_F_FLUSH), b->config,
		    sizeof(b->config));
	*out = &b->vd.dev;
	return 0;
}
