// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk I/O through io_uring (blk.h): readv, writev and fdatasync queued
 * by the caller and submitted once per batch, completions signalled on an
 * eventfd for the event loop. A short transfer is resubmitted for the
 * rest, so the caller only ever hears "all done" or an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include <kvmini/blk.h>
#include <kvmini/log.h>

/* -EAGAIN/-EINTR retried this often before they count as the I/O's error. */
#define BLK_URING_RETRIES 16

struct blk_uring {
	struct io_uring ring;
	struct blk_backend *b;
	int efd;
	struct ratelimit rl;
};

int blk_uring_init(struct blk_backend *b, unsigned int depth, struct blk_uring **out)
{
	struct blk_uring *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	ret = io_uring_queue_init(depth, &u->ring, 0);
	if (ret) {
		free(u);
		return ret;
	}
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->efd < 0) {
		ret = -errno;
		goto err_ring;
	}
	ret = io_uring_register_eventfd(&u->ring, u->efd);
	if (ret) {
		close(u->efd);
		goto err_ring;
	}
	u->b = b;
	*out = u;
	return 0;
err_ring:
	io_uring_queue_exit(&u->ring);
	free(u);
	return ret;
}

void blk_uring_setup(struct blk_backend *b, unsigned int depth, struct blk_uring **out)
{
	const char *env = getenv("KVMINI_BLK_SYNC");
	int ret;

	*out = NULL;
	if (b->sync_only || (env && !strcmp(env, "1"))) {
		log_info("vm", "%s: synchronous I/O (%s)", b->path,
			 b->sync_only ? "asked for" : "KVMINI_BLK_SYNC=1");
		return;
	}
	if (b->in_memory && !(env && !strcmp(env, "0"))) {
		log_info("vm", "%s: synchronous I/O (the file is in memory, tmpfs or ramfs: "
			 "io_uring would only hand each I/O to a worker thread; "
			 "KVMINI_BLK_SYNC=0 makes it use io_uring)", b->path);
		return;
	}
	ret = blk_uring_init(b, depth, out);
	if (ret)
		log_info("vm", "%s: io_uring unavailable (%s); synchronous I/O", b->path,
			 strerror(-ret));
	else
		log_info("vm", "%s: io_uring (asynchronous I/O, %u entries)", b->path, depth);
}

int blk_uring_fd(const struct blk_uring *u)
{
	return u->efd;
}

int blk_uring_queue(struct blk_uring *u, struct blk_io *io)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	int fd;

	if (!sqe)
		return -EBUSY;
	switch (io->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		fd = blk_io_fd(u->b, io->iov, io->nr_iov, io->offset);
		io->direct = fd != u->b->fd;
		if (io->op == BLK_OP_READ)
			io_uring_prep_readv(sqe, fd, io->iov, (unsigned int)io->nr_iov, io->offset);
		else
			io_uring_prep_writev(sqe, fd, io->iov, (unsigned int)io->nr_iov, io->offset);
		break;
	case BLK_OP_FLUSH:
		/* What the synchronous path does: fdatasync. */
		io_uring_prep_fsync(sqe, u->b->fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

void blk_uring_submit(struct blk_uring *u)
{
	int ret;

	/*
	 * Whatever the kernel did not take (an error, or it stopped early)
	 * stays in the submission ring: the caller sees it with
	 * blk_uring_unsubmitted() and tries again.
	 */
	do
		ret = io_uring_submit(&u->ring);
	while (ret == -EINTR);
	if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -ENOMEM)
		log_ratelimited(&u->rl, LOG_ERR, "vm", "%s: io_uring submission failed: %s; "
				"retrying", u->b->path, strerror(-ret));
}

bool blk_uring_unsubmitted(struct blk_uring *u)
{
	return io_uring_sq_ready(&u->ring) > 0;
}

static size_t iov_total(const struct blk_io *io)
{
	size_t len = 0;

	for (int i = 0; i < io->nr_iov; i++)
		len += io->iov[i].iov_len;
	return len;
}

/*
 * A CQE's result: 1 when io went back to the kernel for the rest (or a
 * retry), else its final result, 0 or -errno.
 */
static int blk_uring_result(struct blk_uring *u, struct blk_io *io, int res)
{
	if (res == -EAGAIN || res == -EINTR) {
		if (io->retries++ >= BLK_URING_RETRIES)
			return res;
	} else if (res == -EINVAL && io->direct) {
		blk_direct_refused(u->b);	/* and again through the page cache */
	} else if (res < 0) {
		return res;
	} else if (io->op == BLK_OP_FLUSH) {
		return 0;
	} else {
		size_t want = iov_total(io);

		if ((size_t)res >= want)
			return 0;
		if (res == 0)
			return -EIO;	/* the file shrank under us */
		/* Short: never report it done; go on from where it stopped. */
		blk_io_advance(io, (size_t)res);
	}
	return blk_uring_queue(u, io) ?: 1;
}

int blk_uring_reap(struct blk_uring *u, bool wait, blk_io_done_fn *done, void *arg)
{
	struct io_uring_cqe *cqe;
	bool resubmit = false;
	uint64_t count;
	int ended = 0, ret;

	/* Reset the eventfd before looking, so a CQE posted meanwhile wakes us again. */
	if (read(u->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_ratelimited(&u->rl, LOG_WARN, "vm", "%s: reading the io_uring eventfd: %s",
				u->b->path, strerror(errno));
	if (wait) {
		do
			ret = io_uring_sq_ready(&u->ring) ? io_uring_submit_and_wait(&u->ring, 1) :
							    io_uring_wait_cqe(&u->ring, &cqe);
		while (ret == -EINTR);
		if (ret < 0) {
			log_err("vm", "%s: waiting for io_uring completions: %s", u->b->path,
				strerror(-ret));
			return ret;
		}
	}
	while (!io_uring_peek_cqe(&u->ring, &cqe)) {
		struct blk_io *io = io_uring_cqe_get_data(cqe);

		ret = blk_uring_result(u, io, cqe->res);
		io_uring_cqe_seen(&u->ring, cqe);
		if (ret == 1) {
			resubmit = true;
			continue;
		}
		done(io, ret, arg);
		ended++;
	}
	if (resubmit)
		blk_uring_submit(u);
	return ended;
}

void blk_uring_free(struct blk_uring *u)
{
	if (!u)
		return;
	io_uring_queue_exit(&u->ring);
	close(u->efd);
	free(u);
}
