// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ending the run: the status goes to the test device, then the machine is
 * powered off. If SYSTEM_OFF returns (it should not), sleep forever so the
 * VMM's own timeout catches it. Also the names of REQUEST_STATUS values.
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

const char *testdev_errno_name(uint32_t err)
{
	switch (err) {
	case 1:
		return "EPERM";
	case 2:
		return "ENOENT";
	case 5:
		return "EIO";
	case 7:
		return "E2BIG";
	case 14:
		return "EFAULT";
	case 22:
		return "EINVAL";
	case 34:
		return "ERANGE";
	case 38:
		return "ENOSYS";
	case 95:
		return "EOPNOTSUPP";
	}
	return "?";
}
