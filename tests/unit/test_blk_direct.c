// SPDX-License-Identifier: GPL-2.0-only
/*
 * --disk FILE,direct (kvmtool's): a read or write whose offset, buffer
 * addresses and lengths suit direct I/O goes past the page cache
 * (O_DIRECT), any other through it, and the data is right either way -
 * synchronously and through io_uring, mixing the two on one range. Run on
 * a file in TMPDIR; skipped (and said) where its filesystem has no
 * O_DIRECT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/blk.h>

#include "capture.h"
#include "tap.h"
#include "uring_probe.h"

#define DISK_SIZE (1 << 20)

static char path[256];
static int plain_fd;	/* the test's own view of the file */

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + i / 251);
}

/* What the file holds at offset, read without kvmini, equals p. */
static bool file_holds(uint64_t offset, const uint8_t *p, size_t n)
{
	uint8_t *got = malloc(n);
	bool same = got && pread(plain_fd, got, n, (off_t)offset) == (ssize_t)n &&
		    !memcmp(got, p, n);

	free(got);
	return same;
}

/* What was logged, its last newline cut: it goes inside a TAP line. */
static void said_end(struct capture *cap, char *said, size_t len)
{
	size_t n = strlen(capture_end(cap, said, len));

	if (n && said[n - 1] == '\n')
		said[n - 1] = 0;
}

struct done_count {
	int ended, failed;
};

static void io_done(struct blk_io *io, int res, void *arg)
{
	struct done_count *d = arg;

	(void)io;
	d->ended++;
	if (res)
		d->failed++;
}

static void through_uring(struct blk_backend *b, uint8_t *aligned, size_t align)
{
	struct iovec a = { aligned, 2 * align }, m[2] = { { aligned + 2 * align, 100 },
							  { aligned + 2 * align + 100, 2 * align - 100 } };
	struct blk_io rd = { .op = BLK_OP_READ, .iov = &a, .nr_iov = 1, .offset = 4 * align };
	struct blk_io wr = { .op = BLK_OP_WRITE, .iov = m, .nr_iov = 2, .offset = 8 * align };
	struct done_count d = { 0 };
	uint64_t direct = b->nr_direct, buffered = b->nr_buffered;
	struct blk_uring *u;

	if (!uring_usable("io_uring with ,direct"))
		return;
	if (blk_uring_init(b, 8, &u)) {
		ok(false, "an io_uring for the direct disk");
		return;
	}
	/* A file, not a block device: no poll queues, so its completions keep signalling. */
	{
		struct capture cap;
		char said[1024];
		bool polled;

		capture_begin(&cap, false);
		polled = blk_uring_poll_setup(u, 8);
		said_end(&cap, said, sizeof(said));
		ok(!polled && !blk_uring_poll_out(u) &&
		   strstr(said, ": completions by interrupt (not a block device: polling is for "
			  "one with poll queues; KVMINI_BLK_IOPOLL=1 tries anyway)"),
		   "io_uring: a direct file's completions are not polled: not a block device, "
		   "said why (%s)", said);
	}
	fill(aligned + 2 * align, 2 * align, 9);
	ok(!blk_uring_queue(u, &rd) && !blk_uring_queue(u, &wr), "io_uring: an aligned read "
	   "and a write of unaligned buffers queued");
	blk_uring_submit(u);
	while (d.ended < 2 && blk_uring_reap(u, true, io_done, &d) >= 0)
		;
	ok(d.ended == 2 && !d.failed && b->nr_direct == direct + 1 &&
	   b->nr_buffered == buffered + 1, "io_uring: both done, one direct, one through the "
	   "page cache (%d ended, %d failed)", d.ended, d.failed);
	ok(file_holds(8 * align, aligned + 2 * align, 2 * align) &&
	   file_holds(4 * align, aligned, 2 * align), "io_uring: the file holds what was written, "
	   "the read got what the file holds");
	blk_uring_free(u);
}

/*
 * Polled I/O forced (KVMINI_BLK_IOPOLL=1) on a file that cannot be polled:
 * tmpfs takes O_DIRECT (Linux 6.6 on) but has no iopoll, so the polled
 * ring refuses the read (EOPNOTSUPP). It is done again on the other ring,
 * nothing lost, and polling ends for the disk. A flush in a slot that
 * last held a direct read does not go to the polled ring (IOPOLL would
 * refuse it too).
 */
static void polled_refused(void)
{
	char shm[] = "/dev/shm/kvmini-iopoll-XXXXXX", said[1024];
	struct blk_backend *b = NULL;
	struct done_count d = { 0 };
	uint8_t *buf = NULL, *want = malloc(8192);
	struct blk_uring *u = NULL;
	struct capture cap;
	struct iovec v;
	struct blk_io io = { .op = BLK_OP_READ, .iov = &v, .nr_iov = 1, .offset = 8192 };
	bool polled;
	int fd = mkstemp(shm);

	if (fd < 0 || !want || ftruncate(fd, DISK_SIZE)) {
		ok(true, "polled I/O refused # SKIP no file in /dev/shm");
		goto out;
	}
	fill(want, 8192, 5);
	if (pwrite(fd, want, 8192, 8192) != 8192 || blk_open(shm, false, &b)) {
		ok(false, "a disk image in /dev/shm");
		goto out;
	}
	capture_begin(&cap, false);
	if (blk_set_direct(b)) {
		said_end(&cap, said, sizeof(said));
		ok(true, "polled I/O refused # SKIP tmpfs here has no O_DIRECT (Linux < 6.6): %s",
		   said);
		goto out;
	}
	said_end(&cap, said, sizeof(said));
	if (b->dio_unit > 8192) {
		ok(true, "polled I/O refused # SKIP direct I/O here is in %u-byte units, the "
		   "test's read 8192", b->dio_unit);
		goto out;
	}
	if (!uring_usable("polled I/O refused"))
		goto out;
	buf = aligned_alloc(b->dio_unit, 8192);
	if (!buf || blk_uring_init(b, 8, &u)) {
		ok(false, "a buffer and an io_uring for the tmpfs disk");
		goto out;
	}
	setenv("KVMINI_BLK_IOPOLL", "1", 1);
	capture_begin(&cap, false);
	polled = blk_uring_poll_setup(u, 8);
	said_end(&cap, said, sizeof(said));
	unsetenv("KVMINI_BLK_IOPOLL");
	ok(polled && blk_uring_polling(u) && strstr(said, "direct reads and writes polled "
	   "(KVMINI_BLK_IOPOLL=1)"), "KVMINI_BLK_IOPOLL=1: polled whatever sysfs says (%s)", said);
	v = (struct iovec){ buf, 8192 };
	ok(!blk_uring_queue(u, &io) && io.direct && blk_uring_poll_out(u) == 1,
	   "a direct read goes on the polled ring");
	blk_uring_submit(u);
	capture_begin(&cap, false);
	while (!d.ended && blk_uring_reap(u, true, io_done, &d) >= 0)
		;
	said_end(&cap, said, sizeof(said));
	ok(d.ended == 1 && !d.failed && !memcmp(buf, want, 8192) && !blk_uring_poll_out(u),
	   "refused there (tmpfs has no iopoll), it is done on the other ring: the data read");
	ok(!blk_uring_polling(u) && strstr(said, "its direct I/O cannot be polled "
	   "(EOPNOTSUPP); completions by interrupt from now on (if KVMINI_BLK_IOPOLL=1 is set, "
	   "unset it)"),
	   "polling ends for the disk, with a warning (%s)", said);
	io.offset = 16384;
	ok(!blk_uring_queue(u, &io) && io.direct && !blk_uring_poll_out(u),
	   "the next direct read goes on the other ring");
	io.op = BLK_OP_FLUSH;
	ok(!blk_uring_queue(u, &io) && !io.direct, "a flush in the same slot is not direct");
	blk_uring_submit(u);
	d = (struct done_count){ 0 };
	while (d.ended < 2 && blk_uring_reap(u, true, io_done, &d) >= 0)
		;
	ok(d.ended == 2 && !d.failed, "both done (%d ended, %d failed)", d.ended, d.failed);
out:
	blk_uring_free(u);
	if (b)
		blk_close(b);
	if (fd >= 0) {
		close(fd);
		unlink(shm);
	}
	free(buf);
	free(want);
}

/*
 * A file whose filesystem has no O_DIRECT is refused, naming the option
 * and what to do: a sysfs attribute (a regular file of 4096 bytes, read
 * only) stands in for such a disk image.
 */
static void refused_without_o_direct(void)
{
	static const char *const files[] = { "/sys/kernel/uevent_seqnum", "/sys/power/state" };
	struct blk_backend *b = NULL;
	struct capture cap;
	char said[1024];
	int ret;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !b; i++) {
		capture_begin(&cap, false);
		if (blk_open(files[i], true, &b))
			b = NULL;
		said_end(&cap, said, sizeof(said));
	}
	if (!b) {
		ok(true, "a filesystem without O_DIRECT # SKIP no sysfs attribute opens here");
		return;
	}
	capture_begin(&cap, false);
	ret = blk_set_direct(b);
	said_end(&cap, said, sizeof(said));
	ok(ret == -EINVAL && b->direct_fd < 0 &&
	   strstr(said, ",direct: its filesystem cannot do direct I/O (O_DIRECT); drop ,direct"),
	   "a file whose filesystem has no O_DIRECT: -EINVAL, saying to drop ,direct (%s)", said);
	blk_close(b);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct blk_backend *b = NULL;
	uint8_t *aligned, *want;
	struct capture cap;
	char said[1024];
	size_t align;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/kvmini-direct-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, DISK_SIZE) || blk_open(path, false, &b)) {
		ok(false, "a 1 MiB disk image in %s", path);
		return tap_done();
	}
	plain_fd = fd;
	unsetenv("KVMINI_BLK_IOPOLL");	/* the tests below set it where they need it */
	refused_without_o_direct();
	polled_refused();
	ok(b->direct_fd < 0, "without ,direct: no O_DIRECT file");
	capture_begin(&cap, false);
	ret = blk_set_direct(b);
	said_end(&cap, said, sizeof(said));
	if (ret == -EINVAL) {
		ok(true, "--disk FILE,direct # SKIP %s's filesystem has no O_DIRECT: %s", path, said);
		goto out;
	}
	ok(!ret && b->direct_fd >= 0 && (fcntl(b->direct_fd, F_GETFL) & O_DIRECT) &&
	   !(fcntl(b->fd, F_GETFL) & O_DIRECT) && strstr(said, "direct I/O (O_DIRECT) for "
	   "requests in whole"), "with ,direct: an O_DIRECT file of its own beside the "
	   "buffered one, the alignment said (%s)", said);
	ok(b->dio_off_align >= 1 && !(b->dio_off_align & (b->dio_off_align - 1)) &&
	   b->dio_mem_align >= 1 && !(b->dio_mem_align & (b->dio_mem_align - 1)) &&
	   b->dio_unit >= (uint32_t)sysconf(_SC_PAGESIZE) && b->dio_unit % b->dio_off_align == 0,
	   "alignments are powers of two: pieces %u, buffers %u; whole transfers in %u-byte "
	   "units, a page at least", b->dio_off_align, b->dio_mem_align, b->dio_unit);
	align = b->dio_unit > b->dio_mem_align ? b->dio_unit : b->dio_mem_align;
	aligned = aligned_alloc(align, 8 * align);
	want = malloc(8 * align);
	if (!aligned || !want) {
		ok(false, "buffers");
		goto out;
	}

	/* Aligned: past the page cache. */
	fill(aligned, 2 * align, 1);
	{
		struct iovec v = { aligned, 2 * align };

		ok(!blk_write(b, &v, 1, 2 * align) && b->nr_direct == 1 && !b->nr_buffered &&
		   file_holds(2 * align, aligned, 2 * align),
		   "an aligned write goes direct, and the file holds it");
	}
	/* Unaligned lengths (the total is aligned), then an unaligned offset: the page cache. */
	{
		struct iovec v[2] = { { aligned, 100 }, { aligned + 100, 2 * align - 100 } };

		fill(aligned, 2 * align, 2);
		ok(!blk_write(b, v, 2, 2 * align) && b->nr_direct == 1 && b->nr_buffered == 1,
		   "a write of buffers whose lengths do not suit direct I/O goes through the "
		   "page cache");
		memcpy(want, aligned, 2 * align);
	}
	{
		struct iovec v = { aligned, 2 * align };

		memset(aligned, 0, 2 * align);
		ok(!blk_read(b, &v, 1, 2 * align) && b->nr_direct == 2 &&
		   !memcmp(aligned, want, 2 * align),
		   "a direct read of that range sees what went through the page cache");
	}
	{
		struct iovec v = { aligned, align };

		fill(aligned, align, 3);
		ok(!blk_write(b, &v, 1, 5 * align + 1) && b->nr_buffered == 2 &&
		   file_holds(5 * align + 1, aligned, align),
		   "a write at an unaligned offset goes through the page cache, and lands");
	}
	if (b->dio_off_align < b->dio_unit) {
		struct iovec v = { aligned, b->dio_off_align };

		fill(aligned, b->dio_off_align, 5);
		ok(!blk_write(b, &v, 1, 7 * align) && b->nr_buffered == 3 &&
		   file_holds(7 * align, aligned, b->dio_off_align),
		   "a write of %u bytes, less than a page, goes through the page cache: direct "
		   "and buffered writes never share a page", b->dio_off_align);
	}
	if (b->dio_mem_align > 1) {
		struct iovec v = { aligned + 1, align };

		uint64_t buffered = b->nr_buffered;

		fill(aligned + 1, align, 4);
		ok(!blk_write(b, &v, 1, 6 * align) && b->nr_buffered == buffered + 1 &&
		   file_holds(6 * align, aligned + 1, align),
		   "a write from an unaligned buffer goes through the page cache, and lands");
	}
	{
		struct blk_io io = { .op = BLK_OP_READ, .offset = 2 * align };
		struct iovec v = { aligned, align };
		uint64_t before = b->nr_direct + b->nr_buffered;

		io.iov = &v;
		io.nr_iov = 1;
		ok(blk_io_nowait(b, &io) == -EAGAIN && b->nr_direct + b->nr_buffered == before &&
		   io.offset == 2 * align, "an aligned I/O is not tried without waiting: direct "
		   "I/O always waits for the device, the ring does it");
	}
	through_uring(b, aligned, align);
	ok(!blk_flush(b), "a flush");
	/* An alignment guessed too small: the kernel's EINVAL, and the write is not lost. */
	b->dio_unit = b->dio_off_align = b->dio_mem_align = 1;
	{
		struct iovec v = { aligned + 1, 512 };
		uint64_t direct = b->nr_direct;

		fill(aligned + 1, 512, 6);
		capture_begin(&cap, false);
		ret = blk_write(b, &v, 1, 3 * align + 1);
		said_end(&cap, said, sizeof(said));
		ok(!ret && b->nr_direct == direct + 1 && b->direct_off &&
		   file_holds(3 * align + 1, aligned + 1, 512) &&
		   strstr(said, "from now on"), "a direct write the filesystem refuses (EINVAL: "
		   "its alignment was guessed too small) is done through the page cache, and "
		   "direct I/O ends for the disk, said once (%s)", said);
		v.iov_base = aligned;
		ok(!blk_write(b, &v, 1, 0) && b->nr_direct == direct + 1,
		   "after that, even an aligned write goes through the page cache");
	}
	/* The same through io_uring: the refused one is queued again, buffered. */
	b->direct_off = false;
	if (uring_usable("io_uring: a direct write the filesystem refuses")) {
		struct iovec v = { aligned + 1, 512 };
		struct blk_io wr = { .op = BLK_OP_WRITE, .iov = &v, .nr_iov = 1,
				     .offset = 3 * align + 3 };
		struct done_count d = { 0 };
		uint64_t direct = b->nr_direct;
		struct blk_uring *u;

		fill(aligned + 1, 512, 7);
		capture_begin(&cap, false);
		ret = blk_uring_init(b, 8, &u);
		if (!ret) {
			ret = blk_uring_queue(u, &wr);
			blk_uring_submit(u);
			while (!ret && d.ended < 1 && blk_uring_reap(u, true, io_done, &d) >= 0)
				;
			blk_uring_free(u);
		}
		said_end(&cap, said, sizeof(said));
		ok(!ret && d.ended == 1 && !d.failed && b->nr_direct == direct + 1 &&
		   b->direct_off && file_holds(3 * align + 3, aligned + 1, 512),
		   "io_uring: a direct write the filesystem refuses is queued again through "
		   "the page cache, and lands (%s)", said);
	}
	free(aligned);
	free(want);
out:
	blk_close(b);
	close(fd);
	unlink(path);
	return tap_done();
}
