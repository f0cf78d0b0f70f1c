// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtqueue walker against a hostile driver, on fake guest memory: every
 * rule of the hardening checklist (kvm-facts.md, items 2-9) broken once,
 * each time the queue is marked broken and nothing outside guest RAM is
 * touched; and the good paths: direct and indirect chains, used ring updates.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <kvmini/mem.h>
#include <kvmini/virtq.h>

#include "tap.h"
#include "virtq_desc.h"

#define RAM 0x40000000ULL
#define RAM_SIZE (1ULL << 20)
#define DESC (RAM + 0x1000)
#define AVAIL (RAM + 0x2000)
#define USED (RAM + 0x3000)
#define DATA (RAM + 0x10000)

static struct guest_mem mem;

static uint8_t *gp(uint64_t gpa)
{
	return guest_mem_ptr(&mem, gpa, 1);
}

static void set_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	virtq_desc_put(gp(table), i, addr, len, flags, next);
}

static uint16_t avail_idx;

/* Offer head as the next avail entry. */
static void offer(struct virtq *q, uint16_t head)
{
	uint16_t h = htole16(head), idx;

	memcpy(gp(AVAIL + 4 + 2 * (avail_idx % q->size)), &h, 2);
	idx = htole16(++avail_idx);
	memcpy(gp(AVAIL + 2), &idx, 2);
}

static void fresh(struct virtq *q, uint16_t size)
{
	virtq_reset(q);
	q->name = "test queue";
	q->size = size;
	q->desc_gpa = DESC;
	q->avail_gpa = AVAIL;
	q->used_gpa = USED;
	memset(gp(RAM), 0, 0x10000);
	avail_idx = 0;
	if (virtq_enable(q, &mem, VIRTQ_MAX_SIZE))
		printf("# enable failed\n");
}

/* A queue in which one chain breaks a rule: broken, and stays so. */
static void refused(struct virtq *q, const char *what)
{
	struct virtq_chain c;
	int first = virtq_pop(q, &c), again = virtq_pop(q, &c);

	ok(first == -EBADMSG && q->broken && again == -EBADMSG, "%s: refused, queue broken", what);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, gp(gpa), 2);
	return le16toh(v);
}

static void put16(uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(gp(gpa), &v, 2);
}

/*
 * VIRTIO_RING_F_EVENT_IDX (2.7.7, 2.7.10): this side says through
 * avail_event when it wants a notification, the driver through used_event
 * when it wants an interrupt.
 */
static void test_event_idx(struct virtq *q, struct virtq_chain *c)
{
	const uint64_t used_event = AVAIL + 4 + 2 * 8, avail_event = USED + 4 + 8 * 8;

	fresh(q, 8);
	q->event_idx = true;
	put16(avail_event, 0xbeef);
	set_desc(DESC, 0, DATA, 16, 0, 0);
	offer(q, 0);
	offer(q, 0);
	ok(virtq_pop(q, c) == 1 && get16(avail_event) == 0xbeef,
	   "event_idx: no notification asked for while entries wait");
	ok(virtq_pop(q, c) == 1 && virtq_pop(q, c) == 0 && get16(avail_event) == 2,
	   "event_idx: the ring found empty asks for a notification at entry 2");
	offer(q, 0);
	ok(virtq_pop(q, c) == 1 && virtq_pop(q, c) == 0 && get16(avail_event) == 3,
	   "event_idx: the next entry is taken, then entry 3 asked for");

	put16(used_event, 0);
	virtq_push(q, c, 0);
	ok(virtq_needs_interrupt(q), "event_idx: the first push after enable interrupts");
	put16(used_event, 2);
	virtq_push(q, c, 0);
	ok(!virtq_needs_interrupt(q), "event_idx: used 2 before used_event 2 is passed: none");
	virtq_push(q, c, 0);
	ok(virtq_needs_interrupt(q), "event_idx: used_event 2 pushed: an interrupt");
	ok(!virtq_needs_interrupt(q), "event_idx: nothing pushed since: none");
	/* Without event_idx only the avail flags count, used_event is not read. */
	fresh(q, 8);
	put16(used_event, 100);
	offer(q, 0);
	ok(virtq_pop(q, c) == 1 && virtq_pop(q, c) == 0 && get16(avail_event) == 0,
	   "no event_idx: avail_event untouched");
	virtq_push(q, c, 0);
	ok(virtq_needs_interrupt(q), "no event_idx: an interrupt, whatever used_event says");
	put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	ok(!virtq_needs_interrupt(q), "no event_idx: NO_INTERRUPT is honoured");
}

int main(void)
{
	static struct virtq_chain c;
	struct virtq q = { 0 };
	uint8_t buf[64];
	uint32_t id, len;

	if (guest_mem_add(&mem, RAM, RAM_SIZE, GUEST_MEM_ANON))
		return 1;

	/* Enabling: the size and ring addresses the driver wrote. */
	q.name = "test queue";
	q.desc_gpa = DESC, q.avail_gpa = AVAIL, q.used_gpa = USED;
	q.size = 6;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL && !q.enabled, "size 6: not a power of two");
	q.size = 512;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL, "size 512 above the maximum 256");
	q.size = 0;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL, "size 0");
	q.size = 8;
	q.desc_gpa = DESC + 8;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL, "a misaligned descriptor table");
	q.desc_gpa = DESC;
	q.used_gpa = RAM + RAM_SIZE - 16;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL, "a used ring running past the end of RAM");
	q.used_gpa = 0x1000;
	ok(virtq_enable(&q, &mem, 256) == -EINVAL, "a used ring outside RAM (MMIO space)");
	q.used_gpa = USED;
	ok(virtq_enable(&q, &mem, 256) == 0 && q.enabled, "good rings: enabled");

	/* A good direct chain: one readable, two writable. */
	fresh(&q, 8);
	ok(virtq_pop(&q, &c) == 0, "empty avail ring: nothing");
	set_desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 3);
	set_desc(DESC, 3, DATA + 0x100, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 5);
	set_desc(DESC, 5, DATA + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	memcpy(gp(DATA), "0123456789abcdef", 16);
	offer(&q, 0);
	ok(virtq_pop(&q, &c) == 1 && c.head == 0 && c.nr_out == 1 && c.nr_in == 2 &&
	   c.out_bytes == 16 && c.in_bytes == 12 && c.iov[0].iov_base == gp(DATA) &&
	   c.iov[2].iov_base == gp(DATA + 0x200), "a direct chain: 1 readable, 2 writable");
	ok(virtq_chain_read(&c, 10, buf, 6) == 6 && !memcmp(buf, "abcdef", 6),
	   "read from an offset of the readable part");
	ok(virtq_chain_write(&c, 6, "WXYZ", 4) == 4 && !memcmp(gp(DATA + 0x106), "WX", 2) &&
	   !memcmp(gp(DATA + 0x200), "YZ", 2), "a write across two writable buffers");
	ok(virtq_chain_write(&c, 10, "12345", 5) == 2, "a write stops at the writable end");
	virtq_push(&q, &c, 12);
	memcpy(&id, gp(USED + 4), 4);
	memcpy(&len, gp(USED + 8), 4);
	ok(le32toh(id) == 0 && le32toh(len) == 12 && le16toh(*(uint16_t *)gp(USED + 2)) == 1 &&
	   q.inflight == 0, "push: used element (head, bytes written) and index");
	ok(virtq_needs_interrupt(&q), "no NO_INTERRUPT flag: interrupt");
	*(uint16_t *)gp(AVAIL) = htole16(VIRTQ_AVAIL_F_NO_INTERRUPT);
	ok(!virtq_needs_interrupt(&q), "NO_INTERRUPT: none");

	/* A good indirect chain. */
	fresh(&q, 8);
	set_desc(DESC, 2, DATA + 0x1000, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DATA + 0x1000, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DATA + 0x1000, 2, DATA + 0x100, 32, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DATA + 0x1000, 1, DATA + 0x200, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(&q, 2);
	ok(virtq_pop(&q, &c) == 1 && c.head == 2 && c.nr_out == 2 && c.nr_in == 1 &&
	   c.out_bytes == 48 && c.in_bytes == 1, "an indirect chain of three");

	/* Item 2: every index inside the table. */
	fresh(&q, 8);
	offer(&q, 8);
	refused(&q, "head index 8 in a queue of 8");
	fresh(&q, 8);
	set_desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 200);
	offer(&q, 0);
	refused(&q, "next index 200");
	/* Item 3: no endless chains. */
	fresh(&q, 8);
	set_desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(&q, 0);
	refused(&q, "a cycle of two descriptors");
	fresh(&q, 8);
	set_desc(DESC, 0, DATA + 0x1000, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DATA + 0x1000, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DATA + 0x1000, 1, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(&q, 0);
	refused(&q, "a cycle inside an indirect table");
	/* Item 4: indirect tables. */
	fresh(&q, 8);
	set_desc(DESC, 0, DATA + 0x1000, 24, VIRTQ_DESC_F_INDIRECT, 0);
	offer(&q, 0);
	refused(&q, "an indirect table of 24 bytes");
	fresh(&q, 8);
	set_desc(DESC, 0, DATA + 0x1000, 9 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(&q, 0);
	refused(&q, "an indirect table longer than the queue");
	fresh(&q, 8);
	set_desc(DESC, 0, DATA + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DATA + 0x1000, 0, DATA + 0x2000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(&q, 0);
	refused(&q, "an indirect table inside an indirect table");
	fresh(&q, 8);
	set_desc(DESC, 0, DATA + 0x1000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	offer(&q, 0);
	refused(&q, "INDIRECT with NEXT");
	fresh(&q, 8);
	set_desc(DESC, 0, RAM + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(&q, 0);
	refused(&q, "an indirect table running out of RAM");
	/* Item 5: buffers inside one RAM region, never elsewhere. */
	fresh(&q, 8);
	set_desc(DESC, 0, 0x1000000, 16, 0, 0);
	offer(&q, 0);
	refused(&q, "a buffer in MMIO space");
	fresh(&q, 8);
	set_desc(DESC, 0, RAM + RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(&q, 0);
	refused(&q, "a writable buffer running past the end of RAM");
	fresh(&q, 8);
	set_desc(DESC, 0, UINT64_MAX - 8, 32, 0, 0);
	offer(&q, 0);
	refused(&q, "a buffer whose end wraps around");
	/* Item 6: a bounded chain. */
	fresh(&q, 8);
	for (uint16_t i = 0; i < 5; i++)
		set_desc(DESC, i, DATA, 0xffffffff, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	offer(&q, 0);
	refused(&q, "4 GiB buffers (outside RAM, and beyond any chain bound)");
	fresh(&q, 128);
	for (uint16_t i = 0; i < 70; i++)	/* the same 1 MiB again and again */
		set_desc(DESC, i, RAM, (uint32_t)RAM_SIZE, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	offer(&q, 0);
	refused(&q, "a chain naming more than 64 MiB in all");
	/* Item 7: readable before writable. */
	fresh(&q, 8);
	set_desc(DESC, 0, DATA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, DATA, 16, 0, 0);
	offer(&q, 0);
	refused(&q, "a readable buffer after a writable one");
	/* Item 8: the avail index cannot run ahead by more than the queue. */
	fresh(&q, 8);
	*(uint16_t *)gp(AVAIL + 2) = htole16(9);
	refused(&q, "avail index 9 ahead in a queue of 8");
	/* Item 9: no more in flight than the queue holds. */
	fresh(&q, 4);
	set_desc(DESC, 0, DATA, 16, 0, 0);
	for (int i = 0; i < 4; i++) {
		offer(&q, 0);
		virtq_pop(&q, &c);
	}
	ok(q.inflight == 4 && !q.broken, "4 in flight in a queue of 4");
	offer(&q, 0);
	refused(&q, "a fifth request in flight (the driver reused a head)");

	/* After a reset a broken queue can be set up again. */
	fresh(&q, 8);
	ok(!q.broken && q.enabled && virtq_pop(&q, &c) == 0, "reset: usable again");
	test_event_idx(&q, &c);
	guest_mem_free(&mem);
	return tap_done();
}
