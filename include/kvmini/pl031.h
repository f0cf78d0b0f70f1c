/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ARM PrimeCell PL031 real-time clock (ARM DDI 0224): a seconds
 * counter the guest reads as wall-clock time, a load register to set it,
 * and a match register that raises the interrupt (the kernel's RTC alarm).
 * The counter is the host's CLOCK_REALTIME plus the offset the guest last
 * loaded, so it runs on while the VM is paused or saved, as a battery-
 * backed clock does.
 */
#ifndef KVMINI_PL031_H
#define KVMINI_PL031_H

#include <stdint.h>

#include <kvmini/compiler.h>

struct device;

#define PL031_REGION_SIZE 0x1000

/*
 * The RTC at base; its device-tree node names apb_clock_phandle as its
 * bus clock (an AMBA device needs one to probe).
 */
int __must_check pl031_create(uint64_t base, uint32_t apb_clock_phandle, struct device **out);

#endif
