// SPDX-License-Identifier: GPL-2.0-only
/*
 * The EL1 virtual counter and timer: CNTVCT_EL0 for timeouts, CNTV_* to
 * wake a WFI with PPI 27.
 */
#ifndef KVMINI_GUEST_TIMER_H
#define KVMINI_GUEST_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/sysreg.h"

#define TIMER_VIRT_PPI		27

#define CNTV_CTL_ENABLE		(1UL << 0)
#define CNTV_CTL_IMASK		(1UL << 1)
#define CNTV_CTL_ISTATUS	(1UL << 2)

/* Used only if CNTFRQ_EL0 reads 0, so timeouts still end eventually. */
#define TIMER_FALLBACK_FREQ	62500000UL

static inline uint64_t timer_freq(void)
{
	uint64_t freq = read_sysreg(cntfrq_el0) & 0xffffffffUL;

	return freq ? freq : TIMER_FALLBACK_FREQ;
}

/* The ISB keeps the counter read from being hoisted above earlier work. */
static inline uint64_t timer_now(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

static inline uint64_t timer_ticks_from_us(uint64_t us)
{
	return timer_freq() * us / 1000000;
}

static inline uint64_t timer_deadline_ms(uint64_t ms)
{
	return timer_now() + timer_ticks_from_us(ms * 1000);
}

static inline bool timer_passed(uint64_t deadline)
{
	return timer_now() >= deadline;
}

static inline void timer_virt_disable(void)
{
	write_sysreg(0, cntv_ctl_el0);
	isb();
}

/* Arm the virtual timer to fire @ticks from now, interrupt unmasked. */
static inline void timer_virt_arm(uint64_t ticks)
{
	write_sysreg(ticks, cntv_tval_el0);
	write_sysreg(CNTV_CTL_ENABLE, cntv_ctl_el0);
	isb();
}

/*
 * The event stream: a WFE wake-up every time bit @bit of the virtual count
 * goes from 0 to 1, i.e. every 2^(bit + 1) ticks. Lets a polling loop
 * sleep in WFE (which a hypervisor can use to run other vCPUs) without
 * any interrupt set up.
 */
#define CNTKCTL_EVNTEN		(1UL << 2)
#define CNTKCTL_EVNTI_SHIFT	4

static inline void timer_event_stream_enable(unsigned int bit)
{
	uint64_t evnti = (uint64_t)(bit & 15) << CNTKCTL_EVNTI_SHIFT;

	write_sysreg(evnti | CNTKCTL_EVNTEN, cntkctl_el1);
	isb();
}

static inline void timer_event_stream_disable(void)
{
	write_sysreg(0, cntkctl_el1);
	isb();
}

static inline bool timer_virt_fired(void)
{
	return read_sysreg(cntv_ctl_el0) & CNTV_CTL_ISTATUS;
}

#endif
