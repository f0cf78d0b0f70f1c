/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 feature ID registers as pure data: every register KVM exposes
 * in op0=3, op1=0, CRn=0, CRm=0..7 (MPIDR_EL1 aside: it names a vCPU, not
 * a feature), each field's name, position, signedness and the rule KVM
 * applies when userspace writes a value other than its own (the "limit",
 * what a new vCPU reads).
 *
 * Facts from the Arm ARM, the kernel's arch/arm64/tools/sysreg (names and
 * positions) and arch/arm64/kernel/cpufeature.c (the rules, as Linux 6.12's
 * arch/arm64/kvm/sys_regs.c applies them in arm64_check_features()).
 * Restated here so this builds and is tested on any machine.
 */
#ifndef KVMINI_ARM64_IDREG_TABLE_H
#define KVMINI_ARM64_IDREG_TABLE_H

#include <kvmini/compiler.h>

/* What KVM accepts for a field, given its limit (what a new vCPU reads). */
enum idreg_rule {
	/*
	 * No rule: KVM checks no value but its own (the field is not in the
	 * kernel's cpufeature table for the register). Also every bit that
	 * no field here covers.
	 */
	IDREG_FIXED,
	IDREG_LOWER_SAFE,		/* any value <= the limit */
	IDREG_HIGHER_SAFE,		/* any value >= the limit */
	IDREG_HIGHER_OR_ZERO_SAFE,	/* >= the limit, and 0 counts as the highest */
	IDREG_EXACT,			/* the limit, or the field's one safe value */
};

struct idreg_field {
	const char *name;		/* as the Arm ARM and the kernel spell it */
	uint8_t shift, width;		/* bits [shift + width - 1 : shift] */
	bool sign;			/* two's complement: 0xf is -1, "not implemented" */
	uint8_t rule;			/* enum idreg_rule */
	uint8_t safe;			/* IDREG_EXACT: the value accepted besides the limit */
};

enum idreg_flags {
	IDREG_UNALLOCATED = 1 << 0,	/* no register: reads as zero, KVM accepts only zero */
	IDREG_AARCH32 = 1 << 1,		/* an AArch32 feature register (CRm 1..3) */
	IDREG_PER_VCPU = 1 << 2,	/* MIDR/REVIDR: per vCPU, not per VM */
};

struct idreg_desc {
	const char *name;		/* "ID_AA64ISAR0_EL1"; "S3_0_C0_C3_3" when unallocated */
	uint8_t crm, op2;		/* op0=3, op1=0, CRn=0 */
	uint8_t flags;
	const struct idreg_field *fields;
	unsigned int nr_fields;
};

/* Index of each register in idreg_table(); fixed at build time. */
#define IDREG_COUNT 58

const struct idreg_desc *idreg_table(void);
/* By name, case-insensitively ("id_aa64isar0_el1" too); NULL if unknown. */
const struct idreg_desc *idreg_by_name(const char *name);
/* By encoding; NULL outside the table. */
const struct idreg_desc *idreg_by_enc(unsigned int crm, unsigned int op2);
static inline unsigned int idreg_index(const struct idreg_desc *d)
{
	return (unsigned int)(d - idreg_table());
}
/* A field of a register by name, case-insensitively; NULL if none. */
const struct idreg_field *idreg_field_by_name(const struct idreg_desc *d,
					      const char *name);
/* The field holding bit `bit` of the register, or NULL. */
const struct idreg_field *idreg_field_at(const struct idreg_desc *d, unsigned int bit);

/* The ONE_REG id of a register (KVM_REG_ARM64_SYSREG, 64 bits). */
uint64_t idreg_reg_id(const struct idreg_desc *d);

static inline uint64_t idreg_field_mask(const struct idreg_field *f)
{
	uint64_t ones = f->width >= 64 ? ~0ULL : (1ULL << f->width) - 1;

	return ones << f->shift;
}

static inline uint64_t idreg_field_get(const struct idreg_field *f, uint64_t reg)
{
	return (reg & idreg_field_mask(f)) >> f->shift;
}

static inline uint64_t idreg_field_set(const struct idreg_field *f, uint64_t reg,
				       uint64_t val)
{
	return (reg & ~idreg_field_mask(f)) | ((val << f->shift) & idreg_field_mask(f));
}

/* The largest value the field can hold (as an unsigned bit pattern). */
static inline uint64_t idreg_field_max(const struct idreg_field *f)
{
	return f->width >= 64 ? ~0ULL : (1ULL << f->width) - 1;
}

/* A field value as the rules compare it: sign-extended for signed fields. */
int64_t idreg_field_signed(const struct idreg_field *f, uint64_t val);

/* The bits of a register no field covers. */
uint64_t idreg_unknown_mask(const struct idreg_desc *d);

/* "LOWER_SAFE" ... "FIXED" */
const char *idreg_rule_name(enum idreg_rule rule);
/* What the rule accepts, in words, for messages: "at most the host's value". */
const char *idreg_rule_text(enum idreg_rule rule);

/*
 * Would KVM accept `want` for this field, given its limit? The kernel's
 * arm64_check_features(): equal is always fine; otherwise the rule's safe
 * value of (want, limit) must be want. Writability (the mask) is separate.
 */
bool idreg_rule_accepts(const struct idreg_field *f, uint64_t want, uint64_t limit);

/*
 * The most capable value every one of a and b accepts under the field's
 * rule, for models meant to run on several hosts: the lower of the two for
 * LOWER_SAFE (signed fields compared as signed), the higher for
 * HIGHER_SAFE, 0 if either is 0 for HIGHER_OR_ZERO_SAFE, the safe value
 * for EXACT. -EINVAL for IDREG_FIXED fields that differ: no value is safe.
 */
int idreg_rule_meet(const struct idreg_field *f, uint64_t a, uint64_t b, uint64_t *out);

/*
 * A value the field's rule forbids for this limit (nearest to it first:
 * one above, one below, two above, two below), for probing a host's KVM:
 * false when each of those is allowed.
 */
bool idreg_rule_forbidden(const struct idreg_field *f, uint64_t limit, uint64_t *out);

/*
 * Values KVM's register-specific setters refuse whatever the rule says
 * (Linux 6.12: ID_AA64DFR0_EL1.DebugVer below 6, ID_DFR0_EL1.CopDbg below
 * 6, ID_DFR0_EL1.PerfMon 1 or 2). Returns why, or NULL if none applies.
 */
const char *idreg_kvm_refuses(const struct idreg_desc *d, const struct idreg_field *f,
			      uint64_t val);

/* A field value as text: decimal up to 4 bits, else 0x hex. */
void idreg_value_format(const struct idreg_field *f, uint64_t val, char *buf, size_t len);

#endif
