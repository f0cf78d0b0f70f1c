// SPDX-License-Identifier: GPL-2.0-only
/*
 * PSCI calls. SMCCC v1.0 lets the callee clobber x0-x17, so all of them
 * are declared as clobbered; v1.1+ callees preserve x4-x17, which is fine.
 */
#include "lib/psci.h"
#include "lib/sysreg.h"

static uint64_t psci_call(uint64_t fn, uint64_t arg1, uint64_t arg2,
			  uint64_t arg3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = arg1;
	register uint64_t x2 __asm__("x2") = arg2;
	register uint64_t x3 __asm__("x3") = arg3;

	__asm__ volatile("hvc #0"
			 : "+r" (x0), "+r" (x1), "+r" (x2), "+r" (x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
			   "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

uint32_t psci_version(void)
{
	return (uint32_t)psci_call(PSCI_FN_PSCI_VERSION, 0, 0, 0);
}

int64_t psci_cpu_on(uint64_t target_mpidr, uintptr_t entry, uint64_t context_id)
{
	/* The new CPU must see everything we wrote before it starts. */
	dsb(ish);
	/* PSCI returns a 32-bit signed code even for SMC64 calls. */
	return (int32_t)psci_call(PSCI_FN64_CPU_ON, target_mpidr, entry,
				  context_id);
}

int64_t psci_affinity_info(uint64_t target_mpidr)
{
	/* Lowest affinity level 0: ask about exactly this CPU. */
	return (int32_t)psci_call(PSCI_FN64_AFFINITY_INFO, target_mpidr, 0, 0);
}

void psci_system_off(void)
{
	/* Let the VMM see all earlier MMIO writes (the exit status) first. */
	dsb(sy);
	psci_call(PSCI_FN_SYSTEM_OFF, 0, 0, 0);
}

const char *psci_error_name(int64_t ret)
{
	switch (ret) {
	case 0:
		return "SUCCESS";
	case -1:
		return "NOT_SUPPORTED";
	case -2:
		return "INVALID_PARAMETERS";
	case -3:
		return "DENIED";
	case -4:
		return "ALREADY_ON";
	case -5:
		return "ON_PENDING";
	case -6:
		return "INTERNAL_FAILURE";
	case -7:
		return "NOT_PRESENT";
	case -8:
		return "DISABLED";
	case -9:
		return "INVALID_ADDRESS";
	default:
		return "unknown error";
	}
}
