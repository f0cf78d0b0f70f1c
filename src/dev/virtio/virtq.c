// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues against a hostile driver (virtq.h). Ring layouts are
 * the spec's (2.7.5 - 2.7.8), little-endian; a field the guest may change
 * at any time is read exactly once, into a local, and checked there.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kvmini/mem.h>
#include <kvmini/virtq.h>

#define DESC_BYTES 16
#define AVAIL_RING 4		/* flags, idx, then ring[] */
#define USED_RING 4
#define USED_ELEM_BYTES 8

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* A guest-shared field, read once (no tearing, no re-read by the compiler). */
static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void virtq_desc_read(const uint8_t *table, uint16_t i, struct virtq_desc *d)
{
	uint8_t raw[DESC_BYTES];

	memcpy(raw, table + (size_t)i * DESC_BYTES, sizeof(raw));
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static int __printf(2, 3) virtq_broken(struct virtq *q, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_ratelimited(&q->rl, LOG_ERR, "vm", "%s: the driver broke the virtqueue: %s; "
			"the device needs a reset", q->name, what);
	q->broken = true;
	return -EBADMSG;
}

int virtq_enable(struct virtq *q, const struct guest_mem *mem, uint16_t max)
{
	uint64_t size = q->size;

	q->mem = mem;
	q->broken = false;
	q->enabled = false;
	if (!size || size > max || (size & (size - 1))) {
		virtq_broken(q, "queue size %u is not a power of two up to %u", q->size, max);
		return -EINVAL;
	}
	if (q->desc_gpa % 16 || q->avail_gpa % 2 || q->used_gpa % 4) {
		virtq_broken(q, "rings misaligned (descriptors 0x%" PRIx64 ", avail 0x%" PRIx64
			     ", used 0x%" PRIx64 ")", q->desc_gpa, q->avail_gpa, q->used_gpa);
		return -EINVAL;
	}
	q->desc = guest_mem_ptr(mem, q->desc_gpa, size * DESC_BYTES);
	q->avail = guest_mem_ptr(mem, q->avail_gpa, AVAIL_RING + 2 * size + 2);
	q->used = guest_mem_ptr(mem, q->used_gpa, USED_RING + USED_ELEM_BYTES * size + 2);
	if (!q->desc || !q->avail || !q->used) {
		virtq_broken(q, "a ring lies outside guest RAM (descriptors 0x%" PRIx64 ", avail 0x%"
			     PRIx64 ", used 0x%" PRIx64 ")", q->desc_gpa, q->avail_gpa, q->used_gpa);
		return -EINVAL;
	}
	q->last_avail = q->used_idx = 0;
	q->inflight = 0;
	q->notify_off = false;
	q->signalled_valid = false;
	q->enabled = true;
	return 0;
}

/* The driver's used_event (after the avail ring) and our avail_event (after the used ring). */
static uint8_t *used_event(const struct virtq *q)
{
	return q->avail + AVAIL_RING + 2 * (size_t)q->size;
}

static uint8_t *avail_event(const struct virtq *q)
{
	return q->used + USED_RING + USED_ELEM_BYTES * (size_t)q->size;
}

/* The entries the driver made available that this side has not taken. */
static uint16_t avail_pending(const struct virtq *q)
{
	uint16_t avail_idx = load16(q->avail + 2);

	/* The ring entries the index covers are read after it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (uint16_t)(avail_idx - q->last_avail);
}

bool virtq_has_work(const struct virtq *q)
{
	return virtq_waiting(q) != 0;
}

unsigned int virtq_waiting(const struct virtq *q)
{
	return q->enabled && !q->broken ? avail_pending(q) : 0;
}

void virtq_notify_off(struct virtq *q)
{
	if (!q->enabled || q->notify_off)
		return;
	q->notify_off = true;
	/* With event_idx, avail_event simply stays where it is (virtq_pop). */
	if (!q->event_idx)
		store16(q->used, VIRTQ_USED_F_NO_NOTIFY);
}

void virtq_notify_on(struct virtq *q)
{
	if (!q->enabled)
		return;
	q->notify_off = false;
	if (!q->event_idx)
		store16(q->used, 0);
	/* The flag before the caller's next look at the avail index. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void virtq_reset(struct virtq *q)
{
	const char *name = q->name;

	memset(q, 0, sizeof(*q));
	q->name = name;
}

/* Append one buffer to the chain: inside one RAM region, readable ones first. */
static int virtq_chain_add(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *d)
{
	void *p;

	if (d->len == 0)
		return 0;
	p = guest_mem_ptr(q->mem, d->addr, d->len);
	if (!p)
		return virtq_broken(q, "a buffer at 0x%" PRIx64 " of %u bytes is "
				    "not inside guest RAM", d->addr, d->len);
	if (!(d->flags & VIRTQ_DESC_F_WRITE) && c->nr_in)
		return virtq_broken(q, "a device-readable buffer at 0x%" PRIx64 " follows "
				    "a writable one (%u writable so far)", d->addr, c->nr_in);
	if (c->out_bytes + c->in_bytes + d->len > VIRTQ_MAX_CHAIN_BYTES)
		return virtq_broken(q, "a chain of more than %llu bytes (at 0x%" PRIx64 ")",
				    VIRTQ_MAX_CHAIN_BYTES, d->addr);
	c->iov[c->nr_out + c->nr_in] = (struct iovec){ .iov_base = p, .iov_len = d->len };
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->nr_in++;
		c->in_bytes += d->len;
	} else {
		c->nr_out++;
		c->out_bytes += d->len;
	}
	return 0;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	const uint8_t *table;
	uint16_t pending, idx, table_size;
	unsigned int hops = 0;
	bool indirect = false;
	int ret;

	if (!q->enabled || q->broken)
		return q->broken ? -EBADMSG : 0;
	pending = avail_pending(q);
	if (!pending && q->event_idx && !q->notify_off) {
		/*
		 * Ask for a notification at the next entry, then look again: the
		 * driver may have added one before it could see the request.
		 */
		store16(avail_event(q), q->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		pending = avail_pending(q);
	}
	if (!pending)
		return 0;
	if (pending > q->size)
		return virtq_broken(q, "the avail index moved %u entries past what the "
				    "device took, more than the %u the queue holds",
				    pending, q->size);
	if (q->inflight >= q->size)
		return virtq_broken(q, "%u requests in flight, the queue holds %u",
				    q->inflight + 1, q->size);
	memset(c, 0, offsetof(struct virtq_chain, iov));
	idx = c->head = load16(q->avail + AVAIL_RING + 2 * (q->last_avail % q->size));
	table = q->desc;
	table_size = q->size;
	for (;;) {
		struct virtq_desc d;

		if (idx >= table_size)
			return virtq_broken(q, "descriptor index %u beyond a table of %u",
					    idx, table_size);
		/* A cycle, or a chain longer than the queue: both end here. */
		if (++hops > q->size)
			return virtq_broken(q, "a chain of more than %u descriptors (head %u)",
					    q->size, c->head);
		virtq_desc_read(table, idx, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (indirect || d.flags & VIRTQ_DESC_F_NEXT)
				return virtq_broken(q, "an indirect descriptor inside an indirect "
						    "table or with NEXT set (flags 0x%x, head %u)",
						    d.flags, c->head);
			if (!d.len || d.len % DESC_BYTES || d.len > (uint32_t)q->size * DESC_BYTES)
				return virtq_broken(q, "an indirect table of %u bytes (a multiple "
						    "of 16, at most %u)", d.len,
						    (uint32_t)q->size * DESC_BYTES);
			table = guest_mem_ptr(q->mem, d.addr, d.len);
			if (!table)
				return virtq_broken(q, "an indirect table at 0x%" PRIx64 " of %u "
						    "bytes outside guest RAM", d.addr, d.len);
			indirect = true;
			table_size = (uint16_t)(d.len / DESC_BYTES);
			idx = 0;
			continue;
		}
		ret = virtq_chain_add(q, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	q->last_avail++;
	q->inflight++;
	return 1;
}

void virtq_unpop(struct virtq *q)
{
	/* With more in flight the last popped may not be the one given back. */
	if (!q->enabled || q->inflight != 1)
		return;
	q->last_avail--;
	q->inflight--;
}

void virtq_push(struct virtq *q, const struct virtq_chain *c, uint32_t written)
{
	uint32_t id = htole32(c->head), len = htole32(written);
	uint8_t *elem;

	if (!q->enabled || !q->inflight)
		return;
	elem = q->used + USED_RING + USED_ELEM_BYTES * (q->used_idx % q->size);
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &len, 4);
	/* The element before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	store16(q->used + 2, q->used_idx);
	q->inflight--;
}

bool virtq_needs_interrupt(struct virtq *q)
{
	uint16_t old = q->signalled_used, event;
	bool valid = q->signalled_valid;

	if (!q->enabled)
		return false;
	/* The driver's flags or used_event are read after our used index is visible. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	event = load16(used_event(q));
	/* used_event among the entries pushed since the last decision (2.7.10). */
	return !valid || (uint16_t)(q->used_idx - event - 1) < (uint16_t)(q->used_idx - old);
}

/* Copy between the iovecs [first, first + n) from byte offset and buf. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, uint64_t offset, void *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, chunk;

		if (offset >= seg) {
			offset -= seg;
			continue;
		}
		chunk = seg - offset < len - done ? seg - offset : len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + offset, (uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + offset, chunk);
		done += chunk;
		offset = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, uint64_t offset, void *buf, size_t len)
{
	return iov_copy(c->iov, c->nr_out, offset, buf, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, uint64_t offset, const void *buf,
			 size_t len)
{
	return iov_copy(c->iov + c->nr_out, c->nr_in, offset, (void *)buf, len, true);
}
