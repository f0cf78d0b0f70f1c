// SPDX-License-Identifier: GPL-2.0-only
/*
 * fault=KIND: the guest misbehaves on purpose so the VMM's tests can check
 * its error handling. Each kind has its own small TAP plan.
 */
#include "exceptions.h"
#include "lib/mmio.h"
#include "lib/psci.h"
#include "lib/tap.h"
#include "lib/testdev.h"
#include "tests/tests.h"

/* Guest physical addresses with nothing mapped (Device memory in our map). */
#define UNMAPPED_NEAR_TESTDEV	0x01030000UL
#define UNMAPPED_FAR		0x10000000UL

#define TESTDEV_UNKNOWN_REG	0x800
#define INVALID_EXIT_STATUS	0x1234

/* One PING write must bump the PING count by exactly one. */
static void check_alive(void)
{
	uint32_t before = testdev_read32(TESTDEV_PING), after;

	testdev_write32(TESTDEV_PING, 1);
	after = testdev_read32(TESTDEV_PING);
	tap_result(after == before + 1,
		   "guest still alive (PING count %u -> %u)", before, after);
}

static void check_unmapped_read(uintptr_t addr)
{
	uint32_t val = mmio_read32(addr);

	tap_result(val == 0, "32-bit read from unmapped 0x%08lx returns 0 "
		   "(got 0x%08x)", addr, val);
}

static void check_unmapped_write(uintptr_t addr)
{
	uint32_t val;

	mmio_write32(addr, 0xdeadbeef);
	val = mmio_read32(addr);
	tap_result(val == 0, "32-bit write to unmapped 0x%08lx is dropped "
		   "(reads back 0x%08x)", addr, val);
}

static void __attribute__((noreturn)) mmio_unmapped(void)
{
	check_unmapped_read(UNMAPPED_NEAR_TESTDEV);
	check_unmapped_read(UNMAPPED_FAR);
	check_unmapped_write(UNMAPPED_NEAR_TESTDEV);
	check_unmapped_write(UNMAPPED_FAR);
	check_alive();
	guest_exit(tap_exit_status());
}

static void __attribute__((noreturn)) undef(void)
{
	tap_diag("executing udf #0 with no exception expected: the VMM should "
		 "report vector 4 with ESR.EC=0x00");
	__asm__ volatile("udf #0" : : : "memory");
	/* The exception handler powers off, so this is never reached. */
	tap_result(false, "udf #0 raised an exception");
	guest_exit(EXIT_STATUS_FAIL);
}

static void __attribute__((noreturn)) testdev_garbage(void)
{
	uint32_t val;

	testdev_write32(TESTDEV_UNKNOWN_REG, 0xdeadbeef);
	tap_result(true, "wrote 0xdeadbeef to unknown test device offset 0x%x",
		   TESTDEV_UNKNOWN_REG);
	val = testdev_read32(TESTDEV_EXIT_STATUS);
	tap_result(true, "32-bit read of write-only EXIT_STATUS gave 0x%08x",
		   val);
	testdev_write32(TESTDEV_ID, 0);
	tap_result(true, "32-bit write of 0 to read-only ID");
	val = testdev_read32(TESTDEV_ID);
	tap_result(val == TESTDEV_ID_VALUE,
		   "ID unchanged by the write (0x%08x)", val);
	tap_diag("writing invalid EXIT_STATUS 0x%x, then SYSTEM_OFF",
		 INVALID_EXIT_STATUS);
	testdev_write32(TESTDEV_EXIT_STATUS, INVALID_EXIT_STATUS);
	psci_system_off();
	cpu_halt();
}

/*
 * A load pair has no instruction syndrome, so KVM cannot emulate it as
 * MMIO; the VMM is expected to inject a synchronous external abort.
 */
static void load_pair_from(uintptr_t addr)
{
	register uintptr_t x0 __asm__("x0") = addr;

	__asm__ volatile("ldp x1, x2, [x0]"
			 : : "r" (x0) : "x1", "x2", "memory");
}

static void __attribute__((noreturn)) nisv(void)
{
	uint64_t esr, far;
	bool taken, ok;

	/* Any EC, so that a wrong one gives "not ok" rather than a bail-out. */
	exc_expect(EXC_EXPECT_ANY_EC);
	load_pair_from(UNMAPPED_NEAR_TESTDEV);
	taken = exc_expect_end(&esr, &far);

	ok = taken && ESR_EC(esr) == ESR_EC_DABT_CURRENT &&
	     ESR_DFSC(esr) == ESR_DFSC_SYNC_EXTERNAL &&
	     ((esr & ESR_FNV) || far == UNMAPPED_NEAR_TESTDEV);
	tap_result(ok, "ldp from unmapped MMIO 0x%08lx raised a synchronous "
		   "external abort", UNMAPPED_NEAR_TESTDEV);
	if (taken)
		tap_diag("ESR=0x%lx (EC=0x%02lx DFSC=0x%02lx FnV=%u) FAR=0x%lx",
			 esr, ESR_EC(esr), ESR_DFSC(esr),
			 (esr & ESR_FNV) ? 1 : 0, far);
	else
		tap_diag("no exception was taken");
	check_alive();
	guest_exit(tap_exit_status());
}

void faults_run(const struct machine *m, enum fault_kind kind)
{
	static const unsigned int plans[] = {
		[FAULT_MMIO_UNMAPPED] = 5,
		[FAULT_UNDEF] = 1,
		[FAULT_TESTDEV_GARBAGE] = 4,
		[FAULT_NISV] = 2,
	};

	tap_plan(plans[kind]);
	tests_print_bootargs(m);
	switch (kind) {
	case FAULT_MMIO_UNMAPPED:
		mmio_unmapped();
	case FAULT_UNDEF:
		undef();
	case FAULT_TESTDEV_GARBAGE:
		testdev_garbage();
	case FAULT_NISV:
		nisv();
	}
	tap_bail_out("unknown fault kind %d", kind);
}
