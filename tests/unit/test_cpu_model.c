// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU models: parsing with file:line errors, options and features,
 * checking against a hand-made host, dump, diff and intersect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/cli.h>
#include <kvmini/cpu.h>

#include "../../src/arch/arm64/config.h"
#include "../../src/arch/arm64/cpu_model.h"

#include "run_args_capture.h"
#include "tap.h"

static char err[CPU_MODEL_ERR_LEN];

static const struct idreg_desc *R(const char *name)
{
	return idreg_by_name(name);
}

static const struct idreg_field *F(const char *reg, const char *name)
{
	return idreg_field_by_name(R(reg), name);
}

/* The value a model gives a field; ~0 when it does not set it. */
static uint64_t mval(const struct cpu_model *m, const char *reg, const char *name)
{
	const struct idreg_desc *d = R(reg);
	const struct idreg_field *f = F(reg, name);

	if (!cpu_model_field_set(m, d, f))
		return ~0ULL;
	return idreg_field_get(f, m->regs[idreg_index(d)].val);
}

static void parse_ok(void)
{
	struct cpu_model *m = cpu_model_new();
	const char *text =
		"# a model\r\n"
		"\n"
		"ID_AA64ISAR0_EL1.AES = 1   # lowered\r\n"
		"id_aa64isar0_el1.atomic=0\n"
		"  ID_AA64MMFR0_EL1.TGRAN4 = -1\n"
		"ID_AA64MMFR0_EL1.PARANGE = 0b0101\n"
		"MIDR_EL1.PartNum = 0xd0c\n"
		"ID_AA64PFR1_EL1.unknown = 0x100000";
	int ret = cpu_model_parse(m, "m.txt", text, err, sizeof(err));

	ok(!ret, "a model with comments, blank lines, CRLF, any case, hex, binary and -1 "
	   "parses (%s)", ret ? err : "ok");
	ok(mval(m, "ID_AA64ISAR0_EL1", "AES") == 1 && mval(m, "ID_AA64ISAR0_EL1", "ATOMIC") == 0,
	   "decimal values");
	ok(mval(m, "ID_AA64MMFR0_EL1", "TGRAN4") == 0xf, "-1 in a signed 4-bit field is 0xf");
	ok(mval(m, "ID_AA64MMFR0_EL1", "PARANGE") == 5, "0b binary");
	ok(mval(m, "MIDR_EL1", "PartNum") == 0xd0c, "hex in a 12-bit field");
	ok(m->regs[idreg_index(R("ID_AA64PFR1_EL1"))].mask == 0xf00000ULL &&
	   m->regs[idreg_index(R("ID_AA64PFR1_EL1"))].val == 0x100000ULL,
	   "REG.unknown: the bits no field covers, in place");
	ok(mval(m, "ID_AA64ISAR0_EL1", "SHA1") == ~0ULL, "fields not listed are not set");
	ok(m->regs[idreg_index(R("ID_AA64ISAR0_EL1"))].src[4].line == 3,
	   "each field remembers its line");
	cpu_model_free(m);
}

static void refused(const char *text, const char *needle, const char *what)
{
	struct cpu_model *m = cpu_model_new();
	int ret = cpu_model_parse(m, "bad.model", text, err, sizeof(err));

	ok(ret == -EINVAL && strstr(err, needle), "%s: '%s'", what, needle);
	if (ret != -EINVAL || !strstr(err, needle))
		printf("# ret %d, error: %s\n", ret, err);
	cpu_model_free(m);
}

static void parse_errors(void)
{
	char longline[CPU_MODEL_MAX_LINE + 40];

	refused("# ok\ngarbage\n", "bad.model:2: 'garbage': expected REGISTER.FIELD = VALUE",
		"a line without '='");
	refused("\n\nID_AA64ISAR0_EL1 = 3\n", "bad.model:3: 'ID_AA64ISAR0_EL1': expected "
		"REGISTER.FIELD", "no field");
	refused("ID_AA64ISAR9_EL1.AES = 0\n", "bad.model:1: no ID register 'ID_AA64ISAR9_EL1'",
		"an unknown register");
	refused("\nID_AA64ISAR0_EL1.AESX = 0\n", "bad.model:2: ID_AA64ISAR0_EL1 has no field "
		"'AESX' (its fields: RNDR TLB TS", "an unknown field, with the list");
	refused("ID_AA64ISAR0_EL1.AES = 16\n", "bad.model:1: ID_AA64ISAR0_EL1.AES: value 16 "
		"does not fit the 4-bit field (0..15)", "a value too wide");
	refused("ID_AA64ISAR0_EL1.AES = 0x10\n", "does not fit the 4-bit field",
		"a hex value too wide");
	refused("MIDR_EL1.PartNum = 0x1000\n", "does not fit the 12-bit field (0..4095)",
		"too wide for 12 bits");
	refused("ID_AA64ISAR0_EL1.AES = -1\n", "value -1 is negative, and the field is unsigned",
		"negative in an unsigned field");
	refused("ID_AA64MMFR0_EL1.TGRAN4 = -9\n", "does not fit the signed 4-bit field (-8..7)",
		"too negative for a signed field");
	refused("ID_AA64ISAR0_EL1.AES = two\n", "'two' is not a number", "not a number");
	refused("ID_AA64ISAR0_EL1.AES = 99999999999999999999999\n", "is too large",
		"an overflowing number");
	refused("ID_AA64ISAR0_EL1.AES =\n", "ID_AA64ISAR0_EL1.AES: no value after '='",
		"no value");
	refused("ID_AA64ISAR0_EL1.AES = 1 2\n", "is not one value (one field per line)",
		"two values");
	refused("ID_AA64ISAR0_EL1.AES = 1\n# x\nID_AA64ISAR0_EL1.AES = 1\n",
		"bad.model:3: ID_AA64ISAR0_EL1.AES is already given on line 1", "a field twice");
	refused("ID_AA64PFR1_EL1.unknown = 0x10\n", "sets bits of field SSBS",
		"unknown bits that belong to a field");
	refused("S3_0_C0_C3_3.X = 0\n", "S3_0_C0_C3_3 has no fields (unallocated",
		"a field of an unallocated register");
	refused("REVIDR_EL1.unknown = 0\n", "REVIDR_EL1: every bit belongs to a field",
		"unknown bits where there are none");
	memset(longline, 'A', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	refused(longline, "bad.model:1: line longer than", "an overlong line");
}

static void options(void)
{
	struct cpu_model *m = cpu_model_new(), *file = cpu_model_new();
	int ret;

	ok(!cpu_model_add_id_reg(m, "ID_AA64ISAR0_EL1.AES=0", err, sizeof(err)) &&
	   mval(m, "ID_AA64ISAR0_EL1", "AES") == 0, "--id-reg REG.FIELD=VALUE");
	ok(!cpu_model_add_id_reg(m, "ID_AA64ISAR0_EL1.AES=0", err, sizeof(err)),
	   "the same --id-reg twice is fine");
	ret = cpu_model_add_id_reg(m, "ID_AA64ISAR0_EL1.AES=1", err, sizeof(err));
	ok(ret && strstr(err, "--id-reg ID_AA64ISAR0_EL1.AES=1: contradicts --id-reg "
			 "ID_AA64ISAR0_EL1.AES=0"), "contradicting --id-reg options: %s", err);
	ret = cpu_model_add_id_reg(m, "ID_AA64ISAR0_EL1.AES", err, sizeof(err));
	ok(ret && strstr(err, "expected REGISTER.FIELD=VALUE"), "--id-reg without a value");
	ret = cpu_model_add_id_reg(m, "ID_AA64ISAR0_EL1.AES=16", err, sizeof(err));
	ok(ret && strstr(err, "--id-reg ID_AA64ISAR0_EL1.AES=16: ID_AA64ISAR0_EL1.AES: "
			 "value 16 does not fit"), "--id-reg too wide: %s", err);
	ok(!cpu_model_add_feature(m, "sve=off,lse=off", err, sizeof(err)) &&
	   mval(m, "ID_AA64PFR0_EL1", "SVE") == 0 && mval(m, "ID_AA64ZFR0_EL1", "SVEver") == 0 &&
	   mval(m, "ID_AA64ISAR0_EL1", "ATOMIC") == 0, "--cpu-feature sve=off,lse=off");
	ret = cpu_model_add_feature(m, "sve=on", err, sizeof(err));
	ok(ret && strstr(err, "--cpu-feature sve=on: contradicts --cpu-feature sve=off"),
	   "sve=on after sve=off: %s", err);
	ret = cpu_model_add_id_reg(m, "ID_AA64PFR0_EL1.SVE=1", err, sizeof(err));
	ok(ret && strstr(err, "contradicts --cpu-feature sve=off (both set ID_AA64PFR0_EL1.SVE)"),
	   "--id-reg against a feature: %s", err);
	ret = cpu_model_add_feature(m, "warp=off", err, sizeof(err));
	ok(ret && strstr(err, "unknown feature 'warp' (known: sve sve2 mte pauth"),
	   "an unknown feature lists the known ones");
	ret = cpu_model_add_feature(m, "bti=maybe", err, sizeof(err));
	ok(ret && strstr(err, "'maybe' is neither on nor off"), "on or off only");
	ret = cpu_model_add_feature(m, "bti=off,,pauth=on", err, sizeof(err));
	ok(ret && strstr(err, "--cpu-feature bti=off,,pauth=on: an empty item"),
	   "an empty item between commas: refused");
	ret = cpu_model_add_feature(m, "mte=off,mte=off", err, sizeof(err));
	ok(ret && strstr(err, "names mte twice"), "a feature named twice in one option: refused");
	ok(!cpu_model_add_feature(m, "pauth=on", err, sizeof(err)) &&
	   (m->regs[idreg_index(R("ID_AA64ISAR1_EL1"))].host & idreg_field_mask(F("ID_AA64ISAR1_EL1", "APA"))),
	   "NAME=on: the host's value");

	ok(!cpu_model_parse(file, "f.model", "ID_AA64ISAR0_EL1.AES = 2\nID_AA64ISAR0_EL1.SHA1 = 1\n",
			    err, sizeof(err)) && !cpu_model_merge(file, m, err, sizeof(err)) &&
	   mval(file, "ID_AA64ISAR0_EL1", "AES") == 0 && mval(file, "ID_AA64ISAR0_EL1", "SHA1") == 1,
	   "the command line over a model file");
	cpu_model_derive_links(file);
	ok(file->link[CPU_LINK_SVE] == FEATURE_OFF && file->link[CPU_LINK_PTRAUTH] == FEATURE_ON &&
	   file->link[CPU_LINK_MTE] == FEATURE_AUTO, "features: SVE off, pointer auth on, MTE "
	   "as the host");
	cpu_model_free(m);
	cpu_model_free(file);
}

/* A host like the emulated one: every register present, the 6.12 masks where it matters. */
static void host_init(struct idreg_host *h)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int i = 0; i < IDREG_COUNT; i++)
		h->present[i] = true;
	h->masks = true;
	/* ISAR0: everything writable but RES0; AES 2, ATOMIC 2, TME 0. */
	h->val[idreg_index(R("ID_AA64ISAR0_EL1"))] = 0x0000000000210020ULL;
	h->writable[idreg_index(R("ID_AA64ISAR0_EL1"))] = ~0ULL;
	/* PFR0: SVE 1, CSV2 1; SVE not writable (a vCPU feature). */
	h->val[idreg_index(R("ID_AA64PFR0_EL1"))] = 0x0100000100000011ULL;
	h->writable[idreg_index(R("ID_AA64PFR0_EL1"))] = ~0xf00ULL << 24;
	/* PFR1: BT 1 and bits 23:20 set (no field there). */
	h->val[idreg_index(R("ID_AA64PFR1_EL1"))] = 0x100001ULL;
	h->writable[idreg_index(R("ID_AA64PFR1_EL1"))] = 0xfULL;
	/* MMFR0: TGRAN4 0 (4K), PARANGE 5; TGRAN*_2 not writable. */
	h->val[idreg_index(R("ID_AA64MMFR0_EL1"))] = 0x5ULL;
	h->writable[idreg_index(R("ID_AA64MMFR0_EL1"))] = 0xffffffffULL;
	/* DFR0: DebugVer 9. */
	h->val[idreg_index(R("ID_AA64DFR0_EL1"))] = 0x9ULL;
	h->writable[idreg_index(R("ID_AA64DFR0_EL1"))] = 0xf0ff0fULL;
	h->on[CPU_LINK_SVE] = h->avail[CPU_LINK_SVE] = h->dflt[CPU_LINK_SVE] = true;
}

static const struct cpu_check_item *item(const struct cpu_check *c, const char *reg,
					 const char *name)
{
	for (unsigned int i = 0; i < c->nr_items; i++)
		if (!strcmp(c->items[i].reg->name, reg) &&
		    (name ? c->items[i].field && !strcmp(c->items[i].field->name, name) :
		     !c->items[i].field))
			return &c->items[i];
	return NULL;
}

static bool verdict(const struct cpu_model *m, const struct cpu_check *c, const char *reg,
		    const char *name, enum cpu_verdict v, const char *needle)
{
	const struct cpu_check_item *it = item(c, reg, name);
	char line[2 * CPU_MODEL_MAX_LINE];

	if (!it) {
		printf("# %s.%s: no verdict listed\n", reg, name ? name : "unknown");
		return false;
	}
	cpu_check_item_format(m, it, line, sizeof(line));
	if (it->verdict != v || (needle && !strstr(line, needle))) {
		printf("# %s.%s: verdict %d (want %d): %s\n", reg, name ? name : "unknown",
		       it->verdict, v, line);
		return false;
	}
	return true;
}

static void check(void)
{
	struct cpu_model *m = cpu_model_new();
	struct idreg_host h;
	struct cpu_check c;
	int ret;

	host_init(&h);
	ret = cpu_model_parse(m, "c.model",
		"ID_AA64ISAR0_EL1.AES = 1\n"		/* 1: lowered */
		"ID_AA64ISAR0_EL1.ATOMIC = 3\n"		/* 2: above the limit */
		"ID_AA64ISAR0_EL1.TME = 1\n"		/* 3: FIXED */
		"ID_AA64PFR0_EL1.CSV2 = 0\n"		/* 4: lowered */
		"ID_AA64MMFR0_EL1.TGRAN4 = 0xf\n"	/* 5: signed, lowered to 'none' */
		"ID_AA64MMFR0_EL1.TGRAN4_2 = 1\n"	/* 6: not writable */
		"ID_AA64DFR0_EL1.DebugVer = 5\n"	/* 7: KVM wants >= 6 */
		"ID_AA64PFR1_EL1.BT = 1\n"		/* 8: as the host */
		"ID_AA64ISAR0_EL1.SHA1 = 0\n"		/* 9: as the host (0) */
		"ID_AA64ZFR0_EL1.SVEver = 0\n", err, sizeof(err));
	ok(!ret, "check model parses (%s)", ret ? err : "ok");
	cpu_model_derive_links(m);
	ret = cpu_model_check(m, &h, &c);
	ok(ret == 4, "4 refused fields (%d)", ret);
	ok(verdict(m, &c, "ID_AA64ISAR0_EL1", "AES", CPU_LOWERED,
		   "ID_AA64ISAR0_EL1.AES = 1 (c.model:1): lowered from the host's 2 (LOWER_SAFE"),
	   "LOWER_SAFE below the limit: lowered");
	ok(verdict(m, &c, "ID_AA64ISAR0_EL1", "ATOMIC", CPU_REFUSED,
		   "ID_AA64ISAR0_EL1.ATOMIC = 3 (c.model:2): refused; this host's limit is 2, "
		   "rule LOWER_SAFE: at most the host's value"),
	   "LOWER_SAFE above the limit: refused, with the rule and the limit");
	ok(verdict(m, &c, "ID_AA64ISAR0_EL1", "TME", CPU_REFUSED, "KVM has no rule"),
	   "a FIXED field changed: refused");
	ok(verdict(m, &c, "ID_AA64PFR0_EL1", "CSV2", CPU_LOWERED, NULL), "PFR0.CSV2 lowered");
	ok(verdict(m, &c, "ID_AA64MMFR0_EL1", "TGRAN4", CPU_LOWERED, "= 15"),
	   "signed TGRAN4 0 -> 0xf: lowered");
	ok(verdict(m, &c, "ID_AA64MMFR0_EL1", "TGRAN4_2", CPU_REFUSED,
		   "not in KVM_ARM_GET_REG_WRITABLE_MASKS"), "a field outside the writable mask");
	ok(verdict(m, &c, "ID_AA64DFR0_EL1", "DebugVer", CPU_REFUSED, "at least 6"),
	   "DebugVer below 6: KVM's own refusal");
	ok(verdict(m, &c, "ID_AA64PFR1_EL1", NULL, CPU_UNKNOWN, "ID_AA64PFR1_EL1.unknown = "
		   "0x100000 on this host"), "unknown bits on the host: reported");
	ok(!item(&c, "ID_AA64PFR1_EL1", "BT") && !item(&c, "ID_AA64ISAR0_EL1", "SHA1") &&
	   !item(&c, "ID_AA64ZFR0_EL1", "SVEver"), "fields equal to the host's: ok, not listed");
	ok(c.target[idreg_index(R("ID_AA64ISAR0_EL1"))] == 0x0000000000210010ULL &&
	   c.write[idreg_index(R("ID_AA64ISAR0_EL1"))] == 0x30ULL,
	   "the target value and the bits to write (0x%016llx)",
	   (unsigned long long)c.target[idreg_index(R("ID_AA64ISAR0_EL1"))]);
	ok(c.count[CPU_LOWERED] == 3 && c.count[CPU_UNKNOWN] == 1, "counts by verdict");
	cpu_check_free(&c);

	h.masks = false;
	ret = cpu_model_check(m, &h, &c);
	ok(ret == 7 && verdict(m, &c, "ID_AA64ISAR0_EL1", "AES", CPU_REFUSED, "Linux before 6.7"),
	   "no writable masks (Linux < 6.7): every change refused, saying why");
	cpu_check_free(&c);
	cpu_model_free(m);
}

/* EXACT fields where KVM's mask lets them change: the limit or the safe value. */
static void check_exact(void)
{
	struct cpu_model *m = cpu_model_new();
	unsigned int mmfr0 = idreg_index(R("ID_AA64MMFR0_EL1"));
	struct idreg_host h;
	struct cpu_check c;
	int ret;

	host_init(&h);
	h.val[mmfr0] = 2ULL << 40 | 5;		/* TGRAN4_2 = 2, PARANGE = 5 */
	h.writable[mmfr0] = ~0ULL;
	ret = cpu_model_parse(m, "x.model", "ID_AA64MMFR0_EL1.TGRAN4_2 = 1\n"
			      "ID_AA64MMFR0_EL1.PARANGE = 6\n", err, sizeof(err));
	ret = ret ?: cpu_model_check(m, &h, &c);
	ok(ret == 1 && verdict(m, &c, "ID_AA64MMFR0_EL1", "TGRAN4_2", CPU_LOWERED, "(EXACT"),
	   "EXACT changed to its safe value: accepted");
	ok(verdict(m, &c, "ID_AA64MMFR0_EL1", "PARANGE", CPU_REFUSED, "limit is 5"),
	   "PARANGE above the host's: refused");
	cpu_check_free(&c);
	cpu_model_free(m);
	m = cpu_model_new();
	ret = cpu_model_parse(m, "x.model", "ID_AA64MMFR0_EL1.TGRAN4_2 = 3\n", err, sizeof(err));
	ret = ret ?: cpu_model_check(m, &h, &c);
	ok(ret == 1 && verdict(m, &c, "ID_AA64MMFR0_EL1", "TGRAN4_2", CPU_REFUSED,
			       "rule EXACT: the host's value or the field's safe value"),
	   "EXACT changed to anything else: refused");
	cpu_check_free(&c);
	cpu_model_free(m);
}

static void check_links(void)
{
	struct cpu_model *m = cpu_model_new();
	struct idreg_host h;
	struct cpu_check c;
	int ret;

	/* The host view of a vCPU without SVE, as the model asked. */
	host_init(&h);
	h.on[CPU_LINK_SVE] = false;
	h.val[idreg_index(R("ID_AA64PFR0_EL1"))] &= ~(0xfULL << 32);
	ret = cpu_model_parse(m, "l.model", "ID_AA64PFR0_EL1.SVE = 0\nID_AA64ZFR0_EL1.SVEver = 1\n"
			      "ID_AA64DFR0_EL1.PMUVer = 4\n", err, sizeof(err));
	cpu_model_derive_links(m);
	ok(!ret && m->link[CPU_LINK_SVE] == FEATURE_OFF && m->link[CPU_LINK_PMU] == FEATURE_ON,
	   "SVE = 0: SVE off; PMUVer = 4: a PMU wanted");
	ret = cpu_model_check(m, &h, &c);
	ok(ret == 2, "two refused (%d)", ret);
	ok(verdict(m, &c, "ID_AA64PFR0_EL1", "SVE", CPU_LINKED, "through the vCPU feature: no SVE "
		   "for the guest (as --no-sve)"), "SVE = 0: lowered through the vCPU feature");
	ok(verdict(m, &c, "ID_AA64ZFR0_EL1", "SVEver", CPU_REFUSED, "SVE is off for this guest"),
	   "a ZFR0 field without SVE: refused, saying why");
	ok(verdict(m, &c, "ID_AA64DFR0_EL1", "PMUVer", CPU_REFUSED, "kvmini gives guests no PMU"),
	   "a PMU: refused");
	cpu_check_free(&c);

	h.present[idreg_index(R("ID_AA64ISAR0_EL1"))] = false;
	cpu_model_free(m);
	m = cpu_model_new();
	ret = cpu_model_parse(m, "p.model", "ID_AA64ISAR0_EL1.AES = 1\nID_AA64ISAR0_EL1.SHA1 = 0\n",
			      err, sizeof(err));
	ret = ret ?: cpu_model_check(m, &h, &c);
	ok(ret == 1 && verdict(m, &c, "ID_AA64ISAR0_EL1", "AES", CPU_REFUSED,
			       "does not have the register"),
	   "a register this KVM lacks: only zero is fine");
	cpu_check_free(&c);
	cpu_model_free(m);
}

static char *to_text(void (*fn)(void *, FILE *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(arg, f);
	fclose(f);
	return buf;
}

static void dump_host(void *arg, FILE *f)
{
	cpu_model_dump(arg, "header line\n\nsecond", f);
}

static void dump(void)
{
	struct cpu_model *m = cpu_model_new();
	struct idreg_host h;
	struct cpu_check c;
	char *text;
	int ret;

	host_init(&h);
	h.val[idreg_index(R("MIDR_EL1"))] = 0x410fd0c0ULL;
	text = to_text(dump_host, &h);
	ok(!strncmp(text, "# header line\n#\n# second\n", 25), "dump: the header as comments");
	ok(strstr(text, "\nID_AA64ISAR0_EL1.AES = 2\n") && strstr(text, "\nMIDR_EL1.PartNum = 0xd0c\n") &&
	   strstr(text, "\nID_AA64PFR1_EL1.unknown = 0x100000\n"), "dump: fields and unknown bits");
	ret = cpu_model_parse(m, "dump", text, err, sizeof(err));
	ok(!ret, "the dump parses back (%s)", ret ? err : "ok");
	ret = cpu_model_check(m, &h, &c);
	ok(!ret && c.count[CPU_LOWERED] == 0 && c.count[CPU_UNKNOWN] == 0 && !c.nr_items,
	   "and checks as all ok on its own host (%u ok)", c.count[CPU_OK]);
	for (unsigned int i = 0; i < IDREG_COUNT; i++)
		if (c.target[i] != h.val[i])
			ret = -1;
	ok(!ret, "targets equal the host's values");
	cpu_check_free(&c);
	free(text);
	cpu_model_free(m);
}

struct two { struct cpu_model *a, *b; };

static void diff_fn(void *arg, FILE *f)
{
	struct two *t = arg;

	cpu_model_diff(t->a, "a", t->b, "b", f);
}

static void diff_and_intersect(void)
{
	struct cpu_model *a = cpu_model_new(), *b = cpu_model_new(), *out = cpu_model_new();
	struct cpu_model *in[2] = { a, b };
	const char *names[2] = { "a.model", "b.model" };
	struct two t = { a, b };
	char *text, *notes = NULL;
	size_t nl = 0;
	FILE *nf;
	unsigned int dropped;
	int ret;

	ret = cpu_model_parse(a, "a.model",
		"ID_AA64ISAR0_EL1.AES = 2\nID_AA64MMFR0_EL1.TGRAN4 = 0\nID_AA64MMFR1_EL1.SpecSEI = 1\n"
		"ID_AA64ISAR0_EL1.TME = 0\nID_AA64MMFR0_EL1.TGRAN4_2 = 2\nID_AA64MMFR0_EL1.TGRAN64 = 0\n"
		"ID_AA64ISAR0_EL1.SHA1 = 1\nID_AA64PFR1_EL1.unknown = 0\nMIDR_EL1.PartNum = 0xd0c\n",
		err, sizeof(err));
	ret = ret ?: cpu_model_parse(b, "b.model",
		"ID_AA64ISAR0_EL1.AES = 1\nID_AA64MMFR0_EL1.TGRAN4 = 0xf\nID_AA64MMFR1_EL1.SpecSEI = 2\n"
		"ID_AA64ISAR0_EL1.TME = 1\nID_AA64MMFR0_EL1.TGRAN4_2 = 3\nID_AA64MMFR0_EL1.TGRAN64 = 1\n"
		"ID_AA64PFR1_EL1.unknown = 0\nMIDR_EL1.PartNum = 0xd0c\n", err, sizeof(err));
	ok(!ret, "two hand-made models (%s)", ret ? err : "ok");
	text = to_text(diff_fn, &t);
	ok(strstr(text, "ID_AA64ISAR0_EL1.AES") && strstr(text, "ID_AA64ISAR0_EL1.SHA1") &&
	   strstr(text, " -\n") && !strstr(text, "PartNum"), "diff: by field name, "
	   "'-' for a field one model lacks, equal fields left out");
	free(text);
	nf = fopen("/dev/null", "w");
	ok(cpu_model_diff(a, "a", b, "b", nf) == 7, "7 fields differ");
	fclose(nf);

	nf = open_memstream(&notes, &nl);
	dropped = cpu_model_intersect(out, in, names, 2, nf);
	fclose(nf);
	ok(dropped == 2, "intersect: two fields left out (%u)", dropped);
	ok(mval(out, "ID_AA64ISAR0_EL1", "AES") == 1, "LOWER_SAFE: the lower (2, 1: 1)");
	ok(mval(out, "ID_AA64MMFR0_EL1", "TGRAN4") == 0xf, "signed: 0 and 0xf give 0xf (-1)");
	ok(mval(out, "ID_AA64MMFR0_EL1", "TGRAN64") == 0, "signed: 0 and 1 give 0");
	ok(mval(out, "ID_AA64MMFR1_EL1", "SpecSEI") == 2, "HIGHER_SAFE: the higher");
	ok(mval(out, "ID_AA64MMFR0_EL1", "TGRAN4_2") == 1, "EXACT: the safe value");
	ok(mval(out, "ID_AA64ISAR0_EL1", "TME") == ~0ULL && strstr(notes,
	   "ID_AA64ISAR0_EL1.TME: left out, 0 in a.model but 1 in b.model, and KVM has no rule"),
	   "FIXED and different: left out, said so");
	ok(mval(out, "ID_AA64ISAR0_EL1", "SHA1") == ~0ULL && strstr(notes,
	   "ID_AA64ISAR0_EL1.SHA1: left out, not in b.model"), "not in every input: left out");
	ok(mval(out, "MIDR_EL1", "PartNum") == 0xd0c &&
	   out->regs[idreg_index(R("ID_AA64PFR1_EL1"))].mask == 0xf00000ULL,
	   "equal FIXED fields and unknown bits kept");
	free(notes);
	cpu_model_free(a);
	cpu_model_free(b);
	cpu_model_free(out);
}

/* `kvmini run` options end to end, through run_parse_args(). */
static int run_args(const char **args, struct vm_config *cfg)
{
	return run_args_captured(args, cfg, err, sizeof(err));
}

static void run_options(void)
{
	char path[] = "/tmp/kvmini-model-XXXXXX";
	int fd = mkstemp(path);
	struct vm_config cfg;
	int ret;

	if (fd < 0 || write(fd, "ID_AA64PFR0_EL1.SVE = 0\nID_AA64PFR1_EL1.MTE = 0\n", 48) != 48)
		printf("# cannot write %s\n", path);
	close(fd);
	ret = run_args(ARGS("--cpu-feature", "sve=off"), &cfg);
	ok(!ret && cfg.arch->sve == FEATURE_OFF && cfg.arch->cpu && cfg.arch->cpu->model,
	   "--cpu-feature sve=off is --no-sve");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-feature", "sve=off", "--sve-vl", "512"), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "--cpu-feature sve=off turns SVE off, but "
					   "--sve-vl 512 asks for it"), "sve=off with --sve-vl");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-feature", "mte=on", "--no-mte"), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "needs MTE, but --no-mte turns it off"),
	   "mte=on with --no-mte");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-model", path), &cfg);
	ok(!ret && cfg.arch->sve == FEATURE_OFF && cfg.arch->mte == FEATURE_OFF,
	   "a model with SVE = 0 and MTE = 0: no SVE, no MTE");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-model", path, "--mte"), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "ID_AA64PFR1_EL1.MTE = 0 (") &&
	   strstr(err, ":2) turns MTE off, but --mte asks for it"), "model against --mte, with "
	   "file and line");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-model", path, "--cpu-feature", "sve=on"), &cfg);
	ok(!ret && cfg.arch->sve == FEATURE_AUTO, "--cpu-feature over the model: SVE back to the host's");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-model", path, "--cpu-model", path), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "a model is already given"), "two models");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--cpu-model", "/nonexistent/m"), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "--cpu-model /nonexistent/m: cannot open"),
	   "a missing model file");
	vm_config_free(&cfg);
	ret = run_args(ARGS("--id-reg", "ID_AA64ISAR0_EL1.NOPE=1"), &cfg);
	ok(ret == -KVMINI_EUSAGE && strstr(err, "kvmini run: --id-reg ID_AA64ISAR0_EL1.NOPE=1: "
					   "ID_AA64ISAR0_EL1 has no field 'NOPE'") &&
	   strstr(err, "--help"), "a bad --id-reg");
	vm_config_free(&cfg);
	ret = run_args(ARGS("-c", "2"), &cfg);
	ok(!ret && !arm64_config_get(&cfg)->cpu, "no CPU options: no model");
	vm_config_free(&cfg);
	unlink(path);
}

int main(void)
{
	parse_ok();
	parse_errors();
	options();
	check();
	check_exact();
	check_links();
	dump();
	diff_and_intersect();
	run_options();
	return tap_done();
}
