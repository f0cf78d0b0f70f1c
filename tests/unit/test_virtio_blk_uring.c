// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk through io_uring, without KVM: many requests taken in one
 * kick and submitted together, a short transfer never reported done, a
 * driver reset and a device reset that wait for requests in flight (whose
 * completions the new driver never sees), and quiesce finishing them with
 * the event loop stopped. Then RWF_NOWAIT first: reads the page cache
 * holds finish in the handler, reads it does not go through the ring; a
 * disk in memory (tmpfs) synchronous. Skipped, saying why, where the host
 * has no io_uring; KVMINI_BLK_SYNC=1 checked to keep a disk synchronous.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <kvmini/blk.h>
#include <kvmini/config.h>
#include <kvmini/mem.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "tap.h"
#include "virtio_driver.h"

#define RAM 0x80000000ULL
#define QSIZE 128
#define DESC (RAM + 0x1000)
#define AVAIL (RAM + 0x2000)
#define USED (RAM + 0x3000)
#define HDR (RAM + 0x4000)	/* 16 bytes per request */
#define STATUS (RAM + 0x5000)	/* 1 byte per request */
#define DATA (RAM + 0x10000)	/* 1024 bytes per request */
#define NR_REQ 40		/* 3 descriptors each: 120 of QSIZE */
#define DISK_SECTORS 128

static struct vm vm;
static uint16_t avail_idx;

static uint8_t *gp(uint64_t gpa)
{
	return guest_mem_ptr(&vm.mem, gpa, 1);
}

static struct virtio_dev *vdev(struct device *d)
{
	return container_of(d, struct virtio_dev, dev);
}

static unsigned int held(struct device *d)
{
	struct virtio_dev *vd = vdev(d);
	unsigned int n;

	pthread_mutex_lock(&vd->lock);
	n = vd->held;
	pthread_mutex_unlock(&vd->lock);
	return n;
}

static uint16_t used_idx(void)
{
	uint16_t idx;

	memcpy(&idx, gp(USED + 2), 2);
	return le16toh(idx);
}

/* The driver's 3.1.1 with one queue of QSIZE, its rings zeroed. */
static bool probe(struct device *d)
{
	if (!vdrv_negotiate(d, VIRTIO_F_VERSION_1 | (1 << 9)))
		return false;
	memset(gp(DESC), 0, 0x3000 + 8 * QSIZE + 8);
	avail_idx = 0;
	if (!vdrv_queue(d, 0, QSIZE, DESC, AVAIL, USED))
		return false;
	vdrv_driver_ok(d);
	return true;
}

/* Request i: header, 1024 bytes of data at sector 2i, status; offered, not kicked. */
static void offer(unsigned int i, uint32_t type)
{
	uint32_t t = htole32(type);
	uint64_t s = htole64(2 * i);
	uint16_t head = htole16((uint16_t)(3 * i)), idx;

	memcpy(gp(HDR + 16 * i), &t, 4);
	memset(gp(HDR + 16 * i + 4), 0, 4);
	memcpy(gp(HDR + 16 * i + 8), &s, 8);
	*gp(STATUS + i) = 0xee;
	virtq_desc_put(gp(DESC), 3 * i, HDR + 16 * i, 16, VIRTQ_DESC_F_NEXT, 3 * i + 1);
	virtq_desc_put(gp(DESC), 3 * i + 1, DATA + 1024 * i, 1024, VIRTQ_DESC_F_NEXT |
		       (type == 0 ? VIRTQ_DESC_F_WRITE : 0), 3 * i + 2);
	virtq_desc_put(gp(DESC), 3 * i + 2, STATUS + i, 1, VIRTQ_DESC_F_WRITE, 0);
	memcpy(gp(AVAIL + 4 + 2 * (avail_idx % QSIZE)), &head, 2);
	idx = htole16(++avail_idx);
	memcpy(gp(AVAIL + 2), &idx, 2);
}

/* n requests of one type in one kick, handled as the I/O thread would. */
static void submit(struct device *d, unsigned int n, uint32_t type)
{
	for (unsigned int i = 0; i < n; i++) {
		if (type == 1)
			memset(gp(DATA + 1024 * i), (int)(i + 1), 1024);
		else
			memset(gp(DATA + 1024 * i), 0, 1024);
		offer(i, type);
	}
	vdev(d)->ops->queue_notify(vdev(d), 0);
}

/* Run the event loop until the device holds nothing (bounded). */
static void drain(struct device *d)
{
	for (int i = 0; held(d) && i < 100; i++)
		(void)evloop_run_once(&vm.loop, 100);
}

/* Each of the n requests used once with status OK and its length, data as written. */
static bool all_done(uint16_t first_used, unsigned int n, uint32_t len, bool check_data)
{
	bool seen[NR_REQ] = { false };

	if ((uint16_t)(used_idx() - first_used) != n)
		return false;
	for (unsigned int k = 0; k < n; k++) {
		uint8_t *e = gp(USED + 4 + 8 * ((first_used + k) % QSIZE));
		uint32_t id, l;

		memcpy(&id, e, 4);
		memcpy(&l, e + 4, 4);
		id = le32toh(id) / 3;
		if (le32toh(l) != len || id >= n || seen[id] || *gp(STATUS + id) != 0)
			return false;
		seen[id] = true;
		if (check_data && (*gp(DATA + 1024 * id) != id + 1 ||
				   *gp(DATA + 1024 * id + 1023) != id + 1))
			return false;
	}
	return true;
}

static bool image_has_writes(int fd, unsigned int n)
{
	uint8_t buf[1024];

	for (unsigned int i = 0; i < n; i++)
		if (pread(fd, buf, sizeof(buf), 1024 * i) != (ssize_t)sizeof(buf) ||
		    buf[0] != i + 1 || buf[1023] != i + 1)
			return false;
	return true;
}

static void batch(struct device *d, int fd)
{
	submit(d, NR_REQ, 1);
	ok(held(d) == NR_REQ, "%d writes in one kick: all taken and in flight after the handler",
	   NR_REQ);
	drain(d);
	ok(held(d) == 0 && all_done(0, NR_REQ, 1, false), "all %d completed OK, used length 1",
	   NR_REQ);
	ok(image_has_writes(fd, NR_REQ), "each write's data is in the image at its sector");
	submit(d, NR_REQ, 0);
	drain(d);
	ok(all_done(NR_REQ, NR_REQ, 1025, true),
	   "%d reads in one kick: all OK, 1024 bytes + status each, the right data", NR_REQ);
}

/*
 * --stats after batch(): 80 requests went through the ring, 40 at a time,
 * so while it had any the kernel held between 1 and 40; and by Little's
 * law the requests held over that time are the requests' times summed.
 */
static void depth_stats(struct device *d)
{
	char *text = NULL, *line;
	size_t size = 0;
	unsigned long n = 0, us = 0, submits = 0, submit_us = 0, submit_cpu_us = 0;
	double depth = 0, busy_ms = 0, sum_ms;
	bool parsed;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return;
	d->ops->print_stats(d, f);
	fclose(f);
	/* The line that says it, from its start (others name the device too). */
	line = strstr(text, "requests through io_uring");
	while (line && line > text && line[-1] != '\n')
		line--;
	parsed = line && sscanf(line, "kvmini: stats: virtio-blk@1100000: %lu requests through "
				"io_uring, %lf in the kernel while it had any (%lf ms in all), "
				"%lu us there each (mean); %lu submissions, %lu us each (%lu us on the "
				"CPU)", &n, &depth, &busy_ms, &us, &submits, &submit_us,
				&submit_cpu_us) == 7;
	sum_ms = (double)n * (double)us / 1e3;
	ok(parsed && n == 2 * NR_REQ && depth >= 1 && depth <= NR_REQ && us > 0,
	   "--stats: %lu requests through io_uring (%d), %.1f in the kernel while it had any "
	   "(1 to %d), %lu us each (more than 0)", n, 2 * NR_REQ, depth, NR_REQ, us);
	/* Equal within the printed figures' rounding (0.05, 0.0005 ms, 0.5 us). */
	ok(parsed && us > 0 && (depth + 0.05) * (busy_ms + 0.0005) >= (double)n * (us - 0.5) / 1e3 &&
	   (depth - 0.05) * (busy_ms - 0.0005) <= (double)n * (us + 0.5) / 1e3,
	   "... %.1f held over %.3f ms: %.3f ms of requests, as their times add up to (%.3f)",
	   depth, busy_ms, depth * busy_ms, sum_ms);
	/* A submission per handler run: the two runs of 40, a retry or so at most. */
	ok(parsed && submits >= 2 && submits < NR_REQ,
	   "... handed to the kernel in %lu submissions (2, one per handler run, to %d), "
	   "%lu us each", submits, NR_REQ - 1, submit_us);
	/* The CPU clock is the scheduler's, not the monotonic one: near, not under, the time. */
	ok(parsed && submit_cpu_us > 0 && submit_cpu_us <= 2 * submit_us + 1,
	   "... %lu us of it on the I/O thread's CPU (--stats: more than 0, up to about %lu)",
	   submit_cpu_us, submit_us);
	free(text);
}

struct resetter {
	struct device *d;
	bool driver;		/* a driver reset (status 0), else the device's (reboot) */
	bool done;
};

static void *reset_thread(void *arg)
{
	struct resetter *r = arg;

	if (r->driver)
		wr(r->d, 0x070, 0);
	else
		r->d->ops->reset(r->d);
	__atomic_store_n(&r->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Requests in flight, a reset from another thread: it waits for them, then they are gone. */
static void reset_in_flight(struct device *d, bool driver)
{
	const char *what = driver ? "a driver reset (status 0)" : "a device reset (reboot)";
	struct resetter r = { .d = d, .driver = driver };
	uint16_t before;
	pthread_t t;

	if (!probe(d))
		return;
	submit(d, 8, 0);
	before = used_idx();
	ok(held(d) == 8, "8 reads in flight");
	if (pthread_create(&t, NULL, reset_thread, &r))
		return;
	usleep(100 * 1000);
	ok(!__atomic_load_n(&r.done, __ATOMIC_SEQ_CST), "%s waits for them", what);
	drain(d);
	pthread_join(t, NULL);
	ok(r.done && held(d) == 0, "%s returns once they completed", what);
	ok(used_idx() == before && *gp(STATUS) != 0xee,
	   "their completions were dropped: nothing pushed to the reset queue");
	ok(probe(d) && used_idx() == 0 && rd(d, 0x060) == 0 &&
	   evloop_run_once(&vm.loop, 50) == 0 && used_idx() == 0,
	   "the new driver sees none of the old completions, and no interrupt");
	submit(d, 1, 1);
	drain(d);
	ok(all_done(0, 1, 1, false), "and its own requests work");
}

/* The VM stopped, the event loop too: quiesce completes what is in flight. */
static void quiesce(struct device *d, int fd)
{
	if (!probe(d))
		return;
	submit(d, 8, 1);
	ok(held(d) == 8, "8 writes in flight, the event loop not running");
	d->ops->quiesce(d);
	ok(held(d) == 0 && all_done(0, 8, 1, false) && image_has_writes(fd, 8),
	   "quiesce completed them all: pushed OK, the data in the image");
}

/* A read past the end of the file: short, then nothing - an error, never success. */
static void io_done(struct blk_io *io, int res, void *arg)
{
	(void)io;
	*(int *)arg = res;
}

static void short_read(struct blk_backend *be)
{
	uint8_t buf[2][512];
	struct iovec iov[2] = { { buf[0], 512 }, { buf[1], 512 } };
	struct blk_io io = { .op = BLK_OP_READ, .iov = iov, .nr_iov = 2,
			     .offset = be->size - 512 };
	struct blk_uring *u;
	int res = 1;

	if (blk_uring_init(be, 8, &u))
		return;
	ok(!blk_uring_queue(u, &io) && blk_uring_unsubmitted(u), "a read of 1024 bytes at 512 "
	   "before the end of the disk: queued");
	blk_uring_submit(u);
	ok(!blk_uring_unsubmitted(u), "... and submitted");
	for (int i = 0; i < 10 && res == 1; i++)
		(void)blk_uring_reap(u, true, io_done, &res);
	ok(res == -EIO, "the short read is resubmitted for the rest, then fails: %d", res);
	blk_uring_free(u);
}

/*
 * RWF_NOWAIT first: reads of what the page cache holds finish in the
 * handler, with no I/O held; once the cache is dropped they go through the
 * ring and complete from the event loop, with the same data.
 */
static void nowait_first(const char *path, int fd)
{
	struct blk_backend *be;
	struct device *d;
	uint16_t first;
	struct statfs fs;

	if (fstatfs(fd, &fs) || fs.f_type == 0x01021994 /* TMPFS_MAGIC */) {
		ok(true, "# SKIP RWF_NOWAIT first: the image is on tmpfs (Linux 6.12 refuses it there)");
		return;
	}
	if (blk_open(path, false, &be) || virtio_blk_create(0x1100000, be, 1, &d))
		return;
	d->vm = &vm;
	if (d->ops->realize(d) || !probe(d)) {
		d->ops->destroy(d);
		return;
	}
	submit(d, 8, 1);
	drain(d);
	ok(held(d) == 0 && all_done(0, 8, 1, false) && image_has_writes(fd, 8),
	   "8 writes done (inline or through the ring, as the file system allows)");
	first = used_idx();
	submit(d, 8, 0);
	ok(held(d) == 0 && all_done(first, 8, 1025, true),
	   "8 reads of cached data: finished in the handler, the right data");
	/* Evict the image's pages (tmpfs cannot: its pages are the file). */
	if (fdatasync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) || fstatfs(fd, &fs) ||
	    fs.f_type == 0x01021994 /* TMPFS_MAGIC */) {
		ok(true, "# SKIP uncached reads: cannot drop this file's pages here");
	} else {
		first = used_idx();
		submit(d, 8, 0);
		ok(held(d) > 0, "uncached reads: %u of 8 went to the ring (held)", held(d));
		drain(d);
		ok(held(d) == 0 && all_done(first, 8, 1025, true),
		   "... and completed from the event loop with the right data");
	}
	d->ops->destroy(d);
}

/* A disk on tmpfs never waits for a device: synchronous, no ring handing I/O to workers. */
static void in_memory(void)
{
	char path[] = "/dev/shm/kvmini-disk-XXXXXX";
	int fd = mkstemp(path);
	struct blk_backend *be = NULL;
	struct blk_uring *u = NULL;
	struct statfs fs;

	if (fd < 0 || fstatfs(fd, &fs) || fs.f_type != 0x01021994 /* TMPFS_MAGIC */) {
		ok(true, "# SKIP a disk in memory: no tmpfs at /dev/shm here");
	} else if (!ftruncate(fd, DISK_SECTORS * 512) && !blk_open(path, false, &be)) {
		blk_uring_setup(be, 8, &u);
		ok(be->in_memory && !u, "a disk on tmpfs: seen as in memory, given no io_uring");
		setenv("KVMINI_BLK_SYNC", "0", 1);
		blk_uring_setup(be, 8, &u);
		ok(u != NULL, "... and given one with KVMINI_BLK_SYNC=0");
		unsetenv("KVMINI_BLK_SYNC");
		blk_uring_free(u);
		blk_close(be);
	} else {
		ok(false, "a disk on tmpfs: opened");
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

/* KVMINI_BLK_SYNC=1: the disk stays synchronous even where io_uring works. */
static void env_sync(const char *path)
{
	struct blk_backend *be;
	struct device *d;

	setenv("KVMINI_BLK_SYNC", "1", 1);
	if (blk_open(path, false, &be) || virtio_blk_create(0x1100000, be, 1, &d))
		return;
	d->vm = &vm;
	if (!d->ops->realize(d) && probe(d)) {
		submit(d, 1, 1);
		ok(held(d) == 0 && all_done(0, 1, 1, false),
		   "KVMINI_BLK_SYNC=1: the request finished in the handler (synchronous)");
	}
	d->ops->destroy(d);
	unsetenv("KVMINI_BLK_SYNC");
}

static const struct vm_config stats_on = { .stats = true };

int main(void)
{
	char path[] = "/tmp/kvmini-disk-XXXXXX";
	int fd = mkstemp(path), ret;
	struct blk_backend *be;
	struct blk_uring *u;
	struct device *d;

	unsetenv("KVMINI_BLK_SYNC");
	if (fd < 0 || ftruncate(fd, DISK_SECTORS * 512) || blk_open(path, false, &be))
		return 1;
	ret = blk_uring_init(be, 8, &u);
	if (ret) {
		printf("1..0 # SKIP io_uring unavailable here: %s\n", strerror(-ret));
		blk_close(be);
		close(fd);
		unlink(path);
		return 0;
	}
	blk_uring_free(u);
	if (guest_mem_add(&vm.mem, RAM, 1 << 20, GUEST_MEM_ANON) || evloop_init(&vm.loop))
		return 1;
	vm.vm_fd = -1;
	vm.cfg = &stats_on;	/* with --stats: the submissions' CPU time too */
	short_read(be);
	/*
	 * The ring path itself (requests in flight): the page cache would
	 * finish these at once, and on a /tmp in memory there would be no ring.
	 */
	be->nowait_off[0] = be->nowait_off[1] = true;
	setenv("KVMINI_BLK_SYNC", "0", 1);
	if (virtio_blk_create(0x1100000, be, 1, &d))
		return 1;
	d->vm = &vm;
	ok(!d->ops->realize(d) && probe(d), "virtio-blk over io_uring: realized and probed");
	unsetenv("KVMINI_BLK_SYNC");
	batch(d, fd);
	depth_stats(d);
	reset_in_flight(d, true);
	reset_in_flight(d, false);
	quiesce(d, fd);
	d->ops->destroy(d);
	nowait_first(path, fd);
	in_memory();
	env_sync(path);
	evloop_destroy(&vm.loop);
	guest_mem_free(&vm.mem);
	close(fd);
	unlink(path);
	return tap_done();
}
