// SPDX-License-Identifier: GPL-2.0-only
/* Device state as little-endian bytes: a growable writer and a checked reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/state.h>

/* Big enough for most devices' state in one allocation. */
#define STATE_INITIAL_CAP 64

/* Errors latch: the first one is what the caller needs to see. */
static void state_fail(struct state_buf *s, int err)
{
	if (!s->err)
		s->err = err;
}

void state_init(struct state_buf *s)
{
	memset(s, 0, sizeof(*s));
}

void state_init_read(struct state_buf *s, const void *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	/*
	 * The struct has one data pointer for both directions; cap == 0 is
	 * what marks the bytes as borrowed, so they are never written,
	 * grown or freed here.
	 */
	s->data = (uint8_t *)data;
	s->len = len;
}

void state_free(struct state_buf *s)
{
	if (s->cap)
		free(s->data);
	/* Reset to an empty writer: reusable, and a second free is harmless. */
	memset(s, 0, sizeof(*s));
}

/*
 * Room for n more bytes at s->data + s->len, or NULL with s->err set.
 * Every size is checked before it is computed, so a huge n can only fail.
 */
static uint8_t *state_reserve(struct state_buf *s, size_t n)
{
	size_t need, cap;
	uint8_t *data;

	if (s->err)
		return NULL;
	/*
	 * cap == 0 with data set: a buffer being read. Growing it would
	 * realloc() memory that belongs to someone else.
	 */
	if (!s->cap && s->data) {
		state_fail(s, -EINVAL);
		return NULL;
	}
	/*
	 * No object may exceed PTRDIFF_MAX bytes (malloc refuses them), so
	 * fail bigger sizes here, before len + n can wrap and without
	 * asking realloc() for the impossible.
	 */
	if (n > PTRDIFF_MAX - s->len) {
		state_fail(s, -ENOMEM);
		return NULL;
	}
	need = s->len + n;
	if (need > s->cap) {
		/* Doubling keeps a long run of small puts linear overall. */
		cap = s->cap ? s->cap : STATE_INITIAL_CAP;
		while (cap < need)
			cap = cap > PTRDIFF_MAX / 2 ? need : cap * 2;
		data = realloc(s->data, cap);
		if (!data) {
			/* s->data is untouched and still ours: state_free() frees it. */
			state_fail(s, -ENOMEM);
			return NULL;
		}
		s->data = data;
		s->cap = cap;
	}
	data = s->data + s->len;
	s->len = need;
	return data;
}

/* Byte by byte: the layout is little-endian whatever the host's order. */
static void state_put_le(struct state_buf *s, uint64_t v, unsigned int width)
{
	uint8_t *p = state_reserve(s, width);

	if (!p)
		return;
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void state_put_u8(struct state_buf *s, uint8_t v)
{
	state_put_le(s, v, 1);
}

void state_put_u16(struct state_buf *s, uint16_t v)
{
	state_put_le(s, v, 2);
}

void state_put_u32(struct state_buf *s, uint32_t v)
{
	state_put_le(s, v, 4);
}

void state_put_u64(struct state_buf *s, uint64_t v)
{
	state_put_le(s, v, 8);
}

void state_put_bytes(struct state_buf *s, const void *p, size_t n)
{
	uint8_t *dst;

	/* Nothing to copy; also keeps memcpy() away from a NULL p. */
	if (!n)
		return;
	dst = state_reserve(s, n);
	if (dst)
		memcpy(dst, p, n);
}

/*
 * The next n unread bytes, or NULL with s->err set. Compared as
 * n > len - pos (pos never exceeds len), never as pos + n, which a huge
 * n from untrusted input would wrap past the check.
 */
static const uint8_t *state_take(struct state_buf *s, size_t n)
{
	const uint8_t *p;

	if (s->err)
		return NULL;
	if (n > s->len - s->pos) {
		state_fail(s, -EBADMSG);
		return NULL;
	}
	p = s->data + s->pos;
	s->pos += n;
	return p;
}

static uint64_t state_get_le(struct state_buf *s, unsigned int width)
{
	const uint8_t *p = state_take(s, width);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (unsigned int i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t state_get_u8(struct state_buf *s)
{
	return (uint8_t)state_get_le(s, 1);
}

uint16_t state_get_u16(struct state_buf *s)
{
	return (uint16_t)state_get_le(s, 2);
}

uint32_t state_get_u32(struct state_buf *s)
{
	return (uint32_t)state_get_le(s, 4);
}

uint64_t state_get_u64(struct state_buf *s)
{
	return state_get_le(s, 8);
}

void state_get_bytes(struct state_buf *s, void *p, size_t n)
{
	const uint8_t *src;

	if (!n)
		return;
	src = state_take(s, n);
	/*
	 * Zeroed on failure so a caller that checks only at the end never
	 * acts on whatever its buffer held before. p holds n bytes: that
	 * is the caller's side of the contract, as for memcpy().
	 */
	if (src)
		memcpy(p, src, n);
	else
		memset(p, 0, n);
}

int state_write_done(const struct state_buf *s)
{
	return s->err;
}

int state_read_done(const struct state_buf *s)
{
	/* Leftover bytes mean reader and writer disagree on the layout. */
	if (s->err || s->pos != s->len)
		return -EBADMSG;
	return 0;
}
