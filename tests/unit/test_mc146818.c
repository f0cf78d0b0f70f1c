// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MC146818 CMOS RTC as a guest drives it through its two ports: the
 * date follows the host's clock in BCD and binary, 24 and 12 hours; a
 * date set under SET may pass through days that do not exist; bad bytes
 * and impossible dates are refused; the alarm, update and periodic
 * interrupts fire through the event loop and register C clears them;
 * UIP rises before an update; a reset keeps the date and RAM; saved state
 * round-trips and malformed state is refused without a change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/mc146818.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

#include "tap.h"

static struct vm vm;

static uint8_t rd(struct device *d, uint8_t reg)
{
	uint8_t v = 0;

	d->ops->write(d, 0, 0, &reg, 1);
	d->ops->read(d, 0, 1, &v, 1);
	return v;
}

static void wr(struct device *d, uint8_t reg, uint8_t v)
{
	d->ops->write(d, 0, 0, &reg, 1);
	d->ops->write(d, 0, 1, &v, 1);
}

static int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* The date the registers show (BCD, 24 hours), as seconds since 1970. */
static long long rtc_time(struct device *d)
{
	struct tm tm = { .tm_sec = bcd(rd(d, 0)), .tm_min = bcd(rd(d, 2)),
			 .tm_hour = bcd(rd(d, 4)), .tm_mday = bcd(rd(d, 7)),
			 .tm_mon = bcd(rd(d, 8)) - 1,
			 .tm_year = bcd(rd(d, 0x32)) * 100 + bcd(rd(d, 9)) - 1900 };

	return (long long)timegm(&tm);
}

static bool near(long long t, long long want)
{
	return t >= want - 1 && t <= want + 1;
}

/* Under SET, as Linux's mc146818_set_time(): seconds first, the year last. */
static void set_date(struct device *d, int year, int mon, int mday, int hour, int min, int sec)
{
	uint8_t b = rd(d, 0x0b);

	wr(d, 0x0b, b | 0x80);
	wr(d, 0x00, (uint8_t)(sec / 10 << 4 | sec % 10));
	wr(d, 0x02, (uint8_t)(min / 10 << 4 | min % 10));
	wr(d, 0x04, (uint8_t)(hour / 10 << 4 | hour % 10));
	wr(d, 0x07, (uint8_t)(mday / 10 << 4 | mday % 10));
	wr(d, 0x08, (uint8_t)(mon / 10 << 4 | mon % 10));
	wr(d, 0x09, (uint8_t)(year % 100 / 10 << 4 | year % 10));
	wr(d, 0x32, (uint8_t)(year / 1000 << 4 | year / 100 % 10));
	wr(d, 0x0b, b & 0x7f);
}

static long long utc(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = { .tm_sec = sec, .tm_min = min, .tm_hour = hour, .tm_mday = mday,
			 .tm_mon = mon - 1, .tm_year = year - 1900 };

	return (long long)timegm(&tm);
}

static void test_date(struct device *d)
{
	long long shift;

	ok(rd(d, 0x0a) == 0x26 && rd(d, 0x0b) == 0x02 && rd(d, 0x0d) == 0x80,
	   "power-on: A 0x26 (32 kHz, 1024 Hz), B 0x02 (BCD, 24 hours), D VRT");
	ok(near(rtc_time(d), time(NULL)), "the date is the host's, in BCD, century at 0x32");

	set_date(d, 2031, 3, 31, 13, 5, 7);
	shift = utc(2031, 3, 31, 13, 5, 7) - time(NULL);
	ok(near(rtc_time(d), time(NULL) + shift) && rd(d, 6) == 2,
	   "set under SET through 31 February: 2031-03-31 13:05:07, a Monday");
	wr(d, 0x0b, 0x06);
	ok(rd(d, 4) == 13 && rd(d, 8) == 3 && rd(d, 9) == 31 && rd(d, 0x32) == 20,
	   "binary mode: 13 h, month 3, year 31, century 20");
	wr(d, 0x0b, 0x00);
	ok(rd(d, 4) == 0x81, "12-hour BCD: 1 PM reads 0x81");
	wr(d, 0x0b, 0x80);
	wr(d, 0x04, 0x12);
	wr(d, 0x0b, 0x00);
	ok(rd(d, 4) == 0x12, "12-hour BCD: 0x12 written is 12 AM, and reads back");
	wr(d, 0x0b, 0x02);
	ok(rd(d, 4) == 0x00 && rd(d, 7) == 0x31, "12 AM is hour 0 in 24-hour mode, the same day");
	wr(d, 0x06, 0x05);
	ok(rd(d, 6) == 2, "the weekday follows the date: a write is ignored");

	set_date(d, 2031, 2, 30, 10, 0, 0);
	ok(rd(d, 8) == 0x03 && rd(d, 7) == 0x31, "2031-02-30 is no date: refused, the clock kept");
	wr(d, 0x02, 0x5a);
	wr(d, 0x04, 0x24);
	ok(rd(d, 2) != 0x5a && rd(d, 4) == 0x00, "a non-BCD minute and hour 24: ignored");
	wr(d, 0x32, 0x21);
	ok(rd(d, 0x32) == 0x21 && rd(d, 9) == 0x31, "the century written while running: 2131");

	set_date(d, 2026, 12, 3, 0, 0, 0);
	wr(d, 0x0b, 0x86);	/* binary, under SET */
	wr(d, 0x07, 0);
	wr(d, 0x08, 13);
	wr(d, 0x0b, 0x06);
	ok(rd(d, 9) == 26 && rd(d, 8) == 12 && rd(d, 7) == 3, "binary: day 0 and month 13 refused");
	wr(d, 0x0b, 0x02);
	{
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		set_date(d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	}
	ok(near(rtc_time(d), time(NULL)), "set back to the host's time");
}

static void test_nvram(struct device *d)
{
	uint8_t idx = 0x80 | 0x40, v = 0x5a, w = 0;

	wr(d, 0x40, 0xa5);
	ok(rd(d, 0x40) == 0xa5 && rd(d, 0x7f) == 0, "NVRAM holds a byte");
	d->ops->write(d, 0, 0, &idx, 1);
	d->ops->read(d, 0, 1, &w, 1);
	ok(w == 0xa5, "bit 7 of the index (the NMI mask) is ignored");
	wr(d, 0x0c, 0xff);
	wr(d, 0x0d, 0x00);
	ok(rd(d, 0x0d) == 0x80 && (rd(d, 0x0c) & 0x0f) == 0, "C and D are read-only");
	d->ops->read(d, 0, 0, &w, 1);
	ok(w == 0xff, "the index port reads 0xff");
	{
		uint16_t h = 0;

		d->ops->read(d, 0, 1, &h, 2);
		d->ops->write(d, 0, 0, &v, 2);
		ok(h == 0xffff && rd(d, 0x40) == 0xa5, "a 2-byte access: reads 0xffff, writes ignored");
	}
}

/* Wait for the loop to serve one timer; false after timeout_ms. */
static bool served(int timeout_ms)
{
	return evloop_run_once(&vm.loop, timeout_ms) == 1;
}

static void test_interrupts(struct device *d)
{
	uint8_t c;
	time_t next;

	rd(d, 0x0c);
	ok(!d->irq.level && evloop_run_once(&vm.loop, 0) == 0, "no enables: no timer runs");

	/* The alarm two seconds on, minutes and hours "don't care". */
	next = time(NULL) + 2;
	wr(d, 0x01, (uint8_t)((next % 60) / 10 << 4 | (next % 60) % 10));
	wr(d, 0x03, 0xc0);
	wr(d, 0x05, 0xff);
	wr(d, 0x0b, 0x22);	/* AIE */
	for (int i = 0; i < 4 && !d->irq.level; i++)
		served(1500);
	c = rd(d, 0x0c);
	ok(c == (0x80 | 0x20 | 0x10), "the alarm fired: C reads IRQF|AF|UF (UF without UIE)");
	ok(!d->irq.level, "reading C lowered the line");
	ok(near(time(NULL), next), "at its second");

	wr(d, 0x0b, 0x12);	/* UIE */
	ok(served(1500) && d->irq.level, "UIE: the next update raises the line");
	c = rd(d, 0x0c);
	ok((c & 0xd0) == 0x90 && !d->irq.level, "C reads IRQF|UF; the line drops");

	wr(d, 0x0a, 0x2f);	/* rate 15: 2 Hz */
	wr(d, 0x0b, 0x42);	/* PIE */
	ok(served(1000) && d->irq.level && (rd(d, 0x0c) & 0xc0) == 0xc0 && !d->irq.level,
	   "PIE at rate 15: the periodic interrupt, PF|IRQF");
	wr(d, 0x0a, 0x00);
	ok(evloop_run_once(&vm.loop, 700) == 0, "rate 0: the periodic timer stops");
	wr(d, 0x0a, 0x26);

	wr(d, 0x0b, 0x02);
	rd(d, 0x0c);
	{
		struct timespec ts = { .tv_sec = 1, .tv_nsec = 100000000 };

		nanosleep(&ts, NULL);
	}
	c = rd(d, 0x0c);
	ok(c == 0x10 && !d->irq.level, "no enables: a read a second later finds UF, no IRQF");

	wr(d, 0x0b, 0x82 | 0x10);
	ok((rd(d, 0x0b) & 0x10) == 0, "SET clears UIE");
	wr(d, 0x0b, 0x02);
}

static void test_uip(struct device *d)
{
	struct timespec now, at;
	bool seen = false;

	/*
	 * Poll from 2 ms before a second boundary until it passes: the window
	 * is missed only if this thread is off the CPU for all of it; a late
	 * or preempted round tries the next second.
	 */
	for (int i = 0; i < 5 && !seen; i++) {
		clock_gettime(CLOCK_REALTIME, &now);
		at.tv_sec = now.tv_sec;
		at.tv_nsec = 1000000000 - 2000000;
		if (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL))
			break;
		do {
			seen = seen || rd(d, 0x0a) & 0x80;
			clock_gettime(CLOCK_REALTIME, &now);
		} while (now.tv_sec == at.tv_sec);
	}
	ok(seen, "UIP is up in the 244 us before an update");
	clock_gettime(CLOCK_REALTIME, &now);
	at.tv_sec = now.tv_sec + 1;
	at.tv_nsec = 500000000;
	clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL);
	ok(!(rd(d, 0x0a) & 0x80), "and down in mid-second");
}

static void test_reset(struct device *d)
{
	wr(d, 0x0b, 0x72);
	wr(d, 0x01, 0x33);
	d->ops->reset(d);
	ok(rd(d, 0x0b) == 0x02 && rd(d, 0x01) == 0x33 && rd(d, 0x40) == 0xa5 &&
	   near(rtc_time(d), time(NULL)) && !d->irq.level,
	   "reset (a reboot): enables off; date, alarm and RAM kept");
}

static void test_state(struct device *d)
{
	struct state_buf s, in;
	uint8_t bad[256];
	long long shift = utc(2040, 6, 1, 12, 0, 0) - time(NULL);

	set_date(d, 2040, 6, 1, 12, 0, 0);
	wr(d, 0x41, 0x77);
	state_init(&s);
	ok(!d->ops->save(d, &s) && s.len == 1 + 1 + 8 + 5 + 2 + 128,
	   "state saved: version, index, offset, pending date, 128 registers");
	set_date(d, 2030, 1, 1, 0, 0, 0);
	wr(d, 0x41, 0);
	state_init_read(&in, s.data, s.len);
	ok(!d->ops->load(d, &in) && near(rtc_time(d), time(NULL) + shift) && rd(d, 0x41) == 0x77,
	   "state loaded: the date runs on from the offset; RAM back");

	set_date(d, 2030, 1, 1, 0, 0, 0);
	memcpy(bad, s.data, s.len);
	state_init_read(&in, bad, s.len - 1);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 9) == 0x30, "truncated: refused, nothing changed");
	bad[0] = 2;
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL, "a future version: refused");
	bad[0] = 1;
	bad[1] = 128;
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL, "an index of 128: refused");
	bad[1] = 0;
	bad[2 + 5] = 0x40;	/* the offset's byte 5: 2^46 s */
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL, "an offset beyond year 9999: refused");
	/*
	 * Offsets within the bound whose date now is before year 0000 or after
	 * 9999 (found by fuzz_devices: a negative year's BCD): the date is
	 * held at the first or last second the registers can show.
	 */
	memcpy(bad, s.data, s.len);
	for (int i = 0; i < 8; i++)
		bad[2 + i] = (uint8_t)((uint64_t)(-((int64_t)1 << 38) + 1) >> (8 * i));
	state_init_read(&in, bad, s.len);
	ok(!d->ops->load(d, &in) && rd(d, 9) == 0x00 && rd(d, 0x32) == 0x00 && rd(d, 8) == 0x01 &&
	   rd(d, 7) == 0x01 && rd(d, 4) == 0x00,
	   "an offset to before year 0000: loaded, the date held at 0000-01-01 00:00");
	for (int i = 0; i < 8; i++)
		bad[2 + i] = (uint8_t)((uint64_t)(((int64_t)1 << 38) - 1) >> (8 * i));
	state_init_read(&in, bad, s.len);
	ok(!d->ops->load(d, &in) && rd(d, 9) == 0x99 && rd(d, 0x32) == 0x99 && rd(d, 8) == 0x12 &&
	   rd(d, 7) == 0x31 && rd(d, 4) == 0x23,
	   "an offset to after year 9999: loaded, the date held at 9999-12-31 23:59");
	set_date(d, 2030, 1, 1, 0, 0, 0);
	memcpy(bad, s.data, s.len);
	bad[17 + 0x0a] |= 0x80;
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL, "register A with UIP: refused");
	memcpy(bad, s.data, s.len);
	bad[17 + 0x0b] |= 0x80;		/* SET, with the pending date ... */
	bad[10 + 2] = 24;		/* ... at hour 24 */
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 9) == 0x30,
	   "SET with a pending hour of 24: refused, nothing changed");
	memcpy(bad, s.data, s.len);
	bad[17 + 0x0b] |= 0x20;		/* AIE ... */
	bad[17 + 0x0c] = 0x20;		/* ... and AF, without IRQF (found by fuzz_devices) */
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 9) == 0x30,
	   "register C with a flag and its enable but no IRQF: refused");
	bad[17 + 0x0c] = 0xa0;
	state_init_read(&in, bad, s.len);
	ok(!d->ops->load(d, &in), "... with IRQF: loaded");
	set_date(d, 2030, 1, 1, 0, 0, 0);
	memcpy(bad, s.data, s.len);
	bad[17 + 0x0c] = 0x80;		/* IRQF with no flag behind it */
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL, "register C with IRQF and no flag: refused");
	memcpy(bad, s.data, s.len);
	bad[s.len] = 0;
	state_init_read(&in, bad, s.len + 1);
	ok(d->ops->load(d, &in) == -EINVAL, "a trailing byte: refused");
	state_free(&s);
}

int main(void)
{
	struct device *d;

	if (evloop_init(&vm.loop) || mc146818_create(0x70, &d)) {
		ok(false, "RTC created");
		return tap_done();
	}
	vm.vm_fd = -1;
	d->vm = &vm;
	d->has_irq = true;	/* unconnected: irq_line_set() only tracks the level */
	ok(d->pio && d->size == 2 && !strcmp(d->name, "mc146818@port70"),
	   "two I/O ports from 0x70");
	ok(!d->ops->realize(d), "RTC realized: its timers are on the loop");

	test_date(d);
	test_nvram(d);
	test_interrupts(d);
	test_uip(d);
	test_reset(d);
	test_state(d);
	d->ops->destroy(d);
	evloop_destroy(&vm.loop);
	return tap_done();
}
