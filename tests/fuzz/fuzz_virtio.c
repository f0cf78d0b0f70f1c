// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for what a hostile guest controls in virtio: the
 * bytes of guest memory holding the rings, descriptors, indirect tables
 * and block request headers, and the queue size. Four targets in one:
 *  - the virtqueue walker alone: every chain it returns must lie inside
 *    guest RAM (checked here, beyond ASan);
 *  - a virtio-blk device over a 64-sector image, driven like a guest
 *    driver: the image must never grow (no write outside the disk);
 *  - a virtio-console with input waiting and both queues on the rings:
 *    transmit (to /dev/null), receive, and the quiesce drain;
 *  - a virtio-net over a datagram socketpair standing in for the TAP,
 *    with frames waiting from the host: both queues on the rings, the
 *    receive and transmit parsers, and frames the guest sends checked to
 *    carry a header and at most a frame's bytes.
 * The device is marked broken on bad input; nothing may crash or hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/blk.h>
#include <kvmini/console.h>
#include <kvmini/mem.h>
#include <kvmini/net.h>
#include <kvmini/virtio-devices.h>
#include <kvmini/virtio.h>
#include <kvmini/vm.h>

/*
 * Guest RAM: the used ring at its start, the avail ring after it, the
 * descriptor table flush against its end and an inaccessible page beyond,
 * so a descriptor read past the table faults; the fuzz input fills it.
 */
#define RAM 0x40000000ULL
#define RAM_SIZE 0x4000ULL
#define USED_OFF 0x0
#define AVAIL_OFF 0x900
#define DISK_SECTORS 64
#define NET_HDR_BYTES 12	/* struct virtio_net_hdr_v1 */

static uint64_t desc_gpa(uint16_t qsize)
{
	uint64_t bytes = (uint64_t)qsize * 16;

	return bytes && bytes <= RAM_SIZE ? RAM + RAM_SIZE - bytes : RAM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vm vm;
static int disk_fd = -1;
static char disk_path[] = "/tmp/kvmini-fuzz-disk-XXXXXX";

static void setup(void)
{
	void *host;

	if (vm.mem.nr)
		return;
	/* RAM and an inaccessible guard page right after it, in one reservation. */
	host = mmap(NULL, RAM_SIZE + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (host == MAP_FAILED || mprotect(host, RAM_SIZE, PROT_READ | PROT_WRITE))
		abort();
	vm.mem.regions[0] = (struct guest_region){ .gpa = RAM, .size = RAM_SIZE, .host = host,
						   .backing = GUEST_MEM_ANON, .fd = -1 };
	vm.mem.nr = 1;
	vm.vm_fd = -1;
	log_set_level(LOG_WARN);
	if (evloop_init(&vm.loop))
		abort();
	disk_fd = mkstemp(disk_path);
	if (disk_fd < 0 || ftruncate(disk_fd, DISK_SECTORS * 512))
		abort();
	unlink(disk_path);
}

static void check_inside_ram(const struct virtq_chain *c)
{
	const uint8_t *lo = guest_mem_ptr(&vm.mem, RAM, RAM_SIZE);

	for (unsigned int i = 0; i < c->nr_out + c->nr_in; i++) {
		const uint8_t *p = c->iov[i].iov_base;

		if (p < lo || p + c->iov[i].iov_len > lo + RAM_SIZE || !c->iov[i].iov_len)
			abort();
	}
}

/* Whether this input's queues use VIRTIO_RING_F_EVENT_IDX (its first byte's bit 3). */
static bool event_idx;

static void walk(uint16_t qsize)
{
	static struct virtq_chain c;
	struct virtq q = { .name = "fuzz", .size = qsize, .desc_gpa = desc_gpa(qsize),
			   .avail_gpa = RAM + AVAIL_OFF, .used_gpa = RAM + USED_OFF,
			   .event_idx = event_idx };

	if (virtq_enable(&q, &vm.mem, VIRTQ_MAX_SIZE))
		return;
	for (int i = 0; i < 600; i++) {
		int ret = virtq_pop(&q, &c);

		if (ret <= 0)
			break;
		check_inside_ram(&c);
		if (c.in_bytes)
			virtq_chain_write(&c, 0, "x", 1);
		virtq_push(&q, &c, c.in_bytes ? 1 : 0);
		(void)virtq_needs_interrupt(&q);
	}
}

static void wr(struct device *d, uint64_t off, uint32_t v)
{
	d->ops->write(d, 0, off, &v, 4);
}

/* VERSION_1, and EVENT_IDX when this input asks for it. */
static void driver_features(struct device *d)
{
	wr(d, 0x024, 0);
	wr(d, 0x020, event_idx ? 1u << 29 : 0);
	wr(d, 0x024, 1);
	wr(d, 0x020, 1);
}

/* Queue q of a device on the fuzzed rings, the same for every queue. */
static void fuzz_queue(struct device *d, uint32_t q, uint16_t qsize)
{
	wr(d, 0x030, q);
	wr(d, 0x038, qsize);
	wr(d, 0x080, (uint32_t)desc_gpa(qsize));
	wr(d, 0x084, (uint32_t)(desc_gpa(qsize) >> 32));
	wr(d, 0x090, (uint32_t)(RAM + AVAIL_OFF));
	wr(d, 0x094, (uint32_t)(RAM >> 32));
	wr(d, 0x0a0, (uint32_t)(RAM + USED_OFF));
	wr(d, 0x0a4, (uint32_t)(RAM >> 32));
	wr(d, 0x044, 1);
}

static void blk(uint16_t qsize)
{
	struct blk_backend *be;
	struct virtio_dev *vd;
	struct device *d;
	struct stat st;

	/* A backend over the one image, kept open across inputs: reopen by fd. */
	be = calloc(1, sizeof(*be));
	if (!be)
		abort();
	be->fd = dup(disk_fd);
	be->direct_fd = -1;	/* no ,direct (0 would be fd 0, with no alignment known) */
	be->path = strdup("fuzz");
	be->size = DISK_SECTORS * 512;
	/* Two request queues on the same rings: a hostile driver may share them. */
	if (virtio_blk_create(0x1100000, be, 2, &d))
		abort();
	d->vm = &vm;
	vd = container_of(d, struct virtio_dev, dev);
	wr(d, 0x070, 3);
	driver_features(d);
	wr(d, 0x070, 11);
	fuzz_queue(d, 0, qsize);
	fuzz_queue(d, 1, qsize);
	wr(d, 0x070, 15);
	vd->ops->queue_notify(vd, 0);
	vd->ops->queue_notify(vd, 1);
	vd->ops->queue_notify(vd, 0);
	if (fstat(disk_fd, &st) || st.st_size != DISK_SECTORS * 512)
		abort();	/* a write outside the disk grew the image */
	d->ops->destroy(d);
}

static void console_target(uint16_t qsize)
{
	static const char typed[] = "typed at the fuzzer's console\n";
	static struct console in;
	static int null_fd = -1;
	struct virtio_dev *vd;
	struct device *d;

	if (null_fd < 0 && ((null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
			    console_init(&in, &vm, -1, NULL)))
		abort();
	/* Input waiting in the console's ring, as the I/O thread leaves it. */
	memcpy(in.buf, typed, sizeof(typed) - 1);
	in.head = 0;
	in.len = sizeof(typed) - 1;
	if (virtio_console_create(0x1100200, null_fd, &d))
		abort();
	d->vm = &vm;
	vd = container_of(d, struct virtio_dev, dev);
	virtio_console_set_input(d, &in);
	wr(d, 0x070, 3);
	driver_features(d);
	wr(d, 0x070, 11);
	fuzz_queue(d, 0, qsize);
	fuzz_queue(d, 1, qsize);
	wr(d, 0x070, 15);
	/* Transmit first: the device gives input only to a driver that wrote. */
	vd->ops->queue_notify(vd, 1);
	vd->ops->queue_notify(vd, 0);
	d->ops->quiesce(d);
	if (in.len > sizeof(typed) - 1)
		abort();
	d->ops->destroy(d);
}

static void net_target(uint16_t qsize)
{
	static const uint8_t mac[NET_MAC_LEN] = { 2, 0, 0, 0, 0, 1 };
	static uint8_t frame[NET_HDR_BYTES + 1600];
	struct tap tap = { .ifname = "fuzz0" };
	struct virtio_dev *vd;
	struct device *d;
	int sv[2];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv))
		abort();
	/* Two frames from the host: a header and an Ethernet frame of 60 bytes. */
	memset(frame, 0xab, NET_HDR_BYTES + 60);
	memset(frame, 0, NET_HDR_BYTES);
	for (int i = 0; i < 2; i++)
		if (write(sv[1], frame, NET_HDR_BYTES + 60) < 0)
			abort();
	tap.fd = sv[0];
	if (virtio_net_create(0x1100400, &tap, mac, &d))
		abort();
	d->vm = &vm;
	vd = container_of(d, struct virtio_dev, dev);
	if (d->ops->realize(d))
		abort();
	wr(d, 0x070, 3);
	driver_features(d);
	wr(d, 0x070, 11);
	fuzz_queue(d, 0, qsize);
	fuzz_queue(d, 1, qsize);
	wr(d, 0x070, 15);
	vd->ops->queue_notify(vd, 1);
	vd->ops->queue_notify(vd, 0);
	for (int i = 0; i < 8 && evloop_run_once(&vm.loop, 0) > 0; i++)
		;
	/* What the guest sent: each frame with its header, none oversized. */
	while ((n = read(sv[1], frame, sizeof(frame))) >= 0)
		if (n < NET_HDR_BYTES || n > NET_HDR_BYTES + 65550)
			abort();
	d->ops->destroy(d);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *ram;

	setup();
	if (size < 3)
		return 0;
	ram = guest_mem_ptr(&vm.mem, RAM, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 3, size - 3 < RAM_SIZE ? size - 3 : RAM_SIZE);
	event_idx = data[0] & 8;
	if (data[0] & 1)
		blk((uint16_t)(data[1] | data[2] << 8));
	else if (data[0] & 2)
		console_target((uint16_t)(data[1] | data[2] << 8));
	else if (data[0] & 4)
		net_target((uint16_t)(data[1] | data[2] << 8));
	else
		walk((uint16_t)(data[1] | data[2] << 8));
	return 0;
}
