// SPDX-License-Identifier: GPL-2.0-only
#include "lib/print.h"
#include "lib/timer.h"
#include "tests/wfi_exit.h"

/* Long enough that the CPU is normally asleep in WFI when the timer fires. */
#define WFI_TIMER_DELAY_US	50
/*
 * A working timer fires within microseconds. The deadline is generous
 * because an emulated host under load can deschedule a vCPU for over a
 * second (seen with 4 vCPUs on 2 cores); ten seconds still means never.
 */
#define WFI_WAKE_TIMEOUT_MS	10000

/* Wake-ups for other reasons than the timer just loop. */
bool wfi_exit_timer(char *err, size_t err_size)
{
	uint64_t delay = timer_ticks_from_us(WFI_TIMER_DELAY_US);
	uint64_t deadline = timer_deadline_ms(WFI_WAKE_TIMEOUT_MS);

	timer_virt_arm(delay ? delay : 1);
	while (!timer_virt_fired()) {
		/*
		 * ISTATUS read once more past the deadline: a vCPU stopped
		 * between the two reads (by the host's scheduler, say) comes
		 * back with the counter past both the timer and the deadline.
		 * Seen once in a restored 2-vCPU run, with CNTV_CTL_EL0 0x5
		 * (fired) in the report.
		 */
		if (timer_passed(deadline) && !timer_virt_fired()) {
			snprintf(err, err_size,
				 "virtual timer did not fire within %u ms "
				 "(CNTV_CTL_EL0=0x%lx)", WFI_WAKE_TIMEOUT_MS,
				 read_sysreg(cntv_ctl_el0));
			timer_virt_disable();
			return false;
		}
		wfi();
	}
	timer_virt_disable();
	return true;
}
