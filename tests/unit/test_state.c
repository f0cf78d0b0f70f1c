// SPDX-License-Identifier: GPL-2.0-only
/* Device state bytes: exact little-endian layout, latched errors, no overflow on bad input. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <kvmini/state.h>

#include "tap.h"

static void test_layout(void)
{
	static const uint8_t want[] = {
		0xa5,
		0x34, 0x12,
		0x44, 0x33, 0x22, 0x11,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		'a', 'b', 'c',
	};
	struct state_buf w, r;
	uint8_t bytes[3];

	state_init(&w);
	state_put_u8(&w, 0xa5);
	state_put_u16(&w, 0x1234);
	state_put_u32(&w, 0x11223344);
	state_put_u64(&w, 0x1122334455667788ULL);
	state_put_bytes(&w, "abc", 3);
	state_put_bytes(&w, NULL, 0);
	ok(state_write_done(&w) == 0, "puts succeed");
	ok(w.len == sizeof(want), "length is the sum of the field widths (%zu)", w.len);
	ok(w.len == sizeof(want) && !memcmp(w.data, want, sizeof(want)),
	   "bytes are little-endian, in put order");

	state_init_read(&r, w.data, w.len);
	ok(r.cap == 0, "a buffer being read has cap 0");
	ok(state_get_u8(&r) == 0xa5, "u8 round trip");
	ok(state_get_u16(&r) == 0x1234, "u16 round trip");
	ok(state_get_u32(&r) == 0x11223344, "u32 round trip");
	ok(state_get_u64(&r) == 0x1122334455667788ULL, "u64 round trip");
	state_get_bytes(&r, bytes, 3);
	ok(!memcmp(bytes, "abc", 3), "bytes round trip");
	state_get_bytes(&r, NULL, 0);
	ok(state_read_done(&r) == 0, "everything read: read_done is 0");
	/* Must not free w.data: the writer still owns it (valgrind checks). */
	state_free(&r);
	ok(r.data == NULL && r.len == 0, "state_free resets a read buffer");

	state_free(&w);
	ok(w.data == NULL && w.len == 0 && w.cap == 0 && w.err == 0,
	   "state_free resets a write buffer");
	state_free(&w);
	ok(w.data == NULL, "a second state_free is harmless");
}

/* The exact layout from known bytes, not only from our own writer. */
static void test_decode_known_bytes(void)
{
	static const uint8_t in[] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0xfe, 0xff, 0x80, 0x00, 0x00, 0x00,
	};
	struct state_buf r;

	state_init_read(&r, in, sizeof(in));
	ok(state_get_u64(&r) == 0x0807060504030201ULL, "u64 decodes LSB first");
	ok(state_get_u16(&r) == 0xfffe, "u16 decodes LSB first");
	ok(state_get_u32(&r) == 0x00000080, "u32 decodes LSB first");
	ok(state_read_done(&r) == 0, "read exactly");
}

static void test_short_read(void)
{
	static const uint8_t in[] = { 0x11, 0x22, 0x33 };
	struct state_buf r;
	uint8_t bytes[4];

	state_init_read(&r, in, sizeof(in));
	ok(state_get_u16(&r) == 0x2211, "u16 before the end");
	ok(state_get_u32(&r) == 0, "u32 past the end reads 0");
	ok(r.err == -EBADMSG, "err latched as -EBADMSG");
	ok(r.pos == 2, "a failed get consumes nothing");
	ok(state_get_u8(&r) == 0, "after an error, a get that would fit still reads 0");
	memset(bytes, 0xcc, sizeof(bytes));
	state_get_bytes(&r, bytes, sizeof(bytes));
	ok(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0,
	   "after an error, get_bytes zero-fills");
	ok(state_read_done(&r) == -EBADMSG, "read_done reports the short read");

	state_init_read(&r, in, sizeof(in));
	memset(bytes, 0xcc, sizeof(bytes));
	state_get_bytes(&r, bytes, sizeof(bytes));
	ok(bytes[0] == 0 && bytes[3] == 0, "get_bytes past the end zero-fills");
	ok(state_read_done(&r) == -EBADMSG, "get_bytes past the end: -EBADMSG");

	state_init_read(&r, NULL, 0);
	ok(state_get_u64(&r) == 0 && state_read_done(&r) == -EBADMSG,
	   "an empty state reads as short");
}

static void test_leftover(void)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5 };
	struct state_buf r;

	state_init_read(&r, in, sizeof(in));
	ok(state_get_u32(&r) == 0x04030201, "read the first four bytes");
	ok(r.err == 0, "no error yet");
	ok(state_read_done(&r) == -EBADMSG, "one byte left over: -EBADMSG");
	ok(state_get_u8(&r) == 5 && state_read_done(&r) == 0,
	   "reading the last byte makes it complete");
}

static void test_huge_lengths(void)
{
	static const uint8_t in[] = { 1, 2, 3, 4 };
	struct state_buf r, w;
	uint8_t one = 0x5a;

	/*
	 * No SIZE_MAX get here: a failed get_bytes zero-fills its n bytes
	 * (the header's contract), so no real buffer can take SIZE_MAX.
	 * The put side has no such step and is tested with SIZE_MAX below.
	 */
	state_init_read(&r, in, sizeof(in));
	ok(state_get_u8(&r) == 1, "pos moved off 0");
	ok(state_get_u32(&r) == 0 && r.err == -EBADMSG,
	   "a u32 at pos 1 of 4 runs short");

	state_init(&w);
	state_put_u8(&w, 1);
	/* Must fail on len + n overflowing, without reading p. */
	state_put_bytes(&w, &one, SIZE_MAX);
	ok(state_write_done(&w) == -ENOMEM, "put_bytes(SIZE_MAX) fails with -ENOMEM");
	ok(w.len == 1, "the failed put added nothing");
	state_put_bytes(&w, &one, SIZE_MAX - 1);
	ok(w.len == 1 && w.err == -ENOMEM,
	   "after the error, puts do nothing and the first error stays");
	state_put_u32(&w, 7);
	ok(w.len == 1, "after the error, a small put does nothing either");
	state_free(&w);

	/* len + n fits in a size_t, but no object can be that big. */
	state_init(&w);
	state_put_u8(&w, 1);
	state_put_bytes(&w, &one, SIZE_MAX - 1);
	ok(state_write_done(&w) == -ENOMEM, "put_bytes(SIZE_MAX - len) fails with -ENOMEM");
	state_free(&w);
	state_init(&w);
	state_put_u8(&w, 1);
	state_put_bytes(&w, &one, PTRDIFF_MAX);
	ok(state_write_done(&w) == -ENOMEM && w.len == 1,
	   "put_bytes(PTRDIFF_MAX) past a byte fails with -ENOMEM");
	state_free(&w);
}

static void test_put_into_read_buffer(void)
{
	uint8_t in[] = { 9, 8, 7 };
	struct state_buf r;

	state_init_read(&r, in, sizeof(in));
	state_put_u8(&r, 1);
	ok(r.err != 0 && r.len == 3 && in[0] == 9,
	   "a put into a buffer being read fails and writes nothing");
	state_free(&r);
}

static void test_growth(void)
{
	enum { N = 10000 };
	struct state_buf w, r;
	bool same = true;
	size_t i;

	state_init(&w);
	for (i = 0; i < N; i++)
		state_put_u64(&w, i * 0x9e3779b97f4a7c15ULL);
	ok(state_write_done(&w) == 0, "%d u64 puts succeed", N);
	ok(w.len == N * 8, "length %zu", w.len);
	ok(w.cap >= w.len, "capacity %zu covers the length", w.cap);
	ok(w.data[8] == 0x15 && w.data[15] == 0x9e, "second value stored LSB first");

	state_init_read(&r, w.data, w.len);
	for (i = 0; i < N; i++)
		if (state_get_u64(&r) != i * 0x9e3779b97f4a7c15ULL)
			same = false;
	ok(same, "all %d values read back", N);
	ok(state_read_done(&r) == 0, "read_done after the last");
	state_free(&w);
}

int main(void)
{
	test_layout();
	test_decode_known_bytes();
	test_short_read();
	test_leftover();
	test_huge_lengths();
	test_put_into_read_buffer();
	test_growth();
	return tap_done();
}
