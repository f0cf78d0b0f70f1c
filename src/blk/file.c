// SPDX-License-Identifier: GPL-2.0-only
/* Raw disk images: open, check, lock, and synchronous positioned I/O (blk.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

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
	b->ro = ro;
	b->in_memory = blk_in_memory(fd, &st);
	b->size = (uint64_t)st.st_size / BLK_SECTOR * BLK_SECTOR;
	*out = b;
	return 0;
err_close:
	close(fd);
	return -err;
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
		ssize_t done = write ? pwritev(b->fd, iov + first, n - first, (off_t)offset) :
				       preadv(b->fd, iov + first, n - first, (off_t)offset);

		if (done < 0 && errno == EINTR)
			continue;
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

	if (io->op == BLK_OP_FLUSH || b->nowait_off[write])
		return -EAGAIN;
	for (int i = 0; i < io->nr_iov; i++)
		want += io->iov[i].iov_len;
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
	close(b->fd);
	free(b->path);
	free(b);
}
