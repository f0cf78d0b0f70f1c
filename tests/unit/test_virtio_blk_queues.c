// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk with several request queues (VIRTIO_BLK_F_MQ, --disk
 * FILE,queues=N) without KVM: this test plays the guest's driver against
 * fake guest memory. One queue offers no MQ and the config space it always
 * had; three offer MQ and num_queues = 3; requests on each queue reach the
 * image and complete on the queue they came from - synchronously and
 * through io_uring (skipped, saying why, where the host has none); a
 * queue that finds every request slot in the kernel's hands is served
 * when completions free some; a count out of range is refused; a snapshot
 * loads only into a disk with as many queues.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/blk.h>
#include <kvmini/config.h>
#include <kvmini/mem.h>
#include <kvmini/state.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "tap.h"
#include "uring_probe.h"
#include "virtio_rings.h"

#define RAM 0x80000000ULL
#define RAM_SIZE (1ULL << 20)
#define RINGS (RAM + 0x1000)		/* queue i's rings at RINGS + i * 0x1000 */
#define HDRS (RAM + 0x20000)		/* request g's header at HDRS + g * 0x20 */
#define DATA (RAM + 0x30000)		/* its 512 bytes at DATA + g * 0x200 */
#define STATUS (RAM + 0x40000)		/* its status byte at STATUS + g */
#define SECTORS 64
#define VIRTIO_BLK_F_MQ (1ULL << 12)

static struct vm vm;
static struct vrings r = { .mem = &vm.mem };

static uint8_t *gp(uint64_t gpa)
{
	return vrings_ptr(&r, gpa, 1);
}

/* A disk of SECTORS sectors in a temporary file (*fd open on it), with queues queues. */
static struct device *disk(char *path, int *fd, unsigned int queues, bool sync, int *err)
{
	struct blk_backend *be;
	struct device *d;

	*fd = mkstemp(path);
	if (*fd < 0 || ftruncate(*fd, SECTORS * 512) || blk_open(path, false, &be))
		return NULL;
	be->sync_only = sync;
	/* The ring path itself: the page cache would finish a request at once. */
	be->nowait_off[0] = be->nowait_off[1] = !sync;
	*err = virtio_blk_create(0x1100000, be, queues, &d);
	if (*err)
		return NULL;
	d->vm = &vm;
	return d->ops->realize(d) ? NULL : d;
}

/* A disk() done with: the device gone, its image closed and removed. */
static void disk_free(struct device *d, int fd, const char *path)
{
	d->ops->destroy(d);
	close(fd);
	unlink(path);
}

/* Request g on queue q, descriptors 3k to 3k+2: a write (or read) of one sector. */
static void offer(unsigned int q, unsigned int k, unsigned int g, bool write, uint64_t sector)
{
	uint32_t type = htole32(write ? 1 : 0);
	uint64_t s = htole64(sector);
	uint16_t head = (uint16_t)(3 * k);

	memcpy(gp(HDRS + g * 0x20), &type, 4);
	memset(gp(HDRS + g * 0x20 + 4), 0, 4);
	memcpy(gp(HDRS + g * 0x20 + 8), &s, 8);
	*gp(STATUS + g) = 0xee;
	vrings_desc(&r, q, head, HDRS + g * 0x20, 16, VIRTQ_DESC_F_NEXT, head + 1);
	vrings_desc(&r, q, head + 1, DATA + g * 0x200, 512,
		    VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), head + 2);
	vrings_desc(&r, q, head + 2, STATUS + g, 1, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&r, q, head);
}

/* Run the I/O thread's loop until the device holds nothing and nothing is ready. */
static void settle(struct device *d)
{
	struct virtio_dev *vd = container_of(d, struct virtio_dev, dev);

	for (int i = 0; i < 200; i++)
		if (evloop_run_once(&vm.loop, vd->held ? 100 : 0) <= 0 && !vd->held)
			return;
}

/* Queue q's used ring: exactly the one entry, head 0 with 1 byte (the status). */
static bool used_one(unsigned int q, uint32_t want_len)
{
	uint32_t id, len, more_id, more_len;

	return vrings_used(&r, q, &id, &len) && id == 0 && len == want_len &&
	       !vrings_used(&r, q, &more_id, &more_len);
}

static void registers(void)
{
	char path[] = "/tmp/kvmini-mq-XXXXXX", path3[] = "/tmp/kvmini-mq-XXXXXX";
	struct device *one, *three;
	int fd, fd3, err = 0, err3 = 0;

	printf("# registers and config space\n");
	one = disk(path, &fd, 1, true, &err);
	three = disk(path3, &fd3, 3, true, &err3);
	if (!one || !three) {
		ok(false, "disks with 1 and 3 queues created (%d, %d)", err, err3);
		return;
	}
	wr(one, 0x014, 0);
	ok(!(rd(one, 0x010) & VIRTIO_BLK_F_MQ), "1 queue: MQ not offered");
	wr(one, 0x030, 1);
	ok(rd(one, 0x034) == 0, "1 queue: queue 1 does not exist (QueueNumMax 0)");
	ok(rd(one, 0x100 + 20) == 512 && rd(one, 0x100 + 32) == 0,
	   "1 queue: the config space ends after blk_size, as it always did");
	wr(three, 0x014, 0);
	ok(rd(three, 0x010) & VIRTIO_BLK_F_MQ, "3 queues: MQ offered (feature bit 12)");
	ok(rd(three, 0x100 + 32) >> 16 == 3, "3 queues: num_queues 3 at config offset 34");
	wr(three, 0x030, 2);
	ok(rd(three, 0x034) > 0, "3 queues: queue 2 exists");
	wr(three, 0x030, 3);
	ok(rd(three, 0x034) == 0, "3 queues: queue 3 does not");
	disk_free(one, fd, path);
	disk_free(three, fd3, path3);
}

/* Writes on queues 2, 0 and 1 in one batch, then a read on queue 1: each answered on its own. */
static void requests(bool sync)
{
	char path[] = "/tmp/kvmini-mq-XXXXXX";
	struct device *d;
	struct virtio_dev *vd;
	uint8_t sector[512];
	int fd, err = 0;

	printf("# requests on 3 queues, %s\n", sync ? "synchronous I/O" : "io_uring");
	d = disk(path, &fd, 3, sync, &err);
	if (!d) {
		ok(false, "a disk with 3 queues (%d)", err);
		return;
	}
	vd = container_of(d, struct virtio_dev, dev);
	r.dev = d;
	ok(vrings_probe(&r, VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_MQ, 3, RINGS),
	   "a driver takes MQ and sets up 3 queues");
	for (unsigned int q = 0; q < 3; q++) {
		memset(gp(DATA + q * 0x200), 0xa0 + (int)q, 512);
		offer(q, 0, q, true, 10 + q);
	}
	vrings_kick(&r, 2);
	vrings_kick(&r, 0);
	vrings_kick(&r, 1);
	settle(d);
	for (unsigned int q = 0; q < 3; q++) {
		bool here = used_one(q, 1) && *gp(STATUS + q) == 0 &&
			    pread(fd, sector, 512, (10 + q) * 512) == 512 && sector[0] == 0xa0 + q &&
			    sector[511] == 0xa0 + q && vd->stats[q].requests == 1;

		ok(here, "queue %u: its write is on the image, answered OK on queue %u alone", q, q);
	}
	memset(gp(DATA + 3 * 0x200), 0, 512);
	offer(1, 1, 3, false, 12);
	vrings_kick(&r, 1);
	settle(d);
	{
		uint32_t id, len;

		ok(vrings_used(&r, 1, &id, &len) && id == 3 && len == 513 && *gp(STATUS + 3) == 0 &&
		   *gp(DATA + 3 * 0x200) == 0xa2 && *gp(DATA + 3 * 0x200 + 511) == 0xa2 &&
		   !vrings_used(&r, 0, &id, &len) && !vrings_used(&r, 2, &id, &len),
		   "queue 1 reads back queue 2's sector; nothing more on queues 0 and 2");
	}
	disk_free(d, fd, path);
}

/*
 * Starved of slots: queues 0 and 1 (256 entries each) hand 128 reads
 * each to the ring - every one of the disk's 256 slots - before anything
 * is reaped; queue 2's request then finds no slot. Once completions come
 * back, queue 2 is served, on queue 2.
 */
#define BIG 256
#define BIG_RINGS (RAM + 0x60000)	/* queue i: desc, avail +0x1000, used +0x2000 */
#define BIG_STRIDE 0x3000
static void starved(void)
{
	char path[] = "/tmp/kvmini-mq-XXXXXX";
	struct virtio_dev *vd;
	struct device *d;
	uint32_t hdr[4] = { 0, 0, 0, 0 };	/* a read of sector 0 */
	uint16_t used[3];
	int fd, err = 0;

	printf("# a queue starved of request slots\n");
	d = disk(path, &fd, 3, false, &err);
	if (!d) {
		ok(false, "a disk with 3 queues (%d)", err);
		return;
	}
	vd = container_of(d, struct virtio_dev, dev);
	memcpy(gp(HDRS), hdr, sizeof(hdr));
	ok(vdrv_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_MQ), "MQ negotiated");
	for (unsigned int q = 0; q < 3; q++) {
		uint64_t desc = BIG_RINGS + q * BIG_STRIDE;
		uint16_t n = q < 2 ? BIG / 2 : 1, idx = htole16(n);

		memset(vrings_ptr(&r, desc, BIG_STRIDE), 0, BIG_STRIDE);
		(void)vdrv_queue(d, q, BIG, desc, desc + 0x1000, desc + 0x2000);
		/* Request i: the shared header, then 512 bytes and its status byte (writable). */
		for (uint16_t i = 0; i < n; i++) {
			uint16_t head = htole16((uint16_t)(2 * i));

			virtq_desc_put(vrings_ptr(&r, desc, 16 * BIG), 2 * i, HDRS, 16,
				       VIRTQ_DESC_F_NEXT, 2 * i + 1);
			virtq_desc_put(vrings_ptr(&r, desc, 16 * BIG), 2 * i + 1,
				       DATA + (q * BIG / 2 + i) * 0x200ULL, 513, VIRTQ_DESC_F_WRITE, 0);
			memcpy(gp(desc + 0x1000 + 4 + 2 * i), &head, 2);
		}
		memcpy(gp(desc + 0x1000 + 2), &idx, 2);
	}
	vdrv_driver_ok(d);
	/* The I/O thread's handlers, with no reaping between them. */
	for (unsigned int q = 0; q < 3; q++)
		vd->ops->queue_notify(vd, q);
	ok(vd->held == BIG && vd->stats[2].requests == 0,
	   "queues 0 and 1 hold all %d slots; queue 2's request is left waiting", BIG);
	settle(d);
	for (unsigned int q = 0; q < 3; q++)
		memcpy(&used[q], gp(BIG_RINGS + q * BIG_STRIDE + 0x2000 + 2), 2);
	ok(!vd->held && le16toh(used[0]) == BIG / 2 && le16toh(used[1]) == BIG / 2 &&
	   le16toh(used[2]) == 1 && vd->stats[2].requests == 1,
	   "completions free slots: queue 2 is served, on queue 2 (used %u, %u, %u)",
	   le16toh(used[0]), le16toh(used[1]), le16toh(used[2]));
	disk_free(d, fd, path);
}

/* Queue counts out of range, and snapshots between disks of other counts. */
static void refusals(void)
{
	char path0[] = "/tmp/kvmini-mq-XXXXXX", path[] = "/tmp/kvmini-mq-XXXXXX";
	char path2[] = "/tmp/kvmini-mq-XXXXXX", path3[] = "/tmp/kvmini-mq-XXXXXX";
	struct blk_backend *be;
	struct device *a, *b, *c, *d;
	struct state_buf out, in;
	int fd, fd2, fd3, err = 0;

	printf("# refusals\n");
	fd = mkstemp(path0);
	if (fd < 0 || ftruncate(fd, SECTORS * 512))
		return;
	ok(!blk_open(path0, false, &be) && virtio_blk_create(0x1100000, be, 0, &d) == -EINVAL,
	   "0 queues refused");
	ok(!blk_open(path0, false, &be) &&
	   virtio_blk_create(0x1100000, be, DISK_MAX_QUEUES + 1, &d) == -EINVAL,
	   "%d queues refused", DISK_MAX_QUEUES + 1);
	close(fd);
	unlink(path0);

	a = disk(path, &fd, 2, true, &err);
	b = disk(path2, &fd2, 2, true, &err);
	c = disk(path3, &fd3, 1, true, &err);
	if (!a || !b || !c) {
		ok(false, "disks with 2, 2 and 1 queues (%d)", err);
		return;
	}
	r.dev = a;
	(void)vrings_probe(&r, VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_MQ, 2, RINGS);
	state_init(&out);
	a->ops->freeze(a);
	ok(a->ops->save(a, &out) == 0, "a 2-queue disk's state saved");
	state_init_read(&in, out.data, out.len);
	ok(b->ops->load(b, &in) == 0, "loaded into a disk with 2 queues");
	state_init_read(&in, out.data, out.len);
	ok(c->ops->load(c, &in) == -EBADMSG, "refused by a disk with 1 queue (it offers no MQ)");
	a->ops->thaw(a);
	state_free(&out);
	disk_free(a, fd, path);
	disk_free(b, fd2, path2);
	disk_free(c, fd3, path3);
}

int main(void)
{
	if (guest_mem_add(&vm.mem, RAM, RAM_SIZE, GUEST_MEM_ANON) || evloop_init(&vm.loop))
		return 1;
	vm.vm_fd = -1;
	/* Each run chooses its path itself (sync_only), whatever the caller's environment. */
	unsetenv("KVMINI_BLK_SYNC");
	log_set_level(LOG_ERR);		/* the refusals are meant */
	registers();
	requests(true);
	if (uring_usable("requests on 3 queues through io_uring"))
		requests(false);
	if (uring_usable("a queue starved of request slots"))
		starved();
	refusals();
	evloop_destroy(&vm.loop);
	guest_mem_free(&vm.mem);
	return tap_done();
}
