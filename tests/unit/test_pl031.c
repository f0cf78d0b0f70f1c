// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PL031 RTC as a guest drives it: the counter tracks the host's clock
 * and the load register, the match interrupt fires through the event loop
 * and clears, odd accesses are harmless, and saved state round-trips while
 * malformed state is refused without a change.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/pl031.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

#include "tap.h"

#define BASE 0x01010000
static struct vm vm;

static uint32_t rd(struct device *d, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	d->ops->read(d, 0, off, &v, 4);
	return v;
}

static void wr(struct device *d, uint64_t off, uint32_t v)
{
	d->ops->write(d, 0, off, &v, 4);
}

static bool near_now(uint32_t counter, int64_t offset)
{
	int64_t want = (int64_t)time(NULL) + offset;

	return (int64_t)counter >= want - 1 && (int64_t)counter <= want + 1;
}

static void test_fdt(struct device *d)
{
	static char fdt[4096];
	const char *compat;
	const fdt32_t *clk;
	int node, len;

	ok(!fdt_create(fdt, sizeof(fdt)) && !fdt_finish_reservemap(fdt) &&
	   !fdt_begin_node(fdt, "") && !d->ops->fdt_node(d, fdt) && !fdt_end_node(fdt) &&
	   !fdt_finish(fdt), "the device writes its node");
	node = fdt_path_offset(fdt, "/rtc@1010000");
	compat = node < 0 ? NULL : fdt_getprop(fdt, node, "compatible", &len);
	clk = node < 0 ? NULL : fdt_getprop(fdt, node, "clocks", NULL);
	ok(compat && len == sizeof("arm,pl031\0arm,primecell") &&
	   !memcmp(compat, "arm,pl031\0arm,primecell", (size_t)len) && clk &&
	   fdt32_to_cpu(*clk) == 7 && fdt_getprop(fdt, node, "interrupts", &len) && len == 12 &&
	   !strcmp(fdt_getprop(fdt, node, "clock-names", NULL), "apb_pclk"),
	   "node: arm,pl031 + arm,primecell with its apb_pclk clock (an AMBA device)");
}

static void test_state(struct device *d)
{
	struct state_buf s, in;
	uint8_t bad[64];

	wr(d, 0x08, 5000);	/* RTCLR */
	wr(d, 0x04, 123);	/* RTCMR, long past: no interrupt */
	state_init(&s);
	ok(!d->ops->save(d, &s) && s.len == 1 + 8 + 4 + 4 + 1 + 1,
	   "state saved: version, offset, load, match, mask, status");
	d->ops->reset(d);
	ok(near_now(rd(d, 0x00), 5000 - time(NULL)) && rd(d, 0x04) == 0 && rd(d, 0x10) == 0,
	   "reset (a reboot): the clock keeps the guest's time; match 0, masked");
	wr(d, 0x08, (uint32_t)time(NULL));
	ok(near_now(rd(d, 0x00), 0), "the host's time loaded again");
	state_init_read(&in, s.data, s.len);
	ok(!d->ops->load(d, &in) && near_now(rd(d, 0x00), 5000 - time(NULL)) &&
	   rd(d, 0x04) == 123 && rd(d, 0x08) == 5000, "state loaded: counter, match, load");

	d->ops->reset(d);
	state_init_read(&in, s.data, s.len - 1);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 0x04) == 0, "truncated state: refused, nothing changed");
	memcpy(bad, s.data, s.len);
	bad[0] = 2;
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 0x04) == 0, "a future version: refused");
	bad[0] = 1;
	bad[1 + 8 + 4 + 4] = 2;
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 0x10) == 0, "an interrupt bit of 2: refused");
	bad[1 + 8 + 4 + 4] = 0;
	bad[1 + 5] = 1;		/* the offset's byte 5: 2^40 s */
	state_init_read(&in, bad, s.len);
	ok(d->ops->load(d, &in) == -EINVAL && rd(d, 0x04) == 0,
	   "a clock offset beyond the 32-bit counter's range: refused");
	memcpy(bad, s.data, s.len);
	bad[s.len] = 0;
	state_init_read(&in, bad, s.len + 1);
	ok(d->ops->load(d, &in) == -EINVAL, "a trailing byte: refused");
	state_free(&s);
}

int main(void)
{
	struct device *d;
	uint32_t now;
	uint8_t b = 0xff;

	if (evloop_init(&vm.loop) || pl031_create(BASE, 7, &d)) {
		ok(false, "RTC created");
		return tap_done();
	}
	vm.vm_fd = -1;
	d->vm = &vm;
	d->has_irq = true;	/* unconnected: irq_line_set() only tracks the level */
	d->irq.dt_cells = 3;	/* GIC SPI 1, level-high, as the machine file writes it */
	d->irq.dt_spec[1] = 1;
	d->irq.dt_spec[2] = 4;
	ok(!d->ops->realize(d), "RTC realized: its match timer is on the loop");

	ok(rd(d, 0xfe0) == 0x31 && rd(d, 0xfe4) == 0x10 && (rd(d, 0xfe8) & 0xf) == 0x4 &&
	   rd(d, 0xff0) == 0x0d && rd(d, 0xff4) == 0xf0 && rd(d, 0xff8) == 0x05 &&
	   rd(d, 0xffc) == 0xb1, "PeriphID/PCellID: a PL031 from ARM, a PrimeCell");
	ok(near_now(rd(d, 0x00), 0) && rd(d, 0x0c) == 1, "the counter is the host's time, running");
	wr(d, 0x08, 1000000);
	ok(near_now(rd(d, 0x00), 1000000 - time(NULL)) && rd(d, 0x08) == 1000000,
	   "RTCLR sets the counter; it reads back");
	wr(d, 0x0c, 0);
	ok(rd(d, 0x0c) == 1, "RTCCR: the counter cannot be stopped");

	/* The match interrupt, served by the event loop. */
	wr(d, 0x10, 1);
	now = rd(d, 0x00);
	wr(d, 0x04, now + 1);
	ok(!d->irq.level && rd(d, 0x14) == 0, "a match one second ahead: nothing yet");
	ok(evloop_run_once(&vm.loop, 2500) == 1 && rd(d, 0x14) == 1 && rd(d, 0x18) == 1 &&
	   d->irq.level, "a second later the loop raises the interrupt (RIS, MIS, the line)");
	wr(d, 0x10, 0);
	ok(!d->irq.level && rd(d, 0x14) == 1 && rd(d, 0x18) == 0, "masked: the line drops, RIS stays");
	wr(d, 0x10, 1);
	ok(d->irq.level, "unmasked: up again");
	wr(d, 0x1c, 1);
	ok(!d->irq.level && rd(d, 0x14) == 0, "RTCICR clears it");
	wr(d, 0x04, rd(d, 0x00));
	ok(d->irq.level && rd(d, 0x14) == 1, "a match equal to the counter fires at once");
	wr(d, 0x1c, 1);
	now = rd(d, 0x00);
	wr(d, 0x04, now + 1);
	wr(d, 0x04, rd(d, 0x00));
	wr(d, 0x1c, 1);
	ok(evloop_run_once(&vm.loop, 1500) == 0 && !d->irq.level && rd(d, 0x14) == 0,
	   "a match moved to now fires once: the timer armed before it does not fire again");
	wr(d, 0x10, 0);
	wr(d, 0x04, rd(d, 0x00) + 1);
	ok(evloop_run_once(&vm.loop, 2500) == 1 && rd(d, 0x14) == 1 && !d->irq.level,
	   "masked, a match still sets RIS (the line stays low)");
	wr(d, 0x1c, 1);
	wr(d, 0x10, 1);
	wr(d, 0x04, rd(d, 0x00) - 10);
	ok(!d->irq.level && evloop_run_once(&vm.loop, 0) == 0,
	   "a match in the past: nothing (it is 136 years away)");

	/* A guest's odd accesses: ignored, reads are zero, nothing breaks. */
	d->ops->read(d, 0, 0x00, &b, 1);
	ok(b == 0, "a byte read: zero");
	d->ops->write(d, 0, 0x08, &b, 1);
	wr(d, 0x02, 5);
	wr(d, 0x00, 5);
	wr(d, 0xfe0, 5);
	ok(rd(d, 0x08) == 1000000 && rd(d, 0xfe0) == 0x31 && rd(d, 0x800) == 0,
	   "byte, unaligned and read-only writes change nothing; unknown reads are zero");

	test_fdt(d);
	test_state(d);
	d->ops->destroy(d);
	evloop_destroy(&vm.loop);
	return tap_done();
}
