/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interrupt line from a device to the VM's in-kernel interrupt
 * controller. The machine file fills in the numbers - KVM_IRQ_LINE's
 * encoding, the irqfd GSI and the device-tree specifier - so a device
 * raises, lowers or pulses its line without knowing the controller or
 * whether the line reaches KVM through an ioctl or an eventfd.
 */
#ifndef KVMINI_IRQ_H
#define KVMINI_IRQ_H

#include <kvmini/compiler.h>

#define IRQ_DT_MAX_CELLS 3

struct irq_line {
	int vm_fd;			/* -1: not connected (unit tests) */
	uint32_t kvm_irq;		/* KVM_IRQ_LINE's irq field */
	uint32_t gsi;			/* KVM_IRQFD's gsi */
	int irqfd;			/* eventfd bound with KVM_IRQFD, or -1 */
	uint32_t dt_spec[IRQ_DT_MAX_CELLS];	/* the "interrupts" specifier */
	unsigned int dt_cells;		/* 0: none (no device tree) */
	bool level;			/* as last set: snapshots save it */
};

/* A line nothing is connected to yet: every operation is a no-op. */
void irq_line_init(struct irq_line *line);
/*
 * Drive a level-sensitive line: KVM_IRQ_LINE when the level changes.
 * Callers serialise (the device's lock); 0 or -errno (logged).
 */
int irq_line_set(struct irq_line *line, bool level);
/*
 * An edge: one write to the irqfd when the line has one (no syscall into
 * KVM on this thread's behalf beyond the eventfd), else KVM_IRQ_LINE up
 * and down.
 */
int irq_line_pulse(struct irq_line *line);
/* Give the line an irqfd (KVM_IRQFD on gsi); pulses then use it. */
int __must_check irq_line_bind_irqfd(struct irq_line *line);
/* Unbind and close the irqfd, if any. */
void irq_line_release(struct irq_line *line);

#endif
