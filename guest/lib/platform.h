// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmini's fixed arm64 memory map, as far as the guest needs to know it.
 * Shared with assembly. guest.ld repeats RAM_BASE as the link address.
 */
#ifndef KVMINI_GUEST_PLATFORM_H
#define KVMINI_GUEST_PLATFORM_H

#define RAM_BASE		0x80000000
#define UART_BASE		0x01000000
#define TESTDEV_BASE		0x01020000

/*
 * The identity map makes everything below RAM_BASE Device memory, so MMIO
 * regions (UART, test device, GIC) must lie below this address.
 */
#define DEVICE_REGION_END	RAM_BASE

#endif
