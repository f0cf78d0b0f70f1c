// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a CPU model promises the guest, checked from inside: every ID
 * register as the guest reads it goes to the VMM, which compares it with
 * the model it applied; and without SVE in ID_AA64PFR0_EL1 an SVE
 * instruction must be undefined, not merely unadvertised.
 */
#include "exceptions.h"
#include "lib/print.h"
#include "lib/tap.h"
#include "lib/testdev.h"
#include "tests/tests.h"

uint64_t idreg_read(unsigned int index);

#define IDREG_INDEX(crm, op2)	((crm) * 8 + (op2))
#define IDREG_MIDR		IDREG_INDEX(0, 0)
#define IDREG_REVIDR		IDREG_INDEX(0, 6)
#define IDREG_PFR0		IDREG_INDEX(4, 0)
#define PFR0_SVE(v)		(((v) >> 32) & 0xf)

static uint64_t idregs[64] __attribute__((aligned(8)));

void check_id_registers(void)
{
	uint32_t status;

	for (unsigned int i = 0; i < 64; i++) {
		/* In CRm 0 only MIDR and REVIDR are ID registers to compare. */
		bool read = i >= 8 || i == IDREG_MIDR || i == IDREG_REVIDR;

		idregs[i] = read ? idreg_read(i) : 0;
	}
	tap_diag("id registers: PFR0 0x%lx PFR1 0x%lx ZFR0 0x%lx ISAR0 0x%lx "
		 "ISAR1 0x%lx MMFR0 0x%lx", idregs[IDREG_INDEX(4, 0)],
		 idregs[IDREG_INDEX(4, 1)], idregs[IDREG_INDEX(4, 4)],
		 idregs[IDREG_INDEX(6, 0)], idregs[IDREG_INDEX(6, 1)],
		 idregs[IDREG_INDEX(7, 0)]);
	testdev_write64(TESTDEV_REQUEST_ARG, (uint64_t)(uintptr_t)idregs);
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_IDREGS_CHECK);
	status = testdev_read32(TESTDEV_REQUEST_STATUS);
	if (!tap_result(status == 0, "id registers as the VMM set them (64 read)"))
		tap_diag("REQUEST_STATUS is %u (%s): the VMM logged which registers differ",
			 status, testdev_errno_name(status));
}

/* RDVL X0, #1 - the plainest SVE instruction - and the exception class it took. */
static bool try_rdvl(uint64_t *esr)
{
	uint64_t far;

	exc_expect(EXC_EXPECT_ANY_EC);
	__asm__ volatile(".inst 0x04bf5020" : : : "x0", "memory");
	return exc_expect_end(esr, &far);
}

#define CPACR_ZEN	(3UL << 16)

/*
 * Without SVE in ID_AA64PFR0_EL1, RDVL must be UNDEFINED (EC 0x00). A guest
 * that sets CPACR_EL1.ZEN (RES0 without SVE) must get that from KVM. With
 * ZEN clear, SVE hardware traps at EL1 first (EC 0x19, "SVE access") before
 * KVM can hide anything: real non-SVE hardware would say EC 0x00; both are
 * accepted, and the diagnostic says which one this host gave.
 */
void check_sve_undefined(void)
{
	uint64_t cpacr, esr_off = 0, esr_on = 0;
	bool off, on;

	if (PFR0_SVE(idregs[IDREG_PFR0])) {
		tap_skip("this vCPU has SVE", "sve instruction undefined without SVE");
		return;
	}
	__asm__ volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr & ~CPACR_ZEN));
	off = try_rdvl(&esr_off);
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr | CPACR_ZEN));
	on = try_rdvl(&esr_on);
	__asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr));
	tap_diag("RDVL without SVE: EC 0x%02lx with CPACR_EL1.ZEN clear, EC 0x%02lx with it set",
		 off ? ESR_EC(esr_off) : 0xffUL, on ? ESR_EC(esr_on) : 0xffUL);
	tap_result(on && ESR_EC(esr_on) == ESR_EC_UNKNOWN && off &&
		   (ESR_EC(esr_off) == ESR_EC_UNKNOWN || ESR_EC(esr_off) == 0x19),
		   "sve instruction undefined without SVE");
}
