// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.x, 5.2) over a raw image: reads, writes, flushes
 * and the device ID. Every request is checked as input: a header and a
 * writable status byte where the spec puts them, data a whole number of
 * sectors, and sector + length inside the disk without wrapping
 * (checklist items 10 and 11). A request that breaks the layout marks the
 * device as needing a reset; one that is merely wrong gets an error status.
 *
 * Reads, writes and flushes go through the disk's io_uring when it has one
 * (blk_uring_setup, at realize): the queue handler, on the I/O thread,
 * checks every request it pops, finishes at once what the page cache can
 * serve without blocking (blk_io_nowait), queues the rest and submits the
 * batch once; the ring's eventfd brings the completions back to the event
 * loop.
 * Such a request is held (virtio_hold) from its pop to its completion, in
 * a slot of its own, so a reset waits for it. Without io_uring the same
 * checks lead to the synchronous calls, in the handler.
 *
 * A disk may have several request queues (VIRTIO_BLK_F_MQ, --disk
 * FILE,queues=N): Linux gives each CPU its own, and can dedicate some to
 * polling (virtio_blk.poll_queues), where it never takes an interrupt and
 * the I/O thread's polling spares it the notifications too. They share
 * the slots and the ring; each completion goes back to its own queue.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/blk.h>
#include <kvmini/config.h>
#include <kvmini/cputime.h>
#include <kvmini/log.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#define VIRTIO_BLK_F_SEG_MAX	(1ULL << 2)
#define VIRTIO_BLK_F_RO		(1ULL << 5)
#define VIRTIO_BLK_F_BLK_SIZE	(1ULL << 6)
#define VIRTIO_BLK_F_FLUSH	(1ULL << 9)
#define VIRTIO_BLK_F_MQ		(1ULL << 12)

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
/* Not a status: the request needs its I/O done first (blk_check). */
#define BLK_NEEDS_IO		0x100

#define BLK_HEADER_BYTES	16
#define BLK_ID_BYTES		20
/* Segments besides the header and the status byte. */
#define BLK_SEG_MAX		(VIRTQ_MAX_SIZE - 2)
/* capacity, size_max, seg_max, geometry, blk_size; with MQ to num_queues (le16 at 34). */
#define BLK_CONFIG_BYTES	24
#define BLK_CONFIG_MQ_BYTES	36
#define BLK_CONFIG_NUM_QUEUES	34

_Static_assert(DISK_MAX_QUEUES <= VIRTIO_MAX_QUEUES, "a disk's queues are the transport's");
_Static_assert(DISK_MAX_QUEUES <= 32, "pushed and starved are 32-bit masks of queues");

/*
 * How many requests the kernel had over time, for --stats: what kvmini
 * sees of the disk's queue (the device's own view is /proc/diskstats).
 * A request counts from its queueing in the ring to kvmini reaping its
 * completion, so its time is the host's latency as the guest gets it:
 * the device's, io_uring's, and the I/O thread's turn to submit and reap.
 * Requests a guest keeps out but the kernel does not have are in the
 * guest or on their way through the virtqueue. With it, the handler's
 * time handing requests to the kernel.
 */
struct blk_depth {
	uint64_t last_ns;		/* when nr_held last changed */
	uint64_t held_ns;		/* the integral of nr_held over time */
	uint64_t busy_ns;		/* time with nr_held > 0 */
	uint64_t io_ns;			/* the sum of every request's time in the kernel */
	uint64_t ios;			/* requests back from the kernel */
	uint64_t submits;		/* the handler's calls into io_uring to submit */
	uint64_t submit_ns;		/* their time, summed */
	uint64_t submit_cpu_ns;		/* the I/O thread's CPU time in them (--stats only) */
};

/* nr_held is about to change: account for the time it held its value. */
static void blk_depth_tick(struct blk_depth *d, unsigned int nr_held, uint64_t now)
{
	if (nr_held) {
		d->held_ns += (now - d->last_ns) * nr_held;
		d->busy_ns += now - d->last_ns;
	}
	d->last_ns = now;
}

/*
 * One request from its pop to its push. A queue holds at most
 * VIRTQ_MAX_SIZE chains, and that many slots serve all of a disk's queues:
 * a queue that finds none left (the kernel has them all) is marked
 * starved and served again when completions free some (blk_reap). They
 * live in the device, not on a stack, because an asynchronous one
 * outlives the handler that popped it.
 */
struct blk_req {
	struct virtq_chain chain;
	struct iovec data[VIRTQ_MAX_SIZE];	/* the chain's data buffers, for the I/O */
	struct blk_io io;
	uint32_t data_len;		/* bytes a successful read puts in the buffers */
	uint64_t queued_ns;		/* when it went to the ring (monotonic) */
	unsigned int queue;		/* the queue it came from, and goes back to */
};

struct virtio_blk {
	struct virtio_dev vd;
	struct blk_backend *backend;
	struct blk_uring *uring;	/* NULL: synchronous I/O in the handler */
	struct ev_source done_src;	/* the ring's eventfd: completions to reap */
	/* Direct I/O polled (blk_uring_poll_setup): the I/O thread polls while it has any out. */
	bool polled;
	struct ev_poller done_poller;
	uint8_t config[BLK_CONFIG_MQ_BYTES];
	struct blk_req *reqs;		/* VIRTQ_MAX_SIZE slots */
	/*
	 * Free slots by index, the last one next: a stack apart from the
	 * slots, so a slot's pages are touched only when a request uses it
	 * (2 MiB of slots, of which a guest at queue depth 1 uses one).
	 */
	uint16_t free_slots[VIRTQ_MAX_SIZE];
	unsigned int nr_free;
	unsigned int nr_held;		/* slots the kernel has */
	struct blk_depth depth;		/* nr_held over time, for --stats */
	uint32_t pushed;		/* queues (bits) this batch of completions went to */
	uint32_t starved;		/* queues (bits) whose handler stopped for want of a slot */
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

/*
 * Check one request: the status it ends with now (*written: bytes put in
 * its writable buffers), or BLK_NEEDS_IO with r->io describing the read,
 * write or flush to do first (blk_io_status then gives the status).
 */
static int blk_check(struct virtio_blk *b, struct blk_req *r, uint32_t type, uint64_t sector,
		     uint32_t *written)
{
	const struct virtq_chain *c = &r->chain;
	struct blk_backend *be = b->backend;
	uint64_t data_len;

	*written = 0;
	r->data_len = 0;
	r->io = (struct blk_io){ .iov = r->data, .offset = sector * BLK_SECTOR };
	switch (type) {
	case VIRTIO_BLK_T_IN:
		data_len = c->in_bytes - 1;	/* the last writable byte is the status */
		if (!blk_range_ok(b, sector, data_len))
			break;
		r->io.op = BLK_OP_READ;
		r->io.nr_iov = iov_slice(c->iov + c->nr_out, c->nr_in, 0, data_len, r->data);
		r->data_len = (uint32_t)data_len;
		return BLK_NEEDS_IO;
	case VIRTIO_BLK_T_OUT:
		if (be->ro)
			return VIRTIO_BLK_S_IOERR;
		data_len = c->out_bytes - BLK_HEADER_BYTES;
		if (!blk_range_ok(b, sector, data_len))
			break;
		r->io.op = BLK_OP_WRITE;
		r->io.nr_iov = iov_slice(c->iov, c->nr_out, BLK_HEADER_BYTES, data_len, r->data);
		return BLK_NEEDS_IO;
	case VIRTIO_BLK_T_FLUSH:
		if (be->ro)
			return VIRTIO_BLK_S_OK;	/* nothing of ours to flush */
		r->io.op = BLK_OP_FLUSH;
		return BLK_NEEDS_IO;
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

/* The status of a request whose I/O ended with res (0 or -errno), by either path. */
static uint8_t blk_io_status(const struct blk_req *r, int res, uint32_t *written)
{
	*written = res ? 0 : r->data_len;
	return res ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* The status byte goes in the last writable byte; the used length counts it. */
static void blk_set_status(struct blk_req *r, uint8_t status)
{
	virtq_chain_write(&r->chain, r->chain.in_bytes - 1, &status, 1);
}

static struct blk_req *blk_req_get(struct virtio_blk *b)
{
	return b->nr_free ? &b->reqs[b->free_slots[--b->nr_free]] : NULL;
}

static void blk_req_put(struct virtio_blk *b, struct blk_req *r)
{
	b->free_slots[b->nr_free++] = (uint16_t)(r - b->reqs);
}

/* I/O out on the polled ring: nothing will signal its completions, so poll for them. */
static void blk_poll_completions(struct virtio_blk *b)
{
	if (b->polled && blk_uring_poll_out(b->uring))
		(void)evloop_poll_arm(&b->vd.dev.vm->loop, &b->done_poller);
}

/* The I/O thread: pop, check, and either finish each request or queue its I/O. */
static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);
	unsigned int queued = 0;
	bool pushed = false;

	for (unsigned int served = 0;; served++) {
		struct blk_req *r = blk_req_get(b);
		struct virtq_chain *c;
		uint8_t hdr[BLK_HEADER_BYTES];
		uint32_t type, written;
		uint64_t sector;
		int status;

		if (!r) {
			/* Every slot is in the kernel's hands: a completion calls us again. */
			b->starved |= 1u << q;
			break;
		}
		c = &r->chain;
		r->queue = q;
		if (virtio_pop(vd, q, c) <= 0) {
			blk_req_put(b, r);
			break;
		}
		/* Item 11: a header to read and a status byte to write, or nothing makes sense. */
		if (c->out_bytes < BLK_HEADER_BYTES || c->in_bytes < 1) {
			log_ratelimited(&b->rl, LOG_ERR, "vm", "%s: a request of %" PRIu64
					" readable and %" PRIu64 " writable bytes has no room for "
					"its header or status; returned unanswered",
					vd->dev.name, c->out_bytes, c->in_bytes);
			virtio_push(vd, q, c, 0);
			pushed = true;
			blk_req_put(b, r);
		} else {
			virtq_chain_read(c, 0, hdr, sizeof(hdr));
			memcpy(&type, hdr, 4);
			memcpy(&sector, hdr + 8, 8);
			status = blk_check(b, r, le32toh(type), le64toh(sector), &written);
			/* What the page cache serves at once needs no trip through the ring. */
			if (status == BLK_NEEDS_IO && b->uring) {
				int res = blk_io_nowait(b->backend, &r->io);

				if (res != -EAGAIN)
					status = blk_io_status(r, res, &written);
			}
			if (status == BLK_NEEDS_IO && b->uring && !blk_uring_queue(b->uring, &r->io)) {
				/* The device's until its completion: a reset waits for it. */
				virtio_hold(vd, 1);
				r->queued_ns = monotonic_ns();
				blk_depth_tick(&b->depth, b->nr_held, r->queued_ns);
				b->nr_held++;
				queued++;
			} else {
				/* Done at once, or no io_uring (or, rarely, no room in it): the I/O now. */
				if (status == BLK_NEEDS_IO)
					status = blk_io_status(r, blk_io_sync(b->backend, &r->io),
							       &written);
				blk_set_status(r, (uint8_t)status);
				virtio_push(vd, q, c, written + 1);
				pushed = true;
				blk_req_put(b, r);
			}
		}
		/* A queue's worth per call: a busy guest must not starve the I/O thread. */
		if (served + 1 == VIRTQ_MAX_SIZE) {
			virtio_requeue(vd, q);
			break;
		}
	}
	/*
	 * One submit per call: this batch, and whatever the kernel did not
	 * take before. What it still does not take stays held: ask to be
	 * called again, so no request waits forever (nor a reset for one).
	 */
	if (b->uring && blk_uring_unsubmitted(b->uring)) {
		/*
		 * The call's time, for --stats: the I/O thread looks at no
		 * queue meanwhile. On a host whose kernel is slow to take
		 * requests, that is what the guest's requests wait for.
		 */
		const struct vm_config *cfg = vd->dev.vm->cfg;
		/* Time off the CPU too, or the kernel's work? The CPU clock is a syscall: --stats only. */
		bool cpu = cfg && cfg->stats;
		uint64_t start = monotonic_ns(), start_cpu = cpu ? thread_cpu_ns() : 0;

		blk_uring_submit(b->uring);
		b->depth.submit_ns += monotonic_ns() - start;
		if (cpu)
			b->depth.submit_cpu_ns += thread_cpu_ns() - start_cpu;
		b->depth.submits++;
		if (blk_uring_unsubmitted(b->uring))
			virtio_requeue(vd, q);
		blk_poll_completions(b);
	}
	if (pushed)
		virtio_notify(vd, q);
}

/* One I/O the ring finished (blk_uring_reap): answer its request. */
static void blk_io_done(struct blk_io *io, int res, void *arg)
{
	struct virtio_blk *b = arg;
	struct blk_req *r = container_of(io, struct blk_req, io);
	uint64_t now = monotonic_ns();
	uint32_t written;

	blk_set_status(r, blk_io_status(r, res, &written));
	/* Dropped, not pushed, when a reset is waiting for it: the queue is going away. */
	if (virtio_complete(&b->vd, r->queue, &r->chain, written + 1))
		b->pushed |= 1u << r->queue;
	blk_depth_tick(&b->depth, b->nr_held, now);
	b->depth.io_ns += now - r->queued_ns;
	b->depth.ios++;
	b->nr_held--;
	blk_req_put(b, r);
}

/*
 * Reap a batch of completions: one interrupt for all of it. polled: only
 * poll the device once for the polled ring's. false: waiting failed.
 */
static bool blk_reap(struct virtio_blk *b, bool wait, bool polled)
{
	uint32_t again;
	int ended;

	b->pushed = 0;
	ended = polled ? blk_uring_poll_reap(b->uring, blk_io_done, b) :
			 blk_uring_reap(b->uring, wait, blk_io_done, b);
	for (unsigned int q = 0; q < b->vd.nr_queues; q++)
		if (b->pushed & 1u << q)
			virtio_notify(&b->vd, q);
	/*
	 * Slots free again: the queues that wanted one go on. A resubmission
	 * the kernel did not take: any queue's handler submits it.
	 */
	again = ended > 0 ? b->starved : 0;
	if (!again && blk_uring_unsubmitted(b->uring))
		again = 1u << 0;
	b->starved &= ~again;
	for (unsigned int q = 0; q < b->vd.nr_queues; q++)
		if (again & 1u << q)
			virtio_requeue(&b->vd, q);
	return ended >= 0;
}

/* The event loop: the ring's eventfd is readable. */
static void blk_done_ready(struct ev_source *src, uint32_t events)
{
	struct virtio_blk *b = container_of(src, struct virtio_blk, done_src);

	(void)events;
	virtio_busy_begin(&b->vd);
	(void)blk_reap(b, false, false);
	virtio_busy_end(&b->vd);
	/* A rest resubmitted (a short transfer) may have gone to the polled ring. */
	blk_poll_completions(b);
}

/*
 * A polling round with polled I/O out: poll the device once. It says it
 * found work for as long as any is out, so the loop keeps polling until
 * the last completion (its time counts as the polls' work in --stats).
 */
static bool blk_done_poll(struct ev_poller *p, uint64_t now)
{
	struct virtio_blk *b = container_of(p, struct virtio_blk, done_poller);

	(void)now;
	if (!blk_uring_poll_out(b->uring))
		return false;
	/* The device lock (busy) only when something completed: most rounds find nothing. */
	if (blk_uring_poll_ready(b->uring)) {
		virtio_busy_begin(&b->vd);
		(void)blk_reap(b, false, true);
		virtio_busy_end(&b->vd);
	}
	return true;
}

/* Out of the loop's polling with nothing out: nothing to turn back on. */
static void blk_done_poll_stop(struct ev_poller *p)
{
	(void)p;
}

/*
 * The VM stopped, the event loop with it: finish what the kernel still
 * has here, blocking, so nothing is in flight when this returns.
 */
static void blk_quiesce(struct virtio_dev *vd)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);

	while (b->nr_held) {
		if (!blk_reap(b, true, false)) {
			log_err("vm", "%s: %u requests left in flight", vd->dev.name, b->nr_held);
			return;
		}
	}
}

/* The event loop exists: choose the disk's path, and listen for completions. */
static int blk_realize(struct virtio_dev *vd)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);
	int ret;

	blk_uring_setup(b->backend, VIRTQ_MAX_SIZE, &b->uring);
	/*
	 * Synchronous I/O on a disk that waits on a device blocks the I/O
	 * thread: an interrupt held from the last run would wait out this
	 * run's reads too. Held only when the I/O is asynchronous or in memory.
	 */
	if (!b->uring && !b->backend->in_memory && vd->irq_hold) {
		vd->irq_hold = false;
		log_debug("vm", "%s: synchronous I/O on a device: interrupts are never held",
			  vd->dev.name);
	}
	if (!b->uring)
		return 0;
	b->done_src.fd = blk_uring_fd(b->uring);
	ret = evloop_add(&vd->dev.vm->loop, &b->done_src, EPOLLIN);
	if (ret) {
		blk_uring_free(b->uring);
		b->uring = NULL;
		return ret;
	}
	/* Polled completions need the I/O thread to poll: not with --io-poll 0. */
	if (vd->dev.vm->loop.poll_ns)
		b->polled = blk_uring_poll_setup(b->uring, VIRTQ_MAX_SIZE);
	else if (b->backend->direct_fd >= 0)
		log_info("vm", "%s: completions by interrupt (I/O polling is off: --io-poll 0, "
			 "or no CPU to spare beside the vCPUs; --io-poll USEC turns it on)",
			 b->backend->path);
	return 0;
}

static void blk_destroy(struct virtio_dev *vd)
{
	struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);

	/* Normally a no-op (quiesced already); a VM that never ran may still hold some. */
	if (b->uring)
		blk_quiesce(vd);
	blk_uring_free(b->uring);
	blk_close(b->backend);
	free(b->reqs);
	free(b);
}

/*
 * The requests the kernel had (io_uring only), and with ,direct how many
 * reads and writes bypassed the page cache, how many could not.
 */
static void blk_print_stats(struct virtio_dev *vd, FILE *f)
{
	const struct virtio_blk *b = container_of(vd, struct virtio_blk, vd);
	const struct blk_backend *be = b->backend;
	const struct blk_depth *d = &b->depth;

	if (d->ios) {
		fprintf(f, "kvmini: stats: %s: %" PRIu64 " requests through io_uring, %.1f in "
			"the kernel while it had any (%.3f ms in all), %.0f us there each (mean); "
			"%" PRIu64 " submissions, %.0f us each", vd->dev.name, d->ios,
			d->busy_ns ? (double)d->held_ns / (double)d->busy_ns : 0.0,
			(double)d->busy_ns / 1e6, (double)d->io_ns / (double)d->ios / 1e3,
			d->submits, d->submits ? (double)d->submit_ns / (double)d->submits / 1e3 : 0.0);
		if (d->submit_cpu_ns)
			fprintf(f, " (%.0f us on the CPU)",
				(double)d->submit_cpu_ns / (double)d->submits / 1e3);
		if (b->polled)
			fprintf(f, "; %" PRIu64 " completions polled%s", blk_uring_poll_ios(b->uring),
				blk_uring_polling(b->uring) ? "" : " (polling then refused)");
		fputc('\n', f);
	}
	if (be->direct_fd >= 0)
		fprintf(f, "kvmini: stats: %s: disk %s: %" PRIu64 " reads and writes direct "
			"(O_DIRECT), %" PRIu64 " through the page cache\n", vd->dev.name, be->path,
			__atomic_load_n(&be->nr_direct, __ATOMIC_RELAXED),
			__atomic_load_n(&be->nr_buffered, __ATOMIC_RELAXED));
}

static const struct virtio_dev_ops blk_ops = {
	.type = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.poll_queues = ~0u,		/* every request queue */
	.realize = blk_realize,
	.queue_notify = blk_notify,
	.quiesce = blk_quiesce,
	/* Frozen for a snapshot, nothing is in flight: the disk image is the rest. */
	.save = virtio_stateless_save,
	.load = virtio_stateless_load,
	.destroy = blk_destroy,
	.print_stats = blk_print_stats,
};

int virtio_blk_create(uint64_t base, struct blk_backend *backend, unsigned int queues,
		      struct device **out)
{
	struct virtio_blk *b;
	uint64_t capacity;
	uint16_t num_queues = htole16((uint16_t)queues);

	if (queues < 1 || queues > DISK_MAX_QUEUES) {
		blk_close(backend);
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (b)
		b->reqs = calloc(VIRTQ_MAX_SIZE, sizeof(*b->reqs));
	if (!b || !b->reqs) {
		free(b);
		blk_close(backend);
		return -ENOMEM;
	}
	for (unsigned int i = VIRTQ_MAX_SIZE; i--;)
		blk_req_put(b, &b->reqs[i]);
	b->backend = backend;
	capacity = htole64(backend->size / BLK_SECTOR);
	memcpy(b->config, &capacity, 8);
	put_le32(b->config + 12, BLK_SEG_MAX);
	put_le32(b->config + 20, BLK_SECTOR);
	memcpy(b->config + BLK_CONFIG_NUM_QUEUES, &num_queues, 2);
	/*
	 * Read-only disks say so; writable ones take flushes. One queue is
	 * the device it always was (config space and snapshots alike): MQ
	 * only when asked for more.
	 */
	virtio_init(&b->vd, &blk_ops, base, VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
		    (backend->ro ? VIRTIO_BLK_F_RO : VIRTIO_BLK_F_FLUSH) |
		    (queues > 1 ? VIRTIO_BLK_F_MQ : 0), b->config,
		    queues > 1 ? BLK_CONFIG_MQ_BYTES : BLK_CONFIG_BYTES);
	b->vd.nr_queues = queues;
	b->done_src = (struct ev_source){ .fd = -1, .ready = blk_done_ready,
					  .name = b->vd.dev.name };
	b->done_poller = (struct ev_poller){ .poll = blk_done_poll, .stop = blk_done_poll_stop };
	*out = &b->vd.dev;
	return 0;
}
