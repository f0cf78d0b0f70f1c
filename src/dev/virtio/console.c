// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.x, 5.3) with a single port: the guest's hvc0.
 * The receiveq takes console input into the driver's writable buffers
 * (once the driver has written: see driver_spoke), the transmitq sends its
 * readable buffers to the output fd; both are served on the I/O thread,
 * which never waits for the output: when it is full (a pipe nobody reads,
 * a stalled terminal) the chain being written is held and the fd watched
 * for room, and the guest's ring backs up as on a slow line. A quiesce
 * drains the transmitq, waiting for room, so that output the guest queued
 * just before it powered off still comes out. With a
 * terminal for output the device offers its size (F_SIZE); any driver may
 * write single characters through the config space (F_EMERG_WRITE).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include <kvmini/console-out.h>
#include <kvmini/console.h>
#include <kvmini/cputime.h>
#include <kvmini/evloop.h>
#include <kvmini/log.h>
#include <kvmini/state.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#define VIRTIO_CONSOLE_F_SIZE		(1ULL << 0)
#define VIRTIO_CONSOLE_F_EMERG_WRITE	(1ULL << 2)

#define CONSOLE_RXQ	0	/* receiveq: host to guest */
#define CONSOLE_TXQ	1	/* transmitq: guest to host */

/* struct virtio_console_config: le16 cols, rows; le32 max_nr_ports, emerg_wr. */
#define CONSOLE_CONFIG_BYTES	12
#define CONSOLE_CONFIG_SIZE	0	/* cols then rows */
#define CONSOLE_CONFIG_EMERG_WR	8

/* Output per call before the I/O thread serves its other sources again. */
#define CONSOLE_TX_BUDGET	(1U << 20)
/* The longest a vCPU's emergency write waits for room in the output. */
#define CONSOLE_EMERG_WAIT_MS	1000

struct virtio_console {
	struct virtio_dev vd;
	int out_fd;			/* -1: output is dropped */
	struct console_out out;		/* out_fd, written without waiting */
	struct ev_source out_src;	/* out.fd, watched for room while tx_held */
	bool sized;			/* out_fd is a terminal that knows its size */
	struct console *in;		/* input; NULL: none */
	/* out: transmitq drains and emergency writes, one at a time, in order. */
	pthread_mutex_t out_lock;
	bool out_failed;		/* said once */
	/* A transmitq chain popped and partly written: what is left in out_iov. */
	bool tx_held;
	int out_n;
	/*
	 * The driver has transmitted since its reset: only then is input
	 * delivered. Linux's virtio_console discards what reaches a console
	 * port before it has connected the port to hvc (which it does after
	 * offering receive buffers); its first output - the console's log
	 * replay, a prompt - comes after that. Set on the I/O thread, cleared
	 * by a reset on another: atomic.
	 */
	bool driver_spoke;
	uint8_t config[CONSOLE_CONFIG_BYTES];
	struct virtq_chain rx, tx;	/* large: not on a thread's stack */
	struct iovec out_iov[VIRTQ_MAX_SIZE];	/* what is left of tx to write */
	struct ratelimit rl;
};

static struct virtio_console *to_vcon(struct device *dev)
{
	return container_of(dev, struct virtio_console, vd.dev);
}

/* fd's size as the config space holds it (cols, rows); false when unknown. */
static bool vcon_term_size(int fd, uint8_t size[4])
{
	struct winsize ws;
	uint16_t cols, rows;

	/* Not a terminal (ENOTTY), or one nobody gave a size (0 x 0). */
	if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		return false;
	cols = htole16(ws.ws_col);
	rows = htole16(ws.ws_row);
	memcpy(size, &cols, 2);
	memcpy(size + 2, &rows, 2);
	return true;
}

/*
 * Put the terminal's size in the config space and have the driver read it.
 * Linux reads cols and rows only on a configuration change interrupt, so
 * even the first size must be announced (the transport does it at
 * DRIVER_OK when the driver is not there yet).
 */
static void vcon_announce_size(struct virtio_console *con)
{
	uint8_t size[4];

	if (con->sized && vcon_term_size(con->out_fd, size))
		virtio_config_set(&con->vd, CONSOLE_CONFIG_SIZE, size, sizeof(size));
}

/*
 * Under out_lock: a write's failure is said once, and that output is
 * dropped - the guest must not stall on a closed terminal or pipe.
 */
static void vcon_out_failed(struct virtio_console *con, int err)
{
	if (!err || err == -EAGAIN || err == -EINTR || con->out_failed)
		return;
	con->out_failed = true;
	/* A closed pipe (kvmini ... | head) is an ordinary end of output. */
	if (err == -ETIMEDOUT)
		log_warn("vm", "%s: the console output took nothing for %d ms while kvmini "
			 "stops: the rest of the guest's output is dropped", con->vd.dev.name,
			 CONSOLE_OUT_STOP_MS);
	else if (err == -EPIPE)
		log_debug("vm", "%s: console output closed; the guest's output is dropped",
			  con->vd.dev.name);
	else
		log_warn("vm", "%s: writing the guest's console output to fd %d: %s; output "
			 "that cannot be written is dropped", con->vd.dev.name, con->out_fd,
			 strerror(-err));
}

/* Watch the output for room while a chain waits for it (the I/O thread's). */
static void vcon_watch(struct virtio_console *con)
{
	struct evloop *loop = &con->vd.dev.vm->loop;

	if (con->tx_held == con->out_src.added)
		return;
	if (con->out_src.added)
		evloop_del(loop, &con->out_src);
	else if (evloop_add(loop, &con->out_src, EPOLLOUT))
		log_ratelimited(&con->rl, LOG_WARN, "vm", "%s: cannot watch the console "
				"output for room; its output waits for the guest's next",
				con->vd.dev.name);
}

/* The output has room again: the transmitq runs on the transport's terms. */
static void vcon_out_ready(struct ev_source *src, uint32_t events)
{
	struct virtio_console *con = container_of(src, struct virtio_console, out_src);

	(void)events;	/* an error or hang-up shows in the next write */
	virtio_requeue(&con->vd, CONSOLE_TXQ);
}

/*
 * The receiveq: console input into the driver's writable buffers, in order.
 * A chain is taken only while input waits, so none is held between calls
 * (a reset has nothing to take back), and as the console's only reader
 * this device still finds the input there once it has the chain. Bytes
 * with no buffer to go to stay in the console. At most a queue's worth of
 * chains per call.
 */
static void vcon_rx(struct virtio_console *con)
{
	struct virtio_dev *vd = &con->vd;
	struct virtq_chain *c = &con->rx;
	unsigned int served = 0;
	uint8_t buf[CONSOLE_BUF];

	while (__atomic_load_n(&con->driver_spoke, __ATOMIC_ACQUIRE) && con->in &&
	       console_pending(con->in) &&
	       virtio_pop(vd, CONSOLE_RXQ, c) > 0) {
		uint64_t done = 0;

		if (c->nr_out || !c->in_bytes) {
			log_ratelimited(&con->rl, LOG_WARN, "vm", "%s: a receiveq chain of %"
					PRIu64 " readable and %" PRIu64 " writable bytes (receive "
					"buffers are device-writable); returned empty",
					vd->dev.name, c->out_bytes, c->in_bytes);
		} else {
			while (done < c->in_bytes) {
				size_t want = c->in_bytes - done < sizeof(buf) ?
					      (size_t)(c->in_bytes - done) : sizeof(buf);
				size_t got = console_read(con->in, buf, want);

				if (!got)
					break;
				done += virtq_chain_write(c, done, buf, got);
			}
		}
		/* done <= in_bytes <= VIRTQ_MAX_CHAIN_BYTES: fits. */
		virtio_push(vd, CONSOLE_RXQ, c, (uint32_t)done);
		if (++served == VIRTQ_MAX_SIZE) {
			virtio_requeue(vd, CONSOLE_RXQ);
			break;
		}
	}
	if (served)
		virtio_notify(vd, CONSOLE_RXQ);
}

/*
 * The transmitq: each chain's readable bytes to the output, in ring order.
 * Bounded (the I/O thread): never waits - a chain the output has no room
 * for is held, the output watched, and the rest served when there is
 * room - and at most a queue's worth of chains or CONSOLE_TX_BUDGET bytes
 * per call, then the rest on a later call. A quiesce drains all the driver
 * made available (at most a queue's worth: the guest is stopped), waiting
 * for room as long as it takes, unless a signal says to stop.
 */
static void vcon_tx(struct virtio_console *con, bool bounded)
{
	struct virtio_dev *vd = &con->vd;
	struct virtq_chain *c = &con->tx;
	unsigned int served = 0;
	uint64_t bytes = 0;
	/* A quiesce: how long the last output may wait for the reader (then 0: dropped). */
	int drain_ms = bounded ? 0 : console_out_drain_ms(vd->dev.vm);

	pthread_mutex_lock(&con->out_lock);
	/* A reset or a freeze took the held chain back meanwhile. */
	if (con->tx_held && !virtio_chain_live(vd, CONSOLE_TXQ))
		con->tx_held = false;
	for (;;) {
		if (!con->tx_held) {
			if (virtio_pop(vd, CONSOLE_TXQ, c) <= 0)
				break;
			con->out_n = 0;
			if (c->nr_in)
				log_ratelimited(&con->rl, LOG_WARN, "vm", "%s: a transmitq chain of %"
						PRIu64 " readable and %" PRIu64 " writable bytes "
						"(transmit buffers are device-readable only); "
						"returned unread", vd->dev.name, c->out_bytes,
						c->in_bytes);
			else if (con->out.fd >= 0)
				con->out_n = (int)c->nr_out;
			memcpy(con->out_iov, c->iov, (size_t)con->out_n * sizeof(c->iov[0]));
			con->tx_held = true;
			bytes += c->out_bytes;
		}
		if (con->out_n) {
			struct iovec *iov = con->out_iov;
			int ret = bounded ? console_out_write_nowait(&con->out, &iov, &con->out_n) :
				  console_out_write_wait(&con->out, iov, con->out_n, drain_ms);

			if (ret == -ETIMEDOUT)
				drain_ms = 0;

			if (iov != con->out_iov && con->out_n)
				memmove(con->out_iov, iov, (size_t)con->out_n * sizeof(*iov));
			if (ret == -EAGAIN)
				break;	/* held: the rest goes when there is room */
			vcon_out_failed(con, ret);
		}
		virtio_push(vd, CONSOLE_TXQ, c, 0);
		con->tx_held = false;
		__atomic_store_n(&con->driver_spoke, true, __ATOMIC_RELEASE);
		served++;
		if (bounded && (served == VIRTQ_MAX_SIZE || bytes >= CONSOLE_TX_BUDGET)) {
			virtio_requeue(vd, CONSOLE_TXQ);
			break;
		}
	}
	if (bounded)
		vcon_watch(con);
	pthread_mutex_unlock(&con->out_lock);
	if (served)
		virtio_notify(vd, CONSOLE_TXQ);
}

static void vcon_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);
	bool spoke = __atomic_load_n(&con->driver_spoke, __ATOMIC_ACQUIRE);

	if (q == CONSOLE_RXQ) {
		vcon_rx(con);
		return;
	}
	vcon_tx(con, true);
	/* The driver's first output: input held back until now goes in. */
	if (!spoke && __atomic_load_n(&con->driver_spoke, __ATOMIC_ACQUIRE))
		vcon_rx(con);
}

/*
 * The config space takes writes only at emerg_wr: its low byte is one
 * character of output, written at once whatever state the driver is in
 * (5.3.4). On the writing vCPU's thread.
 */
static void vcon_config_write(struct virtio_dev *vd, uint64_t offset, const void *data,
			      unsigned int len)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);
	uint8_t ch;
	struct iovec iov = { .iov_base = &ch, .iov_len = 1 };
	uint64_t end;
	int ret;

	if (offset != CONSOLE_CONFIG_EMERG_WR || len > 4) {
		log_ratelimited(&con->rl, LOG_WARN, "mmio", "%s: guest wrote %u bytes at "
				"config offset 0x%" PRIx64 "; only emerg_wr (offset 0x%x, up to "
				"4 bytes) is writable; ignored", vd->dev.name, len, offset,
				CONSOLE_CONFIG_EMERG_WR);
		return;
	}
	memcpy(&ch, data, 1);	/* little-endian: the low byte first */
	if (con->out.fd < 0)
		return;
	/*
	 * The wait for room without the lock: the I/O thread's transmitq takes
	 * it. A kick (-EINTR) that is not a stop's or a pause's - the coalesced
	 * writes' flush kicks vCPU 0 - does not end the wait; the deadline does.
	 */
	end = monotonic_ns() + CONSOLE_EMERG_WAIT_MS * 1000000ULL;
	for (;;) {
		struct iovec *left = &iov;
		bool again;
		uint64_t now;
		int n = 1;

		pthread_mutex_lock(&con->out_lock);
		ret = console_out_write_nowait(&con->out, &left, &n);
		/* A kick that is not a stop's or a pause's: the write is made again. */
		again = ret == -EINTR && vm_may_wait(vd->dev.vm);
		if (ret != -EAGAIN && !again)
			vcon_out_failed(con, ret);
		pthread_mutex_unlock(&con->out_lock);
		if (again)
			continue;
		if (ret != -EAGAIN)
			return;
		now = monotonic_ns();
		ret = now >= end ? -ETIMEDOUT :
		      console_out_wait_room(&con->out, (int)((end - now + 999999) / 1000000));
		if (ret == -EINTR && vm_may_wait(vd->dev.vm))
			continue;
		if (ret == -ETIMEDOUT && monotonic_ns() >= end) {
			log_ratelimited(&con->rl, LOG_WARN, "vm", "%s: the console output had no "
					"room for %d ms; an emergency write's character is dropped",
					vd->dev.name, CONSOLE_EMERG_WAIT_MS);
			return;
		}
		if (ret && ret != -ETIMEDOUT)
			return;	/* -EINTR: a stop's or a pause's kick */
	}
}

/* Nothing is held between calls; a new driver hears the terminal's size again. */
static void vcon_reset(struct virtio_dev *vd)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);

	__atomic_store_n(&con->driver_spoke, false, __ATOMIC_RELEASE);
	vcon_announce_size(con);
}

static void vcon_quiesce(struct virtio_dev *vd)
{
	vcon_tx(container_of(vd, struct virtio_console, vd), false);
}

/*
 * A snapshot: the chain waiting for room goes back to its ring (it is the
 * only one in flight), so the saved queue holds whole requests; after the
 * thaw, or in the restored VM, it is written again from its start (what of
 * it went out before is repeated). vd->lock is held and the handler is not
 * running; its next call sets the watch right.
 */
static void vcon_freeze(struct virtio_dev *vd)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);

	if (con->tx_held)
		virtio_unpop_locked(vd, CONSOLE_TXQ);
	con->tx_held = false;
}

#define VCON_STATE_VERSION 1

/* Whether the driver has spoken: input waits for it (see driver_spoke). */
static int vcon_save(struct virtio_dev *vd, struct state_buf *out)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);

	state_put_u8(out, VCON_STATE_VERSION);
	state_put_u8(out, __atomic_load_n(&con->driver_spoke, __ATOMIC_ACQUIRE));
	return 0;
}

static int vcon_load(struct virtio_dev *vd, struct state_buf *in)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);
	uint8_t version = state_get_u8(in), spoke = state_get_u8(in);

	if (in->err || version != VCON_STATE_VERSION || spoke > 1) {
		log_err("snapshot", "%s: the saved console state is malformed (version %u, "
			"driver_spoke %u)", vd->dev.name, version, spoke);
		return -EBADMSG;
	}
	__atomic_store_n(&con->driver_spoke, spoke != 0, __ATOMIC_RELEASE);
	return 0;
}

static void vcon_destroy(struct virtio_dev *vd)
{
	struct virtio_console *con = container_of(vd, struct virtio_console, vd);

	if (con->out_src.added)
		evloop_del(&vd->dev.vm->loop, &con->out_src);
	console_out_close(&con->out);
	pthread_mutex_destroy(&con->out_lock);
	free(con);
}

static const struct virtio_dev_ops vcon_ops = {
	.type = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.queue_notify = vcon_notify,
	.reset = vcon_reset,
	.quiesce = vcon_quiesce,
	.config_write = vcon_config_write,
	.freeze = vcon_freeze,
	.save = vcon_save,
	.load = vcon_load,
	.destroy = vcon_destroy,
	/* cols and rows are the terminal's: a restore on another one keeps its own. */
	.config_follows_host = true,
};

int virtio_console_create(uint64_t base, int out_fd, struct device **out)
{
	struct virtio_console *con = calloc(1, sizeof(*con));
	uint64_t features = VIRTIO_CONSOLE_F_EMERG_WRITE;
	uint8_t size[4];

	if (!con)
		return -ENOMEM;
	con->out_fd = out_fd;
	console_out_open(&con->out, out_fd);
	con->out_src = (struct ev_source){
		.fd = con->out.fd, .ready = vcon_out_ready, .name = "virtio-console output",
	};
	pthread_mutex_init(&con->out_lock, NULL);
	/* A size only from a terminal that has one: else F_SIZE is not offered. */
	con->sized = vcon_term_size(out_fd, size);
	if (con->sized)
		features |= VIRTIO_CONSOLE_F_SIZE;
	virtio_init(&con->vd, &vcon_ops, base, features, con->config, sizeof(con->config));
	vcon_announce_size(con);
	*out = &con->vd.dev;
	return 0;
}

void virtio_console_set_input(struct device *dev, struct console *in)
{
	to_vcon(dev)->in = in;
}

void virtio_console_input_ready(struct device *dev)
{
	/*
	 * The receive work runs as the queue's own does: on the I/O thread,
	 * counted busy, so a reset never lands in the middle of it.
	 */
	virtio_requeue(&to_vcon(dev)->vd, CONSOLE_RXQ);
}

void virtio_console_resize(struct device *dev)
{
	vcon_announce_size(to_vcon(dev));
}
