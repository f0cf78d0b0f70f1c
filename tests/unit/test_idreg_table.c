// SPDX-License-Identifier: GPL-2.0-only
/* The ID register table: consistent, and every safe rule as KVM applies it. */
#include <errno.h>
#include <string.h>

#include "../../src/arch/arm64/idreg_table.h"

#include "tap.h"

static const struct idreg_field *field(const char *reg, const char *name)
{
	const struct idreg_desc *d = idreg_by_name(reg);
	const struct idreg_field *f = d ? idreg_field_by_name(d, name) : NULL;

	if (!f)
		printf("# no field %s.%s in the table\n", reg, name);
	return f;
}

static void table_consistent(void)
{
	const struct idreg_desc *t = idreg_table();
	bool overlap = false, inside = true, sums = true, names = true, order = true;
	bool width = true;
	unsigned int nfields = 0;

	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &t[i];
		uint64_t seen = 0;
		unsigned int sum = 0;

		if (i && (t[i - 1].crm * 8 + t[i - 1].op2 >= d->crm * 8 + d->op2)) {
			printf("# %s is out of encoding order\n", d->name);
			order = false;
		}
		for (unsigned int k = 0; k < d->nr_fields; k++) {
			const struct idreg_field *f = &d->fields[k];

			nfields++;
			if (!f->width || f->width > 64 || f->shift + f->width > 64) {
				printf("# %s.%s: bits %u+%u outside the register\n", d->name,
				       f->name, f->shift, f->width);
				inside = false;
				continue;
			}
			if (f->rule != IDREG_FIXED && f->width > 8) {
				printf("# %s.%s: %u bits wide with a rule\n", d->name, f->name,
				       f->width);
				width = false;
			}
			if (seen & idreg_field_mask(f)) {
				printf("# %s.%s overlaps another field\n", d->name, f->name);
				overlap = true;
			}
			seen |= idreg_field_mask(f);
			sum += f->width;
			for (unsigned int j = 0; j < k; j++) {
				if (!strcasecmp(d->fields[j].name, f->name)) {
					printf("# %s: field %s twice\n", d->name, f->name);
					names = false;
				}
			}
		}
		if (sum > 64)
			sums = false;
		if (idreg_unknown_mask(d) != ~seen)
			sums = false;
		for (unsigned int j = 0; j < i; j++)
			if (!strcasecmp(t[j].name, d->name))
				names = false;
	}
	ok(order, "%d registers, in encoding order, each once", IDREG_COUNT);
	ok(inside, "%u fields, each inside its 64-bit register", nfields);
	ok(!overlap, "no two fields of a register overlap");
	ok(sums, "each register's field widths sum to 64 or less; unknown bits are the rest");
	ok(names, "register names and each register's field names are unique");
	ok(width, "fields with a rule are at most 8 bits wide");
}

static void table_coverage(void)
{
	unsigned int n = 0, aa32 = 0, unalloc = 0;
	bool all = true;

	/* CRm 1..7: all 56 encodings; CRm 0: MIDR_EL1 and REVIDR_EL1 (not MPIDR). */
	for (unsigned int crm = 1; crm <= 7; crm++)
		for (unsigned int op2 = 0; op2 <= 7; op2++)
			if (!idreg_by_enc(crm, op2))
				all = false;
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		n += d->nr_fields;
		aa32 += !!(d->flags & IDREG_AARCH32);
		unalloc += !!(d->flags & IDREG_UNALLOCATED);
	}
	ok(all, "every encoding of CRm 1..7 is in the table");
	ok(idreg_by_enc(0, 0) && !strcmp(idreg_by_enc(0, 0)->name, "MIDR_EL1") &&
	   idreg_by_enc(0, 6) && !idreg_by_enc(0, 5), "CRm 0: MIDR_EL1, REVIDR_EL1; MPIDR_EL1 left out");
	ok(aa32 == 24 && unalloc == 15, "24 AArch32 registers (CRm 1..3), 15 unallocated "
	   "encodings (%u, %u)", aa32, unalloc);
	ok(idreg_by_enc(3, 3) && !strcmp(idreg_by_enc(3, 3)->name, "S3_0_C0_C3_3") &&
	   !idreg_by_enc(3, 3)->nr_fields && idreg_unknown_mask(idreg_by_enc(3, 3)) == ~0ULL,
	   "an unallocated encoding is named S3_0_C0_C3_3 and has only unknown bits");
}

static void lookups(void)
{
	const struct idreg_desc *d = idreg_by_name("id_aa64isar0_el1");
	const struct idreg_field *f;

	ok(d && !strcmp(d->name, "ID_AA64ISAR0_EL1") && d->crm == 6 && d->op2 == 0,
	   "register by name, case-insensitively");
	ok(d && idreg_reg_id(d) == 0x603000000013c030ULL, "its ONE_REG id (KVM_REG_ARM64_SYSREG)");
	f = d ? idreg_field_by_name(d, "aes") : NULL;
	ok(f && !strcmp(f->name, "AES") && f->shift == 4 && f->width == 4, "field by name");
	ok(d && idreg_field_at(d, 23) == idreg_field_by_name(d, "ATOMIC"), "field by bit");
	ok(!idreg_by_name("ID_AA64ISAR9_EL1") && !idreg_by_name("MPIDR_EL1"), "unknown names");
	ok(idreg_unknown_mask(idreg_by_name("ID_AA64PFR1_EL1")) == 0xf00000ULL,
	   "ID_AA64PFR1_EL1: only bits 23:20 (RES0) are unknown");
	ok(idreg_unknown_mask(idreg_by_name("REVIDR_EL1")) == 0, "REVIDR_EL1: one 64-bit field");
}

/* Spot checks against the kernel's tables (Linux 6.12) and the Arm ARM. */
static void facts(void)
{
	const struct idreg_field *f;

	f = field("ID_AA64PFR0_EL1", "SVE");
	ok(f && f->shift == 32 && f->width == 4 && f->rule == IDREG_LOWER_SAFE && !f->sign,
	   "ID_AA64PFR0_EL1.SVE: [35:32], LOWER_SAFE");
	f = field("ID_AA64PFR0_EL1", "AdvSIMD");
	ok(f && f->shift == 20 && f->sign && f->rule == IDREG_LOWER_SAFE,
	   "ID_AA64PFR0_EL1.AdvSIMD: signed");
	f = field("ID_AA64MMFR0_EL1", "TGRAN4");
	ok(f && f->shift == 28 && f->sign && f->rule == IDREG_LOWER_SAFE,
	   "ID_AA64MMFR0_EL1.TGRAN4: [31:28], signed, LOWER_SAFE");
	f = field("ID_AA64MMFR0_EL1", "TGRAN64");
	ok(f && f->shift == 24 && f->sign, "ID_AA64MMFR0_EL1.TGRAN64: signed");
	f = field("ID_AA64MMFR0_EL1", "TGRAN16");
	ok(f && f->shift == 20 && !f->sign, "ID_AA64MMFR0_EL1.TGRAN16: unsigned (0 is NI)");
	f = field("ID_AA64MMFR0_EL1", "TGRAN4_2");
	ok(f && f->rule == IDREG_EXACT && f->safe == 1, "TGRAN4_2: EXACT, safe value 1");
	f = field("ID_AA64ISAR1_EL1", "APA");
	ok(f && f->shift == 4 && f->rule == IDREG_EXACT && f->safe == 0, "ISAR1.APA: EXACT 0");
	f = field("ID_AA64MMFR1_EL1", "SpecSEI");
	ok(f && f->rule == IDREG_HIGHER_SAFE, "MMFR1.SpecSEI: HIGHER_SAFE");
	f = field("ID_AA64DFR0_EL1", "PMUVer");
	ok(f && f->shift == 8 && f->rule == IDREG_LOWER_SAFE, "DFR0.PMUVer: LOWER_SAFE in KVM");
	f = field("ID_AA64DFR0_EL1", "DoubleLock");
	ok(f && f->sign && f->rule == IDREG_LOWER_SAFE, "DFR0.DoubleLock: signed");
	f = field("ID_AA64DFR0_EL1", "BRBE");
	ok(f && f->rule == IDREG_FIXED, "DFR0.BRBE: not in cpufeature's table: FIXED");
	f = field("ID_AA64ISAR0_EL1", "TME");
	ok(f && f->rule == IDREG_FIXED, "ISAR0.TME: FIXED");
	f = field("ID_AA64PFR1_EL1", "MTE");
	ok(f && f->shift == 8 && f->rule == IDREG_LOWER_SAFE, "PFR1.MTE: [11:8]");
	f = field("ID_MMFR0_EL1", "InnerShr");
	ok(f && f->sign, "ID_MMFR0_EL1.InnerShr: signed (cpufeature)");
	f = field("MIDR_EL1", "PartNum");
	ok(f && f->shift == 4 && f->width == 12 && f->rule == IDREG_FIXED, "MIDR_EL1.PartNum");
}

static void rules(void)
{
	const struct idreg_field *aes = field("ID_AA64ISAR0_EL1", "AES");
	const struct idreg_field *tg4 = field("ID_AA64MMFR0_EL1", "TGRAN4");
	const struct idreg_field *sei = field("ID_AA64MMFR1_EL1", "SpecSEI");
	const struct idreg_field *tg42 = field("ID_AA64MMFR0_EL1", "TGRAN4_2");
	const struct idreg_field *tme = field("ID_AA64ISAR0_EL1", "TME");
	/* The architecture's ID registers in range have none: as CTR_EL0.CWG has it. */
	const struct idreg_field hoz = { "CWG", 24, 4, false, IDREG_HIGHER_OR_ZERO_SAFE, 0 };
	uint64_t v;

	if (!aes || !tg4 || !sei || !tg42 || !tme)
		return;
	ok(idreg_rule_accepts(aes, 2, 2) && idreg_rule_accepts(aes, 1, 2) &&
	   idreg_rule_accepts(aes, 0, 2) && !idreg_rule_accepts(aes, 3, 2),
	   "LOWER_SAFE: at most the limit");
	ok(idreg_rule_accepts(tg4, 0xf, 0) && !idreg_rule_accepts(tg4, 1, 0),
	   "signed LOWER_SAFE, limit 0 (4K pages): 0xf (-1, not implemented) is lower, 1 is not");
	ok(!idreg_rule_accepts(tg4, 0, 0xf) && !idreg_rule_accepts(tg4, 1, 0xf),
	   "signed LOWER_SAFE, limit 0xf (no 4K pages): nothing else");
	ok(idreg_rule_accepts(tg4, 0, 1) && idreg_rule_accepts(tg4, 0xf, 1) &&
	   !idreg_rule_accepts(tg4, 7, 1), "signed LOWER_SAFE, limit 1: 0 and -1 accepted, 7 not");
	ok(idreg_rule_accepts(tg4, 8, 1) && !idreg_rule_accepts(tg4, 7, 0xf),
	   "signed: 8 is -8, the lowest; 7 is above -1");
	ok(idreg_rule_accepts(sei, 2, 1) && !idreg_rule_accepts(sei, 0, 1),
	   "HIGHER_SAFE: at least the limit");
	ok(idreg_rule_accepts(&hoz, 3, 2) && !idreg_rule_accepts(&hoz, 1, 2) &&
	   idreg_rule_accepts(&hoz, 0, 2), "HIGHER_OR_ZERO_SAFE: higher, or 0");
	ok(!idreg_rule_accepts(&hoz, 3, 0) && idreg_rule_accepts(&hoz, 0, 0),
	   "HIGHER_OR_ZERO_SAFE: limit 0 is the highest already");
	ok(idreg_rule_accepts(tg42, 1, 2) && !idreg_rule_accepts(tg42, 0, 2) &&
	   !idreg_rule_accepts(tg42, 3, 2), "EXACT: the limit or the safe value only");
	ok(!idreg_rule_accepts(tme, 0, 1) && idreg_rule_accepts(tme, 1, 1),
	   "FIXED: only the limit");
	ok(idreg_rule_forbidden(aes, 2, &v) && v == 3, "forbidden LOWER_SAFE 2: 3");
	ok(!idreg_rule_forbidden(aes, 0xf, &v), "forbidden LOWER_SAFE at the top: none");
	ok(idreg_rule_forbidden(tg4, 0xf, &v) && v == 0,
	   "forbidden signed LOWER_SAFE -1 (0xf): 0, the next value up");
	ok(!idreg_rule_forbidden(tg4, 7, &v), "forbidden signed LOWER_SAFE at the top (7): none");
	ok(idreg_rule_forbidden(tg4, 0, &v) && v == 1, "forbidden signed LOWER_SAFE 0: 1");
	ok(idreg_rule_forbidden(sei, 1, &v) && v == 0, "forbidden HIGHER_SAFE 1: 0");
	ok(idreg_rule_forbidden(tg42, 2, &v) && v == 3, "forbidden EXACT 2 (safe 1): 3");
	ok(idreg_rule_forbidden(tme, 1, &v) && v == 2, "forbidden FIXED 1: 2");
	ok(!idreg_rule_meet(aes, 2, 1, &v) && v == 1, "meet LOWER_SAFE: the lower");
	ok(!idreg_rule_meet(tg4, 0, 0xf, &v) && v == 0xf, "meet signed: 0 and 0xf give 0xf (-1)");
	ok(!idreg_rule_meet(tg4, 1, 0, &v) && v == 0, "meet signed: 1 and 0 give 0");
	ok(!idreg_rule_meet(sei, 1, 2, &v) && v == 2, "meet HIGHER_SAFE: the higher");
	ok(!idreg_rule_meet(&hoz, 2, 3, &v) && v == 3 && !idreg_rule_meet(&hoz, 3, 0, &v) &&
	   v == 0, "meet HIGHER_OR_ZERO_SAFE: the higher, 0 wins");
	ok(!idreg_rule_meet(tg42, 2, 3, &v) && v == 1, "meet EXACT: the safe value");
	ok(idreg_rule_meet(tme, 0, 1, &v) == -EINVAL && !idreg_rule_meet(tme, 1, 1, &v) &&
	   v == 1, "meet FIXED: equal or nothing");
	ok(idreg_field_signed(tg4, 0xf) == -1 && idreg_field_signed(tg4, 8) == -8 &&
	   idreg_field_signed(tg4, 7) == 7 && idreg_field_signed(aes, 0xf) == 15,
	   "sign extension of 4-bit fields");
}

static void kvm_quirks(void)
{
	const struct idreg_desc *dfr0 = idreg_by_name("ID_AA64DFR0_EL1");
	const struct idreg_desc *adfr0 = idreg_by_name("ID_DFR0_EL1");
	char buf[32];

	ok(idreg_kvm_refuses(dfr0, idreg_field_by_name(dfr0, "DebugVer"), 5) &&
	   !idreg_kvm_refuses(dfr0, idreg_field_by_name(dfr0, "DebugVer"), 6),
	   "DFR0.DebugVer below 6: KVM refuses");
	ok(idreg_kvm_refuses(adfr0, idreg_field_by_name(adfr0, "PerfMon"), 2) &&
	   !idreg_kvm_refuses(adfr0, idreg_field_by_name(adfr0, "PerfMon"), 0) &&
	   !idreg_kvm_refuses(adfr0, idreg_field_by_name(adfr0, "PerfMon"), 3),
	   "ID_DFR0_EL1.PerfMon: 0 or PMUv3");
	idreg_value_format(field("MIDR_EL1", "PartNum"), 0xd0c, buf, sizeof(buf));
	ok(!strcmp(buf, "0xd0c"), "wide fields print in hex");
	idreg_value_format(field("ID_AA64ISAR0_EL1", "AES"), 2, buf, sizeof(buf));
	ok(!strcmp(buf, "2"), "4-bit fields print in decimal");
	ok(!strcmp(idreg_rule_name(IDREG_HIGHER_OR_ZERO_SAFE), "HIGHER_OR_ZERO_SAFE") &&
	   !strcmp(idreg_rule_name(IDREG_FIXED), "FIXED"), "rule names");
}

int main(void)
{
	table_consistent();
	table_coverage();
	lookups();
	facts();
	rules();
	kvm_quirks();
	return tap_done();
}
