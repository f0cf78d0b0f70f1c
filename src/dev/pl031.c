// SPDX-License-Identifier: GPL-2.0-only
/*
 * PL031 RTC (pl031.h). Registers are 32-bit at word offsets; the ID
 * registers at the top of the 4 KiB region identify a PL031 to the
 * kernel's AMBA bus. The match interrupt is a timerfd on the host's
 * CLOCK_REALTIME, armed for the host time at which the guest's counter
 * reaches the match value, and served on the I/O thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/fdt-util.h>
#include <kvmini/log.h>
#include <kvmini/pl031.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

#define RTCDR	0x00	/* data: the counter (read-only) */
#define RTCMR	0x04	/* match */
#define RTCLR	0x08	/* load: sets the counter */
#define RTCCR	0x0c	/* control: bit 0 starts the counter (always running here) */
#define RTCIMSC	0x10	/* interrupt mask: bit 0 enables the match interrupt */
#define RTCRIS	0x14	/* raw interrupt status */
#define RTCMIS	0x18	/* masked interrupt status */
#define RTCICR	0x1c	/* interrupt clear (write-only) */
#define PL031_ID_BASE	0xfe0	/* PeriphID0-3, PCellID0-3 */

#define PL031_STATE_VERSION 1
#define PL031_STATE_LEN (1 + 8 + 4 + 4 + 1 + 1)

/* PeriphID0-3 (part 0x031, designer ARM 0x41, revision 0) and the PrimeCell ID. */
static const uint8_t pl031_ids[8] = { 0x31, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl031 {
	struct device dev;
	pthread_mutex_t lock;		/* vCPU threads and the I/O thread */
	int64_t offset;			/* guest counter - host CLOCK_REALTIME seconds */
	uint32_t lr, mr;		/* last loaded value, match value */
	bool imsc, ris;			/* mask and raw status of the one interrupt */
	struct ev_source alarm;		/* timerfd: the counter reaches mr */
	uint32_t clock_phandle;		/* its APB clock in the device tree */
	struct ratelimit rl;
};

static struct pl031 *to_rtc(struct device *dev)
{
	return container_of(dev, struct pl031, dev);
}

static int64_t host_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* The 32-bit counter, as the guest reads it (it wraps in 2106). */
static uint32_t rtc_counter(const struct pl031 *r)
{
	return (uint32_t)(host_seconds() + r->offset);
}

static void rtc_update_irq(struct pl031 *r)
{
	if (r->dev.has_irq && irq_line_set(&r->dev.irq, r->imsc && r->ris))
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: cannot set its interrupt line",
				r->dev.name);
}

/*
 * Arm the timer for the host second at which the counter equals mr (the
 * counter counts up and wraps: the match is at most 2^32 s away), or fire
 * now when it already does. Under the lock.
 */
static void rtc_arm(struct pl031 *r)
{
	int64_t host = host_seconds();	/* once: both values from the same second */
	uint32_t now = (uint32_t)(host + r->offset);
	struct itimerspec when = { 0 };

	/* A match now fires now; an earlier timer must not fire again later. */
	if (r->mr == now)
		r->ris = true;
	else
		when.it_value.tv_sec = (time_t)(host + (uint32_t)(r->mr - now));
	if (r->alarm.fd >= 0 && timerfd_settime(r->alarm.fd, TFD_TIMER_ABSTIME, &when, NULL))
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: cannot set the match timer: %s",
				r->dev.name, strerror(errno));
	rtc_update_irq(r);
}

/*
 * The I/O thread: the counter reached mr - or passed it, when the host's
 * clock was stepped forward over it: a match that time skipped still fires.
 */
static void rtc_alarm_ready(struct ev_source *src, uint32_t events)
{
	struct pl031 *r = container_of(src, struct pl031, alarm);
	uint64_t expirations;

	(void)events;
	if (read(src->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: reading the match timer: %s",
				r->dev.name, strerror(errno));
	pthread_mutex_lock(&r->lock);
	if ((int32_t)(rtc_counter(r) - r->mr) >= 0)
		r->ris = true;
	else
		rtc_arm(r);	/* the host's clock was stepped back: aim again */
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

static uint32_t rtc_read_reg(struct pl031 *r, uint64_t offset)
{
	if (offset >= PL031_ID_BASE && offset < PL031_ID_BASE + 4 * sizeof(pl031_ids))
		return pl031_ids[(offset - PL031_ID_BASE) / 4];
	switch (offset) {
	case RTCDR:
		return rtc_counter(r);
	case RTCMR:
		return r->mr;
	case RTCLR:
		return r->lr;
	case RTCCR:
		return 1;
	case RTCIMSC:
		return r->imsc;
	case RTCRIS:
		return r->ris;
	case RTCMIS:
		return r->ris && r->imsc;
	}
	log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest read unknown register 0x%03lx",
			r->dev.name, (unsigned long)offset);
	return 0;
}

static void rtc_read(struct device *dev, unsigned int cpu, uint64_t offset, void *data,
		     unsigned int len)
{
	struct pl031 *r = to_rtc(dev);
	uint32_t v = 0;

	(void)cpu;
	pthread_mutex_lock(&r->lock);
	if (len == 4 && !(offset & 3))
		v = rtc_read_reg(r, offset);
	else
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest read %u bytes at 0x%03lx; "
				"the PL031 has 32-bit registers", dev->name, len,
				(unsigned long)offset);
	pthread_mutex_unlock(&r->lock);
	memset(data, 0, len);
	memcpy(data, &v, len < sizeof(v) ? len : sizeof(v));
}

static void rtc_write(struct device *dev, unsigned int cpu, uint64_t offset, const void *data,
		      unsigned int len)
{
	struct pl031 *r = to_rtc(dev);
	uint32_t v;

	(void)cpu;
	if (len != 4 || (offset & 3)) {
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest wrote %u bytes at 0x%03lx; "
				"the PL031 has 32-bit registers", dev->name, len,
				(unsigned long)offset);
		return;
	}
	memcpy(&v, data, sizeof(v));
	pthread_mutex_lock(&r->lock);
	switch (offset) {
	case RTCMR:
		r->mr = v;
		rtc_arm(r);
		break;
	case RTCLR:
		r->lr = v;
		r->offset = (int64_t)v - host_seconds();
		rtc_arm(r);
		break;
	case RTCCR:
		break;	/* the counter cannot be stopped once started (DDI 0224 3.3.4) */
	case RTCIMSC:
		r->imsc = v & 1;
		rtc_update_irq(r);
		break;
	case RTCICR:
		if (v & 1)
			r->ris = false;
		rtc_update_irq(r);
		break;
	default:
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest wrote read-only or "
				"unknown register 0x%03lx", dev->name, (unsigned long)offset);
	}
	pthread_mutex_unlock(&r->lock);
}

static int rtc_realize(struct device *dev)
{
	struct pl031 *r = to_rtc(dev);

	r->alarm.fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->alarm.fd < 0) {
		int err = errno;

		log_err("rtc", "%s: timerfd_create: %s", dev->name, strerror(err));
		return -err;
	}
	return evloop_add(&dev->vm->loop, &r->alarm, EPOLLIN);
}

/*
 * A guest reboot: no alarm, interrupt masked - but the clock keeps the
 * time the guest set, as a battery-backed RTC does across a reset.
 */
static void rtc_reset(struct device *dev)
{
	struct pl031 *r = to_rtc(dev);
	struct itimerspec off = { 0 };

	pthread_mutex_lock(&r->lock);
	r->mr = 0;
	r->imsc = r->ris = false;
	if (r->alarm.fd >= 0)
		(void)timerfd_settime(r->alarm.fd, 0, &off, NULL);
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

static int rtc_fdt_node(struct device *dev, void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	struct pl031 *r = to_rtc(dev);

	FDT_TRY(fdt_begin_node_at(fdt, "rtc", dev->base));
	FDT_TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, dev->size));
	if (dev->has_irq)
		FDT_TRY(fdt_prop_irq(fdt, &dev->irq));
	FDT_TRY(fdt_property_u32(fdt, "clocks", r->clock_phandle));
	FDT_TRY(fdt_property_string(fdt, "clock-names", "apb_pclk"));
	return fdt_end_node(fdt);
}

/*
 * The offset, not the counter: a restored RTC shows wall-clock time as a
 * battery-backed one would after the same time switched off.
 */
static int rtc_save(struct device *dev, struct state_buf *out)
{
	struct pl031 *r = to_rtc(dev);

	pthread_mutex_lock(&r->lock);
	state_put_u8(out, PL031_STATE_VERSION);
	state_put_u64(out, (uint64_t)r->offset);
	state_put_u32(out, r->lr);
	state_put_u32(out, r->mr);
	state_put_u8(out, r->imsc);
	state_put_u8(out, r->ris);
	pthread_mutex_unlock(&r->lock);
	return state_write_done(out);
}

static int rtc_load(struct device *dev, struct state_buf *in)
{
	struct pl031 *r = to_rtc(dev);
	uint8_t version = state_get_u8(in), imsc, ris;
	int64_t offset = (int64_t)state_get_u64(in);
	uint32_t lr = state_get_u32(in), mr = state_get_u32(in);

	imsc = state_get_u8(in);
	ris = state_get_u8(in);
	if (state_read_done(in)) {
		log_err("rtc", "%s: saved state is %zu bytes; a PL031's is %d", dev->name,
			in->len, PL031_STATE_LEN);
		return -EINVAL;
	}
	if (version != PL031_STATE_VERSION) {
		log_err("rtc", "%s: saved state version %u; this kvmini reads version %u",
			dev->name, version, PL031_STATE_VERSION);
		return -EINVAL;
	}
	/* The counter is 32 bits: an offset beyond that range means nothing (and would overflow). */
	if (offset > (int64_t)1 << 33 || offset < -((int64_t)1 << 33)) {
		log_err("rtc", "%s: saved clock offset %" PRId64 " s is outside +-2^33 s",
			dev->name, offset);
		return -EINVAL;
	}
	if (imsc > 1 || ris > 1) {
		log_err("rtc", "%s: saved interrupt mask %u and status %u: each must be 0 or 1",
			dev->name, imsc, ris);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	r->offset = offset;
	r->lr = lr;
	r->mr = mr;
	r->imsc = imsc;
	r->ris = ris;
	/* Armed whatever the mask: RIS follows a match even while it is masked. */
	rtc_arm(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc_destroy(struct device *dev)
{
	struct pl031 *r = to_rtc(dev);

	if (r->alarm.fd >= 0) {
		if (r->alarm.added)
			evloop_del(&dev->vm->loop, &r->alarm);
		close(r->alarm.fd);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct device_ops pl031_ops = {
	.type = "pl031",
	.read = rtc_read,
	.write = rtc_write,
	.realize = rtc_realize,
	.reset = rtc_reset,
	.fdt_node = rtc_fdt_node,
	.save = rtc_save,
	.load = rtc_load,
	.destroy = rtc_destroy,
};

int pl031_create(uint64_t base, uint32_t apb_clock_phandle, struct device **out)
{
	struct pl031 *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	device_init(&r->dev, &pl031_ops, base, PL031_REGION_SIZE);
	pthread_mutex_init(&r->lock, NULL);
	r->clock_phandle = apb_clock_phandle;
	r->alarm.fd = -1;
	r->alarm.ready = rtc_alarm_ready;
	r->alarm.name = r->dev.name;
	*out = &r->dev;
	return 0;
}
