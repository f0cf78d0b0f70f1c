// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local APIC (in-kernel, xAPIC mode, MMIO at X86_LAPIC_BASE): its timer
 * wakes a HLT. Shared with assembly (idt.S's timer handler writes EOI).
 */
#ifndef KVMINI_X86_GUEST_APIC_H
#define KVMINI_X86_GUEST_APIC_H

#define LAPIC_BASE		0xfee00000
/* Register offsets (SDM vol. 3, "Local APIC Register Address Map"). */
#define LAPIC_ID		0x020
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0	/* spurious-interrupt vector */
#define LAPIC_IRR		0x200	/* 8 registers, 0x10 apart */
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_TIMER_INITIAL	0x380
#define LAPIC_TIMER_CURRENT	0x390
#define LAPIC_TIMER_DIVIDE	0x3e0
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
/* The 8259 PICs' data ports: writing 0xff masks every line. */
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_DATA		0xa1

#define TIMER_VECTOR		0x40
#define SPURIOUS_VECTOR		0xff

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAPIC_SVR_ENABLE	(1U << 8)	/* APIC software enable */
#define LAPIC_LVT_MASKED	(1U << 16)
#define LAPIC_LVT_ONESHOT	(0U << 17)	/* timer mode, bits 18:17 */
#define LAPIC_DIVIDE_BY_1	0xb		/* bits 3, 1:0 = 1011b */
#define APIC_BASE_X2APIC	(1UL << 10)	/* IA32_APIC_BASE.EXTD */
#define APIC_BASE_ENABLE	(1UL << 11)	/* IA32_APIC_BASE.EN */
#define APIC_BASE_ADDR_MASK	0xffffff000UL

/* Timer interrupts taken per vCPU; idt.S's handler counts them. */
extern uint32_t timer_ticks[];

/* The local APIC's ID register: bits 31:24 in xAPIC mode. */
unsigned int apic_id(void);
/*
 * Enable this vCPU's local APIC with the timer one-shot on TIMER_VECTOR,
 * then check that a timer interrupt arrives (polled, no HLT). False, with
 * the reason in @err, if not: then HLT must not be used.
 */
bool apic_timer_setup(char *err, size_t err_size);
/* Arm the timer and HLT until its interrupt has been taken. */
bool apic_timer_hlt(char *err, size_t err_size);

#endif
#endif
