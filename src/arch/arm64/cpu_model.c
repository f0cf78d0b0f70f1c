// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 CPU models (see cpu_model.h): parsing with file:line errors,
 * friendly feature names, merging layers, and the pure operations on
 * models: dump, diff, intersect and the field-by-field check against a
 * host's KVM.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu_model.h"

struct cpu_model *cpu_model_new(void)
{
	return calloc(1, sizeof(struct cpu_model));
}

void cpu_model_free(struct cpu_model *m)
{
	if (!m)
		return;
	model_origins_free(&m->origins);
	free(m);
}

void cpu_model_src_format(const struct cpu_model *m, const struct model_src *src,
			  char *buf, size_t len)
{
	model_src_format(&m->origins, src, buf, len);
}

bool cpu_model_field_set(const struct cpu_model *m, const struct idreg_desc *d,
			 const struct idreg_field *f)
{
	uint64_t fm = idreg_field_mask(f);

	return (m->regs[idreg_index(d)].mask & fm) == fm;
}

/* The source of what the model has at the bits of `mask` (a field or the unknown bits). */
static const struct model_src *reg_src(const struct cpu_model_reg *r,
					   const struct idreg_field *f)
{
	return f ? &r->src[f->shift] : &r->unknown_src;
}

/*
 * A number: decimal, 0x hex or 0b binary; a leading '-' for signed
 * fields (-1 is 0xf in a 4-bit field). Checked against the field width.
 */
static int parse_value(const char *s, const struct idreg_field *f, uint64_t *out,
		       char *why, size_t whylen)
{
	bool neg = false;
	uint64_t v = 0, max;
	const char *p = s;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (model_parse_number(p, UINT64_MAX, &v, why, whylen))
		return -EINVAL;
	if (!f) {	/* unknown bits: a register-wide value, checked by the caller */
		if (neg)
			return model_err(why, whylen, "'%s': unknown bits take an unsigned "
				       "value, in place", s);
		*out = v;
		return 0;
	}
	max = idreg_field_max(f);
	if (neg) {
		if (!f->sign)
			return model_err(why, whylen, "value %s is negative, and the field is "
				       "unsigned (0..%llu)", s, (unsigned long long)max);
		if (v == 0 || v > (max >> 1) + 1)
			return model_err(why, whylen, "value %s does not fit the signed %u-bit "
				       "field (-%llu..%llu)", s, f->width,
				       (unsigned long long)(max >> 1) + 1,
				       (unsigned long long)(max >> 1));
		*out = (~v + 1) & max;
		return 0;
	}
	if (v > max)
		return model_err(why, whylen, "value %s does not fit the %u-bit field "
			       "(0..%llu%s)", s, f->width, (unsigned long long)max,
			       f->sign ? ", or -1 and below for this signed field" : "");
	*out = v;
	return 0;
}

static void list_fields(const struct idreg_desc *d, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < d->nr_fields && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", d->fields[i].name);
}

/* "REG.FIELD" into its register and field (NULL field: REG.unknown). */
static int parse_field_name(const char *s, const struct idreg_desc **dp,
			    const struct idreg_field **fp, char *why, size_t whylen)
{
	char reg[64], fields[600];
	const char *dot = strchr(s, '.');
	const struct idreg_desc *d;
	size_t rl;

	if (!dot || dot == s || !dot[1])
		return model_err(why, whylen, "'%s': expected REGISTER.FIELD "
			       "(e.g. ID_AA64ISAR0_EL1.AES)", s);
	rl = (size_t)(dot - s);
	if (rl >= sizeof(reg))
		return model_err(why, whylen, "'%.*s...': no such ID register", 40, s);
	memcpy(reg, s, rl);
	reg[rl] = 0;
	d = idreg_by_name(reg);
	if (!d)
		return model_err(why, whylen, "no ID register '%s' (kvmini knows op0=3, op1=0, "
			       "CRn=0, CRm=0..7: 'kvmini cpu dump' lists them)", reg);
	*dp = d;
	if (!strcasecmp(dot + 1, "unknown")) {
		if (!idreg_unknown_mask(d))
			return model_err(why, whylen, "%s: every bit belongs to a field; it has "
				       "no unknown bits", d->name);
		*fp = NULL;
		return 0;
	}
	*fp = idreg_field_by_name(d, dot + 1);
	if (*fp)
		return 0;
	if (!d->nr_fields)
		return model_err(why, whylen, "%s has no fields (%s); only %s.unknown = 0 "
			       "can be given", d->name, d->flags & IDREG_UNALLOCATED ?
			       "unallocated: it reads as zero" : "all its bits are reserved",
			       d->name);
	list_fields(d, fields, sizeof(fields));
	return model_err(why, whylen, "%s has no field '%s' (its fields: %s)", d->name,
		       dot + 1, fields);
}

enum set_mode {
	SET_FILE,	/* a field twice from the same origin is an error */
	SET_CLI,	/* a field twice with different values is an error */
	SET_MERGE,	/* replace */
};

/* Set a field (f NULL: the unknown bits) from src; host: take the host's value. */
static int set_field(struct cpu_model *m, const struct idreg_desc *d,
		     const struct idreg_field *f, uint64_t val, bool host,
		     struct model_src src, enum set_mode mode, char *why, size_t whylen)
{
	struct cpu_model_reg *r = &m->regs[idreg_index(d)];
	uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);
	uint64_t v = f ? (val << f->shift) & fm : val;
	const struct model_src *old = reg_src(r, f);
	char where[CPU_MODEL_MAX_LINE];

	if ((r->mask & fm) == fm && mode != SET_MERGE) {
		bool same = (r->val & fm) == v && !!(r->host & fm) == host;

		if (mode == SET_FILE && old->origin == src.origin && old->line)
			return model_err(why, whylen, "%s.%s is already given on line %u",
				       d->name, f ? f->name : "unknown", old->line);
		if (mode == SET_CLI && !same) {
			cpu_model_src_format(m, old, where, sizeof(where));
			return model_err(why, whylen, "contradicts %s (both set %s.%s)",
				       where, d->name, f ? f->name : "unknown");
		}
		if (mode == SET_CLI)
			return 0;	/* the same thing twice: keep the first */
	}
	r->mask |= fm;
	r->val = (r->val & ~fm) | v;
	r->host = host ? r->host | fm : r->host & ~fm;
	if (f)
		r->src[f->shift] = src;
	else
		r->unknown_src = src;
	return 0;
}

/* One "REG.FIELD = VALUE" assignment, split by model_text_parse(). */
static int parse_assignment(struct cpu_model *m, const char *lhs, const char *rhs,
			    struct model_src src, enum set_mode mode, char *why, size_t whylen)
{
	const struct idreg_desc *d;
	const struct idreg_field *f;
	uint64_t v = 0;
	int ret;

	ret = parse_field_name(lhs, &d, &f, why, whylen);
	if (ret)
		return ret;
	ret = parse_value(rhs, f, &v, why, whylen);
	if (ret) {
		char inner[CPU_MODEL_MAX_LINE];

		snprintf(inner, sizeof(inner), "%s", why);
		return model_err(why, whylen, "%s.%s: %s", d->name, f ? f->name : "unknown", inner);
	}
	if (!f && (v & ~idreg_unknown_mask(d))) {
		const struct idreg_field *in = idreg_field_at(d, (unsigned int)__builtin_ctzll(
			v & ~idreg_unknown_mask(d)));

		return model_err(why, whylen, "%s.unknown = %s sets bits of field %s; give "
			       "only bits no field covers (mask 0x%016llx)", d->name, rhs,
			       in ? in->name : "?", (unsigned long long)idreg_unknown_mask(d));
	}
	return set_field(m, d, f, v, false, src, mode, why, whylen);
}

struct assign_ctx {
	struct cpu_model *m;
	enum set_mode mode;
};

static int assign(void *opaque, const char *lhs, const char *rhs, struct model_src src,
		  char *why, size_t whylen)
{
	const struct assign_ctx *ctx = opaque;

	return parse_assignment(ctx->m, lhs, rhs, src, ctx->mode, why, whylen);
}

#define CPU_MODEL_EXPECT "REGISTER.FIELD = VALUE"

int cpu_model_parse(struct cpu_model *m, const char *name, const char *text, char *err,
		    size_t errlen)
{
	struct assign_ctx ctx = { m, SET_FILE };

	return model_text_parse(&m->origins, name, text, CPU_MODEL_EXPECT, assign, &ctx, err,
				errlen);
}

int cpu_model_load(struct cpu_model *m, const char *path, char *err, size_t errlen)
{
	struct assign_ctx ctx = { m, SET_FILE };

	return model_text_load(&m->origins, path, CPU_MODEL_EXPECT, assign, &ctx, err, errlen);
}

int cpu_model_add_id_reg(struct cpu_model *m, const char *arg, char *err, size_t errlen)
{
	struct assign_ctx ctx = { m, SET_CLI };

	return model_text_option(&m->origins, "--id-reg", arg, "REGISTER.FIELD=VALUE "
				 "(e.g. ID_AA64ISAR0_EL1.AES=0)", assign, &ctx, err, errlen);
}

/*
 * Friendly names. "off" sets each listed field to 0; "on" gives each the
 * host's value (taking precedence over a model file). Features KVM gives
 * through vCPU features or VM capabilities follow their link.
 */
struct cpu_feature_def {
	const char *name;
	enum cpu_feature_link link;
	const char *fields[12];
};

static const struct cpu_feature_def cpu_features[] = {
	{ "sve", CPU_LINK_SVE, { "ID_AA64PFR0_EL1.SVE", "ID_AA64ZFR0_EL1.SVEver",
		"ID_AA64ZFR0_EL1.AES", "ID_AA64ZFR0_EL1.BitPerm", "ID_AA64ZFR0_EL1.BF16",
		"ID_AA64ZFR0_EL1.B16B16", "ID_AA64ZFR0_EL1.SHA3", "ID_AA64ZFR0_EL1.SM4",
		"ID_AA64ZFR0_EL1.I8MM", "ID_AA64ZFR0_EL1.F32MM", "ID_AA64ZFR0_EL1.F64MM" } },
	/* SVE2 and the extensions that need it (FEAT_SVE_AES, _BitPerm, _SHA3, _SM4). */
	{ "sve2", 0, { "ID_AA64ZFR0_EL1.SVEver", "ID_AA64ZFR0_EL1.AES",
		"ID_AA64ZFR0_EL1.BitPerm", "ID_AA64ZFR0_EL1.SHA3", "ID_AA64ZFR0_EL1.SM4" } },
	{ "mte", CPU_LINK_MTE, { "ID_AA64PFR1_EL1.MTE" } },
	{ "pauth", CPU_LINK_PTRAUTH, { "ID_AA64ISAR1_EL1.APA", "ID_AA64ISAR1_EL1.API",
		"ID_AA64ISAR1_EL1.GPA", "ID_AA64ISAR1_EL1.GPI", "ID_AA64ISAR2_EL1.APA3",
		"ID_AA64ISAR2_EL1.GPA3" } },
	{ "pmu", CPU_LINK_PMU, { "ID_AA64DFR0_EL1.PMUVer", "ID_DFR0_EL1.PerfMon" } },
	{ "bti", 0, { "ID_AA64PFR1_EL1.BT" } },
	{ "ssbs", 0, { "ID_AA64PFR1_EL1.SSBS", "ID_PFR2_EL1.SSBS" } },
	{ "dit", 0, { "ID_AA64PFR0_EL1.DIT", "ID_PFR0_EL1.DIT" } },
	{ "lse", 0, { "ID_AA64ISAR0_EL1.ATOMIC" } },
	{ "aes", 0, { "ID_AA64ISAR0_EL1.AES", "ID_ISAR5_EL1.AES" } },
	{ "sha1", 0, { "ID_AA64ISAR0_EL1.SHA1", "ID_ISAR5_EL1.SHA1" } },
	{ "sha2", 0, { "ID_AA64ISAR0_EL1.SHA2", "ID_ISAR5_EL1.SHA2" } },
	{ "sha3", 0, { "ID_AA64ISAR0_EL1.SHA3" } },
	{ "sm3", 0, { "ID_AA64ISAR0_EL1.SM3" } },
	{ "sm4", 0, { "ID_AA64ISAR0_EL1.SM4" } },
	{ "crc32", 0, { "ID_AA64ISAR0_EL1.CRC32", "ID_ISAR5_EL1.CRC32" } },
	{ "rdm", 0, { "ID_AA64ISAR0_EL1.RDM", "ID_ISAR5_EL1.RDM" } },
	{ "dotprod", 0, { "ID_AA64ISAR0_EL1.DP", "ID_ISAR6_EL1.DP" } },
	{ "fhm", 0, { "ID_AA64ISAR0_EL1.FHM", "ID_ISAR6_EL1.FHM" } },
	{ "flagm", 0, { "ID_AA64ISAR0_EL1.TS" } },
	{ "rng", 0, { "ID_AA64ISAR0_EL1.RNDR" } },
	{ "dpb", 0, { "ID_AA64ISAR1_EL1.DPB" } },
	{ "jscvt", 0, { "ID_AA64ISAR1_EL1.JSCVT", "ID_ISAR6_EL1.JSCVT" } },
	{ "fcma", 0, { "ID_AA64ISAR1_EL1.FCMA" } },
	{ "lrcpc", 0, { "ID_AA64ISAR1_EL1.LRCPC" } },
	{ "frintts", 0, { "ID_AA64ISAR1_EL1.FRINTTS" } },
	{ "sb", 0, { "ID_AA64ISAR1_EL1.SB", "ID_ISAR6_EL1.SB" } },
	{ "bf16", 0, { "ID_AA64ISAR1_EL1.BF16", "ID_AA64ZFR0_EL1.BF16", "ID_ISAR6_EL1.BF16" } },
	{ "i8mm", 0, { "ID_AA64ISAR1_EL1.I8MM", "ID_AA64ZFR0_EL1.I8MM", "ID_ISAR6_EL1.I8MM" } },
	{ "dgh", 0, { "ID_AA64ISAR1_EL1.DGH" } },
	{ "wfxt", 0, { "ID_AA64ISAR2_EL1.WFxT" } },
	{ "rpres", 0, { "ID_AA64ISAR2_EL1.RPRES" } },
	{ "mops", 0, { "ID_AA64ISAR2_EL1.MOPS" } },
	{ "hbc", 0, { "ID_AA64ISAR2_EL1.BC" } },
	{ "cssc", 0, { "ID_AA64ISAR2_EL1.CSSC" } },
};

void cpu_feature_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cpu_features) && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", cpu_features[i].name);
}

/* NAME=on|off, one of several separated by commas. */
static int add_one_feature(struct cpu_model *m, const char *item, char *err, size_t errlen)
{
	char opt[128], name[64], why[CPU_MODEL_ERR_LEN], names[512];
	const char *eq = strchr(item, '=');
	const struct cpu_feature_def *def = NULL;
	struct model_src src = { 0 };
	bool on;
	int origin;

	snprintf(opt, sizeof(opt), "--cpu-feature %s", item);
	if (!eq || eq == item || (size_t)(eq - item) >= sizeof(name))
		return model_err(err, errlen, "%s: expected NAME=on or NAME=off (e.g. sve=off)", opt);
	memcpy(name, item, (size_t)(eq - item));
	name[eq - item] = 0;
	if (!strcmp(eq + 1, "on"))
		on = true;
	else if (!strcmp(eq + 1, "off"))
		on = false;
	else
		return model_err(err, errlen, "%s: '%s' is neither on nor off", opt, eq + 1);
	for (size_t i = 0; i < ARRAY_SIZE(cpu_features); i++)
		if (!strcasecmp(cpu_features[i].name, name))
			def = &cpu_features[i];
	if (!def) {
		cpu_feature_names(names, sizeof(names));
		return model_err(err, errlen, "%s: unknown feature '%s' (known: %s; or give a "
			       "field with --id-reg)", opt, name, names);
	}
	origin = model_origin_add(&m->origins, opt);
	if (origin < 0)
		return model_err(err, errlen, "%s: too many options", opt);
	src.origin = (uint8_t)origin;
	for (size_t i = 0; i < ARRAY_SIZE(def->fields) && def->fields[i]; i++) {
		const struct idreg_desc *d;
		const struct idreg_field *f;

		if (parse_field_name(def->fields[i], &d, &f, why, sizeof(why)) || !f)
			return model_err(err, errlen, "%s: kvmini's table lacks %s", opt,
				       def->fields[i]);
		if (set_field(m, d, f, 0, on, src, SET_CLI, why, sizeof(why)))
			return model_err(err, errlen, "%s: %s", opt, why);
	}
	return 0;
}

static int add_feature_item(void *m, const char *item, char *err, size_t errlen)
{
	return add_one_feature(m, item, err, errlen);
}

int cpu_model_add_feature(struct cpu_model *m, const char *arg, char *err, size_t errlen)
{
	return model_text_items("--cpu-feature", arg, "NAME=on or NAME=off", add_feature_item, m,
				err, errlen);
}

int cpu_model_merge(struct cpu_model *m, const struct cpu_model *over, char *err,
		    size_t errlen)
{
	char why[CPU_MODEL_ERR_LEN];

	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		const struct cpu_model_reg *r = &over->regs[i];

		for (unsigned int k = 0; k <= d->nr_fields; k++) {
			const struct idreg_field *f = k < d->nr_fields ? &d->fields[k] : NULL;
			uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);
			struct model_src src = *reg_src(r, f);
			int origin;

			if (!fm || (r->mask & fm) != fm)
				continue;
			origin = model_origin_add(&m->origins, over->origins.name[src.origin]);
			if (origin < 0)
				return model_err(err, errlen, "too many model sources");
			src.origin = (uint8_t)origin;
			if (set_field(m, d, f, f ? (r->val & fm) >> f->shift : r->val & fm,
				      r->host & fm, src, SET_MERGE, why, sizeof(why)))
				return model_err(err, errlen, "%s", why);
		}
	}
	return 0;
}

static const struct {
	enum cpu_feature_link link;
	const char *reg, *field;
	bool key;	/* decides the link (else: only governed by it) */
} cpu_links[] = {
	{ CPU_LINK_SVE, "ID_AA64PFR0_EL1", "SVE", true },
	{ CPU_LINK_SVE, "ID_AA64ZFR0_EL1", NULL, false },	/* reads as zero without SVE */
	{ CPU_LINK_MTE, "ID_AA64PFR1_EL1", "MTE", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR1_EL1", "APA", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR1_EL1", "API", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR1_EL1", "GPA", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR1_EL1", "GPI", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR2_EL1", "APA3", true },
	{ CPU_LINK_PTRAUTH, "ID_AA64ISAR2_EL1", "GPA3", true },
	{ CPU_LINK_PMU, "ID_AA64DFR0_EL1", "PMUVer", true },
	{ CPU_LINK_PMU, "ID_DFR0_EL1", "PerfMon", false },
};

enum cpu_feature_link cpu_field_link(const struct idreg_desc *d, const struct idreg_field *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(cpu_links); i++)
		if (!strcmp(cpu_links[i].reg, d->name) &&
		    (!cpu_links[i].field || (f && !strcmp(cpu_links[i].field, f->name))))
			return cpu_links[i].link;
	return CPU_LINK_NONE;
}

const char *cpu_link_name(enum cpu_feature_link link)
{
	switch (link) {
	case CPU_LINK_SVE: return "SVE";
	case CPU_LINK_PTRAUTH: return "pointer authentication";
	case CPU_LINK_MTE: return "MTE";
	case CPU_LINK_PMU: return "a PMU";
	case CPU_LINK_NONE:
	case CPU_LINK_COUNT:
		break;
	}
	return "nothing";
}

void cpu_model_derive_links(struct cpu_model *m)
{
	for (unsigned int l = 0; l < CPU_LINK_COUNT; l++) {
		m->link[l] = FEATURE_AUTO;
		m->link_reg[l] = NULL;
		m->link_field[l] = NULL;
	}
	/* A key field non-zero (or the host's value) turns the feature on; all 0: off. */
	for (size_t i = 0; i < ARRAY_SIZE(cpu_links); i++) {
		const struct idreg_desc *d = idreg_by_name(cpu_links[i].reg);
		const struct idreg_field *f;
		const struct cpu_model_reg *r;
		enum cpu_feature_link l = cpu_links[i].link;
		bool on;

		if (!cpu_links[i].key || !d)
			continue;
		f = idreg_field_by_name(d, cpu_links[i].field);
		if (!f || !cpu_model_field_set(m, d, f))
			continue;
		r = &m->regs[idreg_index(d)];
		on = (r->host & idreg_field_mask(f)) || (r->val & idreg_field_mask(f));
		if (on && m->link[l] != FEATURE_ON) {
			m->link[l] = FEATURE_ON;
			m->link_reg[l] = d;
			m->link_field[l] = f;
		} else if (!on && m->link[l] == FEATURE_AUTO) {
			m->link[l] = FEATURE_OFF;
			m->link_reg[l] = d;
			m->link_field[l] = f;
		}
	}
}

static void write_header(const char *header, FILE *f)
{
	const char *p = header;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "#%s%.*s\n", len ? " " : "", len, p);
		p += len + (nl ? 1 : 0);
	}
}

static void write_field(const struct idreg_desc *d, const struct idreg_field *f,
			uint64_t reg, FILE *out)
{
	char v[32];

	if (f) {
		idreg_value_format(f, idreg_field_get(f, reg), v, sizeof(v));
		fprintf(out, "%s.%s = %s\n", d->name, f->name, v);
	} else {
		fprintf(out, "%s.unknown = 0x%llx\n", d->name,
			(unsigned long long)(reg & idreg_unknown_mask(d)));
	}
}

void cpu_model_dump(const struct idreg_host *h, const char *header, FILE *f)
{
	write_header(header, f);
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		uint64_t unknown = h->val[i] & idreg_unknown_mask(d);

		if (!h->present[i] || (!d->nr_fields && !unknown))
			continue;
		fputc('\n', f);
		for (unsigned int k = 0; k < d->nr_fields; k++)
			write_field(d, &d->fields[k], h->val[i], f);
		if (unknown)
			write_field(d, NULL, h->val[i], f);
	}
}

void cpu_model_write(const struct cpu_model *m, const char *header, FILE *f)
{
	write_header(header, f);
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];
		const struct cpu_model_reg *r = &m->regs[i];
		uint64_t um = idreg_unknown_mask(d);

		if (!(r->mask & ~r->host))
			continue;
		fputc('\n', f);
		for (unsigned int k = 0; k < d->nr_fields; k++) {
			uint64_t fm = idreg_field_mask(&d->fields[k]);

			if ((r->mask & fm) == fm && !(r->host & fm))
				write_field(d, &d->fields[k], r->val, f);
		}
		if (um && (r->mask & um) == um && !(r->host & um))
			write_field(d, NULL, r->val, f);
	}
}

/* A field's text in a model for diff: its value, "host" or "-" (not set). */
static void field_text(const struct cpu_model *m, const struct idreg_desc *d,
		       const struct idreg_field *f, char *buf, size_t len)
{
	const struct cpu_model_reg *r = &m->regs[idreg_index(d)];
	uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);

	if ((r->mask & fm) != fm)
		snprintf(buf, len, "-");
	else if (r->host & fm)
		snprintf(buf, len, "host");
	else if (f)
		idreg_value_format(f, idreg_field_get(f, r->val), buf, len);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)(r->val & fm));
}

unsigned int cpu_model_diff(const struct cpu_model *a, const char *name_a,
			    const struct cpu_model *b, const char *name_b, FILE *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		for (unsigned int k = 0; k <= d->nr_fields; k++) {
			const struct idreg_field *fl = k < d->nr_fields ? &d->fields[k] : NULL;
			char va[32], vb[32], name[96];

			if (!fl && !idreg_unknown_mask(d))
				continue;
			field_text(a, d, fl, va, sizeof(va));
			field_text(b, d, fl, vb, sizeof(vb));
			if (!strcmp(va, vb))
				continue;
			if (!n++)
				fprintf(f, "%-40s %-12s %s\n", "field", name_a, name_b);
			snprintf(name, sizeof(name), "%s.%s", d->name, fl ? fl->name : "unknown");
			fprintf(f, "%-40s %-12s %s\n", name, va, vb);
		}
	}
	return n;
}

unsigned int cpu_model_intersect(struct cpu_model *out, struct cpu_model *const *in,
				 const char *const *names, unsigned int n, FILE *notes)
{
	unsigned int dropped = 0;

	for (unsigned int i = 0; i < IDREG_COUNT && n; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		for (unsigned int k = 0; k <= d->nr_fields; k++) {
			const struct idreg_field *f = k < d->nr_fields ? &d->fields[k] : NULL;
			uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);
			struct cpu_model_reg *o = &out->regs[i];
			unsigned int nset = 0, missing = 0;
			uint64_t v = 0;
			bool ok = true;

			if (!fm)
				continue;
			for (unsigned int j = 0; j < n; j++) {
				const struct cpu_model_reg *r = &in[j]->regs[i];

				if ((r->mask & fm) == fm && !(r->host & fm))
					nset++;
				else
					missing = j;
			}
			if (!nset)
				continue;
			if (nset < n) {
				if (notes)
					fprintf(notes, "%s.%s: left out, not in %s\n", d->name,
						f ? f->name : "unknown", names[missing]);
				dropped++;
				continue;
			}
			v = in[0]->regs[i].val & fm;
			for (unsigned int j = 1; j < n && ok; j++) {
				uint64_t w = in[j]->regs[i].val & fm, m;

				if (!f) {
					ok = v == w;
				} else if (idreg_rule_meet(f, v >> f->shift, w >> f->shift, &m)) {
					ok = false;
				} else {
					v = m << f->shift;
				}
				if (!ok && notes) {
					char va[32], vb[32];

					field_text(in[0], d, f, va, sizeof(va));
					field_text(in[j], d, f, vb, sizeof(vb));
					fprintf(notes, "%s.%s: left out, %s in %s but %s in %s, and "
						"KVM has no rule to change it: each host shows "
						"its own\n", d->name, f ? f->name : "unknown", va,
						names[0], vb, names[j]);
				}
			}
			if (!ok) {
				dropped++;
				continue;
			}
			o->mask |= fm;
			o->val = (o->val & ~fm) | v;
		}
	}
	return dropped;
}

static int add_item(struct cpu_check *c, const struct cpu_check_item *it)
{
	if (c->nr_items == c->cap_items) {
		unsigned int cap = c->cap_items ? 2 * c->cap_items : 16;
		struct cpu_check_item *n = realloc(c->items, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->items = n;
		c->cap_items = cap;
	}
	c->items[c->nr_items++] = *it;
	c->count[it->verdict]++;
	return 0;
}

/* Why KVM would refuse `want` for field f of register i; NULL if it would not. */
static const char *refusal(const struct idreg_host *h, unsigned int i,
			   const struct idreg_desc *d, const struct idreg_field *f,
			   uint64_t want, uint64_t limit)
{
	const char *kvm = idreg_kvm_refuses(d, f, want);

	if (f->rule == IDREG_FIXED)
		return "KVM has no rule for this field (not in the kernel's cpufeature "
		       "table): it accepts only the host's value";
	if (!h->masks)
		return "this kernel reports no writable ID register fields (no "
		       "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES: Linux before 6.7), so the "
		       "host's value stays";
	if ((idreg_field_mask(f) & h->writable[i]) != idreg_field_mask(f))
		return "KVM does not let userspace change this field (not in "
		       "KVM_ARM_GET_REG_WRITABLE_MASKS)";
	if (!idreg_rule_accepts(f, want, limit))
		return idreg_rule_text((enum idreg_rule)f->rule);
	return kvm;
}

static int check_field(const struct cpu_model *m, const struct idreg_host *h,
		       unsigned int i, const struct idreg_field *f, struct cpu_check *c)
{
	const struct idreg_desc *d = &idreg_table()[i];
	const struct cpu_model_reg *r = &m->regs[i];
	uint64_t fm = f ? idreg_field_mask(f) : idreg_unknown_mask(d);
	struct cpu_check_item it = { .reg = d, .field = f, .verdict = CPU_OK };
	enum cpu_feature_link link = f ? cpu_field_link(d, f) : CPU_LINK_NONE;
	bool set = fm && (r->mask & fm) == fm;

	it.limit = f ? idreg_field_get(f, h->val[i]) : h->val[i] & fm;
	it.want = set && !(r->host & fm) ? (f ? idreg_field_get(f, r->val) : r->val & fm) :
		  it.limit;
	if (set)
		it.src = *reg_src(r, f);
	if (!set) {
		if (!f && it.limit) {
			it.verdict = CPU_UNKNOWN;
			it.why = "bits no field in kvmini's table covers: the guest sees the "
				 "host's value";
			return add_item(c, &it);
		}
		if (f)		/* the unknown bits count only when they matter */
			c->count[CPU_OK]++;
		return 0;
	}
	if (!h->present[i]) {
		if (!it.want) {
			c->count[CPU_OK]++;
			return 0;
		}
		it.verdict = CPU_REFUSED;
		it.why = "this host's KVM does not have the register";
		return add_item(c, &it);
	}
	/* NAME=on for a feature given through a vCPU feature or VM capability: required. */
	it.host = r->host & fm;
	if (it.host && link != CPU_LINK_NONE && m->link_field[link] == f &&
	    m->link[link] == FEATURE_ON && !h->on[link]) {
		it.verdict = CPU_REFUSED;
		it.link = link;
		it.link_avail = h->avail[link];
		return add_item(c, &it);
	}
	if (it.want == it.limit) {
		/* A feature kvmini gives by default, off through a vCPU feature or VM cap. */
		if (link != CPU_LINK_NONE && m->link[link] == FEATURE_OFF && !h->on[link] &&
		    h->avail[link] && h->dflt[link]) {
			it.verdict = CPU_LINKED;
			it.link = link;
			return add_item(c, &it);
		}
		c->count[CPU_OK]++;
		return 0;
	}
	it.verdict = CPU_REFUSED;
	if (link != CPU_LINK_NONE && !h->on[link]) {
		/* The feature is off for this vCPU: the field reads as KVM has it. */
		it.link = link;
		it.link_avail = h->avail[link];
		return add_item(c, &it);
	}
	if (!f) {
		it.why = "bits no field covers: KVM accepts only the host's value";
		return add_item(c, &it);
	}
	it.why = refusal(h, i, d, f, it.want, it.limit);
	if (!it.why) {
		it.verdict = CPU_LOWERED;
		c->target[i] = idreg_field_set(f, c->target[i], it.want);
	}
	return add_item(c, &it);
}

int cpu_model_check(const struct cpu_model *m, const struct idreg_host *h, struct cpu_check *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < IDREG_COUNT; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		c->target[i] = h->val[i];
		for (unsigned int k = 0; k <= d->nr_fields; k++) {
			int ret = check_field(m, h, i, k < d->nr_fields ? &d->fields[k] : NULL, c);

			if (ret) {
				cpu_check_free(c);
				return ret;
			}
		}
		c->write[i] = c->target[i] ^ h->val[i];
	}
	return (int)c->count[CPU_REFUSED];
}

void cpu_check_free(struct cpu_check *c)
{
	free(c->items);
	c->items = NULL;
	c->nr_items = c->cap_items = 0;
}

/* Why a linked feature changes (or cannot change) a field, in words. */
static void link_text(const struct cpu_check_item *it, char *buf, size_t len)
{
	enum cpu_feature_link l = it->link;

	if (it->verdict == CPU_LINKED) {
		switch (l) {
		case CPU_LINK_SVE:
			snprintf(buf, len, "through the vCPU feature: no SVE for the guest "
				 "(as --no-sve)");
			return;
		case CPU_LINK_MTE:
			snprintf(buf, len, "through the VM capability: no MTE for the guest "
				 "(as --no-mte)");
			return;
		default:
			snprintf(buf, len, "through the vCPU features: no %s for the guest",
				 cpu_link_name(l));
			return;
		}
	}
	if (l == CPU_LINK_PMU)
		snprintf(buf, len, "kvmini gives guests no PMU%s",
			 it->host ? "" : ", so this reads 0");
	else if (!it->link_avail)
		snprintf(buf, len, "this host's KVM offers no %s", cpu_link_name(l));
	else
		snprintf(buf, len, "%s is off for this guest, so the field reads %llu: give "
			 "%llu or leave the field out", cpu_link_name(l),
			 (unsigned long long)it->limit, (unsigned long long)it->limit);
}

static const char *const verdict_names[] = {
	[CPU_OK] = "ok", [CPU_LOWERED] = "lowered", [CPU_LINKED] = "lowered",
	[CPU_REFUSED] = "refused", [CPU_UNKNOWN] = "unknown",
};

void cpu_check_item_format(const struct cpu_model *m, const struct cpu_check_item *it,
			   char *buf, size_t len)
{
	char want[32], limit[32], where[CPU_MODEL_MAX_LINE], why[256];
	const char *fname = it->field ? it->field->name : "unknown";

	if (it->host) {
		snprintf(want, sizeof(want), "the host's value");
	} else if (it->field) {
		idreg_value_format(it->field, it->want, want, sizeof(want));
		idreg_value_format(it->field, it->limit, limit, sizeof(limit));
	} else {
		snprintf(want, sizeof(want), "0x%llx", (unsigned long long)it->want);
		snprintf(limit, sizeof(limit), "0x%llx", (unsigned long long)it->limit);
	}
	where[0] = 0;
	if (it->verdict != CPU_UNKNOWN)
		cpu_model_src_format(m, &it->src, where, sizeof(where));
	if (it->link != CPU_LINK_NONE)
		link_text(it, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", it->why ? it->why : "");
	switch (it->verdict) {
	case CPU_LOWERED:
		snprintf(buf, len, "%s.%s = %s (%s): lowered from the host's %s (%s: %s)",
			 it->reg->name, fname, want, where, limit,
			 idreg_rule_name((enum idreg_rule)it->field->rule),
			 idreg_rule_text((enum idreg_rule)it->field->rule));
		break;
	case CPU_LINKED:
		snprintf(buf, len, "%s.%s = %s (%s): lowered %s", it->reg->name, fname,
			 want, where, why);
		break;
	case CPU_REFUSED:
		snprintf(buf, len, "%s.%s = %s (%s): refused; this host's limit is %s%s%s: %s",
			 it->reg->name, fname, want, where, limit,
			 it->field ? ", rule " : "",
			 it->field ? idreg_rule_name((enum idreg_rule)it->field->rule) : "", why);
		break;
	case CPU_UNKNOWN:
		snprintf(buf, len, "%s.unknown = %s on this host: %s", it->reg->name, limit, why);
		break;
	case CPU_OK:
		snprintf(buf, len, "%s.%s = %s: ok", it->reg->name, fname, want);
		break;
	}
}

void cpu_check_print(const struct cpu_model *m, const struct idreg_host *h,
		     const struct cpu_check *c, bool verbose, FILE *f)
{
	char line[2 * CPU_MODEL_MAX_LINE];
	unsigned int nfields = 0;

	for (unsigned int i = 0; i < c->nr_items; i++) {
		cpu_check_item_format(m, &c->items[i], line, sizeof(line));
		fprintf(f, "%-8s %s\n", verdict_names[c->items[i].verdict], line);
	}
	for (unsigned int i = 0; i < IDREG_COUNT && verbose; i++) {
		const struct idreg_desc *d = &idreg_table()[i];

		for (unsigned int k = 0; k < d->nr_fields; k++) {
			const struct idreg_field *fl = &d->fields[k];
			char v[32];
			bool listed = false;

			for (unsigned int j = 0; j < c->nr_items && !listed; j++)
				listed = c->items[j].reg == d && c->items[j].field == fl;
			if (listed)
				continue;
			idreg_value_format(fl, idreg_field_get(fl, c->target[i]), v, sizeof(v));
			fprintf(f, "%-8s %s.%s = %s (%s%s)\n", "ok", d->name, fl->name, v,
				idreg_rule_name((enum idreg_rule)fl->rule),
				h->present[i] && (h->writable[i] & idreg_field_mask(fl)) ==
				idreg_field_mask(fl) && fl->rule != IDREG_FIXED ?
				", writable" : "");
		}
	}
	for (unsigned int v = 0; v <= CPU_UNKNOWN; v++)
		nfields += c->count[v];
	fprintf(f, "%u fields: %u ok, %u lowered (%u through vCPU features or VM "
		"capabilities), %u refused, %u with unknown bits set on the host\n", nfields,
		c->count[CPU_OK], c->count[CPU_LOWERED] + c->count[CPU_LINKED],
		c->count[CPU_LINKED], c->count[CPU_REFUSED], c->count[CPU_UNKNOWN]);
}
