/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A split virtqueue (virtio 1.x, 2.7) seen from the device side, written
 * for a hostile driver: every index, length and address the guest wrote is
 * checked before use, each ring field is read once, and a queue the guest
 * corrupts is marked broken - the device then asks for a reset - instead
 * of ever reading or writing outside the request's buffers. Pure: unit
 * tests drive it against fake guest memory, and a fuzzer against random
 * rings (the hardening checklist of kvm-facts.md, items 2-9).
 */
#ifndef KVMINI_VIRTQ_H
#define KVMINI_VIRTQ_H

#include <sys/uio.h>

#include <kvmini/compiler.h>
#include <kvmini/log.h>

struct guest_mem;

#define VIRTQ_MAX_SIZE 256	/* the largest queue kvmini offers */
/* A chain may not name more bytes than this (a bound, not a real need). */
#define VIRTQ_MAX_CHAIN_BYTES (64ULL << 20)

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq {
	const char *name;		/* "virtio-blk@a000000 queue 0", for messages */
	const struct guest_mem *mem;
	uint16_t size;			/* power of two, <= VIRTQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* Host views of the rings, checked once when the queue is enabled. */
	uint8_t *desc, *avail, *used;
	bool enabled;
	bool broken;			/* the driver broke the rules: no more work */
	/*
	 * VIRTIO_RING_F_EVENT_IDX negotiated (set before virtq_enable()): the
	 * driver's used_event says when it wants an interrupt, and this side's
	 * avail_event when it wants a notification (spec 2.7.7, 2.7.10).
	 */
	bool event_idx;
	uint16_t signalled_used;	/* used_idx at the last interrupt decision ... */
	bool signalled_valid;		/* ... if there was one since enable */
	uint16_t last_avail;		/* the next avail entry to take */
	uint16_t used_idx;		/* what this side last published */
	unsigned int inflight;		/* popped, not yet pushed */
	/*
	 * The device polls the avail ring and wants no notifications: pops
	 * leave avail_event behind (event_idx), or the used ring's flags say
	 * NO_NOTIFY. Until virtq_notify_on().
	 */
	bool notify_off;
	struct ratelimit rl;
};

/* A descriptor chain popped from the avail ring, as host buffers. */
struct virtq_chain {
	uint16_t head;
	unsigned int nr_out;		/* device-readable segments first ... */
	unsigned int nr_in;		/* ... then device-writable ones */
	uint64_t out_bytes, in_bytes;
	struct iovec iov[VIRTQ_MAX_SIZE];
};

/*
 * Enable q with the ring addresses and size the driver wrote: -EINVAL
 * (logged) when the size is not a power of two within max or a ring is
 * misaligned or not wholly inside guest RAM.
 */
int __must_check virtq_enable(struct virtq *q, const struct guest_mem *mem, uint16_t max);
void virtq_reset(struct virtq *q);
/*
 * Take the next chain: 1 with *c filled, 0 when the avail ring is empty,
 * -EBADMSG when the driver broke a rule (logged, q->broken set). With
 * event_idx, finding the ring empty asks the driver to notify for the
 * next entry it adds (and looks once more, for one added meanwhile).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/*
 * Give back the only chain in flight, not marked used: the next pop takes
 * it again. Nothing is done when more than one chain is in flight.
 */
void virtq_unpop(struct virtq *q);
/* Entries to pop (the device may poll this, cheaply, instead of waiting for a notification). */
bool virtq_has_work(const struct virtq *q);
/*
 * How many entries the driver's index says wait to be popped (0 on a
 * disabled or broken queue): more than the ring holds when the index is
 * bad, which the next pop reports.
 */
unsigned int virtq_waiting(const struct virtq *q);
/*
 * Notifications off while the device polls; on again after - then pop
 * once more (an entry added before the driver saw notifications wanted
 * is found that way, as virtq_pop re-checks). On is idempotent: a loaded
 * queue is put so whatever the saved device did.
 */
void virtq_notify_off(struct virtq *q);
void virtq_notify_on(struct virtq *q);
/* Return a chain with the bytes written into its writable buffers. */
void virtq_push(struct virtq *q, const struct virtq_chain *c, uint32_t written);
/*
 * Whether the driver wants an interrupt for what was pushed since the
 * last call (with event_idx: whether used_event lies in what was pushed).
 */
bool virtq_needs_interrupt(struct virtq *q);
/* Copy len bytes out of / into the chain's readable / writable buffers from offset. */
size_t virtq_chain_read(const struct virtq_chain *c, uint64_t offset, void *buf, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, uint64_t offset, const void *buf, size_t len);

#endif
