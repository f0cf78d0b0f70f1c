// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local APIC timer, one-shot, as the wake-up of a HLT exit. KVM's
 * in-kernel LAPIC runs it; a HLT that no interrupt ends never returns and
 * no timeout can help then, so apic_timer_setup first checks, without HLT,
 * that the timer's interrupt really arrives.
 */
#include "apic.h"
#include "lib/print.h"
#include "percpu.h"
#include "x86.h"

/* Small: the probe polls the count down to zero. */
#define PROBE_TIMER_COUNT	1000
/*
 * Long enough that the vCPU is normally asleep in HLT when the timer fires:
 * ~50 us at KVM's default 1 GHz APIC bus clock (the divider is 1).
 */
#define HLT_TIMER_COUNT		50000
/* Bounds that mean "never" on any host, however loaded. */
#define PROBE_POLLS		10000000UL
#define PROBE_SPINS		(1UL << 26)
#define HLT_WAKEUPS_MAX		1000000UL

uint32_t timer_ticks[MAX_CPUS];

static uint32_t lapic_read(unsigned int reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(unsigned int reg, uint32_t val)
{
	mmio_write32(LAPIC_BASE + reg, val);
}

static uint32_t ticks(unsigned int cpu)
{
	return __atomic_load_n(&timer_ticks[cpu], __ATOMIC_ACQUIRE);
}

unsigned int apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* The IRR bit of the timer's vector: set while its interrupt is pending. */
static unsigned int timer_irr_bit(void)
{
	uint32_t irr = lapic_read(LAPIC_IRR + (TIMER_VECTOR / 32) * 0x10);

	return (irr >> (TIMER_VECTOR % 32)) & 1;
}

bool apic_timer_setup(char *err, size_t err_size)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	unsigned int cpu = this_cpu();
	unsigned long n;
	uint32_t before;

	if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_X2APIC) ||
	    (base & APIC_BASE_ADDR_MASK) != LAPIC_BASE) {
		snprintf(err, err_size, "IA32_APIC_BASE is 0x%lx: want the "
			 "local APIC enabled in xAPIC mode at 0x%x", base,
			 LAPIC_BASE);
		return false;
	}
	/*
	 * Only the timer may interrupt: KVM leaves the BSP's LINT0 as an
	 * unmasked ExtINT, and the in-kernel 8259s, never programmed, would
	 * deliver an ISA line at vector 0-15 (an exception vector).
	 */
	outb(PIC_MASTER_DATA, 0xff);
	outb(PIC_SLAVE_DATA, 0xff);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_1);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_ONESHOT | TIMER_VECTOR);

	before = ticks(cpu);
	lapic_write(LAPIC_TIMER_INITIAL, PROBE_TIMER_COUNT);
	for (n = 0; lapic_read(LAPIC_TIMER_CURRENT); n++) {
		if (n == PROBE_POLLS) {
			snprintf(err, err_size, "LAPIC timer: current count "
				 "still %u after %lu reads (initial %u, LVT "
				 "0x%x)", lapic_read(LAPIC_TIMER_CURRENT), n,
				 PROBE_TIMER_COUNT, lapic_read(LAPIC_LVT_TIMER));
			lapic_write(LAPIC_TIMER_INITIAL, 0);
			return false;
		}
	}
	/* Counted down, so the interrupt is due: take it with a plain spin. */
	irq_enable();
	for (n = 0; n < PROBE_SPINS && ticks(cpu) == before; n++)
		cpu_relax();
	irq_disable();
	/* Stopped, not just expired: nothing may re-arm it before the next test. */
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	if (ticks(cpu) != before)
		return true;
	snprintf(err, err_size, "LAPIC timer counted down, but its interrupt "
		 "(vector 0x%x) never came (IRR bit %u, SVR 0x%x, LVT 0x%x)",
		 TIMER_VECTOR, timer_irr_bit(), lapic_read(LAPIC_SVR),
		 lapic_read(LAPIC_LVT_TIMER));
	return false;
}

/* Wake-ups for other reasons than the timer just sleep again. */
bool apic_timer_hlt(char *err, size_t err_size)
{
	unsigned int cpu = this_cpu();
	uint32_t before = ticks(cpu);

	lapic_write(LAPIC_TIMER_INITIAL, HLT_TIMER_COUNT);
	for (unsigned long wakeups = 0; ticks(cpu) == before; wakeups++) {
		if (wakeups == HLT_WAKEUPS_MAX) {
			snprintf(err, err_size, "%lu HLT wake-ups without the "
				 "timer's interrupt (current count %u)", wakeups,
				 lapic_read(LAPIC_TIMER_CURRENT));
			lapic_write(LAPIC_TIMER_INITIAL, 0);
			return false;
		}
		sti_hlt_cli();
	}
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	return true;
}
