// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exits the register tests take while their patterns are live: each
 * a different path through KVM and the VMM.
 */
#ifndef KVMINI_X86_GUEST_EXITS_H
#define KVMINI_X86_GUEST_EXITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum exit_kind {
	EXIT_PIO,		/* OUT to the test device's port: to the VMM */
	EXIT_MMIO,		/* a store to the test device's PING: to the VMM */
	EXIT_CPUID,		/* always intercepted, handled in KVM */
	EXIT_MSR,		/* WRMSR and RDMSR, handled in KVM */
	EXIT_HLT,		/* HLT, woken by the in-kernel LAPIC timer */
	EXIT_ROUNDTRIP,		/* TESTDEV_REQ_REGS_ROUNDTRIP */
	EXIT_MOVE,		/* TESTDEV_REQ_REGS_MOVE */
	EXIT_PAUSE,		/* TESTDEV_REQ_PAUSE_ROUNDTRIP */
	EXIT_KINDS,
};

struct cpu_ctx;

/* "pio exits", "register round trips": what a test's name says it is across. */
const char *exit_title(enum exit_kind kind);
/* Requests that build a VM or stop every vCPU: run fewer rounds of them. */
bool exit_is_heavy(enum exit_kind kind);
/*
 * Take one exit of @kind. @tag is the PING value (TESTDEV_PING_VEC when
 * XMM/YMM hold patterns, else 0); @value seeds what the MSR exit writes.
 * False, with the reason in @err, if the exit itself misbehaved.
 * Only general registers are touched.
 */
bool exit_take(const struct cpu_ctx *ctx, enum exit_kind kind, uint32_t tag,
	       uint64_t value, char *err, size_t err_size);
/* After a request's exit: did the VMM do it? True for the other kinds. */
bool exit_request_done(enum exit_kind kind, char *err, size_t err_size);

#endif
