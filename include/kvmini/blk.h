/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk images behind virtio-blk: a raw file opened once, checked and
 * locked (flock: shared for ,ro, exclusive otherwise) so two VMs cannot
 * write one disk, then read and written at byte offsets: through io_uring
 * when the host allows it (completions reaped by the event loop), else
 * synchronously on the I/O thread. With io_uring, a read or write is
 * first tried without blocking (RWF_NOWAIT): what the page cache can
 * serve at once finishes there, with no round trip through the ring. A
 * regular file in memory (tmpfs, ramfs) has no device to wait for (short
 * of swap) but cannot say so (no RWF_NOWAIT), so io_uring would hand each
 * I/O to a worker thread: such a disk is synchronous. Which one a disk uses is decided at run
 * time and logged once (blk_uring_setup).
 *
 * Setting KVMINI_BLK_SYNC=1 in the environment (or sync_only in the
 * backend) keeps every disk on the synchronous path; KVMINI_BLK_SYNC=0
 * puts a disk in memory on io_uring too.
 */
#ifndef KVMINI_BLK_H
#define KVMINI_BLK_H

#include <sys/uio.h>

#include <kvmini/compiler.h>

#define BLK_SECTOR 512

struct blk_backend {
	char *path;
	int fd;
	bool ro;
	uint64_t size;		/* bytes, a whole number of sectors */
	bool sync_only;		/* never io_uring (tests; KVMINI_BLK_SYNC=1 does the same) */
	bool in_memory;		/* a regular file on tmpfs or ramfs: synchronous */
	/* RWF_NOWAIT refused (EOPNOTSUPP) for reads, writes: never tried again. */
	bool nowait_off[2];
	/*
	 * ,direct (blk_set_direct): the same file opened O_DIRECT, -1 without.
	 * A read or write goes through it when its offset and length are
	 * multiples of dio_unit, every buffer's length of dio_off_align and
	 * every buffer's address of dio_mem_align; any other through fd and
	 * the page cache (the kernel keeps the two coherent), so no guest
	 * request is refused for it.
	 */
	int direct_fd;
	uint32_t dio_mem_align, dio_off_align;
	uint32_t dio_unit;	/* offsets and whole lengths: dio_off_align, at least a page */
	bool direct_off;	/* the filesystem refused one (EINVAL): all buffered since */
	/* ,direct: transfers handed to the kernel each way (--stats). */
	uint64_t nr_direct, nr_buffered;
};

/* One I/O on a disk, as both paths execute it (blk_io_sync, blk_uring_queue). */
enum blk_op { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH };

struct blk_io {
	enum blk_op op;
	/*
	 * The caller's iovecs (left alone by the synchronous path; io_uring
	 * and blk_io_nowait advance them past a short transfer): they must
	 * stay valid, and the request the caller's, until the I/O completes.
	 */
	struct iovec *iov;
	int nr_iov;
	uint64_t offset;	/* bytes */
	unsigned int retries;	/* io_uring: -EAGAIN/-EINTR resubmissions so far */
	bool direct;		/* io_uring: queued on the O_DIRECT fd (,direct) */
};

/* An asynchronous path to one disk: an io_uring and the eventfd it signals. */
struct blk_uring;
/* Called once per finished I/O: res 0 (all of it done) or -errno. */
typedef void blk_io_done_fn(struct blk_io *io, int res, void *arg);

/*
 * Open the image for --disk: refuses (-errno, with a message naming the
 * option, the file and what to do) a missing file, a directory, an empty
 * one, a read-only file without ,ro, and one another process has locked.
 */
int __must_check blk_open(const char *path, bool ro, struct blk_backend **out);
/*
 * kvmtool's ,direct: b's reads and writes bypass the host's page cache
 * where they are aligned as direct I/O needs (the alignment from statx's
 * STATX_DIOALIGN, a block device's sector size, else a page). Refuses
 * (-errno, logged naming --disk PATH,direct) a file whose filesystem
 * cannot do O_DIRECT. Logs one info line with the alignment.
 */
int __must_check blk_set_direct(struct blk_backend *b);
/*
 * The fd a read or write of these iovecs at offset goes through: the
 * O_DIRECT one when it has one and they are aligned for it (counted in
 * nr_direct or nr_buffered), else b->fd.
 */
int blk_io_fd(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
/*
 * A direct transfer that blk_io_fd() chose failed with EINVAL: the
 * filesystem needs more alignment than it said (or than guessed). Logged
 * once; the disk's I/O goes through the page cache from then on, and the
 * caller does this one again that way.
 */
void blk_direct_refused(struct blk_backend *b);
/* b is a block device (or a partition of one) whose queue can be polled (sysfs queue/io_poll). */
bool blk_has_poll_queues(const struct blk_backend *b);
/* All of it or -errno: the iovecs' bytes at offset. */
int __must_check blk_read(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
int __must_check blk_write(struct blk_backend *b, const struct iovec *iov, int n, uint64_t offset);
int __must_check blk_flush(struct blk_backend *b);
/* io on the calling thread: 0 or -errno, as blk_read, blk_write and blk_flush. */
int __must_check blk_io_sync(struct blk_backend *b, struct blk_io *io);
/*
 * A read or write done only as far as it can be without blocking
 * (RWF_NOWAIT): 0 when all of it was, else -EAGAIN (io advanced past what
 * was done): the rest, and any error, is for io_uring to do and report.
 * Flushes, and files that refuse RWF_NOWAIT, always get -EAGAIN.
 */
int __must_check blk_io_nowait(struct blk_backend *b, struct blk_io *io);
/* Move io past its first done bytes (a short transfer), iovecs included. */
void blk_io_advance(struct blk_io *io, size_t done);
void blk_close(struct blk_backend *b);

/*
 * io_uring (src/blk/uring.c). One ring per disk, used by one thread at a
 * time: queue and submit on the I/O thread, reap there too - or, once the
 * event loop stopped, on the thread that stops the VM.
 */
/*
 * A ring of depth entries for b: 0 or -errno, nothing logged (the tests
 * use it to ask whether the host has io_uring).
 */
int __must_check blk_uring_init(struct blk_backend *b, unsigned int depth,
				struct blk_uring **out);
/*
 * Choose b's path at run time: *out a ring (blk_uring_init), or NULL for
 * synchronous I/O because sync_only, KVMINI_BLK_SYNC=1 or io_uring failed
 * (ENOSYS on an old kernel, EPERM from kernel.io_uring_disabled...). Logs
 * one info line naming the disk, the path and why.
 */
void blk_uring_setup(struct blk_backend *b, unsigned int depth, struct blk_uring **out);
/* The eventfd that becomes readable when completions are waiting. */
int blk_uring_fd(const struct blk_uring *u);
/* Queue io (not yet submitted): 0, or -EBUSY when the ring is full. */
int __must_check blk_uring_queue(struct blk_uring *u, struct blk_io *io);
/*
 * Hand everything queued to the kernel: once per batch. What it does not
 * take (EAGAIN, EBUSY, ENOMEM...) stays queued: blk_uring_unsubmitted()
 * says so, and the caller must submit again later. Persistent errors are
 * logged.
 */
void blk_uring_submit(struct blk_uring *u);
/* I/O queued that the kernel has not taken yet. */
bool blk_uring_unsubmitted(struct blk_uring *u);
/*
 * Finish what completed: done() for each I/O that ended (a short
 * transfer is first resubmitted for the rest). wait: block until at
 * least one CQE arrives (submitting anything still queued). Returns how
 * many I/Os ended, or -errno when waiting failed (logged).
 */
int blk_uring_reap(struct blk_uring *u, bool wait, blk_io_done_fn *done, void *arg);
/*
 * Poll the device for its completions from now on, where it can be: a
 * --disk with ,direct on a block device that has poll queues (sysfs
 * queue/io_poll); KVMINI_BLK_IOPOLL=0: never, =1: whatever sysfs says.
 * Its direct reads and writes then go through a second ring
 * (IORING_SETUP_IOPOLL), which signals nothing: while
 * blk_uring_poll_out() is not 0 the caller must keep calling
 * blk_uring_poll_ready(), and blk_uring_poll_reap() when it says so (or
 * blk_uring_reap(), which does both). A file that
 * refuses polled I/O (EOPNOTSUPP) has it done again, and all after it, on
 * the first ring (a warning). true: polled (logged, as is why not for a
 * direct disk). Before the first I/O.
 */
bool blk_uring_poll_setup(struct blk_uring *u, unsigned int depth);
/* New direct I/O is polled (set up, and not refused since). */
bool blk_uring_polling(const struct blk_uring *u);
/* I/O on the polled ring, queued and not yet reaped. */
unsigned int blk_uring_poll_out(const struct blk_uring *u);
/* Completions reaped from the polled ring so far (--stats). */
uint64_t blk_uring_poll_ios(const struct blk_uring *u);
/*
 * With I/O out on the polled ring: whether completions wait there,
 * polling the device once (a system call) when none were found before.
 */
bool blk_uring_poll_ready(struct blk_uring *u);
/*
 * Finish what completed on the polled ring (blk_uring_poll_ready() found
 * it), as blk_uring_reap() does (which reaps the polled ring too).
 * Returns how many I/Os ended.
 */
int blk_uring_poll_reap(struct blk_uring *u, blk_io_done_fn *done, void *arg);
/* Close the ring: after every I/O queued on it ended. */
void blk_uring_free(struct blk_uring *u);

#endif
