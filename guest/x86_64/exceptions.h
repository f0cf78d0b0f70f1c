// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IDT: every vector other than the LAPIC timer and spurious vectors is
 * unexpected, reported to the VMM and on the console, and stops the vCPU.
 * Shared with assembly (idt.S).
 */
#ifndef KVMINI_X86_GUEST_EXCEPTIONS_H
#define KVMINI_X86_GUEST_EXCEPTIONS_H

#define IDT_VECTORS		256
#define IDT_STUB_SIZE		16	/* idt.S: one stub per vector, this far apart */

#ifndef __ASSEMBLER__

#include <stdint.h>

/* What idt.S's stubs and exception_common push, lowest address first. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;	/* 0 for vectors without one */
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* vCPU 0, once: fill in the IDT. Every vCPU then loads it. */
void idt_init(void);
void idt_load(void);

/* idt.S's common path, with interrupts masked by the gate. */
void __attribute__((noreturn)) exception_unexpected(struct exc_frame *frame);

#endif
#endif
