// SPDX-License-Identifier: GPL-2.0-only
#include "apic.h"
#include "exits.h"
#include "lib/print.h"
#include "testdev.h"
#include "tests.h"

static const char *const titles[EXIT_KINDS] = {
	[EXIT_PIO] = "pio exits",
	[EXIT_MMIO] = "mmio exits",
	[EXIT_CPUID] = "cpuid exits",
	[EXIT_MSR] = "msr exits",
	[EXIT_HLT] = "hlt exits",
	[EXIT_ROUNDTRIP] = "register round trips",
	[EXIT_MOVE] = "register moves to a new VM",
	[EXIT_PAUSE] = "pauses of every vCPU with their registers round-tripped",
};

const char *exit_title(enum exit_kind kind)
{
	return titles[kind];
}

bool exit_is_heavy(enum exit_kind kind)
{
	return kind == EXIT_MOVE || kind == EXIT_PAUSE;
}

/* KVM answers from the vCPU's CPUID table: it must not change. */
static bool exit_cpuid(const struct cpu_ctx *ctx, char *err, size_t err_size)
{
	struct cpuid_regs want = ctx->feat.leaf0, got = cpuid(0, 0);

	if (got.eax == want.eax && got.ebx == want.ebx &&
	    got.ecx == want.ecx && got.edx == want.edx)
		return true;
	snprintf(err, err_size, "CPUID leaf 0 changed: eax ebx ecx edx "
		 "0x%x 0x%x 0x%x 0x%x, first 0x%x 0x%x 0x%x 0x%x", got.eax,
		 got.ebx, got.ecx, got.edx, want.eax, want.ebx, want.ecx,
		 want.edx);
	return false;
}

/*
 * A PAT value any CPU accepts: PA0 stays write-back (the identity map's
 * pages all select PA0), PA1-PA7 get memory types picked by @seed.
 */
static uint64_t pat_value(uint64_t seed)
{
	static const uint8_t types[] = { 0, 1, 4, 5, 6, 7 };	/* UC WC WT WP WB UC- */
	uint64_t pat = 6;

	for (unsigned int i = 1; i < 8; i++)
		pat |= (uint64_t)types[(seed >> (8 * i)) % sizeof(types)] << (8 * i);
	return pat;
}

static bool exit_msr(const struct cpu_ctx *ctx, uint64_t seed, char *err,
		     size_t err_size)
{
	uint32_t msr = ctx->feat.exit_msr;
	uint64_t old = 0, val, got;

	if (msr == MSR_IA32_CR_PAT) {
		old = rdmsr(msr);
		val = pat_value(seed);
	} else {
		val = (uint32_t)seed;	/* TSC_AUX: KVM refuses the upper half */
	}
	wrmsr(msr, val);
	got = rdmsr(msr);
	if (msr == MSR_IA32_CR_PAT)
		wrmsr(msr, old);
	if (got == val)
		return true;
	snprintf(err, err_size, "%s (0x%x) read back 0x%lx after a write of "
		 "0x%lx", ctx->feat.exit_msr_name, msr, got, val);
	return false;
}

bool exit_take(const struct cpu_ctx *ctx, enum exit_kind kind, uint32_t tag,
	       uint64_t value, char *err, size_t err_size)
{
	switch (kind) {
	case EXIT_PIO:
		testdev_ping_pio(tag);
		return true;
	case EXIT_MMIO:
		testdev_write32(TESTDEV_PING, tag);
		return true;
	case EXIT_CPUID:
		return exit_cpuid(ctx, err, err_size);
	case EXIT_MSR:
		return exit_msr(ctx, value, err, err_size);
	case EXIT_HLT:
		return apic_timer_hlt(err, err_size);
	case EXIT_ROUNDTRIP:
		testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_REGS_ROUNDTRIP);
		return true;
	case EXIT_MOVE:
		testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_REGS_MOVE);
		return true;
	case EXIT_PAUSE:
		testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_PAUSE_ROUNDTRIP);
		return true;
	case EXIT_KINDS:
		break;
	}
	snprintf(err, err_size, "no exit kind %u", kind);
	return false;
}

bool exit_request_done(enum exit_kind kind, char *err, size_t err_size)
{
	uint32_t status;

	if (kind != EXIT_ROUNDTRIP && kind != EXIT_MOVE && kind != EXIT_PAUSE)
		return true;
	status = testdev_read32(TESTDEV_REQUEST_STATUS);
	if (!status)
		return true;
	snprintf(err, err_size, "%s: REQUEST_STATUS is %u (%s)", titles[kind],
		 status, testdev_errno_name(status));
	return false;
}
