// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.x, 5.1) over a TAP: queue 0 receives, queue 1
 * transmits; a MAC address and a link that is always up; no offloads, no
 * mergeable receive buffers, no control queue. Each frame crosses with
 * virtio 1.x's 12-byte header, which the TAP (IFF_VNET_HDR) speaks too.
 *
 * All guest-memory work runs in the transport's queue handler, on the I/O
 * thread, where a reset waits for it (virtio.h): the TAP's readiness only
 * requeues a queue. The TAP is watched for input only while the guest
 * has receive buffers (an empty ring would make a readable TAP wake the
 * loop for nothing) and for output only while a frame waits to be sent.
 *
 * A chain popped and not yet finished - a receive buffer waiting for a
 * frame, a frame the TAP could not take yet - is kept across calls. The
 * queue's in-flight count says whether it still is ours: a reset or a
 * re-enabled queue zeroes it, and the handler pops nothing else while it
 * holds one.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/net.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#define VIRTIO_NET_F_MAC	(1ULL << 5)
#define VIRTIO_NET_F_STATUS	(1ULL << 16)
#define VIRTIO_NET_S_LINK_UP	1

#define NET_RXQ 0
#define NET_TXQ 1

/* struct virtio_net_hdr_v1 (5.1.6): flags, gso_type, ..., num_buffers at 10. */
#define NET_HDR_LEN		12
#define NET_HDR_GSO_TYPE	1
#define NET_HDR_NUM_BUFFERS	10
#define NET_HDR_F_NEEDS_CSUM	1
#define NET_HDR_F_DATA_VALID	2
#define NET_HDR_GSO_NONE	0

#define NET_ETH_HLEN		14	/* the shortest frame: an Ethernet header */
#define NET_FRAME_MAX		65550	/* 64 KiB of payload and the Ethernet header */
#define NET_CONFIG_LEN		8	/* mac[6], status (le16) */
/*
 * Room past a receive buffer: a frame that lands there did not fit and is
 * dropped. Larger than any frame a TAP hands out (its MTU is at most
 * 65535, plus header, VLAN tag and vnet header), so it always shows.
 */
#define NET_RX_SPILL		(NET_FRAME_MAX + 1024)

struct net_counts {
	uint64_t rx_frames, rx_dropped, tx_frames, tx_dropped;
};

struct virtio_net {
	struct virtio_dev vd;
	int fd;
	char ifname[NET_IFNAME_MAX];
	struct ev_source tap_src;
	uint32_t watching;		/* the EPOLL* bits the loop watches the TAP for */
	bool rx_want;			/* the guest may have receive buffers: watch input */
	bool rx_held, tx_held;		/* a chain popped and kept across calls */
	bool dead;			/* the TAP failed for good: no more I/O on it */
	uint8_t config[NET_CONFIG_LEN];
	struct virtq_chain rx, tx;	/* large: not on the I/O thread's stack */
	struct iovec iov[VIRTQ_MAX_SIZE + 1];
	struct net_counts n;
	struct ratelimit rl;
	uint8_t spill[NET_RX_SPILL];
};

static struct virtio_net *to_net(struct virtio_dev *vd)
{
	return container_of(vd, struct virtio_net, vd);
}

/* Watch the TAP for what is wanted now; the loop has no "modify", so del + add. */
static void net_watch(struct virtio_net *n)
{
	struct evloop *loop = &n->vd.dev.vm->loop;
	uint32_t want = 0;

	if (!n->dead) {
		want |= n->rx_want ? EPOLLIN : 0;
		want |= n->tx_held ? EPOLLOUT : 0;
	}
	if (want == n->watching)
		return;
	evloop_del(loop, &n->tap_src);
	n->watching = 0;
	if (want && !evloop_add(loop, &n->tap_src, want))
		n->watching = want;
}

/* The TAP failed in a way retrying cannot mend (deleted, detached). */
static void net_tap_failed(struct virtio_net *n, const char *op, int err)
{
	if (!n->dead)
		log_err("vm", "%s: TAP %s failed (%s: %s); the guest's network is down "
			"from here", n->vd.dev.name, n->ifname, op, strerror(err));
	n->dead = true;
}

/* The TAP is readable or writable again: run the queue on the transport's terms. */
static void net_tap_ready(struct ev_source *src, uint32_t events)
{
	struct virtio_net *n = container_of(src, struct virtio_net, tap_src);

	if (events & (EPOLLERR | EPOLLHUP)) {
		/* Level-triggered and permanent: left watched, it would spin the loop. */
		net_tap_failed(n, "poll", events & EPOLLHUP ? EPIPE : EIO);
		net_watch(n);
		return;
	}
	if (events & EPOLLIN)
		virtio_requeue(&n->vd, NET_RXQ);
	if (events & EPOLLOUT)
		virtio_requeue(&n->vd, NET_TXQ);
}

/*
 * Receive buffers are device-writable only and hold at least a header and
 * an Ethernet header (Linux posts 1530 bytes without mergeable buffers).
 */
static bool net_rx_chain_ok(struct virtio_net *n, const struct virtq_chain *c)
{
	if (!c->nr_out && c->in_bytes >= NET_HDR_LEN + NET_ETH_HLEN)
		return true;
	log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: a receive buffer of %" PRIu64
			" readable and %" PRIu64 " writable bytes (it must be writable only, "
			"at least %d bytes); returned unused", n->vd.dev.name, c->out_bytes,
			c->in_bytes, NET_HDR_LEN + NET_ETH_HLEN);
	return false;
}

/* The first len bytes the TAP put in a receive buffer (its header). */
static void net_rx_peek(const struct virtq_chain *c, uint8_t *buf, size_t len)
{
	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in && len; i++) {
		size_t chunk = c->iov[i].iov_len < len ? c->iov[i].iov_len : len;

		memcpy(buf, c->iov[i].iov_base, chunk);
		buf += chunk;
		len -= chunk;
	}
}

/*
 * One frame from the TAP into the held receive buffer: 1 delivered, 0
 * dropped (the buffer stays held for the next one), -EAGAIN when the TAP
 * has nothing, -EIO when it failed.
 */
static int net_rx_one(struct virtio_net *n)
{
	struct virtq_chain *c = &n->rx;
	uint8_t hdr[NET_HDR_LEN];
	uint16_t flags, gso;
	ssize_t len;

	memcpy(n->iov, c->iov + c->nr_out, c->nr_in * sizeof(*n->iov));
	n->iov[c->nr_in] = (struct iovec){ .iov_base = n->spill, .iov_len = sizeof(n->spill) };
	do {
		len = readv(n->fd, n->iov, (int)c->nr_in + 1);
	} while (len < 0 && errno == EINTR);
	if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (len < 0 && errno != EFAULT && errno != EMSGSIZE) {
		net_tap_failed(n, "read", errno);
		return -EIO;
	}
	/* EFAULT, EMSGSIZE: the TAP could not fit the frame; it is gone either way. */
	if (len < 0 || (uint64_t)len > c->in_bytes) {
		n->n.rx_dropped++;
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: a frame from TAP %s does not fit "
				"the guest's %" PRIu64 "-byte receive buffer; dropped (%" PRIu64
				" so far). Keep the TAP's MTU at 1500: kvmini offers no "
				"mergeable receive buffers", n->vd.dev.name, n->ifname,
				c->in_bytes, n->n.rx_dropped);
		return 0;
	}
	net_rx_peek(c, hdr, sizeof(hdr));
	flags = hdr[0];
	gso = hdr[NET_HDR_GSO_TYPE];
	if (len < NET_HDR_LEN + NET_ETH_HLEN || flags & NET_HDR_F_NEEDS_CSUM ||
	    gso != NET_HDR_GSO_NONE) {
		/* Offloads are off on the TAP: neither should ever come. */
		n->n.rx_dropped++;
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: TAP %s handed a %zd-byte frame "
				"with header flags 0x%x, gso_type %u (the guest negotiated no "
				"offloads); dropped", n->vd.dev.name, n->ifname, len, flags, gso);
		return 0;
	}
	/*
	 * Without VIRTIO_NET_F_GUEST_CSUM the flags must be 0 (DATA_VALID
	 * dropped: the guest checks the sum itself); one buffer per frame.
	 */
	memset(hdr, 0, sizeof(hdr));
	hdr[NET_HDR_NUM_BUFFERS] = 1;
	virtq_chain_write(c, 0, hdr, sizeof(hdr));
	virtio_push(&n->vd, NET_RXQ, c, (uint32_t)len);
	n->n.rx_frames++;
	return 1;
}

/* Frames from the TAP into receive buffers, a queue's worth at most per call. */
static void net_rx(struct virtio_net *n)
{
	struct virtio_dev *vd = &n->vd;
	bool pushed = false;

	if (n->rx_held && !virtio_chain_live(&n->vd, NET_RXQ))
		n->rx_held = false;
	n->rx_want = !n->dead;
	for (unsigned int i = 0; i < VIRTQ_MAX_SIZE && !n->dead; i++) {
		int ret;

		if (!n->rx_held) {
			if (virtio_pop(vd, NET_RXQ, &n->rx) <= 0) {
				/* No buffers: the guest's next kick on this queue resumes. */
				n->rx_want = false;
				break;
			}
			if (!net_rx_chain_ok(n, &n->rx)) {
				virtio_push(vd, NET_RXQ, &n->rx, 0);
				pushed = true;
				continue;
			}
			n->rx_held = true;
		}
		ret = net_rx_one(n);
		if (ret < 0)
			break;		/* the TAP is empty (or failed): the buffer waits */
		if (ret > 0) {
			n->rx_held = false;
			pushed = true;
		}
	}
	/* Beyond a queue's worth the TAP stays readable and wakes the loop again. */
	net_watch(n);
	if (pushed)
		virtio_notify(vd, NET_RXQ);
}

/*
 * The frame's segments after the header: into iov from index 1 (iov[0]
 * is the header); how many.
 */
static int net_tx_frame_iov(struct virtio_net *n, const struct virtq_chain *c)
{
	uint64_t skip = NET_HDR_LEN;
	int k = 1;

	for (unsigned int i = 0; i < c->nr_out; i++) {
		const struct iovec *s = &c->iov[i];

		if (skip >= s->iov_len) {
			skip -= s->iov_len;
			continue;
		}
		n->iov[k++] = (struct iovec){ .iov_base = (uint8_t *)s->iov_base + skip,
					      .iov_len = s->iov_len - skip };
		skip = 0;
	}
	return k;
}

/*
 * The held transmit chain to the TAP: 0 done (sent or dropped), -EAGAIN
 * when the TAP cannot take it now (it stays held).
 */
static int net_tx_one(struct virtio_net *n)
{
	const struct virtq_chain *c = &n->tx;
	uint8_t hdr[NET_HDR_LEN], zero[NET_HDR_LEN] = { 0 };
	ssize_t len;
	int k;

	if (c->nr_in || c->out_bytes < NET_HDR_LEN + NET_ETH_HLEN ||
	    c->out_bytes - NET_HDR_LEN > NET_FRAME_MAX) {
		n->n.tx_dropped++;
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: a frame to send of %" PRIu64
				" readable and %" PRIu64 " writable bytes (it must be readable "
				"only: a %d-byte header and %d to %d bytes of frame); dropped",
				n->vd.dev.name, c->out_bytes, c->in_bytes, NET_HDR_LEN,
				NET_ETH_HLEN, NET_FRAME_MAX);
		return 0;
	}
	/* Read once: the guest may change its copy while the TAP reads the frame. */
	virtq_chain_read(c, 0, hdr, sizeof(hdr));
	if (hdr[0] || hdr[NET_HDR_GSO_TYPE] != NET_HDR_GSO_NONE) {
		n->n.tx_dropped++;
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: a frame asks for offloads that "
				"were not negotiated (header flags 0x%x, gso_type %u); dropped",
				n->vd.dev.name, hdr[0], hdr[NET_HDR_GSO_TYPE]);
		return 0;
	}
	if (n->dead) {
		n->n.tx_dropped++;
		return 0;
	}
	/* The TAP gets a plain header of our own: nothing in it for the host to act on. */
	n->iov[0] = (struct iovec){ .iov_base = zero, .iov_len = sizeof(zero) };
	k = net_tx_frame_iov(n, c);
	do {
		len = writev(n->fd, n->iov, k);
	} while (len < 0 && errno == EINTR);
	if (len >= 0) {
		n->n.tx_frames++;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -EAGAIN;
	n->n.tx_dropped++;
	if (errno == EBADFD || errno == EBADF || errno == ENODEV || errno == ENXIO)
		net_tap_failed(n, "write", errno);
	else if (errno == EIO)
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: TAP %s is down; the guest's "
				"frames are dropped until `ip link set %s up` (%" PRIu64 " so far)",
				n->vd.dev.name, n->ifname, n->ifname, n->n.tx_dropped);
	else
		log_ratelimited(&n->rl, LOG_WARN, "vm", "%s: TAP %s refused a %" PRIu64
				"-byte frame: %s; dropped", n->vd.dev.name, n->ifname,
				c->out_bytes - NET_HDR_LEN, strerror(errno));
	return 0;
}

/*
 * The guest's frames to the TAP, in order, a queue's worth per call. A
 * TAP write blocks only when the host side stops draining (its send
 * buffer is full): the frame then waits, the TAP is watched for room,
 * and the guest's ring backs up as on a real link, rather than the device
 * dropping frames the guest believes sent.
 */
static void net_tx(struct virtio_net *n)
{
	struct virtio_dev *vd = &n->vd;
	bool pushed = false;
	unsigned int i;

	if (n->tx_held && !virtio_chain_live(&n->vd, NET_TXQ))
		n->tx_held = false;
	for (i = 0; i < VIRTQ_MAX_SIZE; i++) {
		if (!n->tx_held) {
			if (virtio_pop(vd, NET_TXQ, &n->tx) <= 0)
				break;
			n->tx_held = true;
		}
		if (net_tx_one(n) == -EAGAIN)
			break;
		virtio_push(vd, NET_TXQ, &n->tx, 0);
		n->tx_held = false;
		pushed = true;
	}
	if (i == VIRTQ_MAX_SIZE)
		virtio_requeue(vd, NET_TXQ);
	net_watch(n);
	if (pushed)
		virtio_notify(vd, NET_TXQ);
}

static void net_notify(struct virtio_dev *vd, unsigned int q)
{
	if (q == NET_RXQ)
		net_rx(to_net(vd));
	else
		net_tx(to_net(vd));
}

static void net_destroy(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	if (n->tap_src.added)
		evloop_del(&vd->dev.vm->loop, &n->tap_src);
	log_debug("vm", "%s: TAP %s: %" PRIu64 " frames received (%" PRIu64 " dropped), %"
		  PRIu64 " sent (%" PRIu64 " dropped)", vd->dev.name, n->ifname,
		  n->n.rx_frames, n->n.rx_dropped, n->n.tx_frames, n->n.tx_dropped);
	close(n->fd);
	free(n);
}

/*
 * A snapshot: the receive buffer waiting for a frame and the frame waiting
 * for room in the TAP go back to their rings (neither was marked used; each
 * is the only chain in flight on its queue), so the saved queues hold
 * whole requests only. vd->lock is held and the handler is not running,
 * so the held flags are the freezer's.
 */
static void net_freeze(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	if (n->rx_held)
		virtio_unpop_locked(vd, NET_RXQ);
	if (n->tx_held)
		virtio_unpop_locked(vd, NET_TXQ);
	n->rx_held = n->tx_held = false;
}

static const struct virtio_dev_ops net_ops = {
	.type = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.poll_queues = 1u << NET_TXQ,
	.queue_notify = net_notify,
	/*
	 * No reset hook: it would run on a vCPU thread beside the I/O thread.
	 * Held chains die with the queue's in-flight count, and the TAP's
	 * watch is set right by the next call of the handler.
	 */
	.freeze = net_freeze,
	/* The MAC and link state are the configuration's; the TAP is the new process's. */
	.save = virtio_stateless_save,
	.load = virtio_stateless_load,
	.destroy = net_destroy,
};

int virtio_net_create(uint64_t base, struct tap *tap, const uint8_t mac[NET_MAC_LEN],
		      struct device **out)
{
	struct virtio_net *n;
	int fd = tap->fd, flags;
	uint16_t status = htole16(VIRTIO_NET_S_LINK_UP);

	tap->fd = -1;
	/* Any fd the caller gives: the I/O thread must never block on it. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		int err = errno;

		log_err("vm", "virtio-net: TAP %s: cannot make it non-blocking: %s",
			tap->ifname, strerror(err));
		close(fd);
		return -err;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		close(fd);
		return -ENOMEM;
	}
	n->fd = fd;
	memcpy(n->ifname, tap->ifname, sizeof(n->ifname));
	n->ifname[NET_IFNAME_MAX - 1] = '\0';
	memcpy(n->config, mac, NET_MAC_LEN);
	memcpy(n->config + NET_MAC_LEN, &status, sizeof(status));
	virtio_init(&n->vd, &net_ops, base, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS, n->config,
		    sizeof(n->config));
	n->tap_src = (struct ev_source){ .fd = fd, .ready = net_tap_ready,
					 .name = n->vd.dev.name };
	*out = &n->vd.dev;
	return 0;
}
