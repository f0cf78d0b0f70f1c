// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ending the run: the status goes to the test device, then the machine is
 * powered off. If SYSTEM_OFF returns (it should not), sleep forever so the
 * VMM's own timeout catches it.
 */
#include "lib/psci.h"
#include "lib/sysreg.h"
#include "lib/testdev.h"

void guest_exit(unsigned int status)
{
	testdev_write32(TESTDEV_EXIT_STATUS, status);
	psci_system_off();
	cpu_halt();
}
