/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Motorola MC146818 real-time clock of PCs (the "CMOS RTC"): an index
 * port and a data port in front of 128 bytes - the date and time, an
 * alarm, control registers A-D, the century at 0x32 (the FADT names it)
 * and battery-backed RAM. The date is the host's CLOCK_REALTIME plus the
 * offset the guest last set (UTC, as QEMU's default), so it runs on while
 * the VM is paused or saved, as a battery-backed clock does. Its interrupt
 * (IRQ 8) follows IRQF: up while a flag and its enable are both set, down
 * when the guest reads register C.
 */
#ifndef KVMINI_MC146818_H
#define KVMINI_MC146818_H

#include <stdint.h>

#include <kvmini/compiler.h>

struct device;

#define MC146818_PORTS		2	/* index, data */
#define MC146818_CENTURY	0x32	/* the register of the century (BCD or binary) */

/* The RTC on ports port and port + 1. */
int __must_check mc146818_create(uint16_t port, struct device **out);

#endif
