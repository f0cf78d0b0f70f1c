// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-mmio transport (virtio 1.x, 4.2.2, register layout version 2).
 * Registers are 32-bit and accessed by vCPU threads under vd->lock; queue
 * work runs on the I/O thread, reached through one eventfd per queue that
 * KVM signals when the guest writes the queue's index to QueueNotify.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/cputime.h>
#include <kvmini/fdt-util.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "transport.h"

enum {
	MMIO_MAGIC = 0x000,
	MMIO_VERSION = 0x004,
	MMIO_DEVICE_ID = 0x008,
	MMIO_VENDOR_ID = 0x00c,
	MMIO_DEVICE_FEATURES = 0x010,
	MMIO_DEVICE_FEATURES_SEL = 0x014,
	MMIO_DRIVER_FEATURES = 0x020,
	MMIO_DRIVER_FEATURES_SEL = 0x024,
	MMIO_QUEUE_SEL = 0x030,
	MMIO_QUEUE_NUM_MAX = 0x034,
	MMIO_QUEUE_NUM = 0x038,
	MMIO_QUEUE_READY = 0x044,
	MMIO_QUEUE_NOTIFY = 0x050,
	MMIO_INTERRUPT_STATUS = 0x060,
	MMIO_INTERRUPT_ACK = 0x064,
	MMIO_STATUS = 0x070,
	MMIO_QUEUE_DESC_LOW = 0x080,
	MMIO_QUEUE_DESC_HIGH = 0x084,
	MMIO_QUEUE_DRIVER_LOW = 0x090,
	MMIO_QUEUE_DRIVER_HIGH = 0x094,
	MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	MMIO_CONFIG_GENERATION = 0x0fc,
	MMIO_CONFIG = 0x100,
};

#define MMIO_MAGIC_VALUE 0x74726976	/* "virt" */
#define MMIO_VENDOR_VALUE 0x4b564d49	/* "IMVK": kvmini */
#define ISR_USED 1
#define ISR_CONFIG 2

static struct virtio_dev *to_virtio(struct device *dev)
{
	return container_of(dev, struct virtio_dev, dev);
}

uint64_t virtio_device_features(const struct virtio_dev *vd)
{
	return vd->features | VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX;
}

/* The line follows the interrupt status: high while anything is unacknowledged. */
void virtio_update_irq(struct virtio_dev *vd)
{
	if (vd->dev.has_irq)
		(void)irq_line_set(&vd->dev.irq, vd->isr != 0);
}

/* InterruptStatus bit 1: the driver re-reads the config space (4.2.2). */
void virtio_config_interrupt(struct virtio_dev *vd)
{
	vd->isr |= ISR_CONFIG;
	virtio_update_irq(vd);
}

/* A queue the driver broke: the device needs a reset, and says so (4.2.2.1). */
static void virtio_needs_reset(struct virtio_dev *vd)
{
	if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK) {
		vd->isr |= ISR_CONFIG;
		virtio_update_irq(vd);
	}
}

/* Queue k's interrupt holding starts over (vd->lock held): a new driver, or none. */
static void virtio_hold_forget(struct virtio_queue_kick *k)
{
	k->irq_held = k->burst = false;
	k->arrivals = 0;
	k->gap_ns = k->last_arrival_ns = 0;
	/* And the polls' count of waiting requests: the next look is a first. */
	k->looked_ns = 0;
}

static void virtio_reset_locked(struct virtio_dev *vd)
{
	/*
	 * Requests being served or held finish first (their buffers are the
	 * driver's again after); the lock is let go while waiting, so the
	 * I/O thread can complete them - into nothing: resetting drops them.
	 */
	vd->resetting++;
	while (vd->busy || vd->held)
		pthread_cond_wait(&vd->idle, &vd->lock);
	vd->resetting--;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&vd->vq[i]);
	vd->status = 0;
	vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = 0;
	vd->driver_features = 0;
	vd->isr = 0;
	virtio_update_irq(vd);
	/* A new driver: nothing held for the old one, its pace forgotten. */
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtio_hold_forget(&vd->kick[i]);
}

static struct virtq *virtio_selected(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->nr_queues ? &vd->vq[vd->queue_sel] : NULL;
}

static uint32_t virtio_reg_read(struct virtio_dev *vd, uint64_t offset)
{
	struct virtq *q = virtio_selected(vd);
	uint64_t features = virtio_device_features(vd);

	switch (offset) {
	case MMIO_MAGIC:
		return MMIO_MAGIC_VALUE;
	case MMIO_VERSION:
		return 2;
	case MMIO_DEVICE_ID:
		return vd->ops->device_id;
	case MMIO_VENDOR_ID:
		return MMIO_VENDOR_VALUE;
	case MMIO_DEVICE_FEATURES:
		return vd->dev_features_sel == 0 ? (uint32_t)features :
		       vd->dev_features_sel == 1 ? (uint32_t)(features >> 32) : 0;
	case MMIO_QUEUE_NUM_MAX:
		return q ? VIRTQ_MAX_SIZE : 0;
	case MMIO_QUEUE_READY:
		return q && q->enabled;
	case MMIO_INTERRUPT_STATUS:
		vd->isr_reads++;
		return vd->isr;
	case MMIO_STATUS:
		return vd->status;
	case MMIO_CONFIG_GENERATION:
		return vd->config_generation;
	}
	log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest read register 0x%" PRIx64
			", which is write-only or unknown; reads as 0", vd->dev.name, offset);
	return 0;
}

/* A 64-bit value written as two 32-bit registers (ring addresses, features). */
static void set_half(uint64_t *val, bool high, uint32_t v)
{
	*val = high ? (*val & 0xffffffffULL) | (uint64_t)v << 32 : (*val & ~0xffffffffULL) | v;
}

/* Queue registers: written only while the queue is off and the driver not yet OK. */
static void virtio_queue_write(struct virtio_dev *vd, uint64_t offset, uint32_t v)
{
	struct virtq *q = virtio_selected(vd);

	if (!q) {
		log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest set up queue %u; the "
				"device has %u; ignored", vd->dev.name, vd->queue_sel,
				vd->nr_queues);
		return;
	}
	if (offset == MMIO_QUEUE_READY && !v) {
		/* Taking a queue out of use is always allowed (4.2.3.2); nothing is owed on it. */
		q->enabled = false;
		virtio_hold_forget(&vd->kick[vd->queue_sel]);
		return;
	}
	if (q->enabled || vd->status & VIRTIO_STATUS_DRIVER_OK) {
		if (!(offset == MMIO_QUEUE_READY && v == (uint32_t)q->enabled))
			log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest changed queue %u "
					"after enabling it (register 0x%" PRIx64 "); ignored",
					vd->dev.name, vd->queue_sel, offset);
		return;
	}
	switch (offset) {
	case MMIO_QUEUE_NUM:
		q->size = (uint16_t)(v > UINT16_MAX ? 0 : v);	/* checked when enabled */
		break;
	case MMIO_QUEUE_DESC_LOW:
	case MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc_gpa, offset == MMIO_QUEUE_DESC_HIGH, v);
		break;
	case MMIO_QUEUE_DRIVER_LOW:
	case MMIO_QUEUE_DRIVER_HIGH:
		set_half(&q->avail_gpa, offset == MMIO_QUEUE_DRIVER_HIGH, v);
		break;
	case MMIO_QUEUE_DEVICE_LOW:
	case MMIO_QUEUE_DEVICE_HIGH:
		set_half(&q->used_gpa, offset == MMIO_QUEUE_DEVICE_HIGH, v);
		break;
	case MMIO_QUEUE_READY:
		q->event_idx = vd->driver_features & VIRTIO_RING_F_EVENT_IDX;
		if (v && virtq_enable(q, &vd->dev.vm->mem, VIRTQ_MAX_SIZE))
			virtio_needs_reset(vd);
		break;
	}
}

/*
 * Status: 0 resets (true: the caller runs the device's reset hook, outside
 * the lock); FEATURES_OK only for features the device offers, VERSION_1
 * among them.
 */
static bool virtio_status_write(struct virtio_dev *vd, uint32_t v)
{
	if (!v) {
		virtio_reset_locked(vd);
		return true;
	}
	if (v & VIRTIO_STATUS_FEATURES_OK && !(vd->status & VIRTIO_STATUS_FEATURES_OK) &&
	    (vd->driver_features & ~virtio_device_features(vd) ||
	     !(vd->driver_features & VIRTIO_F_VERSION_1))) {
		log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: the driver accepted features "
				"0x%" PRIx64 " of 0x%" PRIx64 " offered; FEATURES_OK refused",
				vd->dev.name, vd->driver_features, virtio_device_features(vd));
		v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	}
	/* The device's NEEDS_RESET bit is its own to clear (by a reset). */
	vd->status = (v & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET) |
		     (vd->status & VIRTIO_STATUS_NEEDS_RESET);
	/* A change made before the driver was ready is announced now it is. */
	if (vd->status & VIRTIO_STATUS_DRIVER_OK && vd->config_changed) {
		vd->config_changed = false;
		virtio_config_interrupt(vd);
	}
	return false;
}

static void virtio_kick(struct virtio_queue_kick *k)
{
	uint64_t one = 1;

	if (write(k->src.fd, &one, sizeof(one)) < 0) {
		/* Only a full counter refuses: a kick is already pending. */
	}
}

/* True when the write reset the device. */
static bool virtio_reg_write(struct virtio_dev *vd, uint64_t offset, uint32_t v)
{
	switch (offset) {
	case MMIO_DEVICE_FEATURES_SEL:
		vd->dev_features_sel = v;
		return false;
	case MMIO_DRIVER_FEATURES:
		if (vd->status & VIRTIO_STATUS_FEATURES_OK)
			return false;		/* negotiated: latched */
		if (vd->drv_features_sel < 2)
			set_half(&vd->driver_features, vd->drv_features_sel == 1, v);
		return false;
	case MMIO_DRIVER_FEATURES_SEL:
		vd->drv_features_sel = v;
		return false;
	case MMIO_QUEUE_SEL:
		vd->queue_sel = v;
		return false;
	case MMIO_QUEUE_NUM:
	case MMIO_QUEUE_READY:
	case MMIO_QUEUE_DESC_LOW:
	case MMIO_QUEUE_DESC_HIGH:
	case MMIO_QUEUE_DRIVER_LOW:
	case MMIO_QUEUE_DRIVER_HIGH:
	case MMIO_QUEUE_DEVICE_LOW:
	case MMIO_QUEUE_DEVICE_HIGH:
		virtio_queue_write(vd, offset, v);
		return false;
	case MMIO_QUEUE_NOTIFY:
		/* Here only without an ioeventfd, or for an index it does not match. */
		if (v < vd->nr_queues)
			virtio_kick(&vd->kick[v]);
		else
			log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest notified queue "
					"%u; the device has %u; ignored", vd->dev.name, v,
					vd->nr_queues);
		return false;
	case MMIO_INTERRUPT_ACK:
		vd->isr &= ~v;
		virtio_update_irq(vd);
		return false;
	case MMIO_STATUS:
		return virtio_status_write(vd, v);
	}
	log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest wrote 0x%x to register 0x%"
			PRIx64 ", which is read-only or unknown; ignored", vd->dev.name, v, offset);
	return false;
}

static void virtio_mmio_read(struct device *dev, unsigned int cpu, uint64_t offset,
			     void *data, unsigned int len)
{
	struct virtio_dev *vd = to_virtio(dev);
	uint8_t buf[8] = { 0 };

	(void)cpu;
	bus_data_put(data, len, 0);
	pthread_mutex_lock(&vd->lock);
	if (offset >= MMIO_CONFIG) {
		/* Config space: any width, bounds-checked (checklist item 12). */
		uint64_t off = offset - MMIO_CONFIG;

		if (off < vd->config_len && len <= vd->config_len - off) {
			memcpy(buf, vd->config + off, len);
			memcpy(data, buf, len);
		} else {
			log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest read %u bytes at "
					"config offset 0x%" PRIx64 ", beyond its %zu bytes; reads as 0",
					dev->name, len, off, vd->config_len);
		}
	} else if (len != 4 || offset % 4) {
		log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest read register 0x%" PRIx64
				" with a %u-byte access (registers are 32-bit); reads as 0",
				dev->name, offset, len);
	} else {
		bus_data_put(data, 4, virtio_reg_read(vd, offset));
	}
	pthread_mutex_unlock(&vd->lock);
}

static void virtio_mmio_write(struct device *dev, unsigned int cpu, uint64_t offset,
			      const void *data, unsigned int len)
{
	struct virtio_dev *vd = to_virtio(dev);
	bool reset = false;

	(void)cpu;
	if (offset >= MMIO_CONFIG && vd->ops->config_write) {
		/* Outside the lock: the device may block on its backend. */
		vd->ops->config_write(vd, offset - MMIO_CONFIG, data, len);
		return;
	}
	pthread_mutex_lock(&vd->lock);
	if (offset >= MMIO_CONFIG)
		log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest wrote its config space "
				"(offset 0x%" PRIx64 "), which is read-only; ignored",
				dev->name, offset - MMIO_CONFIG);
	else if (len != 4 || offset % 4)
		log_ratelimited(&vd->rl, LOG_WARN, "mmio", "%s: guest wrote register 0x%" PRIx64
				" with a %u-byte access (registers are 32-bit); ignored",
				dev->name, offset, len);
	else
		reset = virtio_reg_write(vd, offset, (uint32_t)bus_data_get(data, 4));
	pthread_mutex_unlock(&vd->lock);
	if (reset && vd->ops->reset)
		vd->ops->reset(vd);
}

/*
 * Interrupt holding (struct virtio_queue_kick). The longest a completion
 * waits for its interrupt while the guest keeps handing over requests:
 * a bound for a guest that never pauses, far above the gap between its
 * requests on any host where holding pays.
 */
#define IRQ_HOLD_MAX_NS 2000000ULL

/* A handler run took its first request (vd->lock held): an arrival, and the gap since the last. */
static void virtio_arrival_locked(struct virtio_dev *vd, struct virtio_queue_kick *k)
{
	uint64_t now = monotonic_ns(), gap = now - k->last_arrival_ns;

	k->run_took = true;
	k->arrivals++;
	/* Gaps inside a busy spell only: an idle queue's next request says nothing of its pace. */
	if (k->last_arrival_ns && gap < vd->dev.vm->loop.poll_ns)
		k->gap_ns = k->gap_ns ? (7 * k->gap_ns + gap) / 8 : gap;
	k->last_arrival_ns = now;
}

int virtio_pop(struct virtio_dev *vd, unsigned int q, struct virtq_chain *c)
{
	int ret = 0;

	pthread_mutex_lock(&vd->lock);
	/* Nothing new while a reset waits for the device to let go of what it has. */
	if (vd->status & VIRTIO_STATUS_DRIVER_OK && !(vd->status & VIRTIO_STATUS_NEEDS_RESET) &&
	    !vd->resetting && !vd->frozen)
		ret = virtq_pop(&vd->vq[q], c);
	if (ret > 0) {
		vd->stats[q].requests++;
		/* Arrivals matter only where interrupts may be held: a polled queue. */
		if (!vd->kick[q].run_took && vd->ops->poll_queues & 1u << q)
			virtio_arrival_locked(vd, &vd->kick[q]);
	}
	if (ret < 0)
		virtio_needs_reset(vd);
	pthread_mutex_unlock(&vd->lock);
	return ret;
}

void virtio_push(struct virtio_dev *vd, unsigned int q, const struct virtq_chain *c,
		 uint32_t written)
{
	pthread_mutex_lock(&vd->lock);
	virtq_push(&vd->vq[q], c, written);
	pthread_mutex_unlock(&vd->lock);
}

void virtio_hold(struct virtio_dev *vd, unsigned int n)
{
	pthread_mutex_lock(&vd->lock);
	vd->held += n;
	pthread_mutex_unlock(&vd->lock);
}

bool virtio_complete(struct virtio_dev *vd, unsigned int q, const struct virtq_chain *c,
		     uint32_t written)
{
	bool push;

	pthread_mutex_lock(&vd->lock);
	push = !vd->resetting;
	if (push)
		virtq_push(&vd->vq[q], c, written);
	if (vd->held && !--vd->held)
		pthread_cond_broadcast(&vd->idle);
	pthread_mutex_unlock(&vd->lock);
	return push;
}

/*
 * Raise queue q's used-buffer interrupt if the driver wants one for what
 * was pushed since the last (vd->lock held); any hold ends here.
 */
static void virtio_signal_locked(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_queue_kick *k = &vd->kick[q];

	k->irq_held = false;
	if (virtq_needs_interrupt(&vd->vq[q])) {
		vd->stats[q].interrupts++;
		vd->isr |= ISR_USED;
		virtio_update_irq(vd);
		/* Requests came in apart while earlier ones were done: the guest pipelines. */
		k->burst = k->arrivals >= 2;
		k->arrivals = 0;
	} else {
		vd->stats[q].interrupts_skipped++;
	}
}

/*
 * Whether queue q's interrupt may wait (vd->lock held): it is polled (so
 * the I/O thread looks again soon, and releases it), the guest pipelines,
 * not half the ring is waiting, and no completion waited too long.
 */
static bool virtio_may_hold(const struct virtio_dev *vd, unsigned int q)
{
	const struct virtio_queue_kick *k = &vd->kick[q];
	const struct virtq *vq = &vd->vq[q];

	/* Not while a freeze or reset waits: they release what is held, and must see it all. */
	if (!vd->irq_hold || !k->burst || !k->poller.armed || vd->frozen || vd->resetting ||
	    !vq->enabled || !vq->signalled_valid ||
	    (uint16_t)(vq->used_idx - vq->signalled_used) >= vq->size / 2)
		return false;
	/* The clock only for a queue already holding: most notifies never read it. */
	return !k->irq_held || monotonic_ns() - k->held_since_ns < vd->irq_hold_max_ns;
}

void virtio_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_queue_kick *k = &vd->kick[q];

	pthread_mutex_lock(&vd->lock);
	if (virtio_may_hold(vd, q)) {
		if (!k->irq_held)
			k->held_since_ns = monotonic_ns();
		k->irq_held = true;
		vd->stats[q].interrupts_held++;
	} else {
		virtio_signal_locked(vd, q);
	}
	pthread_mutex_unlock(&vd->lock);
}

/*
 * A held interrupt goes out once the guest paused - no request for twice
 * its usual gap - or waited its longest; always when stopping: polling
 * ended (the queue idle for the window: a pause too) or the device
 * freezes.
 */
static void virtio_release_locked(struct virtio_dev *vd, unsigned int q, bool always)
{
	struct virtio_queue_kick *k = &vd->kick[q];
	uint64_t now;

	if (!k->irq_held)
		return;
	now = monotonic_ns();
	if (always || now - k->last_arrival_ns >= 2 * k->gap_ns ||
	    now - k->held_since_ns >= vd->irq_hold_max_ns)
		virtio_signal_locked(vd, q);
}

void virtio_release_held_locked(struct virtio_dev *vd)
{
	for (unsigned int i = 0; i < vd->nr_queues; i++)
		virtio_release_locked(vd, i, true);
}

void virtio_requeue(struct virtio_dev *vd, unsigned int q)
{
	/* Mostly the I/O thread, but a thaw or a load too: no lock, an atomic count. */
	__atomic_fetch_add(&vd->stats[q].requeues, 1, __ATOMIC_RELAXED);
	virtio_kick(&vd->kick[q]);
}

void virtio_config_set(struct virtio_dev *vd, size_t offset, const void *bytes, size_t len)
{
	pthread_mutex_lock(&vd->lock);
	if (offset <= vd->config_len && len <= vd->config_len - offset)
		memcpy(vd->config + offset, bytes, len);
	else
		log_err("vm", "%s: config bytes %zu-%zu set; the config space has %zu",
			vd->dev.name, offset, offset + len, vd->config_len);
	vd->config_generation++;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_config_interrupt(vd);
	else
		vd->config_changed = true;
	pthread_mutex_unlock(&vd->lock);
}

void virtio_busy_begin(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->busy = true;
	pthread_mutex_unlock(&vd->lock);
}

void virtio_busy_end(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->lock);
	vd->busy = false;
	pthread_cond_broadcast(&vd->idle);
	pthread_mutex_unlock(&vd->lock);
}

/* The I/O thread: run queue q's handler, counted busy (a reset waits for it); whether it took requests. */
static bool virtio_serve(struct virtio_dev *vd, unsigned int q)
{
	uint64_t before;
	bool took;

	pthread_mutex_lock(&vd->lock);
	vd->busy = true;
	vd->kick[q].run_took = false;
	before = vd->stats[q].requests;
	pthread_mutex_unlock(&vd->lock);
	vd->ops->queue_notify(vd, q);
	pthread_mutex_lock(&vd->lock);
	vd->busy = false;
	pthread_cond_broadcast(&vd->idle);
	took = vd->stats[q].requests != before;
	pthread_mutex_unlock(&vd->lock);
	return took;
}

/*
 * Poll queue q from now on (for the loop's window past its last work),
 * notifications off: while the guest keeps it busy it need not notify,
 * an exit each time. Only queues the device type lets be polled, and
 * only when the loop polls (--io-poll).
 */
static void virtio_poll_start(struct virtio_dev *vd, unsigned int q)
{
	const struct virtq *vq = &vd->vq[q];

	if (!(vd->ops->poll_queues & 1u << q))
		return;
	pthread_mutex_lock(&vd->lock);
	/*
	 * Only a queue it could serve: a kick on a disabled or broken one, or
	 * before DRIVER_OK, must not buy the guest a spinning I/O thread. Not
	 * while frozen either: the flag is a write to guest RAM, which a
	 * snapshot is reading (thaw serves the queue again, and polls it).
	 */
	if (vq->enabled && !vq->broken && vd->status & VIRTIO_STATUS_DRIVER_OK &&
	    !(vd->status & VIRTIO_STATUS_NEEDS_RESET) && !vd->frozen) {
		struct virtio_queue_kick *k = &vd->kick[q];
		bool armed = k->poller.armed;

		if (evloop_poll_arm(&vd->dev.vm->loop, &k->poller)) {
			virtq_notify_off(&vd->vq[q]);
			/* Its polls' count of waiting requests starts now (the handler takes what waits). */
			if (!armed) {
				k->looked_ns = monotonic_ns();
				k->seen_end = vq->last_avail;
			}
		}
	}
	pthread_mutex_unlock(&vd->lock);
}

/*
 * The I/O thread: a queue was kicked (by KVM's ioeventfd or a trapped
 * write). Polling starts before the handler runs, so the driver sees no
 * notification wanted while the handler takes the first requests.
 */
static void virtio_kick_ready(struct ev_source *src, uint32_t events)
{
	struct virtio_queue_kick *k = container_of(src, struct virtio_queue_kick, src);
	struct virtio_dev *vd = k->vd;
	uint64_t count;

	(void)events;
	if (read(src->fd, &count, sizeof(count)) != sizeof(count))
		return;
	pthread_mutex_lock(&vd->lock);
	vd->stats[k->index].kicks += count;
	vd->stats[k->index].runs++;
	pthread_mutex_unlock(&vd->lock);
	virtio_poll_start(vd, k->index);
	(void)virtio_serve(vd, k->index);
}

/*
 * Queue k's poll looked at now and found waiting requests (vd->lock
 * held), for --stats: how long the guest's requests wait for the I/O
 * thread to take them. Those found at the last look and still there
 * waited all the time since; the new ones came in meanwhile, at times
 * unknown - half of it each, on average. A first look (after a reset, or
 * polling's start), or a count no ring can hold (a driver's bad index,
 * which the next pop reports), only starts the count over.
 */
static void virtio_found_locked(struct virtio_dev *vd, struct virtio_queue_kick *k,
				unsigned int waiting, uint64_t now)
{
	const struct virtq *vq = &vd->vq[k->index];
	struct virtio_queue_stats *st = &vd->stats[k->index];
	uint16_t seen = (uint16_t)(k->seen_end - vq->last_avail);
	uint64_t since = now - k->looked_ns;

	if (k->looked_ns && waiting <= vq->size && now >= k->looked_ns) {
		/* Taken since (the index ran past them): all waiting ones are new. */
		if (seen > waiting)
			seen = 0;
		st->found += waiting - seen;
		st->found_wait_ns += seen * since + (waiting - seen) * since / 2;
		k->seen_end = (uint16_t)(vq->last_avail + waiting);
	} else {
		k->seen_end = vq->last_avail;
	}
	k->looked_ns = now;
}

/*
 * The event loop polls a queue: serve it if the driver added entries.
 * Work is what the handler took, not what waits: entries it cannot take
 * yet (a full TAP) must not keep the loop spinning.
 */
static bool virtio_poll(struct ev_poller *p, uint64_t now)
{
	struct virtio_queue_kick *k = container_of(p, struct virtio_queue_kick, poller);
	struct virtio_dev *vd = k->vd;
	unsigned int waiting;

	pthread_mutex_lock(&vd->lock);
	waiting = virtq_waiting(&vd->vq[k->index]);
	virtio_found_locked(vd, k, waiting, now);
	pthread_mutex_unlock(&vd->lock);
	if (waiting && virtio_serve(vd, k->index)) {
		pthread_mutex_lock(&vd->lock);
		vd->stats[k->index].polled++;
		pthread_mutex_unlock(&vd->lock);
		return true;
	}
	pthread_mutex_lock(&vd->lock);
	virtio_release_locked(vd, k->index, false);
	pthread_mutex_unlock(&vd->lock);
	return false;
}

/*
 * The queue was idle for the loop's window: notifications on, then one
 * more look (an entry added before the driver saw them wanted is found
 * so); work found there starts polling again.
 */
static void virtio_poll_stop(struct ev_poller *p)
{
	struct virtio_queue_kick *k = container_of(p, struct virtio_queue_kick, poller);

	pthread_mutex_lock(&k->vd->lock);
	/* Frozen: guest RAM is being saved; thaw polls the queue again, and this runs then. */
	if (!k->vd->frozen)
		virtq_notify_on(&k->vd->vq[k->index]);
	/*
	 * Not polled now, so nothing would release it later; and a guest
	 * idle for the whole window pipelines no more: its next lone request
	 * is signalled at once.
	 */
	virtio_release_locked(k->vd, k->index, true);
	k->burst = false;
	pthread_mutex_unlock(&k->vd->lock);
	if (virtio_serve(k->vd, k->index))
		virtio_poll_start(k->vd, k->index);
}

/* Bind (or, with KVM_IOEVENTFD_FLAG_DEASSIGN, unbind) queue i's eventfd to QueueNotify == i. */
static int virtio_ioeventfd(struct virtio_dev *vd, unsigned int i, uint32_t flags)
{
	struct kvm_ioeventfd io = {
		.datamatch = i, .addr = vd->dev.base + MMIO_QUEUE_NOTIFY, .len = 4,
		.fd = vd->kick[i].src.fd, .flags = KVM_IOEVENTFD_FLAG_DATAMATCH | flags,
	};

	return kvm_ioctl_quiet(vd->dev.vm->vm_fd, KVM_IOEVENTFD, &io);
}

/* One eventfd per queue, signalled by KVM when the guest writes its index to QueueNotify. */
static int virtio_realize(struct device *dev)
{
	struct virtio_dev *vd = to_virtio(dev);
	struct vm *vm = dev->vm;

	for (unsigned int i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue_kick *k = &vd->kick[i];
		int ret;

		k->src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (k->src.fd < 0)
			return -errno;
		ret = evloop_add(&vm->loop, &k->src, EPOLLIN);
		if (ret)
			return ret;
		/* Without it (an old host) the trapped write kicks the same eventfd. */
		k->ioeventfd = vm->vm_fd >= 0 && !virtio_ioeventfd(vd, i, 0);
		if (!k->ioeventfd)
			log_debug("vm", "%s: queue %u notifications trap to kvmini (no ioeventfd)",
				  dev->name, i);
	}
	return vd->ops->realize ? vd->ops->realize(vd) : 0;
}

static void virtio_reset(struct device *dev)
{
	struct virtio_dev *vd = to_virtio(dev);

	pthread_mutex_lock(&vd->lock);
	virtio_reset_locked(vd);
	pthread_mutex_unlock(&vd->lock);
	if (vd->ops->reset)
		vd->ops->reset(vd);
}

static void virtio_quiesce(struct device *dev)
{
	struct virtio_dev *vd = to_virtio(dev);

	if (vd->ops->quiesce)
		vd->ops->quiesce(vd);
}

static int virtio_fdt_node(struct device *dev, void *fdt)
{
	FDT_TRY(fdt_begin_node_at(fdt, "virtio_mmio", dev->base));
	FDT_TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, dev->size));
	FDT_TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	if (dev->has_irq)
		FDT_TRY(fdt_prop_irq(fdt, &dev->irq));
	return fdt_end_node(fdt);
}

static void virtio_destroy(struct device *dev)
{
	struct virtio_dev *vd = to_virtio(dev);

	for (unsigned int i = 0; i < vd->nr_queues; i++) {
		struct virtio_queue_kick *k = &vd->kick[i];

		if (k->ioeventfd)
			(void)virtio_ioeventfd(vd, i, KVM_IOEVENTFD_FLAG_DEASSIGN);
		if (k->src.fd >= 0)
			close(k->src.fd);
	}
	pthread_cond_destroy(&vd->idle);
	pthread_mutex_destroy(&vd->lock);
	vd->ops->destroy(vd);
}

/*
 * --stats, after the threads stopped. Requests per kick and interrupts
 * per request say how well the guest and the device batch: each kick and
 * each interrupt is a trip between guest and host, and each interrupt
 * handled costs two more exits (InterruptStatus read, InterruptACK write).
 */
static void virtio_print_stats(struct device *dev, FILE *f)
{
	struct virtio_dev *vd = to_virtio(dev);

	for (unsigned int i = 0; i < vd->nr_queues; i++) {
		const struct virtio_queue_stats *st = &vd->stats[i];

		if (!st->kicks && !st->requests)
			continue;
		fprintf(f, "kvmini: stats: %s queue %u: %" PRIu64 " requests, %" PRIu64
			" notifications (%" PRIu64 " handler runs, %" PRIu64 " requeues), %"
			PRIu64 " polls with work, %" PRIu64 " interrupts, %" PRIu64
			" completions with none, %" PRIu64 " held for a batch", dev->name, i,
			st->requests, st->kicks, st->runs, st->requeues, st->polled, st->interrupts,
			st->interrupts_skipped, st->interrupts_held);
		/* Where its polling window ended up (evloop.h): for a queue that was polled. */
		if (vd->kick[i].poller.window_ns)
			fprintf(f, "; polling window %" PRIu64 " us",
				vd->kick[i].poller.window_ns / 1000);
		/* How long the requests polls found waited to be taken: the I/O thread's pace. */
		if (st->found)
			fprintf(f, "; polls found %" PRIu64 " requests, waiting about %.0f us each",
				st->found, (double)st->found_wait_ns / (double)st->found / 1e3);
		fputc('\n', f);
	}
	if (vd->isr_reads)
		fprintf(f, "kvmini: stats: %s: %" PRIu64 " InterruptStatus reads\n", dev->name,
			vd->isr_reads);
	if (vd->ops->print_stats)
		vd->ops->print_stats(vd, f);
}

/*
 * Two tables: a device type that can save its state gets the transport's
 * snapshot hooks; one that cannot has none, and a snapshot refuses it by
 * name before anything is written.
 */
static const struct device_ops virtio_mmio_ops = {
	.type = "virtio-mmio",
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.realize = virtio_realize,
	.reset = virtio_reset,
	.quiesce = virtio_quiesce,
	.freeze = virtio_freeze,
	.thaw = virtio_thaw,
	.fdt_node = virtio_fdt_node,
	.save = virtio_save,
	.load = virtio_load,
	.print_stats = virtio_print_stats,
	.destroy = virtio_destroy,
};

static const struct device_ops virtio_mmio_ops_unsaved = {
	.type = "virtio-mmio",
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.realize = virtio_realize,
	.reset = virtio_reset,
	.quiesce = virtio_quiesce,
	.fdt_node = virtio_fdt_node,
	.print_stats = virtio_print_stats,
	.destroy = virtio_destroy,
};

void virtio_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, uint64_t base,
		 uint64_t features, uint8_t *config, size_t config_len)
{
	device_init(&vd->dev, ops->save && ops->load ? &virtio_mmio_ops : &virtio_mmio_ops_unsaved,
		    base, VIRTIO_MMIO_REGION_SIZE);
	snprintf(vd->dev.name, sizeof(vd->dev.name), "%s@%" PRIx64, ops->type, base);
	vd->ops = ops;
	vd->nr_queues = ops->nr_queues;
	vd->features = features;
	vd->config = config;
	vd->config_len = config_len;
	vd->irq_hold = !getenv("KVMINI_IRQ_HOLD") || strcmp(getenv("KVMINI_IRQ_HOLD"), "0");
	vd->irq_hold_max_ns = IRQ_HOLD_MAX_NS;
	pthread_mutex_init(&vd->lock, NULL);
	pthread_cond_init(&vd->idle, NULL);
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		snprintf(vd->vq_names[i], sizeof(vd->vq_names[i]), "%s queue %u", vd->dev.name, i);
		vd->vq[i].name = vd->vq_names[i];
		vd->kick[i] = (struct virtio_queue_kick){
			.src = { .fd = -1, .ready = virtio_kick_ready, .name = vd->vq_names[i] },
			.vd = vd, .index = i,
			.poller = { .poll = virtio_poll, .stop = virtio_poll_stop },
		};
	}
}
