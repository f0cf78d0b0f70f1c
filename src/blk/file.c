// SPDX-License-Identifier: GPL-2.0-only
/* Raw disk images: open, check, lock, and synchronous positioned I/O (blk.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/magic.h>

#include <kvmini/blk.h>
#include <kvmini/log.h>

/*
 * A regular file on a file system whose files are memory: tmpfs or ramfs.
 * Not a block device, whose node lives on devtmpfs (which reads as tmpfs).
 */
static bool blk_in_memory(int fd, const struct stat *st)
{
	struct statfs fs;

	return S_ISREG(st->st_mode) && !fstatfs(fd, &fs) &&
	       (fs.f_type == TMPFS_MAGIC || fs.f_type == (long)RAMFS_MAGIC);
}

int blk_open(const char *path, bool ro, struct blk_backend **out)
{
	struct blk_backend *b;
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: a FIFO named by mistake must not hang the open (cleared below). */
	fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			log_err("vm", "--disk %s: no such file; give a raw disk image", path);
		else if (err == EISDIR)
			log_err("vm", "--disk %s: a directory, not a disk image", path);
		else if (!ro && (err == EACCES || err == EROFS))
			log_err("vm", "--disk %s: cannot open it for writing (%s); add ,ro "
				"to give the guest a read-only disk", path, strerror(err));
		else
			log_err("vm", "--disk %s: cannot open: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st)) {
		err = errno;
		log_err("vm", "--disk %s: cannot stat: %s", path, strerror(err));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		log_err("vm", "--disk %s: not a regular file or block device", path);
		err = EINVAL;
		goto err_close;
	}
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end < 0) {
			err = errno;
			log_err("vm", "--disk %s: cannot read the block device's size: %s", path,
				strerror(err));
			goto err_close;
		}
		st.st_size = end;
	}
	if (fcntl(fd, F_SETFL, 0)) {
		err = errno;
		log_err("vm", "--disk %s: %s", path, strerror(err));
		goto err_close;
	}
	if ((uint64_t)st.st_size < BLK_SECTOR) {
		log_err("vm", "--disk %s: empty (%lld bytes); a disk needs at least one "
			"512-byte sector", path, (long long)st.st_size);
		err = EINVAL;
		goto err_close;
	}
	/* Another VM (kvmini, or anything else that locks) writing it would corrupt it. */
	if (flock(fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		err = errno;
		if (err == EWOULDBLOCK)
			log_err("vm", "--disk %s: in use by another process that locked it "
				"(another kvmini?); a disk can be shared read-only, with ,ro "
				"everywhere", path);
		else
			log_err("vm", "--disk %s: cannot lock: %s", path, strerror(err));
		goto err_close;
	}
	if (st.st_size % BLK_SECTOR)
		log_warn("vm", "--disk %s: %lld bytes, not a whole number of sectors; the "
			 "last %lld bytes are not part of the disk", path,
			 (long long)st.st_size, (long long)(st.st_size % BLK_SECTOR));
	b = calloc(1, sizeof(*b));
	if (!b || !(b->path = strdup(path))) {
		free(b);
		err = ENOMEM;
		goto err_close;
	}
	b->fd = fd;
	b->direct_fd = -1;
	b->ro = ro;
	b->in_memory = blk_in_memory(fd, &st);
	b->size = (uint64_t)st.st_size / BLK_SECTOR * BLK_SECTOR;
	*out = b;
	return 0;
err_close:
	close(fd);
	return -err;
}

/*
 * What direct I/O on fd needs: statx's STATX_DIOALIGN (Linux 6.1), else a
 * block device's logical sector size, else one page, which every device
 * takes (a guess: an EINVAL says it was wrong, blk_direct_refused()).
 * -EINVAL: the file cannot do direct I/O (its filesystem says so).
 */
static int blk_dio_align(struct blk_backend *b, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	struct statx sx;
	struct stat st;
	int sector = 0;

	if (page <= 0)
		page = 4096;
	b->dio_mem_align = b->dio_off_align = (uint32_t)page;
	if (!statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) && (sx.stx_mask & STATX_DIOALIGN)) {
		if (!sx.stx_dio_offset_align)
			return -EINVAL;
		b->dio_mem_align = sx.stx_dio_mem_align ? sx.stx_dio_mem_align : 1;
		b->dio_off_align = sx.stx_dio_offset_align;
	} else if (!fstat(fd, &st) && S_ISBLK(st.st_mode) && !ioctl(fd, BLKSSZGET, &sector) &&
		   sector > 0) {
		b->dio_mem_align = b->dio_off_align = (uint32_t)sector;
	}
	/* Whole transfers in pages at least (blk_direct_ok). */
	b->dio_unit = page > (long)b->dio_off_align ? (uint32_t)page : b->dio_off_align;
	return 0;
}

int blk_set_direct(struct blk_backend *b)
{
	int flags = (b->ro ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC | O_NOCTTY;
	struct stat mine, direct;
	char proc[64];
	int fd, err;

	/* The file already opened and locked, not whatever has its name now. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", b->fd);
	fd = open(proc, flags);
	if (fd < 0 && errno == ENOENT)
		fd = open(b->path, flags);	/* no /proc: checked below */
	if (fd < 0) {
		err = errno;
		if (err == EINVAL)
			log_err("vm", "--disk %s,direct: its filesystem cannot do direct I/O "
				"(O_DIRECT); drop ,direct", b->path);
		else
			log_err("vm", "--disk %s,direct: cannot open it for direct I/O: %s",
				b->path, strerror(err));
		return -err;
	}
	if (fstat(fd, &direct) || fstat(b->fd, &mine) || direct.st_dev != mine.st_dev ||
	    direct.st_ino != mine.st_ino) {
		log_err("vm", "--disk %s,direct: the file was replaced while kvmini opened it; "
			"try again", b->path);
		close(fd);
		return -ESTALE;
	}
	if (blk_dio_align(b, fd)) {
		log_err("vm", "--disk %s,direct: its filesystem cannot do direct I/O on it "
			"(statx says so); drop ,direct", b->path);
		close(fd);
		return -EINVAL;
	}
	b->direct_fd = fd;
	log_info("vm", "%s: direct I/O (O_DIRECT) for requests in whole %u-byte units (buffers "
		 "aligned to %u, pieces to %u); any other through the page cache", b->path,
		 b->dio_unit, b->dio_mem_align, b->dio_off_align);
	return 0;
}

/*
 * Whether direct I/O can take these iovecs at offset (blk_backend.direct_fd).
 * The offset and the whole length in host pages, not only in the
 * filesystem's units: a direct write beside a buffered one inside one page
 * can be undone when the kernel writes that page back (seen on a block
 * device with 512-byte sectors); within whole pages only the guest's own
 * overlapping writes can meet.
 */
static bool blk_direct_ok(const struct blk_backend *b, const struct iovec *iov, int n,
			  uint64_t offset)
{
	uint64_t len = 0;

	if (b->direct_fd < 0 || b->direct_off || offset % b->dio_unit)
		return false;
	for (int i = 0; i < n; i++) {
		if ((uintptr_t)iov[i].iov_base % b->dio_mem_align ||
		    iov[i].iov_len % b->dio_off_align)
			return false;
		len += iov[i].iov_len;
	}
	return len % b->dio_unit == 0;
}

/* --stats: transfers handed to the kernel each way (a short one's rest counts again). */
static void blk_count(struct blk_backend *b, bool direct)
{
	/* The I/O thread counts; tests read them meanwhile. */
	if (b->direct_fd >= 0)
		__atomic_add_fetch(direct ? &b->nr_direct : &b->nr_buffered, 1, __ATOMIC_RELAXED);
}

int blk_io_fd(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset)
{
	bool direct = blk_direct_ok(b, iov, n, offset);

	blk_count(b, direct);
	return direct ? b->direct_fd : b->fd;
}

void blk_direct_refused(struct blk_backend *b)
{
	if (b->direct_off)
		return;
	b->direct_off = true;
	log_warn("vm", "--disk %s,direct: the filesystem refused a direct I/O aligned to %u "
		 "bytes (EINVAL); it needs more than it said: this disk goes through the page "
		 "cache from now on", b->path, b->dio_unit);
}

/* "1" in the sysfs file at path. */
static bool blk_sysfs_one(const char *path)
{
	char value[4] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (!fgets(value, sizeof(value), f))
		value[0] = 0;
	fclose(f);
	return value[0] == '1';
}

bool blk_has_poll_queues(const struct blk_backend *b)
{
	char disk[96], partition[96];
	struct stat st;

	if (fstat(b->fd, &st) || !S_ISBLK(st.st_mode))
		return false;
	snprintf(disk, sizeof(disk), "/sys/dev/block/%u:%u/queue/io_poll", major(st.st_rdev),
		 minor(st.st_rdev));
	/* A partition's queue is its disk's, one directory up. */
	snprintf(partition, sizeof(partition), "/sys/dev/block/%u:%u/../queue/io_poll",
		 major(st.st_rdev), minor(st.st_rdev));
	return blk_sysfs_one(disk) || blk_sysfs_one(partition);
}

/* preadv/pwritev until done: a short transfer is continued, not an error. */
static int blk_rw(struct blk_backend *b, const struct iovec *iov_in, int n, uint64_t offset,
		  bool write)
{
	struct iovec iov[IOV_MAX];
	int first = 0;

	if (n > IOV_MAX)
		return -EINVAL;
	memcpy(iov, iov_in, (size_t)n * sizeof(*iov));
	while (first < n) {
		/* Chosen again after a short transfer: the rest may not be aligned. */
		int fd = blk_io_fd(b, iov + first, n - first, offset);
		ssize_t done = write ? pwritev(fd, iov + first, n - first, (off_t)offset) :
				       preadv(fd, iov + first, n - first, (off_t)offset);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0 && errno == EINVAL && fd == b->direct_fd) {
			blk_direct_refused(b);	/* and again through the page cache */
			continue;
		}
		if (done < 0)
			return -errno;
		if (done == 0)
			return -EIO;	/* the file shrank under us */
		offset += (uint64_t)done;
		while (first < n && (size_t)done >= iov[first].iov_len)
			done -= (ssize_t)iov[first++].iov_len;
		if (first < n) {
			iov[first].iov_base = (uint8_t *)iov[first].iov_base + done;
			iov[first].iov_len -= (size_t)done;
		}
	}
	return 0;
}

int blk_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset)
{
	return blk_rw(b, iov, n, offset, false);
}

int blk_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset)
{
	return b->ro ? -EROFS : blk_rw(b, iov, n, offset, true);
}

int blk_flush(struct blk_backend *b)
{
	return fdatasync(b->fd) ? -errno : 0;
}

void blk_io_advance(struct blk_io *io, size_t done)
{
	io->offset += done;
	while (io->nr_iov && done >= io->iov[0].iov_len) {
		done -= io->iov[0].iov_len;
		io->iov++;
		io->nr_iov--;
	}
	if (io->nr_iov) {
		io->iov[0].iov_base = (uint8_t *)io->iov[0].iov_base + done;
		io->iov[0].iov_len -= done;
	}
}

int blk_io_nowait(struct blk_backend *b, struct blk_io *io)
{
	bool write = io->op == BLK_OP_WRITE;
	size_t want = 0;
	ssize_t done;

	/* Direct I/O always waits for the device: the ring does it. */
	if (io->op == BLK_OP_FLUSH || b->nowait_off[write] ||
	    blk_direct_ok(b, io->iov, io->nr_iov, io->offset))
		return -EAGAIN;
	for (int i = 0; i < io->nr_iov; i++)
		want += io->iov[i].iov_len;
	blk_count(b, false);
	do
		done = write ? pwritev2(b->fd, io->iov, io->nr_iov, (off_t)io->offset, RWF_NOWAIT) :
			       preadv2(b->fd, io->iov, io->nr_iov, (off_t)io->offset, RWF_NOWAIT);
	while (done < 0 && errno == EINTR);
	if (done < 0 && (errno == EOPNOTSUPP || errno == EINVAL)) {
		/* This file cannot say "would block" (EINVAL: some writes): the ring does it all. */
		b->nowait_off[write] = true;
		log_debug("vm", "%s: no RWF_NOWAIT %ss (%s): every one goes through io_uring",
			  b->path, write ? "write" : "read", strerror(errno));
		return -EAGAIN;
	}
	/* Would block, failed, or stopped short: the ring does the rest and says how it went. */
	if (done <= 0)
		return -EAGAIN;
	if ((size_t)done >= want)
		return 0;
	blk_io_advance(io, (size_t)done);
	return -EAGAIN;
}

int blk_io_sync(struct blk_backend *b, struct blk_io *io)
{
	switch (io->op) {
	case BLK_OP_READ:
		return blk_read(b, io->iov, io->nr_iov, io->offset);
	case BLK_OP_WRITE:
		return blk_write(b, io->iov, io->nr_iov, io->offset);
	case BLK_OP_FLUSH:
		return blk_flush(b);
	}
	return -EINVAL;
}

void blk_close(struct blk_backend *b)
{
	if (!b)
		return;
	if (!b->ro && fdatasync(b->fd))
		log_warn("vm", "--disk %s: flushing at exit failed: %s", b->path, strerror(errno));
	if (b->direct_fd >= 0)
		close(b->direct_fd);
	close(b->fd);
	free(b->path);
	free(b);
}
