// SPDX-License-Identifier: GPL-2.0-only
/*
 * MC146818 CMOS RTC (mc146818.h), after Motorola's data sheet.
 *
 * The date is not kept in registers: a read encodes host time + offset in
 * the format register B asks for (BCD or binary, 12 or 24 hours), and a
 * write decodes its field and moves the offset. While SET (register B bit
 * 7) is on, updates stop: writes go to a pending date, which becomes the
 * clock when SET goes off - a guest writes its fields one by one and the
 * date in between may not exist (31 February), so it is checked only then.
 * Guest seconds start with the host's, so updates happen at the host's
 * second boundaries, with UIP up for the 244 us before each.
 *
 * Interrupts: a 1 Hz timer on the host's second boundaries while update
 * (UIE) or alarm (AIE) interrupts are enabled, a periodic timer at the
 * rate of register A while PIE is; both on the I/O thread. Without its
 * enable a flag is found by the guest's own read of C: UF when a second
 * has passed since the last read, AF when the alarm matches the second
 * the read is in (polled alarms are not kept for later), PF never.
 * Simplified from the chip: the divider bits of register A do not stop
 * the clock (SET does), the weekday follows the date, the square-wave
 * output is not modelled, and bit 7 of the index (the NMI mask of PCs)
 * is ignored.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>
#include <kvmini/evloop.h>
#include <kvmini/log.h>
#include <kvmini/mc146818.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

#define REG_SECONDS		0x00
#define REG_SECONDS_ALARM	0x01
#define REG_MINUTES		0x02
#define REG_MINUTES_ALARM	0x03
#define REG_HOURS		0x04
#define REG_HOURS_ALARM		0x05
#define REG_WEEKDAY		0x06
#define REG_MDAY		0x07
#define REG_MONTH		0x08
#define REG_YEAR		0x09
#define REG_A			0x0a
#define REG_B			0x0b
#define REG_C			0x0c
#define REG_D			0x0d
#define CMOS_SIZE		128

#define A_UIP			0x80	/* an update is near: the date may change */
#define A_DIV_MASK		0x70
#define A_DIV_32KHZ		0x20	/* the time base that gives the periodic rates */
#define A_RATE_MASK		0x0f
#define A_POWER_ON		0x26	/* 32.768 kHz, 1024 Hz: what PC firmware sets */
#define B_SET			0x80
#define B_PIE			0x40
#define B_AIE			0x20
#define B_UIE			0x10
#define B_SQWE			0x08
#define B_DM_BINARY		0x04
#define B_24H			0x02
#define B_POWER_ON		B_24H	/* BCD, 24 hours: what PC firmware sets */
#define C_IRQF			0x80
#define C_PF			0x40
#define C_AF			0x20
#define C_UF			0x10
#define D_VRT			0x80	/* RAM and time valid: the battery is good */
#define ALARM_ANY		0xc0	/* an alarm byte with both top bits matches every value */
#define UIP_NS			244000

#define NS_PER_S		1000000000LL
/* A clock offset beyond this is no date this device can show (year 9999 is 2^38 s away). */
#define OFFSET_MAX		((int64_t)1 << 38)
/* The first and last seconds it can show: 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC. */
#define RTC_TIME_MIN		(-62167219200LL)
#define RTC_TIME_MAX		253402300799LL

#define MC146818_STATE_VERSION	1
#define MC146818_STATE_LEN	(1 + 1 + 8 + 5 + 2 + CMOS_SIZE)

struct rtc_date {
	int sec, min, hour, mday, mon, year;	/* mon 1-12, year in full */
};

struct mc146818 {
	struct device dev;
	pthread_mutex_t lock;		/* vCPU threads and the I/O thread */
	uint8_t index;			/* the register the data port reaches */
	uint8_t ram[CMOS_SIZE];		/* alarms, A, B, C, NVRAM; not the date */
	int64_t offset;			/* guest time - host CLOCK_REALTIME, seconds */
	struct rtc_date pending;	/* the date being written while SET */
	int64_t c_read_second;		/* the host second register C was last read in */
	struct ev_source tick;		/* 1 Hz at the host's second boundaries */
	struct ev_source periodic;	/* register A's rate */
	struct ratelimit rl;
};

static struct mc146818 *to_rtc(struct device *dev)
{
	return container_of(dev, struct mc146818, dev);
}

static struct timespec host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static bool leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int mon, int year)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mon == 2 && leap_year(year) ? 29 : days[mon - 1];
}

static void date_from_time(int64_t t, struct rtc_date *d)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	*d = (struct rtc_date){ tm.tm_sec, tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon + 1,
				tm.tm_year + 1900 };
}

static int64_t date_to_time(const struct rtc_date *d)
{
	struct tm tm = { .tm_sec = d->sec, .tm_min = d->min, .tm_hour = d->hour,
			 .tm_mday = d->mday, .tm_mon = d->mon - 1, .tm_year = d->year - 1900 };

	return (int64_t)timegm(&tm);
}

static bool date_valid(const struct rtc_date *d)
{
	return d->sec >= 0 && d->sec <= 59 && d->min >= 0 && d->min <= 59 &&
	       d->hour >= 0 && d->hour <= 23 && d->mon >= 1 && d->mon <= 12 &&
	       d->year >= 0 && d->year <= 9999 && d->mday >= 1 &&
	       d->mday <= days_in_month(d->mon, d->year);
}

/*
 * The date the guest sees now: the pending one while SET holds the clock.
 * Held within years 0000-9999, which its registers can show: a clock set
 * to the first second stays there if the host's clock is set back, as a
 * restored one may on a host whose clock is behind the saving host's.
 */
static void rtc_date_now(const struct mc146818 *r, struct rtc_date *d)
{
	int64_t t;

	if (r->ram[REG_B] & B_SET) {
		*d = r->pending;
		return;
	}
	t = host_now().tv_sec + r->offset;
	date_from_time(t < RTC_TIME_MIN ? RTC_TIME_MIN : t > RTC_TIME_MAX ? RTC_TIME_MAX : t, d);
}

static uint8_t rtc_encode(const struct mc146818 *r, int v)
{
	return (uint8_t)(r->ram[REG_B] & B_DM_BINARY ? v : (v / 10) << 4 | v % 10);
}

/* A register byte as a number, or -1 when it is no BCD number. */
static int rtc_decode(const struct mc146818 *r, uint8_t v)
{
	if (r->ram[REG_B] & B_DM_BINARY)
		return v;
	return (v >> 4) > 9 || (v & 0xf) > 9 ? -1 : (v >> 4) * 10 + (v & 0xf);
}

/* In 12-hour mode bit 7 is PM and the hours run 12, 1 .. 11. */
static uint8_t rtc_encode_hour(const struct mc146818 *r, int hour)
{
	if (r->ram[REG_B] & B_24H)
		return rtc_encode(r, hour);
	return (uint8_t)(rtc_encode(r, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const struct mc146818 *r, uint8_t v)
{
	int h;

	if (r->ram[REG_B] & B_24H)
		return rtc_decode(r, v);
	h = rtc_decode(r, v & 0x7f);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (v & 0x80 ? 12 : 0);
}

/* Register reg of date d, as the guest reads it. */
static uint8_t rtc_date_reg(const struct mc146818 *r, const struct rtc_date *d, uint8_t reg)
{
	time_t t;
	struct tm tm;

	switch (reg) {
	case REG_SECONDS: return rtc_encode(r, d->sec);
	case REG_MINUTES: return rtc_encode(r, d->min);
	case REG_HOURS: return rtc_encode_hour(r, d->hour);
	case REG_MDAY: return rtc_encode(r, d->mday);
	case REG_MONTH: return rtc_encode(r, d->mon);
	case REG_YEAR: return rtc_encode(r, d->year % 100);
	case MC146818_CENTURY: return rtc_encode(r, d->year / 100);
	}
	/* REG_WEEKDAY: 1 is Sunday. A pending date may not exist yet (timegm normalises it). */
	t = (time_t)date_to_time(d);
	gmtime_r(&t, &tm);
	return rtc_encode(r, tm.tm_wday + 1);
}

static bool rtc_is_date_reg(uint8_t reg)
{
	return reg == REG_SECONDS || reg == REG_MINUTES || reg == REG_HOURS ||
	       reg == REG_WEEKDAY || reg == REG_MDAY || reg == REG_MONTH ||
	       reg == REG_YEAR || reg == MC146818_CENTURY;
}

static const char *rtc_reg_name(uint8_t reg)
{
	switch (reg) {
	case REG_SECONDS: return "seconds";
	case REG_MINUTES: return "minutes";
	case REG_HOURS: return "hours";
	case REG_MDAY: return "day of the month";
	case REG_MONTH: return "month";
	case REG_YEAR: return "year";
	}
	return "century";
}

/* Register reg of date d set to the guest's byte v; false (logged) when v is out of range. */
static bool rtc_date_set(struct mc146818 *r, struct rtc_date *d, uint8_t reg, uint8_t v)
{
	int n = reg == REG_HOURS ? rtc_decode_hour(r, v) : rtc_decode(r, v);
	bool in_range;

	switch (reg) {
	case REG_SECONDS: in_range = n >= 0 && n <= 59; d->sec = in_range ? n : d->sec; break;
	case REG_MINUTES: in_range = n >= 0 && n <= 59; d->min = in_range ? n : d->min; break;
	case REG_HOURS: in_range = n >= 0 && n <= 23; d->hour = in_range ? n : d->hour; break;
	case REG_MDAY: in_range = n >= 1 && n <= 31; d->mday = in_range ? n : d->mday; break;
	case REG_MONTH: in_range = n >= 1 && n <= 12; d->mon = in_range ? n : d->mon; break;
	case REG_YEAR:
		in_range = n >= 0 && n <= 99;
		if (in_range)
			d->year = d->year / 100 * 100 + n;
		break;
	default:	/* MC146818_CENTURY */
		in_range = n >= 0 && n <= 99;
		if (in_range)
			d->year = n * 100 + d->year % 100;
	}
	if (!in_range)
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest wrote 0x%02x to the %s "
				"register, out of range as %s%s; ignored", r->dev.name, v,
				rtc_reg_name(reg), r->ram[REG_B] & B_DM_BINARY ? "binary" : "BCD",
				reg == REG_HOURS && !(r->ram[REG_B] & B_24H) ? " 12-hour" : "");
	return in_range;
}

/* The clock now shows d, if d is a date. Under the lock. */
static void rtc_date_commit(struct mc146818 *r, const struct rtc_date *d)
{
	if (!date_valid(d)) {
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest set %04d-%02d-%02d "
				"%02d:%02d:%02d, which is no date; the clock keeps its time",
				r->dev.name, d->year, d->mon, d->mday, d->hour, d->min, d->sec);
		return;
	}
	r->offset = date_to_time(d) - host_now().tv_sec;
}

/* IRQF: a flag and its enable both set. */
static bool rtc_irqf(uint8_t b, uint8_t c)
{
	return (c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE);
}

static void rtc_update_irq(struct mc146818 *r)
{
	uint8_t c = r->ram[REG_C] & (C_PF | C_AF | C_UF);
	bool irqf = rtc_irqf(r->ram[REG_B], c);

	r->ram[REG_C] = (uint8_t)(c | (irqf ? C_IRQF : 0));
	if (r->dev.has_irq && irq_line_set(&r->dev.irq, irqf))
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: cannot set its interrupt line",
				r->dev.name);
}

static bool rtc_alarm_matches(const struct mc146818 *r, const struct rtc_date *d)
{
	static const uint8_t alarm[3] = { REG_SECONDS_ALARM, REG_MINUTES_ALARM, REG_HOURS_ALARM };
	static const uint8_t now[3] = { REG_SECONDS, REG_MINUTES, REG_HOURS };

	for (int i = 0; i < 3; i++) {
		uint8_t a = r->ram[alarm[i]];

		if ((a & ALARM_ANY) != ALARM_ANY && a != rtc_date_reg(r, d, now[i]))
			return false;
	}
	return true;
}

/* The periodic interrupt's period for register A, or 0 when it has none. */
static int64_t rtc_period_ns(uint8_t a)
{
	unsigned int rate = a & A_RATE_MASK;

	if (!rate || (a & A_DIV_MASK) != A_DIV_32KHZ)
		return 0;
	if (rate < 3)		/* rates 1 and 2 are 256 and 128 Hz, as rates 8 and 9 */
		rate += 7;
	return (NS_PER_S << (rate - 1)) / 32768;
}

static void rtc_timer_set(struct mc146818 *r, struct ev_source *src, const struct itimerspec *when,
			  int flags)
{
	if (src->fd >= 0 && timerfd_settime(src->fd, flags, when, NULL))
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: cannot set a timer: %s",
				r->dev.name, strerror(errno));
}

/* Run the timers the enables ask for, stop the others. Under the lock. */
static void rtc_timers_update(struct mc146818 *r)
{
	uint8_t b = r->ram[REG_B];
	int64_t period = b & B_PIE ? rtc_period_ns(r->ram[REG_A]) : 0;
	struct itimerspec tick = { 0 }, periodic = { 0 };

	if (b & (B_UIE | B_AIE)) {
		tick.it_value.tv_sec = host_now().tv_sec + 1;
		tick.it_interval.tv_sec = 1;
	}
	rtc_timer_set(r, &r->tick, &tick, TFD_TIMER_ABSTIME);
	/* Rate 15, the slowest, is 0.5 s: tv_nsec holds every period. */
	periodic.it_value.tv_nsec = periodic.it_interval.tv_nsec = (long)period;
	rtc_timer_set(r, &r->periodic, &periodic, 0);
}

static void rtc_timer_drain(struct mc146818 *r, struct ev_source *src)
{
	uint64_t expirations;

	if (read(src->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_ratelimited(&r->rl, LOG_ERR, "rtc", "%s: reading a timer: %s",
				r->dev.name, strerror(errno));
}

/* The I/O thread, just after a host second boundary: an update ended. */
static void rtc_tick_ready(struct ev_source *src, uint32_t events)
{
	struct mc146818 *r = container_of(src, struct mc146818, tick);
	struct rtc_date d;

	(void)events;
	rtc_timer_drain(r, src);
	pthread_mutex_lock(&r->lock);
	if (!(r->ram[REG_B] & B_SET)) {
		rtc_date_now(r, &d);
		r->ram[REG_C] |= C_UF;
		if (rtc_alarm_matches(r, &d))
			r->ram[REG_C] |= C_AF;
		rtc_update_irq(r);
	}
	pthread_mutex_unlock(&r->lock);
}

static void rtc_periodic_ready(struct ev_source *src, uint32_t events)
{
	struct mc146818 *r = container_of(src, struct mc146818, periodic);

	(void)events;
	rtc_timer_drain(r, src);
	pthread_mutex_lock(&r->lock);
	r->ram[REG_C] |= C_PF;
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Register C: the flags since the last read, then cleared with the
 * interrupt. Flags found only now (their timer is off) raise no interrupt:
 * their enables are off too, or the timer would be running.
 */
static uint8_t rtc_read_c(struct mc146818 *r)
{
	int64_t second = host_now().tv_sec;
	uint8_t c = r->ram[REG_C];

	if (!(r->ram[REG_B] & B_SET) && second != r->c_read_second) {
		struct rtc_date d;

		rtc_date_now(r, &d);
		c |= C_UF;
		if (rtc_alarm_matches(r, &d))
			c |= C_AF;
		if (rtc_irqf(r->ram[REG_B], c))
			c |= C_IRQF;
	}
	r->c_read_second = second;
	r->ram[REG_C] = 0;
	rtc_update_irq(r);
	return c;
}

static uint8_t rtc_read_reg(struct mc146818 *r, uint8_t reg)
{
	struct rtc_date d;
	struct timespec now;

	if (rtc_is_date_reg(reg)) {
		rtc_date_now(r, &d);
		return rtc_date_reg(r, &d, reg);
	}
	switch (reg) {
	case REG_A:
		now = host_now();
		return (uint8_t)(r->ram[REG_A] |
				 (!(r->ram[REG_B] & B_SET) && NS_PER_S - now.tv_nsec <= UIP_NS ?
				  A_UIP : 0));
	case REG_C:
		return rtc_read_c(r);
	case REG_D:
		return D_VRT;
	}
	return r->ram[reg];
}

static void rtc_write_b(struct mc146818 *r, uint8_t v)
{
	uint8_t old = r->ram[REG_B];

	if (v & B_SET)
		v &= (uint8_t)~B_UIE;	/* the data sheet: setting SET clears UIE */
	if (v & B_SET && !(old & B_SET))
		rtc_date_now(r, &r->pending);
	r->ram[REG_B] = v;
	if (old & B_SET && !(v & B_SET))
		rtc_date_commit(r, &r->pending);
	rtc_timers_update(r);
	rtc_update_irq(r);
}

static void rtc_write_reg(struct mc146818 *r, uint8_t reg, uint8_t v)
{
	struct rtc_date d;

	if (reg == REG_WEEKDAY)
		return;		/* it follows the date */
	if (rtc_is_date_reg(reg)) {
		if (r->ram[REG_B] & B_SET) {
			rtc_date_set(r, &r->pending, reg, v);
		} else {
			rtc_date_now(r, &d);
			if (rtc_date_set(r, &d, reg, v))
				rtc_date_commit(r, &d);
		}
		return;
	}
	switch (reg) {
	case REG_A:
		r->ram[REG_A] = v & (uint8_t)~A_UIP;
		rtc_timers_update(r);
		return;
	case REG_B:
		rtc_write_b(r, v);
		return;
	case REG_C:
	case REG_D:
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest wrote 0x%02x to read-only "
				"register %c; ignored", r->dev.name, v, reg == REG_C ? 'C' : 'D');
		return;
	}
	r->ram[reg] = v;	/* an alarm byte or NVRAM */
}

/* Offset 0: the index (write-only: reads 0xff, as on PCs); offset 1: the register it selects. */
static void rtc_read(struct device *dev, unsigned int cpu, uint64_t offset, void *data,
		     unsigned int len)
{
	struct mc146818 *r = to_rtc(dev);
	uint8_t v = 0xff;

	(void)cpu;
	if (len != 1) {
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest read %u bytes at port +%lu; "
				"the RTC has byte ports", dev->name, len, (unsigned long)offset);
	} else if (offset == 1) {
		pthread_mutex_lock(&r->lock);
		v = rtc_read_reg(r, r->index);
		pthread_mutex_unlock(&r->lock);
	}
	memset(data, 0xff, len);
	memcpy(data, &v, 1);
}

static void rtc_write(struct device *dev, unsigned int cpu, uint64_t offset, const void *data,
		      unsigned int len)
{
	struct mc146818 *r = to_rtc(dev);
	uint8_t v = (uint8_t)bus_data_get(data, len);

	(void)cpu;
	if (len != 1) {
		log_ratelimited(&r->rl, LOG_WARN, "rtc", "%s: guest wrote %u bytes at port +%lu; "
				"the RTC has byte ports", dev->name, len, (unsigned long)offset);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (offset == 0)
		r->index = v & (CMOS_SIZE - 1);		/* bit 7: the NMI mask of PCs */
	else
		rtc_write_reg(r, r->index, v);
	pthread_mutex_unlock(&r->lock);
}

static int rtc_add_timer(struct mc146818 *r, struct ev_source *src, int clock)
{
	src->fd = timerfd_create(clock, TFD_NONBLOCK | TFD_CLOEXEC);
	if (src->fd < 0) {
		int err = errno;

		log_err("rtc", "%s: timerfd_create: %s", r->dev.name, strerror(err));
		return -err;
	}
	return evloop_add(&r->dev.vm->loop, src, EPOLLIN);
}

static int rtc_realize(struct device *dev)
{
	struct mc146818 *r = to_rtc(dev);
	/* The tick follows the host's wall clock; the periodic rate only needs steady time. */
	int ret = rtc_add_timer(r, &r->tick, CLOCK_REALTIME);

	if (!ret)
		ret = rtc_add_timer(r, &r->periodic, CLOCK_MONOTONIC);
	if (!ret) {
		pthread_mutex_lock(&r->lock);
		rtc_timers_update(r);
		pthread_mutex_unlock(&r->lock);
	}
	return ret;
}

/*
 * A guest reboot pulls the chip's RESET pin: the interrupt enables, the
 * square wave and the flags go; the date, the alarm and the RAM stay.
 */
static void rtc_reset(struct device *dev)
{
	struct mc146818 *r = to_rtc(dev);

	pthread_mutex_lock(&r->lock);
	r->ram[REG_B] &= (uint8_t)~(B_PIE | B_AIE | B_UIE | B_SQWE);
	r->ram[REG_C] = 0;
	rtc_timers_update(r);
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

/* The offset, not the date: a restored clock shows the time since, as a battery-backed one. */
static int rtc_save(struct device *dev, struct state_buf *out)
{
	struct mc146818 *r = to_rtc(dev);

	pthread_mutex_lock(&r->lock);
	state_put_u8(out, MC146818_STATE_VERSION);
	state_put_u8(out, r->index);
	state_put_u64(out, (uint64_t)r->offset);
	state_put_u8(out, (uint8_t)r->pending.sec);
	state_put_u8(out, (uint8_t)r->pending.min);
	state_put_u8(out, (uint8_t)r->pending.hour);
	state_put_u8(out, (uint8_t)r->pending.mday);
	state_put_u8(out, (uint8_t)r->pending.mon);
	state_put_u16(out, (uint16_t)r->pending.year);
	state_put_bytes(out, r->ram, sizeof(r->ram));
	pthread_mutex_unlock(&r->lock);
	return state_write_done(out);
}

/* What a saved state must hold; false (logged) when it does not. */
static bool rtc_state_valid(struct mc146818 *r, uint8_t index, int64_t offset,
			    const struct rtc_date *pending, const uint8_t *ram)
{
	const char *name = r->dev.name;

	if (index >= CMOS_SIZE) {
		log_err("rtc", "%s: saved index %u; the RTC has %d registers", name, index, CMOS_SIZE);
		return false;
	}
	if (offset > OFFSET_MAX || offset < -OFFSET_MAX) {
		log_err("rtc", "%s: saved clock offset %" PRId64 " s is outside +-2^38 s", name,
			offset);
		return false;
	}
	if (ram[REG_A] & A_UIP || ram[REG_C] & 0x0f) {
		log_err("rtc", "%s: saved register A 0x%02x or C 0x%02x has a bit no write sets",
			name, ram[REG_A], ram[REG_C]);
		return false;
	}
	/* kvmini keeps IRQF as "a flag and its enable both set" after every access. */
	if (!(ram[REG_C] & C_IRQF) != !rtc_irqf(ram[REG_B], ram[REG_C])) {
		log_err("rtc", "%s: saved register C 0x%02x %s IRQF, which register B 0x%02x "
			"says it %s", name, ram[REG_C], ram[REG_C] & C_IRQF ? "has" : "lacks",
			ram[REG_B], rtc_irqf(ram[REG_B], ram[REG_C]) ? "needs" : "cannot have");
		return false;
	}
	/* A pending date is only one while SET; it need not exist yet, but each field must fit. */
	if (ram[REG_B] & B_SET &&
	    (pending->sec > 59 || pending->min > 59 || pending->hour > 23 || !pending->mday ||
	     pending->mday > 31 || !pending->mon || pending->mon > 12 || pending->year > 9999)) {
		log_err("rtc", "%s: saved pending date %04d-%02d-%02d %02d:%02d:%02d has a field "
			"out of range", name, pending->year, pending->mon, pending->mday,
			pending->hour, pending->min, pending->sec);
		return false;
	}
	return true;
}

static int rtc_load(struct device *dev, struct state_buf *in)
{
	struct mc146818 *r = to_rtc(dev);
	uint8_t version = state_get_u8(in), index = state_get_u8(in), ram[CMOS_SIZE];
	int64_t offset = (int64_t)state_get_u64(in);
	struct rtc_date pending;

	pending.sec = state_get_u8(in);
	pending.min = state_get_u8(in);
	pending.hour = state_get_u8(in);
	pending.mday = state_get_u8(in);
	pending.mon = state_get_u8(in);
	pending.year = state_get_u16(in);
	state_get_bytes(in, ram, sizeof(ram));
	if (state_read_done(in)) {
		log_err("rtc", "%s: saved state is %zu bytes; an MC146818's is %d", dev->name,
			in->len, MC146818_STATE_LEN);
		return -EINVAL;
	}
	if (version != MC146818_STATE_VERSION) {
		log_err("rtc", "%s: saved state version %u; this kvmini reads version %u",
			dev->name, version, MC146818_STATE_VERSION);
		return -EINVAL;
	}
	if (!rtc_state_valid(r, index, offset, &pending, ram))
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->index = index;
	r->offset = offset;
	r->pending = pending;
	memcpy(r->ram, ram, sizeof(ram));
	r->c_read_second = host_now().tv_sec;
	rtc_timers_update(r);
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc_close_timer(struct mc146818 *r, struct ev_source *src)
{
	if (src->fd < 0)
		return;
	if (src->added)
		evloop_del(&r->dev.vm->loop, src);
	close(src->fd);
}

static void rtc_destroy(struct device *dev)
{
	struct mc146818 *r = to_rtc(dev);

	rtc_close_timer(r, &r->tick);
	rtc_close_timer(r, &r->periodic);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct device_ops mc146818_ops = {
	.type = "mc146818",
	.read = rtc_read,
	.write = rtc_write,
	.realize = rtc_realize,
	.reset = rtc_reset,
	.save = rtc_save,
	.load = rtc_load,
	.destroy = rtc_destroy,
};

int mc146818_create(uint16_t port, struct device **out)
{
	struct mc146818 *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	device_init(&r->dev, &mc146818_ops, port, MC146818_PORTS);
	device_use_ports(&r->dev, MC146818_PORTS);
	pthread_mutex_init(&r->lock, NULL);
	r->ram[REG_A] = A_POWER_ON;
	r->ram[REG_B] = B_POWER_ON;
	r->c_read_second = host_now().tv_sec;
	r->tick = (struct ev_source){ .fd = -1, .ready = rtc_tick_ready, .name = r->dev.name };
	r->periodic = (struct ev_source){ .fd = -1, .ready = rtc_periodic_ready,
					  .name = r->dev.name };
	*out = &r->dev;
	return 0;
}
