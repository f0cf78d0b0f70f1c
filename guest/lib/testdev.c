// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ending the run: the status goes to the test device, then the machine is
 * powered off the architecture's way (arch.h), which parks the CPU should
 * that return. Also the names of REQUEST_STATUS values.
 */
#include "lib/testdev.h"

void guest_exit(unsigned int status)
{
	testdev_write32(TESTDEV_EXIT_STATUS, status);
	arch_system_off();
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
