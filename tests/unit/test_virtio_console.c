// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console without KVM: this test plays the guest's driver against
 * fake guest memory and the I/O thread's loop by hand. Input typed into a
 * pipe goes through the console layer into receive buffers; the guest's
 * transmit buffers come out of a pipe, a slow non-blocking pipe or a file.
 * The checkers that compare bytes are shown to fail on wrong bytes.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/console-out.h>
#include <kvmini/console.h>
#include <kvmini/evloop.h>
#include <kvmini/mem.h>
#include <kvmini/state.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

#include "tap.h"
#include "virtio_driver.h"
#include "virtio_rings.h"

#define RAM 0x80000000ULL
#define RAM_SIZE (4ULL << 20)
#define RXBUF (RAM + 0x10000)	/* 0x100 bytes per buffer */
#define TXBUF (RAM + 0x20000)
#define BIGBUF (RAM + 0x100000)	/* up to 1 MiB */
#define RINGS (RAM + 0x1000)	/* queue i's at RINGS + i * VRINGS_STRIDE */
#define BASE 0x1100000ULL

#define RXQ 0
#define TXQ 1

/* The virtio-mmio registers (4.2.2) read here by name. */
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100
#define ISR_USED 1
#define ISR_CONFIG 2

static struct vm vm;
static struct console cons;
static int in_w = -1;		/* typing into the console */
static struct vrings vr = { .mem = &vm.mem };

static uint8_t *gp(uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(&vm.mem, gpa, len);
}

static void quit(struct vm *v)
{
	(void)v;
}

/* The I/O thread's work, until there is none. */
static void pump(void)
{
	for (int i = 0; i < 100 && evloop_run_once(&vm.loop, 0) > 0; i++)
		;
}

static void type(const char *s)
{
	if (write(in_w, s, strlen(s)) != (ssize_t)strlen(s))
		ok(false, "typing '%s' into the console's pipe: %s", s, strerror(errno));
	pump();
}

/* The driver's probe: VERSION_1 (and more), both queues, DRIVER_OK. */
static bool probe(struct device *d, uint64_t features)
{
	return vrings_probe(&vr, VIRTIO_F_VERSION_1 | features, 2, RINGS) &&
	       rd(d, REG_STATUS) == 0xf;
}

/* Used entries the device published that the driver has not taken. */
static uint16_t used_pending(unsigned int q)
{
	uint16_t idx;

	memcpy(&idx, gp(vr.q[q].used + 2, 2), 2);
	return (uint16_t)(le16toh(idx) - vr.q[q].used_seen);
}

static struct device *create(int out_fd, bool with_input)
{
	struct device *d;

	if (virtio_console_create(BASE, out_fd, &d))
		return NULL;
	d->vm = &vm;
	vr.dev = d;
	if (d->ops->realize(d)) {
		d->ops->destroy(d);
		return NULL;
	}
	if (with_input) {
		virtio_console_set_input(d, &cons);
		console_connect(&cons, d, virtio_console_input_ready);
	}
	return d;
}

static void destroy(struct device *d)
{
	console_connect(&cons, NULL, NULL);
	d->ops->destroy(d);
}

/* A one-descriptor receive buffer of len bytes, slot i, offered. */
static void rx_offer(uint16_t i, uint32_t len)
{
	memset(gp(RXBUF + 0x100 * i, 0x100), 0xee, 0x100);
	vrings_desc(&vr, RXQ, i, RXBUF + 0x100 * i, len, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&vr, RXQ, i);
}

/*
 * The checker of input: reap every used receive buffer, in order, follow
 * each chain through the descriptor table and compare the bytes the
 * device said it wrote with expect.
 */
static bool rx_matches(const char *expect)
{
	char got[1024];
	size_t n = 0;
	uint32_t id, len;

	while (vrings_used(&vr, RXQ, &id, &len)) {
		uint16_t i = (uint16_t)id;

		for (int hops = 0; len && hops < VRINGS_QSIZE; hops++) {
			const uint8_t *d = gp(vr.q[RXQ].desc + 16ULL * (i % VRINGS_QSIZE), 16);
			uint64_t addr;
			uint32_t dlen, take;
			uint16_t flags, next;

			memcpy(&addr, d, 8);
			memcpy(&dlen, d + 8, 4);
			memcpy(&flags, d + 12, 2);
			memcpy(&next, d + 14, 2);
			take = le32toh(dlen) < len ? le32toh(dlen) : len;
			if (n + take > sizeof(got))
				return false;
			memcpy(got + n, gp(le64toh(addr), take), take);
			n += take;
			len -= take;
			if (!(le16toh(flags) & VIRTQ_DESC_F_NEXT))
				break;
			i = le16toh(next);
		}
		if (len)
			return false;	/* the device claims more than the chain holds */
	}
	return n == strlen(expect) && !memcmp(got, expect, n);
}

/* The checker of output: what fd holds now (non-blocking) is exactly expect. */
static bool out_matches(int fd, const char *expect)
{
	char got[1024];
	ssize_t n = read(fd, got, sizeof(got));

	if (n < 0)
		n = 0;
	return (size_t)n == strlen(expect) && !memcmp(got, expect, (size_t)n);
}

static void tx_notify(struct device *d)
{
	(void)d;
	vrings_kick(&vr, TXQ);
}

static void rx_notify(struct device *d)
{
	(void)d;
	vrings_kick(&vr, RXQ);
}

/* Transmit buffers: one chain of the strings given, head at desc first. */
static void tx_offer(uint16_t first, const char *const *parts, unsigned int n)
{
	uint64_t at = TXBUF + 0x400 * first;

	for (unsigned int k = 0; k < n; k++) {
		uint32_t len = (uint32_t)strlen(parts[k]);

		memcpy(gp(at, len), parts[k], len);
		vrings_desc(&vr, TXQ, (uint16_t)(first + k), at, len,
			    k + 1 < n ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(first + k + 1));
		at += len;
	}
	vrings_offer(&vr, TXQ, first);
}

static bool all_used_zero(unsigned int q, unsigned int expect)
{
	uint32_t id, len;
	unsigned int n = 0;

	while (vrings_used(&vr, q, &id, &len)) {
		if (len)
			return false;
		n++;
	}
	return n == expect;
}

/*
 * The driver transmits one string from descriptor slot: true when its
 * chain comes back used (0 bytes written) and out_r (< 0: not checked)
 * holds exactly the string.
 */
static bool transmit(struct device *d, uint16_t slot, const char *text, int out_r)
{
	const char *const parts[] = { text };

	tx_offer(slot, parts, 1);
	tx_notify(d);
	pump();
	return all_used_zero(TXQ, 1) && (out_r < 0 || out_matches(out_r, text));
}

/*
 * The driver's first output (Linux's log replay or a prompt): the device
 * delivers input only after it.
 */
static bool speak(struct device *d, int out_r)
{
	return transmit(d, 5, "up\n", out_r);
}

static void input(int out_r, int out_w)
{
	struct device *d = create(out_w, true);

	if (!d) {
		ok(false, "virtio-console created and realized");
		return;
	}
	ok(rd(d, 0x008) == VIRTIO_ID_CONSOLE, "device ID 3");
	wr(d, REG_DEVICE_FEATURES_SEL, 0);
	ok(rd(d, REG_DEVICE_FEATURES) == (4 | (uint32_t)VIRTIO_RING_F_EVENT_IDX),
	   "features: EMERG_WRITE and EVENT_IDX; no SIZE for a pipe, no MULTIPORT");
	ok(!probe(d, 2), "a driver asking for MULTIPORT: FEATURES_OK refused");
	ok(probe(d, 4), "probed with EMERG_WRITE, two queues");

	/* Several buffers, input after them. */
	rx_offer(0, 4);
	rx_offer(1, 4);
	rx_offer(2, 4);
	rx_notify(d);
	pump();
	ok(used_pending(RXQ) == 0, "no input: the receive buffers wait");
	type("held");
	ok(used_pending(RXQ) == 0 && console_pending(&cons) == 4,
	   "input before the driver's first output is held (Linux drops it)");
	ok(speak(d, out_r) && rx_matches("held"), "the driver's first output releases it");
	rx_offer(0, 4);
	rx_notify(d);
	pump();
	type("hello, world");
	ok(used_pending(RXQ) == 3 && rx_matches("hello, world"),
	   "12 bytes typed fill three 4-byte buffers, in order");
	ok(rd(d, REG_INTERRUPT_STATUS) & ISR_USED, "used buffer interrupt");
	wr(d, REG_INTERRUPT_ACK, ISR_USED);

	/* Input before the buffers: it stays in the console. */
	type("late");
	ok(console_pending(&cons) == 4 && !used_pending(RXQ),
	   "input with no buffer stays in the console (4 bytes pending)");
	rx_offer(3, 64);
	rx_notify(d);
	pump();
	ok(rx_matches("late") && !console_pending(&cons),
	   "a buffer made available later gets it");

	/* More input than room. */
	rx_offer(4, 2);
	rx_notify(d);
	type("xyz");
	ok(rx_matches("xy") && console_pending(&cons) == 1,
	   "3 bytes, a 2-byte buffer: 2 delivered, 1 kept");
	rx_offer(5, 8);
	rx_notify(d);
	pump();
	ok(rx_matches("z"), "the kept byte goes to the next buffer");

	/* One chain of two writable descriptors. */
	memset(gp(RXBUF + 0x600, 0x200), 0xee, 0x200);
	vrings_desc(&vr, RXQ, 6, RXBUF + 0x600, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 7);
	vrings_desc(&vr, RXQ, 7, RXBUF + 0x700, 5, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&vr, RXQ, 6);
	type("12345678");
	ok(rx_matches("12345678"), "a chain of 3 + 5 writable bytes takes 8, across both");

	/* The checker can fail. */
	rx_offer(0, 8);
	type("abcd");
	ok(!rx_matches("abXd"), "the input checker fails on a wrong byte");
	rx_offer(0, 8);
	type("abcd");
	ok(!rx_matches("abc"), "... and on a missing one");

	/* Wrong direction: a readable buffer in the receiveq. */
	memset(gp(RXBUF, 16), 0xaa, 16);
	vrings_desc(&vr, RXQ, 0, RXBUF, 16, 0, 0);
	vrings_offer(&vr, RXQ, 0);
	type("q");
	{
		uint32_t id = 99, len = 99;

		ok(vrings_used(&vr, RXQ, &id, &len) && id == 0 && len == 0 &&
		   *gp(RXBUF, 1) == 0xaa && console_pending(&cons) == 1,
		   "a device-readable receive buffer: returned with 0 bytes, untouched, "
		   "input kept");
	}
	vrings_desc(&vr, RXQ, 1, RXBUF + 0x100, 8, VIRTQ_DESC_F_NEXT, 2);
	vrings_desc(&vr, RXQ, 2, RXBUF + 0x200, 8, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&vr, RXQ, 1);
	rx_offer(3, 8);
	rx_notify(d);
	pump();
	ok(used_pending(RXQ) == 2 && rx_matches("q") &&
	   !(rd(d, REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	   "a readable-then-writable receive chain: refused; the next buffer gets the byte; "
	   "no reset needed");

	/* Output through the same device. */
	{
		static const char *const hello[] = { "Hello, ", "guest!\n" };
		static const char *const bye[] = { "bye\n" };

		tx_offer(0, hello, 2);
		tx_offer(2, bye, 1);
		tx_notify(d);
		pump();
		ok(out_matches(out_r, "Hello, guest!\nbye\n") && all_used_zero(TXQ, 2),
		   "two transmit chains (one of two buffers) reach the output in order, "
		   "used with 0 bytes written");
		tx_offer(0, hello, 2);
		tx_notify(d);
		pump();
		ok(!out_matches(out_r, "Hello, guest?\n"),
		   "the output checker fails on a wrong byte");
		(void)all_used_zero(TXQ, 1);
	}

	/* Wrong direction: a writable buffer in the transmitq. */
	memcpy(gp(TXBUF, 2), "no", 2);
	vrings_desc(&vr, TXQ, 0, TXBUF, 2, VIRTQ_DESC_F_NEXT, 1);
	vrings_desc(&vr, TXQ, 1, TXBUF + 0x100, 4, VIRTQ_DESC_F_WRITE, 0);
	vrings_offer(&vr, TXQ, 0);
	tx_notify(d);
	pump();
	ok(out_matches(out_r, "") && all_used_zero(TXQ, 1) &&
	   !(rd(d, REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	   "a transmit chain with a writable buffer: nothing written, returned with 0, "
	   "no reset needed");
	ok(transmit(d, 2, "fine\n", out_r), "the next transmit chain comes out");

	/* Reset mid-way: input half delivered, output queued and kicked. */
	rx_offer(0, 4);
	type("0123456789");
	ok(rx_matches("0123") && console_pending(&cons) == 6, "4 of 10 bytes delivered");
	{
		static const char *const lost[] = { "lost\n" };

		tx_offer(0, lost, 1);
		tx_notify(d);
	}
	wr(d, REG_STATUS, 0);
	pump();
	ok(out_matches(out_r, "") && console_pending(&cons) == 6,
	   "reset with output kicked: the driver's buffers are not read; input waits");
	ok(probe(d, 0), "probed again");
	rx_offer(1, 16);
	rx_notify(d);
	pump();
	ok(!used_pending(RXQ), "a reset driver gets no input before its first output either");
	ok(speak(d, out_r) && rx_matches("456789"), "the rest of the input reaches the new driver");
	ok(transmit(d, 0, "after\n", out_r), "output works after the reset");

	/* Power-off right after writing: the kick never reached the I/O thread. */
	{
		static const char *const last[] = { "last words\n" };

		tx_offer(0, last, 1);
		tx_notify(d);
		d->ops->quiesce(d);
		ok(out_matches(out_r, "last words\n") && all_used_zero(TXQ, 1),
		   "quiesce writes output the I/O thread has not served yet");
		pump();
		ok(out_matches(out_r, ""), "... once: the late kick finds nothing");
	}

	/* Emergency writes, whatever the driver's state. */
	{
		uint8_t m = 'm';
		uint16_t cols = 7;

		wr(d, REG_STATUS, 0);
		wr(d, REG_CONFIG + 8, 'E');
		d->ops->write(d, 0, REG_CONFIG + 8, &m, 1);
		ok(out_matches(out_r, "Em"), "emerg_wr: a 4-byte and a 1-byte write, one "
		   "character each, before any driver set up");
		d->ops->write(d, 0, REG_CONFIG + 9, &m, 1);
		wr(d, REG_CONFIG, 0x12345678);
		d->ops->read(d, 0, REG_CONFIG, &cols, 2);
		ok(out_matches(out_r, "") && cols == 0,
		   "writes elsewhere in the config space: ignored (cols still 0)");
	}
	destroy(d);
}

struct slow_reader {
	int fd;
	uint8_t *buf;
	size_t want, got;
};

/* Reads slowly until it has everything, or 2 s pass with nothing to read (bytes lost). */
static void *slow_read(void *arg)
{
	struct slow_reader *r = arg;
	unsigned int idle = 0;

	while (r->got < r->want && idle < 10000) {
		size_t chunk = r->want - r->got < 1000 ? r->want - r->got : 1000;
		ssize_t n;

		usleep(200);
		n = read(r->fd, r->buf + r->got, chunk);
		if (n > 0) {
			r->got += (size_t)n;
			idle = 0;
		} else if (n == 0 || errno != EAGAIN) {
			break;
		} else {
			idle++;
		}
	}
	return NULL;
}

/* The reader got exactly len bytes of the pattern tx_offer_big(.., seed) writes. */
static bool read_pattern(struct slow_reader *r, uint32_t len, uint8_t seed)
{
	bool same = r->got == len;

	for (uint32_t i = 0; i < len && same; i++)
		same = r->buf[i] == (uint8_t)(i * 7 + seed);
	return same;
}

/* A non-blocking pipe smaller than the chain, drained slowly by another thread. */
static void partial_writes(void)
{
	static const uint32_t seg[] = { 10000, 30000, 25536 };
	enum { TOTAL = 65536 };
	struct slow_reader r = { .want = TOTAL };
	uint8_t *src = gp(BIGBUF, TOTAL);
	struct device *d;
	pthread_t t;
	uint64_t at = BIGBUF;
	int p[2], pipe_size;
	bool same = true;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK)) {
		ok(false, "pipe2: %s", strerror(errno));
		return;
	}
	pipe_size = fcntl(p[1], F_SETPIPE_SZ, 4096);
	r.fd = p[0];
	r.buf = calloc(1, TOTAL);
	d = create(p[1], false);
	if (!d || !r.buf || !probe(d, 0)) {
		ok(false, "a console over a small non-blocking pipe");
		goto out;
	}
	for (uint32_t i = 0; i < TOTAL; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	for (uint16_t k = 0; k < 3; k++) {
		vrings_desc(&vr, TXQ, k, at, seg[k], k < 2 ? VIRTQ_DESC_F_NEXT : 0,
			    (uint16_t)(k + 1));
		at += seg[k];
	}
	vrings_offer(&vr, TXQ, 0);
	if (pthread_create(&t, NULL, slow_read, &r)) {
		ok(false, "pthread_create");
		goto out;
	}
	tx_notify(d);
	/* The device waits for room on the loop, not in a write: run it until the chain is used. */
	for (int i = 0; i < 200 && !used_pending(TXQ); i++)
		evloop_run_once(&vm.loop, 20);
	pthread_join(t, NULL);
	ok(pipe_size > 0 && pipe_size < TOTAL && read_pattern(&r, TOTAL, 3),
	   "64 KiB in three buffers through a %d-byte non-blocking pipe: every byte, in "
	   "order (%zu read)", pipe_size, r.got);
	ok(all_used_zero(TXQ, 1), "the chain is used once everything is written");
	src[5] ^= 1;
	same = true;
	for (uint32_t i = 0; i < TOTAL && same; i++)
		same = r.buf[i] == src[i];
	ok(!same, "the comparison fails when one byte differs");
out:
	if (d)
		destroy(d);
	free(r.buf);
	close(p[0]);
	close(p[1]);
}

/* Offer one chain of len bytes at BIGBUF (a pattern from seed), head at slot. */
static void tx_offer_big(uint16_t slot, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		gp(BIGBUF, len)[i] = (uint8_t)(i * 7 + seed);
	vrings_desc(&vr, TXQ, slot, BIGBUF, len, 0, 0);
	vrings_offer(&vr, TXQ, slot);
}

/*
 * An output nobody reads (a blocking pipe, full: kvmini ... | less, left
 * alone): the I/O thread must not wait in a write - it also serves ^C,
 * --timeout, the control socket and the disks. The chain waits, held,
 * until the reader comes back; a snapshot gives it back whole; a power-off
 * waits for the reader and loses nothing.
 */
static void stuck_output(void)
{
	struct slow_reader r = { 0 };
	struct virtio_dev *vd;
	struct device *d = NULL;
	pthread_t t;
	int p[2], before;
	uint32_t BIG;
	bool joined;

	/* Blocking, as a shell's pipe is; the reading end non-blocking for slow_read(). */
	if (pipe2(p, O_CLOEXEC) || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		ok(false, "a blocking pipe: %s", strerror(errno));
		return;
	}
	/* Twice what the pipe holds (a page at least, whatever the page size). */
	(void)fcntl(p[1], F_SETPIPE_SZ, 4096);
	BIG = 2 * (uint32_t)fcntl(p[1], F_GETPIPE_SZ) + 2048;
	r.want = BIG;
	r.buf = calloc(1, 2 * (size_t)BIG);
	if (!r.buf || BIG > (1 << 20)) {
		ok(false, "a %u-byte chain", BIG);
		goto out;
	}
	r.fd = p[0];
	d = create(p[1], false);
	if (!d || !probe(d, 0)) {
		ok(false, "a console over a blocking pipe");
		goto out;
	}
	vd = container_of(d, struct virtio_dev, dev);
	/* A guard: a device that blocks the thread in write() fails here, not by the suite's timeout. */
	alarm(20);
	tx_offer_big(0, BIG, 3);
	tx_notify(d);
	ok(evloop_run_once(&vm.loop, 0) == 1 && !used_pending(TXQ),
	   "the output full and unread: the I/O thread returns, the chain held, not used");
	ok(evloop_run_once(&vm.loop, 100) == 0,
	   "and the loop sleeps: no source is ready while the output has no room");
	ok(vd->vq[TXQ].inflight == 1, "one chain in flight while it waits");

	/* A snapshot meanwhile: the held chain goes back to its ring. */
	d->ops->freeze(d);
	ok(vd->vq[TXQ].inflight == 0 && vd->vq[TXQ].last_avail == vd->vq[TXQ].used_idx,
	   "frozen: the held chain given back (nothing in flight in the saved queue)");
	d->ops->thaw(d);
	/* The reader comes back: the chain goes out, from its start again after the freeze. */
	if (ioctl(p[0], FIONREAD, &before))
		before = -1;
	r.want = (size_t)before + BIG;
	if (pthread_create(&t, NULL, slow_read, &r)) {
		ok(false, "pthread_create");
		goto out;
	}
	for (int i = 0; i < 500 && !used_pending(TXQ); i++)
		evloop_run_once(&vm.loop, 20);
	ok(used_pending(TXQ) == 1 && all_used_zero(TXQ, 1),
	   "room again: the chain is written and used");
	joined = !pthread_join(t, NULL);
	ok(joined && before > 0 && r.got == (size_t)before + BIG &&
	   !memcmp(r.buf + before, gp(BIGBUF, BIG), BIG),
	   "all %u bytes after the thaw, in order (%zu read: the %d written before the "
	   "freeze are repeated)", BIG, r.got, before);

	/* A power-off while the output is full: the quiesce waits for the reader. */
	r.got = 0;
	r.want = BIG;
	tx_offer_big(1, BIG, 5);
	tx_notify(d);
	evloop_run_once(&vm.loop, 0);
	ok(!used_pending(TXQ), "full again: held");
	if (pthread_create(&t, NULL, slow_read, &r)) {
		ok(false, "pthread_create");
		goto out;
	}
	d->ops->quiesce(d);
	joined = !pthread_join(t, NULL);
	ok(joined && used_pending(TXQ) == 1 && all_used_zero(TXQ, 1) && read_pattern(&r, BIG, 5),
	   "the quiesce waits for room: every byte out, in order, the chain used (%zu read)",
	   r.got);
	r.buf[7] ^= 1;
	ok(!read_pattern(&r, BIG, 5), "the comparison fails when one byte differs");

	/* Stopped by the user (not a power-off) with nobody reading: the quiesce gives up. */
	tx_offer_big(2, BIG, 9);
	tx_notify(d);
	evloop_run_once(&vm.loop, 0);
	__atomic_store_n(&vm.stop_reason, VM_STOP_SIGNAL, __ATOMIC_SEQ_CST);
	{
		struct timespec a, b;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &a);
		d->ops->quiesce(d);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
		ok(ms >= 1500 && ms < 10000 && used_pending(TXQ) == 1 && all_used_zero(TXQ, 1),
		   "^C with a full output nobody reads: the quiesce gives up after %d ms, the "
		   "chain used (%ld ms)", CONSOLE_OUT_STOP_MS, ms);
	}
	__atomic_store_n(&vm.stop_reason, VM_RUNNING, __ATOMIC_SEQ_CST);
	alarm(0);
out:
	if (d)
		destroy(d);
	free(r.buf);
	close(p[0]);
	close(p[1]);
}

/* A busy guest: at most 1 MiB of output per call, then the I/O thread's other work. */
static void bounded(void)
{
	char path[] = "/tmp/kvmini-vcon-XXXXXX";
	int fd = mkstemp(path);
	struct device *d;
	struct stat st;
	enum { BIG = 600 * 1024 };

	if (fd < 0) {
		ok(false, "mkstemp: %s", strerror(errno));
		return;
	}
	unlink(path);
	d = create(fd, false);
	if (!d || !probe(d, 0)) {
		ok(false, "a console writing to a file");
		goto out;
	}
	memset(gp(BIGBUF, BIG), 'b', BIG);
	vrings_desc(&vr, TXQ, 0, BIGBUF, BIG, 0, 0);
	vrings_desc(&vr, TXQ, 1, BIGBUF, BIG, 0, 0);
	memcpy(gp(TXBUF, 4), "tail", 4);
	vrings_desc(&vr, TXQ, 2, TXBUF, 4, 0, 0);
	vrings_offer(&vr, TXQ, 0);
	vrings_offer(&vr, TXQ, 1);
	vrings_offer(&vr, TXQ, 2);
	tx_notify(d);
	ok(evloop_run_once(&vm.loop, 0) == 1 && used_pending(TXQ) == 2,
	   "one call serves 2 x 600 KiB, past the 1 MiB budget, and stops");
	ok(evloop_run_once(&vm.loop, 0) == 1 && used_pending(TXQ) == 3,
	   "it asked to be called again: the next call serves the rest");
	ok(!fstat(fd, &st) && st.st_size == 2 * BIG + 4, "all %d bytes in the file", 2 * BIG + 4);
	rx_offer(0, 8);
	rx_notify(d);
	pump();
	ok(!used_pending(RXQ), "without input connected the receive buffers wait");
out:
	if (d)
		destroy(d);
	close(fd);
}

/* F_SIZE from a terminal: a pseudo-terminal's slave stands for it. */
static void term_size(void)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	uint16_t cols = 0, rows = 0;
	struct device *d;
	uint32_t gen;
	int m, s = -1;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m) ||
	    (s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		ok(true, "F_SIZE from a terminal # SKIP no pseudo-terminal: %s", strerror(errno));
		goto out;
	}
	ws.ws_row = ws.ws_col = 0;
	if (ioctl(s, TIOCSWINSZ, &ws) || !(d = create(s, false))) {
		ok(false, "a console on a pseudo-terminal");
		goto out;
	}
	wr(d, REG_DEVICE_FEATURES_SEL, 0);
	ok(!(rd(d, REG_DEVICE_FEATURES) & 1), "a terminal of size 0 x 0: no F_SIZE");
	destroy(d);

	ws = (struct winsize){ .ws_row = 40, .ws_col = 100 };
	if (ioctl(s, TIOCSWINSZ, &ws) || !(d = create(s, false))) {
		ok(false, "a console on a 100 x 40 pseudo-terminal");
		goto out;
	}
	wr(d, REG_DEVICE_FEATURES_SEL, 0);
	d->ops->read(d, 0, REG_CONFIG, &cols, 2);
	d->ops->read(d, 0, REG_CONFIG + 2, &rows, 2);
	ok(rd(d, REG_DEVICE_FEATURES) & 1 && le16toh(cols) == 100 && le16toh(rows) == 40,
	   "a 100 x 40 terminal: F_SIZE, cols 100, rows 40");
	ok(vdrv_negotiate(d, VIRTIO_F_VERSION_1 | 1) &&
	   vdrv_queue(d, RXQ, VRINGS_QSIZE, RINGS, RINGS + VRINGS_AVAIL_OFF,
		      RINGS + VRINGS_USED_OFF) &&
	   vdrv_queue(d, TXQ, VRINGS_QSIZE, RINGS + VRINGS_STRIDE,
		      RINGS + VRINGS_STRIDE + VRINGS_AVAIL_OFF,
		      RINGS + VRINGS_STRIDE + VRINGS_USED_OFF) &&
	   !(rd(d, REG_INTERRUPT_STATUS) & ISR_CONFIG),
	   "no configuration interrupt before DRIVER_OK");
	vdrv_driver_ok(d);
	ok(rd(d, REG_INTERRUPT_STATUS) & ISR_CONFIG,
	   "at DRIVER_OK a configuration interrupt: Linux reads the size only then");
	wr(d, REG_INTERRUPT_ACK, ISR_CONFIG);
	gen = rd(d, REG_CONFIG_GENERATION);
	ws = (struct winsize){ .ws_row = 50, .ws_col = 132 };
	if (ioctl(s, TIOCSWINSZ, &ws))
		ok(false, "TIOCSWINSZ: %s", strerror(errno));
	virtio_console_resize(d);
	d->ops->read(d, 0, REG_CONFIG, &cols, 2);
	d->ops->read(d, 0, REG_CONFIG + 2, &rows, 2);
	ok(rd(d, REG_INTERRUPT_STATUS) & ISR_CONFIG && rd(d, REG_CONFIG_GENERATION) != gen &&
	   le16toh(cols) == 132 && le16toh(rows) == 50,
	   "resized to 132 x 50: new config, new generation, configuration interrupt");
	wr(d, REG_INTERRUPT_ACK, ISR_CONFIG);
	ok(probe(d, 1) && rd(d, REG_INTERRUPT_STATUS) & ISR_CONFIG,
	   "after a reset the next driver hears the size at DRIVER_OK too");
	destroy(d);
out:
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
}

/* A snapshot of d (frozen, saved, thawed) into out. */
static bool save(struct device *d, struct state_buf *out)
{
	int ret;

	state_init(out);
	d->ops->freeze(d);
	ret = d->ops->save(d, out);
	d->ops->thaw(d);
	return !ret;
}

static int load(struct device *d, const uint8_t *bytes, size_t len)
{
	struct state_buf in;

	state_init_read(&in, bytes, len);
	return d->ops->load(d, &in);
}

/*
 * Snapshots: the console's own state (whether the driver has spoken) goes
 * with the transport's; the terminal's size is the restoring host's - a
 * restore on a terminal of another size tells the driver - while a driver
 * that took F_SIZE is refused by a console without a terminal, saying why.
 */
static void snapshot(void)
{
	struct winsize ws = { .ws_row = 50, .ws_col = 132 };
	struct state_buf a, again, sized;
	struct device *d, *e;
	uint8_t *bad;
	uint32_t gen;
	int m, s = -1;

	if (!(d = create(-1, false)) || !probe(d, 0) || !speak(d, -1) || !save(d, &a)) {
		ok(false, "a console that spoke, saved");
		return;
	}
	gen = rd(d, REG_CONFIG_GENERATION);
	destroy(d);
	if (!(e = create(-1, false))) {
		ok(false, "a second console");
		return;
	}
	ok(load(e, a.data, a.len) == 0 && save(e, &again) && again.len == a.len &&
	   !memcmp(again.data, a.data, a.len),
	   "loaded into a new console, it saves the same %zu bytes", a.len);
	state_free(&again);
	bad = malloc(a.len);
	memcpy(bad, a.data, a.len);
	bad[a.len - 1] = 2;
	ok(load(e, bad, a.len) == -EBADMSG, "a driver_spoke other than 0 or 1 refused");
	memcpy(bad, a.data, a.len);
	bad[a.len - 2] = 9;
	ok(load(e, bad, a.len) == -EBADMSG, "another console state version refused");
	ok(load(e, a.data, a.len - 1) == -EBADMSG, "a truncated console state refused");
	free(bad);
	destroy(e);

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m) ||
	    (s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || ioctl(s, TIOCSWINSZ, &ws) ||
	    !(e = create(s, false))) {
		ok(true, "a restore on a terminal # SKIP no pseudo-terminal: %s", strerror(errno));
		goto out;
	}
	/* The generation the driver last read is the saved one. */
	ok(load(e, a.data, a.len) == 0 && rd(e, REG_INTERRUPT_STATUS) & ISR_CONFIG &&
	   rd(e, REG_CONFIG_GENERATION) != gen,
	   "a state from a pipe restored on a 132 x 50 terminal: taken, the driver told of the size");
	ok(probe(e, 1) && save(e, &sized), "a driver that took F_SIZE, saved");
	destroy(e);
	if (!(e = create(-1, false))) {
		ok(false, "a third console");
		goto out;
	}
	ok(load(e, sized.data, sized.len) == -EBADMSG,
	   "its state restored without a terminal: refused (F_SIZE is not offered there)");
	destroy(e);
	state_free(&sized);
out:
	state_free(&a);
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
}

/*
 * stdin a regular file (kvmini run < FILE): epoll cannot watch it, so the
 * console reads a buffer at a time as the guest takes input; every byte
 * arrives, in order, however large the file.
 */
static void file_input(void)
{
	static uint8_t pattern[2 * CONSOLE_BUF + 100], got[sizeof(pattern)];
	char path[] = "/tmp/kvmini-vcon-in-XXXXXX";
	int fd = mkstemp(path);
	struct console fc;
	struct device *d;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)('a' + i % 23);
	if (fd < 0 || write(fd, pattern, sizeof(pattern)) != (ssize_t)sizeof(pattern) ||
	    lseek(fd, 0, SEEK_SET) || console_init(&fc, &vm, fd, quit) ||
	    !(d = create(-1, false))) {
		ok(false, "a console reading a regular file");
		return;
	}
	unlink(path);
	virtio_console_set_input(d, &fc);
	console_connect(&fc, d, virtio_console_input_ready);
	ok(probe(d, 0) && !console_start(&fc) && speak(d, -1),
	   "a console with a regular file for stdin");
	pump();
	ok(console_pending(&fc) == CONSOLE_BUF, "the file is read a buffer at a time (%zu)",
	   console_pending(&fc));
	for (int round = 0; round < 64 && n < sizeof(got); round++) {
		uint32_t id, len;

		for (uint16_t i = 0; i < 4; i++)
			rx_offer(i, 0x100);
		rx_notify(d);
		pump();
		while (vrings_used(&vr, RXQ, &id, &len) && n + len <= sizeof(got)) {
			memcpy(got + n, gp(RXBUF + 0x100 * id, len), len);
			n += len;
		}
	}
	ok(n == sizeof(got) && !memcmp(got, pattern, n) && fc.in_done,
	   "all %zu bytes of the file reach the guest, in order, then its end", n);
	got[n / 2] ^= 1;
	ok(memcmp(got, pattern, n), "the comparison fails when one byte differs");
	console_connect(&fc, NULL, NULL);
	d->ops->destroy(d);
	console_destroy(&fc);
	close(fd);
}

int main(void)
{
	int in[2], out[2];

	if (guest_mem_add(&vm.mem, RAM, RAM_SIZE, GUEST_MEM_ANON) || evloop_init(&vm.loop) ||
	    pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || fcntl(out[0], F_SETFL, O_NONBLOCK))
		return 1;
	vm.vm_fd = -1;
	in_w = in[1];
	if (console_init(&cons, &vm, in[0], quit))
		return 1;
	/* A device first, so the console starts reading its input pipe. */
	{
		struct device *d = create(-1, true);

		if (!d || console_start(&cons))
			return 1;
		destroy(d);
	}
	input(out[0], out[1]);
	partial_writes();
	stuck_output();
	bounded();
	term_size();
	snapshot();
	file_input();
	console_destroy(&cons);
	evloop_destroy(&vm.loop);
	guest_mem_free(&vm.mem);
	return tap_done();
}
