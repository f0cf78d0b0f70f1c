// SPDX-License-Identifier: GPL-2.0-only
/* Timer registers and the counter across exits (see clock.h). */
#include "lib/print.h"
#include "lib/psci.h"
#include "lib/testdev.h"
#include "lib/timer.h"
#include "tests/clock.h"

/* Disabled and masked: the compare values are never reached and fire nothing. */
#define CLOCK_CTL	CNTV_CTL_IMASK
/* About two days at 1 GHz ahead: never reached during a run. */
#define CLOCK_AHEAD	(1UL << 47)

static void fail(struct clock_result *res, const char *what, uint32_t round,
		 const char *exit, uint64_t want, uint64_t found)
{
	if (!res->bad_checks++)
		snprintf(res->error, sizeof(res->error), "round %u: %s 0x%lx after an %s "
			 "exit, want 0x%lx", round, what, found, exit, want);
}

static void check_regs(struct clock_result *res, uint32_t round, const char *exit,
		       uint64_t vcval, uint64_t pcval, uint64_t *last_cnt)
{
	uint64_t now = timer_now();

	if (read_sysreg(cntv_cval_el0) != vcval)
		fail(res, "CNTV_CVAL_EL0", round, exit, vcval, read_sysreg(cntv_cval_el0));
	if ((read_sysreg(cntv_ctl_el0) & 3) != CLOCK_CTL)
		fail(res, "CNTV_CTL_EL0", round, exit, CLOCK_CTL, read_sysreg(cntv_ctl_el0) & 3);
	if (read_sysreg(cntp_cval_el0) != pcval)
		fail(res, "CNTP_CVAL_EL0", round, exit, pcval, read_sysreg(cntp_cval_el0));
	if ((read_sysreg(cntp_ctl_el0) & 3) != CLOCK_CTL)
		fail(res, "CNTP_CTL_EL0", round, exit, CLOCK_CTL, read_sysreg(cntp_ctl_el0) & 3);
	if (now < *last_cnt)
		fail(res, "CNTVCT_EL0 (went backwards)", round, exit, *last_cnt, now);
	*last_cnt = now;
}

void clock_test_run(uint32_t rounds, struct clock_result *res, uint64_t *progress)
{
	uint64_t last = timer_now();
	uint32_t status;

	res->ran = true;
	for (uint32_t i = 0; i < rounds; i++) {
		/* Different per round and per CPU: a stale value cannot match. */
		uint64_t vcval = last + CLOCK_AHEAD + ((uint64_t)i << 12) + read_sysreg(mpidr_el1) % 4096;
		uint64_t pcval = vcval ^ (1UL << 40);

		write_sysreg(CLOCK_CTL, cntv_ctl_el0);
		write_sysreg(CLOCK_CTL, cntp_ctl_el0);
		write_sysreg(vcval, cntv_cval_el0);
		write_sysreg(pcval, cntp_cval_el0);
		isb();
		testdev_write32(TESTDEV_PING, TESTDEV_PING_CLOCK);
		check_regs(res, i, "mmio", vcval, pcval, &last);
		psci_version();
		check_regs(res, i, "hvc", vcval, pcval, &last);

		testdev_write64(TESTDEV_REQUEST_ARG, timer_now());
		testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_COUNTER_CHECK);
		status = testdev_read32(TESTDEV_REQUEST_STATUS);
		if (status && !res->bad_checks++)
			snprintf(res->error, sizeof(res->error), "round %u: the VMM says CNTVCT_EL0 "
				 "is not the VM's virtual counter: REQUEST_STATUS %u (%s); see its "
				 "log", i, status, testdev_errno_name(status));
		res->rounds_done++;
		__atomic_fetch_add(progress, 1, __ATOMIC_RELAXED);
	}
	write_sysreg(0, cntv_ctl_el0);
	write_sysreg(0, cntp_ctl_el0);
	isb();
}
