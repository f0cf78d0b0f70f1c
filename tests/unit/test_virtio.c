// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio, virtio-blk and virtio-rng without KVM: this test plays the
 * guest's driver against fake guest memory - feature negotiation, queue
 * setup latched at DRIVER_OK, block requests good and bad (checklist items
 * 10-14), entropy - and checks what reaches the disk image and the rings.
 * The block tests run twice: on the synchronous path and through io_uring
 * (skipped, saying why, where the host has no io_uring).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/blk.h>
#include <kvmini/cputime.h>
#include <kvmini/mem.h>
#include <kvmini/state.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "tap.h"
#include "uring_probe.h"
#include "virtio_driver.h"

#define RAM 0x80000000ULL
#define DESC (RAM + 0x1000)
#define AVAIL (RAM + 0x2000)
#define USED (RAM + 0x3000)
#define HDR (RAM + 0x10000)
#define DATA (RAM + 0x11000)
#define STATUS (RAM + 0x20000)

static struct vm vm;
static uint16_t avail_idx;
static unsigned int last_held;	/* requests in flight after the last kick's handler */

static uint8_t *gp(uint64_t gpa)
{
	return guest_mem_ptr(&vm.mem, gpa, 1);
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	virtq_desc_put(gp(DESC), i, addr, len, flags, next);
}

/* Make head 0 available, without a notification. */
static void offer(void)
{
	uint16_t h = 0, idx;

	memcpy(gp(AVAIL + 4 + 2 * (avail_idx % 8)), &h, 2);
	idx = htole16(++avail_idx);
	memcpy(gp(AVAIL + 2), &idx, 2);
}

/* Offer head 0 and run the device's queue handler, as the I/O thread would. */
static void kick(struct device *d)
{
	struct virtio_dev *vd = container_of(d, struct virtio_dev, dev);

	offer();
	vd->ops->queue_notify(vd, 0);
	/* io_uring: the completions come through the event loop, as the I/O thread's. */
	last_held = vd->held;
	for (int i = 0; vd->held && i < 100; i++)
		(void)evloop_run_once(&vm.loop, 100);
}

static uint32_t used_len(void)
{
	uint32_t len;

	memcpy(&len, gp(USED + 4 + 8 * ((avail_idx - 1) % 8) + 4), 4);
	return le32toh(len);
}

/* The driver's side of 3.1.1: reset, acknowledge, negotiate, one queue, DRIVER_OK. */
static bool driver_probe(struct device *d, uint64_t features)
{
	if (!vdrv_negotiate(d, features))
		return false;
	(void)vdrv_queue(d, 0, 8, DESC, AVAIL, USED);
	vdrv_driver_ok(d);
	avail_idx = 0;
	memset(gp(AVAIL), 0, 0x1000);
	memset(gp(USED), 0, 0x1000);
	return rd(d, 0x044) == 1;
}

/* A block request: header (type, sector), data, status byte. */
static uint8_t blk_req(struct device *d, uint32_t type, uint64_t sector, uint32_t data_len,
		       bool data_writable)
{
	uint32_t t = htole32(type);
	uint64_t s = htole64(sector);

	memcpy(gp(HDR), &t, 4);
	memset(gp(HDR + 4), 0, 4);
	memcpy(gp(HDR + 8), &s, 8);
	*gp(STATUS) = 0xee;
	set_desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, data_len ? 1 : 2);
	if (data_len)
		set_desc(1, DATA, data_len, VIRTQ_DESC_F_NEXT |
			 (data_writable ? VIRTQ_DESC_F_WRITE : 0), 2);
	set_desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	kick(d);
	return *gp(STATUS);
}

/* A block device over be, realized (the path chosen: sync, or io_uring when it works). */
static bool blk_device(struct blk_backend *be, bool sync, struct device **d)
{
	be->sync_only = sync;
	if (virtio_blk_create(0x1100000, be, 1, d))
		return false;
	(*d)->vm = &vm;
	return !(*d)->ops->realize(*d);
}

static void blk(bool sync)
{
	char path[] = "/tmp/kvmini-disk-XXXXXX";
	int fd = mkstemp(path);
	struct blk_backend *be;
	struct device *d;
	uint8_t sector[512];
	uint64_t capacity;

	printf("# virtio-blk, %s\n", sync ? "synchronous I/O" : "io_uring");
	if (fd < 0 || ftruncate(fd, 64 * 512) || blk_open(path, false, &be) ||
	    !blk_device(be, sync, &d))
		return;
	ok(rd(d, 0x000) == 0x74726976 && rd(d, 0x004) == 2 && rd(d, 0x008) == VIRTIO_ID_BLOCK,
	   "virtio-mmio v2 magic, version, device ID 2");
	wr(d, 0x014, 1);
	ok(rd(d, 0x010) & 1, "VERSION_1 offered (feature bit 32)");
	ok(!driver_probe(d, 0), "a driver without VERSION_1: FEATURES_OK refused");
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | (1 << 9)), "VERSION_1 and FLUSH: accepted");
	d->ops->read(d, 0, 0x100, &capacity, 8);
	ok(le64toh(capacity) == 64, "config: capacity 64 sectors");
	capacity = 7;
	d->ops->read(d, 0, 0x100 + 20, &capacity, 8);
	ok(capacity == 0, "config read beyond its 24 bytes: zeros");
	wr(d, 0x030, 1);
	ok(rd(d, 0x034) == 0, "queue 1 does not exist: QueueNumMax 0");
	wr(d, 0x030, 0);
	wr(d, 0x080, 0x1234);
	ok(container_of(d, struct virtio_dev, dev)->vq[0].desc_gpa == DESC,
	   "the ring address is latched after DRIVER_OK (a later write is ignored)");

	memset(gp(DATA), 0x5a, 1024);
	ok(blk_req(d, 1, 3, 1024, false) == 0 && used_len() == 1, "write 2 sectors at 3: OK");
	ok(last_held == (sync ? 0 : 1), "the write went %s",
	   sync ? "synchronously" : "to io_uring (in flight after the handler)");
	ok(pread(fd, sector, 512, 4 * 512) == 512 && sector[0] == 0x5a && sector[511] == 0x5a,
	   "the data is in the image at sector 4");
	memset(gp(DATA), 0, 1024);
	ok(blk_req(d, 0, 3, 1024, true) == 0 && used_len() == 1025 && *gp(DATA + 1023) == 0x5a,
	   "read it back: OK, 1024 bytes + status written");
	ok(blk_req(d, 4, 0, 0, false) == 0, "flush: OK");
	ok(blk_req(d, 8, 0, 20, true) == 0 && !memcmp(gp(DATA), "kvmini-1100000", 14),
	   "GET_ID: kvmini-<address>");
	ok(blk_req(d, 0, 63, 1024, true) == 1, "a read running past the last sector: IOERR");
	ok(blk_req(d, 0, UINT64_MAX, 512, true) == 1, "sector 2^64-1: IOERR, no wrap");
	ok(blk_req(d, 1, 0, 100, false) == 1, "a write of 100 bytes (not whole sectors): IOERR");
	ok(blk_req(d, 77, 0, 0, false) == 2, "an unknown request type: UNSUPP");
	/* Item 11: no writable status byte. */
	set_desc(0, HDR, 16, 0, 0);
	*gp(STATUS) = 0xee;
	kick(d);
	ok(used_len() == 0 && *gp(STATUS) == 0xee, "no status byte: returned unanswered");
	/* A broken ring: the device needs a reset, the VMM goes on. */
	set_desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 99);
	kick(d);
	ok(rd(d, 0x070) & VIRTIO_STATUS_NEEDS_RESET && rd(d, 0x060) & 2,
	   "a descriptor index beyond the queue: NEEDS_RESET, config interrupt");
	wr(d, 0x064, rd(d, 0x060));
	ok(rd(d, 0x060) == 0, "InterruptACK clears the interrupt status");
	ok(driver_probe(d, VIRTIO_F_VERSION_1) && !(rd(d, 0x070) & VIRTIO_STATUS_NEEDS_RESET) &&
	   blk_req(d, 0, 0, 512, true) == 0, "after a reset the device works again");
	{
		uint16_t half = 0x1234;

		d->ops->write(d, 0, 0x070, &half, 2);
		ok(rd(d, 0x070) & VIRTIO_STATUS_DRIVER_OK, "a 16-bit register write is ignored");
	}
	d->ops->destroy(d);

	/* Read-only: the feature offered, writes refused, the image untouched. */
	if (blk_open(path, true, &be) || !blk_device(be, sync, &d))
		return;
	ok(rd(d, 0x010) & (1 << 5), "a ,ro disk offers VIRTIO_BLK_F_RO");
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | (1 << 5)), "probe");
	memset(gp(DATA), 0x11, 512);
	ok(blk_req(d, 1, 4, 512, false) == 1 && pread(fd, sector, 512, 4 * 512) == 512 &&
	   sector[0] == 0x5a, "a write to a read-only disk: IOERR, the image unchanged");
	d->ops->destroy(d);
	close(fd);
	unlink(path);
}

static uint16_t ring16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, gp(gpa), 2);
	return le16toh(v);
}

#define USED_IDX (USED + 2)
#define AVAIL_EVENT (USED + 4 + 8 * 8)	/* after the 8 used elements */

/* A read of sector 0 made available; with kick, QueueNotify written (a trapped notification). */
static void poll_req(struct device *d, bool notify)
{
	uint32_t t = 0;
	uint64_t s = 0;

	memcpy(gp(HDR), &t, 4);
	memcpy(gp(HDR + 8), &s, 8);
	set_desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	offer();
	if (notify) {
		wr(d, 0x050, 0);
		(void)evloop_run_once(&vm.loop, 100);
	}
}

/* Past the loop's polling window, then a round: the idle poller is stopped. */
static void poll_expire(void)
{
	struct timespec ts = { 0, (long)vm.loop.poll_ns + 1000000 };

	nanosleep(&ts, NULL);
	evloop_poll_round(&vm.loop);
}

/*
 * A synchronous disk of 64 sectors on a new temporary file, realized; its
 * name in path (XXXXXX filled in), for the caller to unlink. NULL: failed.
 */
static struct device *temp_sync_disk(char *path)
{
	int fd = mkstemp(path);
	struct blk_backend *be;
	struct device *d = NULL;
	bool opened = fd >= 0 && !ftruncate(fd, 64 * 512) && !blk_open(path, false, &be);

	if (fd >= 0)
		close(fd);
	if (opened && !blk_device(be, true, &d))
		d = NULL;
	if (!d && fd >= 0)
		unlink(path);
	return d;
}

/*
 * --io-poll: a notified disk queue is polled with notifications off (the
 * driver's avail_event left behind, or NO_NOTIFY in the used flags), a
 * request made available without a notification is served by a polling
 * round, and an idle window turns notifications back on (avail_event at
 * the next entry, the flag cleared). With no window, nothing is polled.
 */
static void polling(void)
{
	char path[] = "/tmp/kvmini-disk-XXXXXX";
	struct virtio_dev *vd;
	struct device *d;

	printf("# --io-poll: a polled disk queue\n");
	vm.loop.poll_ns = 2000000;
	d = temp_sync_disk(path);
	if (!d)
		return;
	vd = container_of(d, struct virtio_dev, dev);
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX), "probed with EVENT_IDX");
	memset(gp(AVAIL_EVENT), 0xff, 2);
	poll_req(d, true);
	ok(ring16(USED_IDX) == 1 && vm.loop.armed == &vd->kick[0].poller && vd->vq[0].notify_off,
	   "a notified request is served and its queue polled, notifications off");
	ok(ring16(AVAIL_EVENT) == 0xffff, "avail_event is left where it was (no notification wanted)");
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
	ok(ring16(USED_IDX) == 2 && vd->stats[0].polled == 1 && vd->stats[0].runs == 1,
	   "a request with no notification is served by a polling round");
	evloop_poll_round(&vm.loop);
	ok(vm.loop.armed && vd->stats[0].polled == 1, "inside its window an idle queue stays polled");
	poll_expire();
	ok(!vm.loop.armed && !vd->vq[0].notify_off && ring16(AVAIL_EVENT) == 2,
	   "past its window it is not: avail_event asks for the next entry's notification");
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
	ok(ring16(USED_IDX) == 2, "an unnotified request is then left for its notification");
	(void)evloop_run_once(&vm.loop, 0);
	wr(d, 0x050, 0);
	(void)evloop_run_once(&vm.loop, 100);
	ok(ring16(USED_IDX) == 3, "which serves it");
	poll_expire();

	/* Without EVENT_IDX the used ring's flags say it. */
	ok(driver_probe(d, VIRTIO_F_VERSION_1), "probed without EVENT_IDX");
	poll_req(d, true);
	ok(ring16(USED_IDX) == 1 && ring16(USED) == VIRTQ_USED_F_NO_NOTIFY,
	   "polled: the used flags say NO_NOTIFY");
	poll_expire();
	ok(!vm.loop.armed && ring16(USED) == 0, "past the window the flag is cleared");
	poll_req(d, true);
	d->ops->freeze(d);
	poll_expire();
	ok(!vm.loop.armed && ring16(USED) == VIRTQ_USED_F_NO_NOTIFY,
	   "frozen (a snapshot reads guest RAM): the window ends with no write to it");
	wr(d, 0x050, 0);
	(void)evloop_run_once(&vm.loop, 100);
	ok(!vm.loop.armed, "and a kick while frozen starts no polling");
	d->ops->thaw(d);
	(void)evloop_run_once(&vm.loop, 100);
	ok(vm.loop.armed, "thawed, the queue is served and polled again");
	poll_expire();
	ok(!vm.loop.armed && ring16(USED) == 0, "and its window's end clears the flag");

	/* No window: a notified queue is not polled. */
	vm.loop.poll_ns = 0;
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX), "probed, no polling");
	poll_req(d, true);
	ok(ring16(USED_IDX) == 1 && !vm.loop.armed && !vd->vq[0].notify_off &&
	   ring16(AVAIL_EVENT) == 1, "with --io-poll 0 notifications stay on, nothing is polled");
	d->ops->destroy(d);
	unlink(path);
}

/* ns since start: a bound for what a look may count. */
static uint64_t since_ns(uint64_t start)
{
	return monotonic_ns() - start;
}

/*
 * --stats: how long polled requests waited to be taken. One made
 * available after a look counts about half the time until the next -
 * polling's start is a look, a notification while polled is not; one
 * the device cannot take yet (frozen) counts once, with the whole time
 * until it is taken; one taken through a notification is not counted,
 * nor are entries a driver's bad index claims.
 */
static void poll_found_stats(void)
{
	char path[] = "/tmp/kvmini-disk-XXXXXX";
	const struct virtio_queue_stats *st;
	struct timespec pause = { 0, 2000000 };
	uint64_t start, span, wait;
	struct virtio_dev *vd;
	struct device *d;
	uint16_t bad;

	printf("# --stats: how long polled requests waited to be taken\n");
	vm.loop.poll_ns = 100000000;	/* no window ends before poll_expire() */
	d = temp_sync_disk(path);
	if (!d)
		return;
	vd = container_of(d, struct virtio_dev, dev);
	st = &vd->stats[0];
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX), "probed");
	start = monotonic_ns();
	poll_req(d, true);
	poll_req(d, false);
	nanosleep(&pause, NULL);
	evloop_poll_round(&vm.loop);
	span = since_ns(start);
	ok(vm.loop.armed && ring16(USED_IDX) == 2 && st->found == 1 &&
	   st->found_wait_ns >= 1000000 && st->found_wait_ns <= span / 2,
	   "the first after polling started waited %.3f ms (1 to %.3f): counted from the start",
	   st->found_wait_ns / 1e6, span / 2e6);

	wait = st->found_wait_ns;
	start = monotonic_ns();
	evloop_poll_round(&vm.loop);
	nanosleep(&pause, NULL);
	wr(d, 0x050, 0);	/* a notification with nothing new: no look */
	(void)evloop_run_once(&vm.loop, 100);
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
	span = since_ns(start);
	wait = st->found_wait_ns - wait;
	ok(ring16(USED_IDX) == 3 && st->found == 2 && wait >= 1000000 && wait <= span / 2,
	   "one made available between two looks 2 ms apart, a notification between: "
	   "%.3f ms (1 to %.3f)", wait / 1e6, span / 2e6);

	evloop_poll_round(&vm.loop);
	poll_req(d, true);
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
	ok(ring16(USED_IDX) == 5 && st->found == 3,
	   "one taken through a notification after a look is not counted, the next one is");

	wait = st->found_wait_ns;
	d->ops->freeze(d);
	start = monotonic_ns();
	evloop_poll_round(&vm.loop);
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
	nanosleep(&pause, NULL);
	evloop_poll_round(&vm.loop);
	ok(ring16(USED_IDX) == 5 && st->found == 4, "frozen, a request is found once and not taken");
	d->ops->thaw(d);
	evloop_poll_round(&vm.loop);
	span = since_ns(start);
	wait = st->found_wait_ns - wait;
	ok(ring16(USED_IDX) == 6 && st->found == 4 && wait >= 2000000 && wait <= span,
	   "thawed, it is taken: it waited %.3f ms in all (2 to %.3f)", wait / 1e6, span / 1e6);
	(void)evloop_run_once(&vm.loop, 0);	/* the thaw's notification: nothing left */

	wait = st->found_wait_ns;
	bad = htole16((uint16_t)(avail_idx + 1000));
	memcpy(gp(AVAIL + 2), &bad, 2);
	evloop_poll_round(&vm.loop);
	ok(st->found == 4 && st->found_wait_ns == wait,
	   "an index 1000 ahead claims more than the ring holds: nothing counted");
	bad = htole16(avail_idx);
	memcpy(gp(AVAIL + 2), &bad, 2);
	poll_expire();
	ok(!vm.loop.armed, "past its window the queue is no longer polled");
	vm.loop.poll_ns = 0;
	d->ops->destroy(d);
	unlink(path);
}

#define USED_EVENT (AVAIL + 4 + 2 * 8)	/* after the 8 available entries */

/* The driver took every used entry and wants an interrupt for the next (EVENT_IDX). */
static void rearm(void)
{
	uint16_t v = htole16(ring16(USED_IDX));

	memcpy(gp(USED_EVENT), &v, 2);
}

/* A request made available with no notification, taken by one polling round. */
static void polled_req(struct device *d)
{
	poll_req(d, false);
	evloop_poll_round(&vm.loop);
}

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Interrupt holding on a polled queue: a guest that handed over requests
 * in two runs for one interrupt (it pipelines) has its next interrupt
 * held while it keeps handing them over, and released when it pauses,
 * when half the ring waits, when polling ends and when the device
 * freezes for a snapshot; a guest with one run per interrupt (QD1) is
 * never held, nor any with KVMINI_IRQ_HOLD=0; a reset drops the hold.
 */
static void holding(void)
{
	char path[] = "/tmp/kvmini-disk-XXXXXX";
	struct virtio_queue_kick *k;
	struct virtio_dev *vd;
	struct device *d;
	uint64_t irqs, held;

	printf("# interrupts held while a polled guest pipelines\n");
	/* Windows long enough that no stall of a loaded machine ends one by surprise. */
	vm.loop.poll_ns = 50000000;
	d = temp_sync_disk(path);
	if (!d)
		return;
	vd = container_of(d, struct virtio_dev, dev);
	k = &vd->kick[0];
	vd->irq_hold = true;
	vd->irq_hold_max_ns = 1000000000;
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX), "probed with EVENT_IDX");

	/* QD1: each request notified, served and signalled alone. */
	for (int i = 0; i < 3; i++) {
		rearm();
		poll_req(d, true);
	}
	ok(vd->stats[0].interrupts == 3 && !vd->stats[0].interrupts_held && !k->burst,
	   "one request per interrupt: each signalled at once, nothing held");

	/* Two runs for one interrupt: the first left quiet by used_event, the second wanted. */
	polled_req(d);
	rearm();
	polled_req(d);
	ok(vd->stats[0].interrupts == 4 && k->burst, "an interrupt covering two runs: the guest pipelines");

	wr(d, 0x064, vd->isr);
	irqs = vd->stats[0].interrupts;
	rearm();
	polled_req(d);
	polled_req(d);
	ok(vd->stats[0].interrupts == irqs && k->irq_held && vd->stats[0].interrupts_held == 2 &&
	   !vd->isr, "its next completions are held while it keeps handing requests over");
	k->gap_ns = 100000;	/* its usual gap: 100 us */
	sleep_us(1000);
	evloop_poll_round(&vm.loop);
	ok(vd->stats[0].interrupts == irqs + 1 && !k->irq_held && vd->isr == 1 && k->burst,
	   "a round that finds it paused releases them: one interrupt for the batch");

	wr(d, 0x064, vd->isr);
	irqs = vd->stats[0].interrupts;
	rearm();
	for (int i = 0; i < 3; i++)
		polled_req(d);
	ok(vd->stats[0].interrupts == irqs && k->irq_held, "three requests held");
	polled_req(d);
	ok(vd->stats[0].interrupts == irqs + 1 && !k->irq_held,
	   "the fourth (half the ring) is signalled without a pause");

	rearm();
	polled_req(d);
	polled_req(d);
	irqs = vd->stats[0].interrupts;
	d->ops->freeze(d);
	ok(vd->stats[0].interrupts == irqs + 1 && !k->irq_held,
	   "a freeze (a snapshot) releases a held interrupt before the state is saved");
	virtio_notify(vd, 0);	/* an I/O that ended as the freeze began */
	ok(k->burst && vm.loop.armed && !k->irq_held, "and holds nothing while frozen");
	d->ops->thaw(d);
	evloop_poll_round(&vm.loop);

	/*
	 * A slow guest (the pause rule would wait), a window shorter than the
	 * longest hold; the armed queue's own window (evloop.h) with it.
	 */
	vm.loop.poll_ns = k->poller.window_ns = 500000;
	rearm();
	polled_req(d);
	polled_req(d);
	irqs = vd->stats[0].interrupts;
	k->gap_ns = 10 * vm.loop.poll_ns;
	poll_expire();
	vm.loop.poll_ns = 2000000;
	ok(vd->stats[0].interrupts == irqs + 1 && !k->irq_held && !vm.loop.armed && !k->burst,
	   "polling ended: the held interrupt goes out with it, and the guest pipelines no more");
	vm.loop.poll_ns = 50000000;

	rearm();
	poll_req(d, true);
	ok(vd->stats[0].interrupts == irqs + 2 && !k->irq_held,
	   "so its next lone request is signalled at once");
	polled_req(d);
	rearm();
	polled_req(d);
	rearm();
	polled_req(d);
	ok(k->irq_held, "pipelining again, held again");
	wr(d, 0x030, 0);
	wr(d, 0x044, 0);
	ok(!k->irq_held && !k->burst, "the queue taken out of use: nothing is held for it");

	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX), "probed again");
	poll_req(d, true);
	polled_req(d);
	rearm();
	polled_req(d);
	rearm();
	polled_req(d);
	ok(k->irq_held, "held again");
	ok(driver_probe(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX) && !k->irq_held && !k->burst,
	   "a reset drops the hold and the pace");
	poll_expire();

	vd->irq_hold = false;
	held = vd->stats[0].interrupts_held;
	for (int i = 0; i < 2; i++) {
		rearm();
		poll_req(d, true);
		polled_req(d);
		polled_req(d);
	}
	ok(k->burst && !k->irq_held && vd->stats[0].interrupts_held == held,
	   "KVMINI_IRQ_HOLD=0: a pipelining guest, nothing held");
	poll_expire();
	vm.loop.poll_ns = 0;
	d->ops->destroy(d);
	unlink(path);
}

static void rng(void)
{
	struct device *d;
	int zeros = 0;

	if (virtio_rng_create(0x1100200, &d))
		return;
	d->vm = &vm;
	ok(rd(d, 0x008) == VIRTIO_ID_RNG && driver_probe(d, VIRTIO_F_VERSION_1),
	   "virtio-rng: device ID 4, probed");
	memset(gp(DATA), 0, 256);
	set_desc(0, DATA, 256, VIRTQ_DESC_F_WRITE, 0);
	kick(d);
	for (int i = 0; i < 256; i++)
		zeros += !*gp(DATA + i);
	ok(used_len() == 256 && zeros < 16, "256 bytes of entropy (%d zero bytes)", zeros);
	set_desc(0, DATA, 256, 0, 0);
	kick(d);
	ok(used_len() == 0, "a read-only buffer gets nothing");
	d->ops->destroy(d);
}

static int load_bytes(struct device *d, const void *bytes, size_t len)
{
	struct state_buf in;

	state_init_read(&in, bytes, len);
	return d->ops->load(d, &in);
}

/*
 * Snapshots of the transport: a device's queues and registers saved after
 * a request, loaded into a new device that then serves the next request
 * where the first left off; states a driver could never have made refused
 * with nothing changed; a frozen device takes no request until it thaws.
 */
static void snapshot(void)
{
	struct device *a, *b;
	struct virtio_dev *vb;
	struct state_buf out;
	uint8_t *bad;
	uint32_t used_idx_a;

	if (virtio_rng_create(0x1100200, &a) || virtio_rng_create(0x1100200, &b))
		return;
	a->vm = b->vm = &vm;
	vb = container_of(b, struct virtio_dev, dev);
	/* Realized: thawing kicks the queues through their eventfds, served by the loop. */
	if (a->ops->realize(a))
		return;
	ok(a->ops->save && a->ops->load && a->ops->freeze, "virtio-rng can be snapshotted");
	(void)driver_probe(a, VIRTIO_F_VERSION_1);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_WRITE, 0);
	kick(a);
	state_init(&out);
	a->ops->freeze(a);
	ok(a->ops->save(a, &out) == 0, "state saved while frozen");
	/* Frozen: a request offered now is not taken... */
	kick(a);
	memcpy(&used_idx_a, gp(USED + 2), 2);
	ok(le16toh((uint16_t)used_idx_a) == 1, "a frozen device takes no request");
	a->ops->thaw(a);
	(void)evloop_run_once(&vm.loop, 100);
	memcpy(&used_idx_a, gp(USED + 2), 2);
	/* ... and thawing serves it (the kick swallowed meanwhile is made again). */
	ok(le16toh((uint16_t)used_idx_a) == 2, "thawed, it serves what came meanwhile");
	/* Guest RAM as a polling device (--io-poll) leaves it without EVENT_IDX. */
	{
		uint16_t no_notify = htole16(VIRTQ_USED_F_NO_NOTIFY);

		memcpy(gp(USED), &no_notify, 2);
	}
	ok(load_bytes(b, out.data, out.len) == 0, "state loaded into a new device");
	ok(rd(b, 0x070) == rd(a, 0x070) && vb->vq[0].enabled && vb->vq[0].last_avail == 1 &&
	   vb->vq[0].used_idx == 1, "status, queue and both indices as saved");
	ok(ring16(USED) == 0, "a loaded queue wants notifications (a saved poller's NO_NOTIFY cleared)");

	bad = malloc(out.len);
	memcpy(bad, out.data, out.len);
	bad[0] = 9;
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "another state version refused");
	memcpy(bad, out.data, out.len);
	bad[1] = 0x10;	/* a status bit virtio does not define */
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "an undefined status bit refused");
	/*
	 * The queue: after 38 fixed bytes (rng has no config space) and the
	 * queue count: size (2), enabled, broken, then the descriptor address.
	 */
#define Q 42
	memcpy(bad, out.data, out.len);
	bad[Q] = 9;
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "a queue size not a power of two refused");
	memcpy(bad, out.data, out.len);
	bad[Q + 4] ^= 1;
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "a misaligned ring refused");
	memcpy(bad, out.data, out.len);
	bad[Q + 4 + 4] = 1;	/* the ring 4 GiB above RAM */
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "a ring outside guest RAM refused");
	memcpy(bad, out.data, out.len);
	bad[Q + 2] = 2;	/* "enabled" is a bool */
	ok(load_bytes(b, bad, out.len) == -EBADMSG, "a flag other than 0 or 1 refused");
	memcpy(bad, out.data, out.len);
	bad[Q + 28] = 2;	/* last_avail 2, used_idx 1: a request in flight */
	ok(load_bytes(b, bad, out.len) == -EBADMSG,
	   "a queue with a request in flight refused (a saved device has none)");
	memcpy(bad, out.data, out.len);
	bad[17 + 4] &= (uint8_t)~1;	/* driver_features (from byte 17) without VERSION_1 (bit 32) */
	ok(load_bytes(b, bad, out.len) == -EBADMSG,
	   "FEATURES_OK without VERSION_1 refused, as the status register refuses it");
	ok(load_bytes(b, out.data, out.len - 1) == -EBADMSG, "a truncated state refused");
	ok(vb->vq[0].last_avail == 1 && vb->vq[0].used_idx == 1,
	   "refused loads changed nothing");
	memcpy(bad, out.data, out.len);
	bad[Q + 28] = 2;
	bad[1] |= 0x40;	/* NEEDS_RESET: a failed device may have dropped a chain it held */
	ok(load_bytes(b, bad, out.len) == 0 && vb->vq[0].last_avail == 2,
	   "a device saved failed (NEEDS_RESET) loads with a request unaccounted for");
#undef Q
	free(bad);
	state_free(&out);
	a->ops->destroy(a);
	b->ops->destroy(b);
}

int main(void)
{
	if (guest_mem_add(&vm.mem, RAM, 1 << 20, GUEST_MEM_ANON))
		return 1;
	vm.vm_fd = -1;
	/* Each run chooses its path itself (sync_only), whatever the caller's environment. */
	unsetenv("KVMINI_BLK_SYNC");
	if (evloop_init(&vm.loop))
		return 1;
	blk(true);
	if (uring_usable("virtio-blk through io_uring"))
		blk(false);
	rng();
	polling();
	poll_found_stats();
	holding();
	snapshot();
	evloop_destroy(&vm.loop);
	guest_mem_free(&vm.mem);
	return tap_done();
}
