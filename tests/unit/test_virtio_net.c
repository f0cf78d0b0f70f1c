// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net without KVM or a TAP: a datagram socketpair stands in for
 * the TAP (it keeps frame boundaries, as a TAP does) and this test plays
 * both the guest's driver, against fake guest memory, and the host's
 * network on the socket's other end. The event loop runs as the I/O
 * thread would, one round at a time.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kvmini/mem.h>
#include <kvmini/net.h>
#include <kvmini/state.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "tap.h"
#include "virtio_rings.h"

#define RAM 0x80000000ULL
#define RAM_SIZE (1ULL << 20)
#define RINGS (RAM + 0x1000)		/* queue 0 (rx) and queue 1 (tx) */
#define RXBUF (RAM + 0x10000)		/* 8 receive buffers, 2 KiB apart */
#define TXBUF (RAM + 0x20000)		/* frames to send, up to 0x40000 */
#define RXQ 0
#define TXQ 1
#define HDR 12
#define FEATURES (VIRTIO_F_VERSION_1 | 1ULL << 5 | 1ULL << 16)	/* MAC, STATUS */

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static struct vm vm;
static struct vrings r = { .mem = &vm.mem };
static int host = -1;			/* the host network's end of the "TAP" */
static int dev_fd = -1;			/* the device's end */
static uint8_t buf[70000];

static uint8_t *gp(uint64_t gpa)
{
	return vrings_ptr(&r, gpa, 1);
}

/* Run the I/O thread's loop until nothing is ready: callbacks made, -1 if it never idles. */
static int run(void)
{
	int total = 0, n;

	for (int i = 0; i < 1000; i++) {
		n = evloop_run_once(&vm.loop, 0);
		if (n <= 0)
			return n < 0 ? -1 : total;
		total += n;
	}
	return -1;
}

/* A device over a fresh socketpair; sndbuf > 0 shrinks the device's send buffer. */
static bool net_new(int sndbuf)
{
	struct tap t = { .ifname = "test0" };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return false;
	if (sndbuf && setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)))
		return false;
	t.fd = dev_fd = sv[0];
	host = sv[1];
	if (virtio_net_create(0x1100000, &t, mac, &r.dev) || t.fd != -1)
		return false;
	r.dev->vm = &vm;
	return !r.dev->ops->realize(r.dev) && vrings_probe(&r, FEATURES, 2, RINGS);
}

static void net_free(void)
{
	r.dev->ops->destroy(r.dev);
	close(host);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

/* A guest frame in guest memory at gpa: header (hdr_byte0 as flags) and len bytes. */
static void tx_frame(uint64_t gpa, size_t len, unsigned int seed, uint8_t flags)
{
	memset(gp(gpa), 0, HDR);
	gp(gpa)[0] = flags;
	gp(gpa)[10] = 0x34;		/* num_buffers: the driver's garbage, never passed on */
	fill(gp(gpa + HDR), len, seed);
}

/* The next datagram the host side got: its length, or -1. */
static ssize_t host_recv(void)
{
	return recv(host, buf, sizeof(buf), MSG_DONTWAIT);
}

static bool host_got(size_t len, unsigned int seed)
{
	uint8_t want[2048], zero[HDR] = { 0 };
	ssize_t n = host_recv();

	if (n != (ssize_t)(HDR + len) || memcmp(buf, zero, HDR))
		return false;
	for (size_t off = 0; off < len; off += sizeof(want)) {
		size_t chunk = len - off < sizeof(want) ? len - off : sizeof(want);

		fill(want, sizeof(want), seed);
		/* fill() is positional: compare against the frame's own offsets. */
		for (size_t i = 0; i < chunk; i++)
			if (buf[HDR + off + i] != (uint8_t)(seed * 31 + (off + i) * 7))
				return false;
	}
	return true;
}

/* The host sends a frame to the guest, header flags/gso as given. */
static void host_send(size_t len, unsigned int seed, uint8_t flags, uint8_t gso)
{
	memset(buf, 0xa5, HDR);		/* garbage in every other header field */
	buf[0] = flags;
	buf[1] = gso;
	fill(buf + HDR, len, seed);
	if (send(host, buf, HDR + len, 0) != (ssize_t)(HDR + len))
		printf("# host send: %s\n", strerror(errno));
}

/* A receive buffer in guest memory held the frame, with a clean header. */
static bool rx_landed(uint64_t gpa, size_t len, unsigned int seed)
{
	static const uint8_t hdr[HDR] = { [10] = 1 };
	uint8_t *p = gp(gpa);

	if (memcmp(p, hdr, HDR))
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[HDR + i] != (uint8_t)(seed * 31 + i * 7))
			return false;
	return true;
}

static bool used_is(unsigned int q, uint32_t id, uint32_t len)
{
	uint32_t i, l;

	if (!vrings_used(&r, q, &i, &l)) {
		printf("# queue %u: nothing used (wanted head %u, %u bytes)\n", q, id, len);
		return false;
	}
	if (i != id || l != len)
		printf("# queue %u: used head %u, %u bytes (wanted %u, %u)\n", q, i, l, id, len);
	return i == id && l == len;
}

static bool nothing_used(unsigned int q)
{
	uint32_t i, l;

	return !vrings_used(&r, q, &i, &l);
}

/* A frame is waiting in the "TAP" for the device. */
static bool frame_waiting(void)
{
	uint8_t b;

	return recv(dev_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

static void registers(void)
{
	uint8_t m[6];
	uint16_t status = 0;
	int flags = fcntl(dev_fd, F_GETFL);

	ok(rd(r.dev, 0x008) == VIRTIO_ID_NET, "device ID 1");
	wr(r.dev, 0x014, 0);
	ok((rd(r.dev, 0x010) & (1 << 5 | 1 << 16)) == (1 << 5 | 1 << 16),
	   "MAC and STATUS offered");
	ok(!(rd(r.dev, 0x010) & (1 << 15 | 1 << 0 | 1 << 17)),
	   "no MRG_RXBUF, CSUM or CTRL_VQ offered");
	for (int i = 0; i < 6; i++)
		r.dev->ops->read(r.dev, 0, 0x100 + i, &m[i], 1);
	r.dev->ops->read(r.dev, 0, 0x106, &status, 2);
	ok(!memcmp(m, mac, 6) && le16toh(status) == 1,
	   "config: the MAC byte by byte, status LINK_UP");
	ok(flags >= 0 && flags & O_NONBLOCK, "the device made its fd non-blocking");
	ok(!vdrv_negotiate(r.dev, FEATURES | 1ULL << 15), "MRG_RXBUF (not offered) refused");
	ok(vrings_probe(&r, FEATURES, 2, RINGS), "probed again with two queues");
}

static void transmit(void)
{
	/* Head 0: header and frame in one buffer; 1 -> 2: header apart; 3 -> 4 -> 5: split header. */
	tx_frame(TXBUF, 60, 1, 0);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 60, 0, 0);
	tx_frame(TXBUF + 0x1000, 1514, 2, 0);
	vrings_desc(&r, TXQ, 1, TXBUF + 0x1000, HDR, VIRTQ_DESC_F_NEXT, 2);
	vrings_desc(&r, TXQ, 2, TXBUF + 0x1000 + HDR, 1514, 0, 0);
	tx_frame(TXBUF + 0x2000, 1000, 3, 0);
	vrings_desc(&r, TXQ, 3, TXBUF + 0x2000, 5, VIRTQ_DESC_F_NEXT, 4);
	vrings_desc(&r, TXQ, 4, TXBUF + 0x2000 + 5, 7 + 20, VIRTQ_DESC_F_NEXT, 5);
	vrings_desc(&r, TXQ, 5, TXBUF + 0x2000 + HDR + 20, 980, 0, 0);
	vrings_offer(&r, TXQ, 0);
	vrings_offer(&r, TXQ, 1);
	vrings_offer(&r, TXQ, 3);
	vrings_kick(&r, TXQ);
	ok(run() > 0, "a transmit kick reaches the device through the loop");
	ok(host_got(60, 1) && host_got(1514, 2) && host_got(1000, 3) && host_recv() < 0,
	   "three frames reach the TAP in order, intact, behind a zeroed header");
	ok(used_is(TXQ, 0, 0) && used_is(TXQ, 1, 0) && used_is(TXQ, 3, 0),
	   "all three returned to the guest");
	ok(rd(r.dev, 0x060) & 1, "used-buffer interrupt raised");
	wr(r.dev, 0x064, rd(r.dev, 0x060));

	tx_frame(TXBUF, 65550, 4, 0);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 65550, 0, 0);
	vrings_offer(&r, TXQ, 0);
	vrings_kick(&r, TXQ);
	run();
	ok(host_got(65550, 4) && used_is(TXQ, 0, 0), "a 65550-byte frame (the largest) goes out");
}

/* One bad transmit chain at head 0 (and maybe 1): dropped, returned, nothing sent. */
static void tx_refused(const char *what)
{
	vrings_offer(&r, TXQ, 0);
	vrings_kick(&r, TXQ);
	run();
	ok(used_is(TXQ, 0, 0) && host_recv() < 0 &&
	   !(rd(r.dev, 0x070) & VIRTIO_STATUS_NEEDS_RESET), "%s: dropped, returned, the "
	   "device still works", what);
}

static void transmit_refused(void)
{
	tx_frame(TXBUF, 100, 5, 0);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 100, VIRTQ_DESC_F_NEXT, 1);
	vrings_desc(&r, TXQ, 1, TXBUF + 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);
	tx_refused("a transmit chain with a writable buffer");
	vrings_desc(&r, TXQ, 0, TXBUF, HDR, 0, 0);
	tx_refused("a header and no frame");
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 13, 0, 0);
	tx_refused("a 13-byte frame (shorter than an Ethernet header)");
	vrings_desc(&r, TXQ, 0, TXBUF, 8, 0, 0);
	tx_refused("an 8-byte chain (no whole header)");
	tx_frame(TXBUF, 65551, 5, 0);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 65551, 0, 0);
	tx_refused("a 65551-byte frame");
	tx_frame(TXBUF, 100, 5, 1);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 100, 0, 0);
	tx_refused("NEEDS_CSUM without VIRTIO_NET_F_CSUM");
	tx_frame(TXBUF, 100, 5, 0);
	gp(TXBUF)[1] = 1;		/* gso_type TCPv4 */
	tx_refused("a GSO frame without the GSO features");
	tx_frame(TXBUF, 100, 6, 0);
	vrings_offer(&r, TXQ, 0);
	vrings_kick(&r, TXQ);
	run();
	ok(host_got(100, 6) && used_is(TXQ, 0, 0), "the next good frame goes out");
}

/* Post receive buffer i (one writable descriptor of len bytes) and kick. */
static void rx_post(uint16_t i, uint32_t len)
{
	memset(gp(RXBUF + 0x800 * i), 0xee, len);
	vrings_desc(&r, RXQ, i, RXBUF + 0x800 * i, len, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&r, RXQ, i);
}

static void receive(void)
{
	rx_post(0, 1530);
	rx_post(1, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(nothing_used(RXQ), "receive buffers wait while the TAP is empty");
	host_send(60, 10, 2, 0);	/* DATA_VALID: the guest did not ask for it */
	host_send(1518, 11, 0, 0);
	ok(run() > 0 && used_is(RXQ, 0, HDR + 60) && used_is(RXQ, 1, HDR + 1518),
	   "two frames land in the two buffers with their lengths");
	ok(rx_landed(RXBUF, 60, 10) && rx_landed(RXBUF + 0x800, 1518, 11),
	   "intact, behind a header of zeros and num_buffers 1");
	ok(rd(r.dev, 0x060) & 1, "used-buffer interrupt raised");
	wr(r.dev, 0x064, rd(r.dev, 0x060));

	/* A buffer in two pieces: the header, then the frame. */
	vrings_desc(&r, RXQ, 2, RXBUF + 0x1000, HDR, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	vrings_desc(&r, RXQ, 3, RXBUF + 0x1000 + HDR, 1518, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&r, RXQ, 2);
	vrings_kick(&r, RXQ);
	host_send(700, 12, 0, 0);
	run();
	ok(used_is(RXQ, 2, HDR + 700) && rx_landed(RXBUF + 0x1000, 700, 12),
	   "a header and a frame buffer chained");

	/* Too big for its buffer: dropped, and the buffer takes the next frame. */
	rx_post(4, 100);
	vrings_kick(&r, RXQ);
	host_send(200, 13, 0, 0);
	host_send(48, 14, 0, 0);
	run();
	ok(used_is(RXQ, 4, HDR + 48) && rx_landed(RXBUF + 0x2000, 48, 14) && nothing_used(RXQ),
	   "a frame larger than the buffer is dropped; the next one fits and lands");
	host_send(12, 15, 0, 0);
	host_send(100, 16, 1, 0);
	host_send(100, 17, 0, 4);
	rx_post(5, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(nothing_used(RXQ) && !frame_waiting(),
	   "a runt, a NEEDS_CSUM and a GSO frame from the TAP are dropped");
}

static void receive_pause(void)
{
	/* Buffer 5 is still posted: use it up. */
	host_send(64, 20, 0, 0);
	run();
	ok(used_is(RXQ, 5, HDR + 64), "the last buffer is used");
	host_send(64, 21, 0, 0);
	ok(run() >= 0 && run() == 0 && frame_waiting() && nothing_used(RXQ),
	   "no receive buffers: the frame waits and the loop goes idle (TAP not watched)");
	host_send(64, 22, 0, 0);
	ok(run() == 0, "more frames do not wake the loop");
	rx_post(0, 1530);
	rx_post(1, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(used_is(RXQ, 0, HDR + 64) && rx_landed(RXBUF, 64, 21) &&
	   used_is(RXQ, 1, HDR + 64) && rx_landed(RXBUF + 0x800, 64, 22) && !frame_waiting(),
	   "the guest posts buffers and kicks: both waiting frames land, in order");
}

static void receive_refused(void)
{
	/* Device-readable receive buffers, then one too small for any frame. */
	vrings_desc(&r, RXQ, 0, RXBUF, 1530, 0, 0);
	vrings_offer(&r, RXQ, 0);
	rx_post(1, 20);
	rx_post(2, 1530);
	vrings_kick(&r, RXQ);
	host_send(80, 30, 0, 0);
	run();
	ok(used_is(RXQ, 0, 0) && used_is(RXQ, 1, 0) && used_is(RXQ, 2, HDR + 80) &&
	   rx_landed(RXBUF + 0x1000, 80, 30), "a readable and a 20-byte receive buffer are "
	   "returned unused; the next takes the frame");
	ok(!(rd(r.dev, 0x070) & VIRTIO_STATUS_NEEDS_RESET), "the device still works");

	/* A broken ring: the device asks for a reset and the loop does not spin. */
	host_send(80, 31, 0, 0);
	vrings_desc(&r, RXQ, 3, RXBUF, 1530, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 99);
	vrings_offer(&r, RXQ, 3);
	vrings_kick(&r, RXQ);
	ok(run() >= 0 && run() == 0 && rd(r.dev, 0x070) & VIRTIO_STATUS_NEEDS_RESET &&
	   frame_waiting(), "a descriptor index beyond the queue: NEEDS_RESET, the loop idles");
	ok(vrings_probe(&r, FEATURES, 2, RINGS), "a reset and a new probe");
	rx_post(0, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(used_is(RXQ, 0, HDR + 80) && rx_landed(RXBUF, 80, 31), "the waiting frame lands after it");
}

static void reset_midway(void)
{
	/* A receive buffer held for a frame, then a reset: the buffer is the driver's again. */
	rx_post(0, 1530);
	vrings_kick(&r, RXQ);
	run();
	wr(r.dev, 0x070, 0);
	host_send(90, 40, 0, 0);
	run();
	ok(gp(RXBUF)[0] == 0xee && gp(RXBUF)[HDR] == 0xee && frame_waiting(),
	   "after a reset a frame goes nowhere near the old receive buffer");
	ok(vrings_probe(&r, FEATURES, 2, RINGS), "probed again");
	rx_post(1, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(used_is(RXQ, 1, HDR + 90) && rx_landed(RXBUF + 0x800, 90, 40) &&
	   gp(RXBUF)[0] == 0xee, "it lands in the new driver's buffer");
}

static struct virtio_dev *vdev(void)
{
	return container_of(r.dev, struct virtio_dev, dev);
}

/*
 * A snapshot: the receive buffer the device holds for a frame goes back to
 * the ring when it freezes, so the saved queue holds no request half taken;
 * nothing lands while frozen, and thawed it takes the buffer again.
 */
static void snapshot_held(void)
{
	struct state_buf out;

	ok(vrings_probe(&r, FEATURES, 2, RINGS), "probed for a snapshot");
	rx_post(0, 1530);
	vrings_kick(&r, RXQ);
	run();
	ok(nothing_used(RXQ) && vdev()->vq[RXQ].inflight == 1,
	   "a receive buffer held for a frame");
	r.dev->ops->freeze(r.dev);
	ok(vdev()->vq[RXQ].inflight == 0 && vdev()->vq[RXQ].last_avail == 0,
	   "frozen: the held buffer is given back to the ring");
	state_init(&out);
	ok(r.dev->ops->save && r.dev->ops->save(r.dev, &out) == 0, "virtio-net saves its state");
	host_send(70, 70, 0, 0);
	run();
	ok(nothing_used(RXQ) && gp(RXBUF)[0] == 0xee && frame_waiting(),
	   "a frame sent while frozen waits in the TAP; the buffer is untouched");
	r.dev->ops->thaw(r.dev);
	run();
	ok(used_is(RXQ, 0, HDR + 70) && rx_landed(RXBUF, 70, 70),
	   "thawed, the buffer is taken again and the frame lands in it");
	state_free(&out);
}

static void transmit_backpressure(void)
{
	unsigned int sent = 0, used = 0;
	uint32_t id, len;
	bool in_order = true;

	/* A small send buffer: the "TAP" stops taking frames until the host reads. */
	net_free();
	if (!net_new(4096)) {
		ok(false, "a device with a small send buffer");
		return;
	}
	for (uint16_t i = 0; i < 8; i++) {
		tx_frame(TXBUF + 0x1000 * i, 1400, 50 + i, 0);
		vrings_desc(&r, TXQ, i, TXBUF + 0x1000 * i, HDR + 1400, 0, 0);
		vrings_offer(&r, TXQ, i);
	}
	vrings_kick(&r, TXQ);
	ok(run() >= 0 && run() == 0, "the TAP is full: the loop idles (watching for room)");
	while (vrings_used(&r, TXQ, &id, &len))
		used++;
	ok(used > 0 && used < 8, "%u of 8 frames went out, the rest wait in the ring", used);
	/* A snapshot now: the frame waiting for room goes back to the ring, unsent. */
	r.dev->ops->freeze(r.dev);
	ok(vdev()->vq[TXQ].inflight == 0 && vdev()->vq[TXQ].last_avail == used,
	   "frozen: the frame waiting for room is given back (%u taken)",
	   vdev()->vq[TXQ].last_avail);
	r.dev->ops->thaw(r.dev);
	for (int round = 0; round < 20 && sent < 8; round++) {
		while (sent < 8 && host_got(1400, 50 + sent))
			sent++;
		run();
	}
	while (host_recv() >= 0)
		in_order = false;
	while (vrings_used(&r, TXQ, &id, &len))
		used++;
	ok(sent == 8 && in_order && used == 8,
	   "as the host reads, all 8 go out in order (%u), none dropped", sent);

	/* Full again, then a reset: the waiting frame is the driver's, never sent. */
	for (uint16_t i = 0; i < 8; i++)
		vrings_offer(&r, TXQ, i);
	vrings_kick(&r, TXQ);
	run();
	wr(r.dev, 0x070, 0);
	sent = 0;
	for (int round = 0; round < 5; round++) {
		while (host_recv() >= 0)
			sent++;
		run();
	}
	ok(sent < 8, "a reset while frames wait: %u sent, the rest dropped with the ring", sent);
	ok(vrings_probe(&r, FEATURES, 2, RINGS), "probed again");
	tx_frame(TXBUF, 100, 60, 0);
	vrings_desc(&r, TXQ, 0, TXBUF, HDR + 100, 0, 0);
	vrings_offer(&r, TXQ, 0);
	vrings_kick(&r, TXQ);
	run();
	ok(host_got(100, 60) && host_recv() < 0 && used_is(TXQ, 0, 0),
	   "then exactly the new driver's frame goes out");
}

int main(void)
{
	int fd;

	if (guest_mem_add(&vm.mem, RAM, RAM_SIZE, GUEST_MEM_ANON) || evloop_init(&vm.loop))
		return 1;
	vm.vm_fd = -1;
	log_set_level(LOG_ERR);		/* the refusals below are meant */
	if (!net_new(0)) {
		ok(false, "a virtio-net device over a socketpair");
		return tap_done();
	}
	registers();
	transmit();
	transmit_refused();
	receive();
	receive_pause();
	receive_refused();
	reset_midway();
	snapshot_held();
	transmit_backpressure();
	fd = dev_fd;
	net_free();
	ok(fcntl(fd, F_GETFD) < 0 && errno == EBADF, "destroy closes the TAP's fd");
	evloop_destroy(&vm.loop);
	guest_mem_free(&vm.mem);
	return tap_done();
}
