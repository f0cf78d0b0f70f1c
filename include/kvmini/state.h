/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device's state as bytes, for snapshots: fixed-width little-endian
 * fields written in order and read back in the same order. Errors latch:
 * a run of puts or gets needs one check at the end. A state being read is
 * input, not trusted memory: reading past its end or leaving bytes unread
 * is an error, never undefined behaviour.
 */
#ifndef KVMINI_STATE_H
#define KVMINI_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <kvmini/compiler.h>

struct state_buf {
	uint8_t *data;
	size_t len;		/* bytes held */
	size_t cap;		/* bytes allocated; 0 for a buffer being read */
	size_t pos;		/* next byte to read */
	/*
	 * First error: -ENOMEM (put), -EBADMSG (get), -EINVAL (a put into
	 * a buffer being read, whose bytes are borrowed).
	 */
	int err;
};

/* An empty buffer to write into. */
void state_init(struct state_buf *s);
/* Read len bytes at data (not copied, not freed by state_free()). */
void state_init_read(struct state_buf *s, const void *data, size_t len);
void state_free(struct state_buf *s);

void state_put_u8(struct state_buf *s, uint8_t v);
void state_put_u16(struct state_buf *s, uint16_t v);
void state_put_u32(struct state_buf *s, uint32_t v);
void state_put_u64(struct state_buf *s, uint64_t v);
void state_put_bytes(struct state_buf *s, const void *p, size_t n);

/*
 * Past the end: 0 (or zeroed bytes) and s->err = -EBADMSG. Once s->err is
 * set every get returns 0 / zeroes. state_get_bytes() zeroes all n bytes
 * at p on failure, so p must hold n bytes even then.
 */
uint8_t state_get_u8(struct state_buf *s);
uint16_t state_get_u16(struct state_buf *s);
uint32_t state_get_u32(struct state_buf *s);
uint64_t state_get_u64(struct state_buf *s);
void state_get_bytes(struct state_buf *s, void *p, size_t n);

/* After the last put: 0 or -ENOMEM (-EINVAL: put into a buffer being read). */
int __must_check state_write_done(const struct state_buf *s);
/* After the last get: 0, or -EBADMSG if a get ran short or bytes are left. */
int __must_check state_read_done(const struct state_buf *s);

#endif
