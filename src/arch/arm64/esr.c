// SPDX-License-Identifier: GPL-2.0-only
/* Exception syndromes (ESR_ELx) in words, for guest exception reports. */
#include <stdio.h>

#include <kvmini/arch.h>

static const char *esr_class_name(unsigned int ec)
{
	switch (ec) {
	case 0x00: return "unknown reason (an undefined instruction?)";
	case 0x01: return "trapped WFI/WFE";
	case 0x07: return "trapped FP/SIMD/SVE access";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC";
	case 0x16: return "HVC";
	case 0x17: return "SMC";
	case 0x18: return "trapped MSR/MRS/system instruction";
	case 0x19: return "trapped SVE access";
	case 0x20: case 0x21: return "instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: case 0x25: return "data abort";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "floating-point exception";
	case 0x2f: return "SError";
	case 0x30: case 0x31: return "breakpoint";
	case 0x32: case 0x33: return "software step";
	case 0x34: case 0x35: return "watchpoint";
	case 0x3c: return "BRK instruction";
	}
	return "unallocated exception class";
}

static const char *esr_fault_name(unsigned int fsc)
{
	if (fsc <= 0x03) return "address size fault";
	if (fsc <= 0x07) return "translation fault";
	if (fsc >= 0x09 && fsc <= 0x0b) return "access flag fault";
	if (fsc >= 0x0d && fsc <= 0x0f) return "permission fault";
	switch (fsc) {
	case 0x10: return "synchronous external abort";
	case 0x11: return "tag check fault";
	case 0x21: return "alignment fault";
	}
	return "other fault";
}

void arch_describe_exception(uint64_t esr, char *buf, size_t len)
{
	unsigned int ec = (unsigned int)(esr >> 26) & 0x3f;
	unsigned int fsc = (unsigned int)esr & 0x3f;

	if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25)
		snprintf(buf, len, "EC 0x%02x %s: %s (FSC 0x%02x, level %u)", ec,
			 esr_class_name(ec), esr_fault_name(fsc), fsc, fsc & 3);
	else
		snprintf(buf, len, "EC 0x%02x %s", ec, esr_class_name(ec));
}
