// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ending the run: the status goes to the test device, then SLP_EN in the
 * ACPI sleep control register powers the machine off. Should that return, the
 * vCPU parks and the VMM's own timeout catches it.
 */
#include "testdev.h"

void guest_exit(unsigned int status)
{
	testdev_write32(TESTDEV_EXIT_STATUS, status);
	outb(SLEEP_CONTROL_PORT, SLP_EN);
	cpu_park();
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
