// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic timer's state across exits: the host must switch the
 * virtual and physical timers' compare values and controls with the vCPU,
 * keep the virtual counter monotonic, and show the guest the counter the
 * VM's offset gives (KVM's own view, checked by the VMM).
 */
#ifndef KVMINI_GUEST_TESTS_CLOCK_H
#define KVMINI_GUEST_TESTS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct clock_result {
	bool ran;
	uint32_t rounds_done;
	uint32_t bad_checks;
	char error[160];	/* the first failure */
};

/* @rounds rounds, each across an MMIO and an HVC exit. */
void clock_test_run(uint32_t rounds, struct clock_result *res, uint64_t *progress);

#endif
