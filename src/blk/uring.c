// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk I/O through io_uring (blk.h): readv, writev and fdatasync queued
 * by the caller and submitted once per batch, completions signalled on an
 * eventfd for the event loop. A short transfer is resubmitted for the
 * rest, so the caller only ever hears "all done" or an error.
 *
 * On a block device with poll queues (blk_uring_poll_setup), direct reads
 * and writes go through a second ring made with IORING_SETUP_IOPOLL: no
 * device interrupt, no task work; the I/O thread polls the device for
 * their completions (blk_uring_poll_reap) while it has any out. Flushes
 * and transfers through the page cache stay on the first ring, which is
 * the only kind IOPOLL cannot do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
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
	bool polled;			/* poll_ring exists (blk_uring_poll_setup) */
	bool poll_new;			/* new direct I/O goes there (until the file refuses) */
	struct io_uring poll_ring;	/* IORING_SETUP_IOPOLL: direct reads and writes */
	unsigned int out, poll_out;	/* entries queued on each and not yet reaped */
	uint64_t poll_ios;		/* completions reaped from the polled ring (--stats) */
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
	struct io_uring_sqe *sqe;
	bool polled;
	int fd = -1;

	/*
	 * Room first, in either ring it may go to: the fd choice below counts
	 * the transfer (--stats), and a refused one is done synchronously.
	 */
	if (!io_uring_sq_space_left(&u->ring) ||
	    (u->poll_new && !io_uring_sq_space_left(&u->poll_ring)))
		return -EBUSY;
	/* A request slot is reused: a flush must not keep its last transfer's direct. */
	io->direct = false;
	if (io->op != BLK_OP_FLUSH) {
		fd = blk_io_fd(u->b, io->iov, io->nr_iov, io->offset);
		io->direct = fd != u->b->fd;
	}
	/* Direct transfers on the polled ring, when there is one; all else on the first. */
	polled = u->poll_new && io->direct;
	sqe = io_uring_get_sqe(polled ? &u->poll_ring : &u->ring);
	if (!sqe)
		return -EBUSY;	/* not after the space check */
	if (polled)
		u->poll_out++;
	else
		u->out++;
	switch (io->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
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
	 * blk_uring_unsubmitted() and tries again. A ring with nothing
	 * queued costs no system call.
	 */
	for (int i = 0; i < (u->polled ? 2 : 1); i++) {
		struct io_uring *ring = i ? &u->poll_ring : &u->ring;

		if (!io_uring_sq_ready(ring))
			continue;
		do
			ret = io_uring_submit(ring);
		while (ret == -EINTR);
		if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -ENOMEM)
			log_ratelimited(&u->rl, LOG_ERR, "vm", "%s: io_uring submission%s failed: "
					"%s; retrying", u->b->path, i ? " (polled ring)" : "",
					strerror(-ret));
	}
}

bool blk_uring_unsubmitted(struct blk_uring *u)
{
	return io_uring_sq_ready(&u->ring) > 0 ||
	       (u->polled && io_uring_sq_ready(&u->poll_ring) > 0);
}

static size_t iov_total(const struct blk_io *io)
{
	size_t len = 0;

	for (int i = 0; i < io->nr_iov; i++)
		len += io->iov[i].iov_len;
	return len;
}

/*
 * A CQE's result (from the polled ring: polled): 1 when io went back to
 * the kernel for the rest (or a retry), else its final result, 0 or
 * -errno.
 */
static int blk_uring_result(struct blk_uring *u, struct blk_io *io, int res, bool polled)
{
	if (res == -EOPNOTSUPP && polled) {
		/* The file cannot be polled after all (KVMINI_BLK_IOPOLL=1): the other ring. */
		if (u->poll_new)
			log_warn("vm", "%s: its direct I/O cannot be polled (EOPNOTSUPP); "
				 "completions by interrupt from now on (if KVMINI_BLK_IOPOLL=1 "
				 "is set, unset it)", u->b->path);
		u->poll_new = false;
	} else if (res == -EAGAIN || res == -EINTR) {
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

/* The completions waiting on one of u's rings: done() for each I/O that ended. */
static int blk_uring_drain(struct blk_uring *u, struct io_uring *ring, blk_io_done_fn *done,
			   void *arg, bool *resubmit)
{
	struct io_uring_cqe *cqe;
	int ended = 0, ret;

	/*
	 * The polled ring: only what blk_uring_poll_device() found (liburing
	 * 2.2 on would poll again on a peek that finds none).
	 */
	while ((ring != &u->poll_ring || io_uring_cq_ready(ring)) &&
	       !io_uring_peek_cqe(ring, &cqe)) {
		struct blk_io *io = io_uring_cqe_get_data(cqe);

		if (ring == &u->poll_ring) {
			u->poll_out--;
			u->poll_ios++;
		} else {
			u->out--;
		}
		ret = blk_uring_result(u, io, cqe->res, ring == &u->poll_ring);
		io_uring_cqe_seen(ring, cqe);
		if (ret == 1) {
			*resubmit = true;
			continue;
		}
		done(io, ret, arg);
		ended++;
	}
	return ended;
}

/* Poll the device once for the polled ring's completions: one system call. */
static void blk_uring_poll_device(struct blk_uring *u)
{
	int ret = io_uring_enter(u->poll_ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL);

	if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
		log_ratelimited(&u->rl, LOG_ERR, "vm", "%s: polling for io_uring completions "
				"failed: %s; retrying", u->b->path, strerror(-ret));
}

int blk_uring_reap(struct blk_uring *u, bool wait, blk_io_done_fn *done, void *arg)
{
	struct io_uring_cqe *cqe;
	bool resubmit = false;
	uint64_t count;
	int ended, ret;

	/* Reset the eventfd before looking, so a CQE posted meanwhile wakes us again. */
	if (read(u->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_ratelimited(&u->rl, LOG_WARN, "vm", "%s: reading the io_uring eventfd: %s",
				u->b->path, strerror(errno));
	if (wait) {
		/*
		 * The polled ring's I/O completes only while someone polls: wait
		 * there (polling) while it has any; the other ring's needs nobody.
		 */
		struct io_uring *ring = u->poll_out ? &u->poll_ring : &u->ring;

		if (u->poll_out)
			blk_uring_submit(u);	/* the other ring's queue, in the meantime */
		do
			ret = io_uring_sq_ready(ring) ? io_uring_submit_and_wait(ring, 1) :
							io_uring_wait_cqe(ring, &cqe);
		while (ret == -EINTR);
		if (ret < 0) {
			log_err("vm", "%s: waiting for io_uring completions: %s", u->b->path,
				strerror(-ret));
			return ret;
		}
	}
	ended = blk_uring_drain(u, &u->ring, done, arg, &resubmit);
	if (blk_uring_poll_ready(u))
		ended += blk_uring_drain(u, &u->poll_ring, done, arg, &resubmit);
	if (resubmit)
		blk_uring_submit(u);
	return ended;
}

bool blk_uring_poll_ready(struct blk_uring *u)
{
	if (!u->poll_out)
		return false;
	if (!io_uring_cq_ready(&u->poll_ring))
		blk_uring_poll_device(u);
	return io_uring_cq_ready(&u->poll_ring) > 0;
}

int blk_uring_poll_reap(struct blk_uring *u, blk_io_done_fn *done, void *arg)
{
	bool resubmit = false;
	int ended;

	if (!u->poll_out)
		return 0;
	ended = blk_uring_drain(u, &u->poll_ring, done, arg, &resubmit);
	if (resubmit)
		blk_uring_submit(u);
	return ended;
}

unsigned int blk_uring_poll_out(const struct blk_uring *u)
{
	return u->poll_out;
}

uint64_t blk_uring_poll_ios(const struct blk_uring *u)
{
	return u->poll_ios;
}

bool blk_uring_poll_setup(struct blk_uring *u, unsigned int depth)
{
	const char *env = getenv("KVMINI_BLK_IOPOLL");
	const char *why = NULL;
	struct stat st;
	int ret;

	if (u->b->direct_fd < 0)
		return false;	/* only direct I/O can be polled: nothing to say */
	if (env && !strcmp(env, "0"))
		why = "KVMINI_BLK_IOPOLL=0";
	else if (env && !strcmp(env, "1"))
		why = NULL;
	else if (fstat(u->b->fd, &st) || !S_ISBLK(st.st_mode))
		why = "not a block device: polling is for one with poll queues; "
		      "KVMINI_BLK_IOPOLL=1 tries anyway";
	else if (!blk_has_poll_queues(u->b))
		why = "the device has no poll queues; e.g. nvme.poll_queues=N or "
		      "virtio_blk.poll_queues=N on the host give it some";
	if (why) {
		log_info("vm", "%s: completions by interrupt (%s)", u->b->path, why);
		return false;
	}
	ret = io_uring_queue_init(depth, &u->poll_ring, IORING_SETUP_IOPOLL);
	if (ret) {
		log_info("vm", "%s: completions by interrupt (a polled io_uring: %s)", u->b->path,
			 strerror(-ret));
		return false;
	}
	u->polled = u->poll_new = true;
	if (env && !strcmp(env, "1"))
		log_info("vm", "%s: direct reads and writes polled (KVMINI_BLK_IOPOLL=1)",
			 u->b->path);
	else
		log_info("vm", "%s: direct reads and writes polled (the device has poll queues; "
			 "KVMINI_BLK_IOPOLL=0 turns it off)", u->b->path);
	return true;
}

bool blk_uring_polling(const struct blk_uring *u)
{
	return u->poll_new;
}

void blk_uring_free(struct blk_uring *u)
{
	if (!u)
		return;
	io_uring_queue_exit(&u->ring);
	if (u->polled)
		io_uring_queue_exit(&u->poll_ring);
	close(u->efd);
	free(u);
}
