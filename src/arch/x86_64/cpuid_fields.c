// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID fields an x86_64 CPU model speaks of (cpuid_model.h): the
 * identity of the CPU, the leaf limits, XCR0 and the features, named as
 * Linux names them (/proc/cpuinfo, else its X86_FEATURE_ name in lower
 * case; the bits from Intel SDM vol. 2 CPUID, AMD APM vol. 3 appendix E),
 * and what each feature needs.
 */
#include <stdio.h>
#include <string.h>

#include <kvmini/compiler.h>

#include "cpuid_model.h"
#include "xsave.h"


#define BITS(n, fn, idx, r, sh, w, ru) { .name = n, .kind = X86_KIND_BITS, .rule = ru, \
	.function = fn, .index = idx, .reg = r, .shift = sh, .width = w }
#define FEAT(n, fn, idx, r, bit, need, need2, x, own, req) { .name = n, \
	.kind = X86_KIND_BITS, .rule = X86_RULE_FEATURE, .function = fn, .index = idx, \
	.reg = r, .shift = bit, .width = 1, .needs = need, .needs2 = need2, .xcomp = x, \
	.owns = own, .required = req }
#define UNKNOWN_(n, fn, idx, r) { .name = n, .kind = X86_KIND_UNKNOWN, \
	.rule = X86_RULE_SUBSET, .function = fn, .index = idx, .reg = r, .width = 32 }
/* Through one more macro, so the register names below expand into arguments first. */
#define FEAT_(...) FEAT(__VA_ARGS__)
#define F(n, where, bit) FEAT_(n, where, bit, NULL, NULL, 0, false, false)
#define FN(n, where, bit, need) FEAT_(n, where, bit, need, NULL, 0, false, false)
#define FN2(n, where, bit, need, need2) FEAT_(n, where, bit, need, need2, 0, false, false)
#define FX(n, where, bit, need, x) FEAT_(n, where, bit, need, NULL, x, true, false)
#define FR(n, where, bit, need) FEAT_(n, where, bit, need, NULL, 0, false, true)
#define UNKNOWN(...) UNKNOWN_(__VA_ARGS__)

/* The registers features live in. */
#define L1_ECX		1, 0, X86_ECX
#define L1_EDX		1, 0, X86_EDX
#define L7_EBX		7, 0, X86_EBX
#define L7_ECX		7, 0, X86_ECX
#define L7_EDX		7, 0, X86_EDX
#define L7_1_EAX	7, 1, X86_EAX
#define LD_1_EAX	0xd, 1, X86_EAX
#define LE1_ECX		0x80000001, 0, X86_ECX
#define LE1_EDX		0x80000001, 0, X86_EDX
#define LE8_EBX		0x80000008, 0, X86_EBX

const struct x86_field x86_fields[] = {
	{ .name = "vendor", .kind = X86_KIND_VENDOR, .rule = X86_RULE_EXACT, .width = 8 },
	{ .name = "family", .kind = X86_KIND_FAMILY, .rule = X86_RULE_ANY, .function = 1,
	  .width = 9 },
	{ .name = "model", .kind = X86_KIND_MODEL, .rule = X86_RULE_ANY, .function = 1,
	  .width = 8 },
	BITS("stepping", 1, 0, X86_EAX, 0, 4, X86_RULE_ANY),
	BITS("max-leaf", 0, 0, X86_EAX, 0, 32, X86_RULE_LOWER),
	BITS("max-ext-leaf", 0x80000000, 0, X86_EAX, 0, 32, X86_RULE_LOWER),
	BITS("phys-bits", 0x80000008, 0, X86_EAX, 0, 8, X86_RULE_LOWER),
	{ .name = "xcr0", .kind = X86_KIND_XCR0, .rule = X86_RULE_SUBSET, .function = 0xd,
	  .width = 64 },

	/*
	 * CPUID.1:EDX (APIC, bit 9, follows the APIC base MSR's enable bit:
	 * KVM rewrites it, so it is not a model's to set). Dependencies are
	 * Linux's (arch/x86/kernel/cpu/cpuid-deps.c).
	 */
	FR("fpu", L1_EDX, 0, NULL), F("vme", L1_EDX, 1), F("de", L1_EDX, 2),
	FR("pse", L1_EDX, 3, NULL), F("tsc", L1_EDX, 4), FR("msr", L1_EDX, 5, NULL),
	FR("pae", L1_EDX, 6, NULL), F("mce", L1_EDX, 7), FR("cx8", L1_EDX, 8, NULL),
	F("sep", L1_EDX, 11), F("mtrr", L1_EDX, 12), FR("pge", L1_EDX, 13, NULL),
	F("mca", L1_EDX, 14), FR("cmov", L1_EDX, 15, "fxsr"), F("pat", L1_EDX, 16),
	F("pse36", L1_EDX, 17), F("clflush", L1_EDX, 19), FN("mmx", L1_EDX, 23, "fxsr"),
	FR("fxsr", L1_EDX, 24, "fpu"), FR("sse", L1_EDX, 25, "fxsr"),
	FR("sse2", L1_EDX, 26, "sse"), F("ss", L1_EDX, 27), F("ht", L1_EDX, 28),
	/* CPUID.1:ECX (OSXSAVE, bit 27, follows CR4; bit 31 is kvmini's "hypervisor") */
	FN("pni", L1_ECX, 0, "sse2"), FN("pclmulqdq", L1_ECX, 1, "sse2"),
	F("monitor", L1_ECX, 3), F("vmx", L1_ECX, 5), FN("ssse3", L1_ECX, 9, "sse2"),
	FN("fma", L1_ECX, 12, "avx"), F("cx16", L1_ECX, 13), F("pdcm", L1_ECX, 15),
	F("pcid", L1_ECX, 17), FN("sse4_1", L1_ECX, 19, "sse2"),
	FN("sse4_2", L1_ECX, 20, "sse2"), F("x2apic", L1_ECX, 21),
	F("movbe", L1_ECX, 22), F("popcnt", L1_ECX, 23),
	F("tsc_deadline_timer", L1_ECX, 24), FN("aes", L1_ECX, 25, "sse2"),
	FN("xsave", L1_ECX, 26, "fxsr"), FX("avx", L1_ECX, 28, "xsave", XFEATURE_MASK(XFEATURE_YMM)),
	FN("f16c", L1_ECX, 29, "avx"), F("rdrand", L1_ECX, 30),
	/* CPUID.7.0:EBX */
	F("fsgsbase", L7_EBX, 0), F("tsc_adjust", L7_EBX, 1), F("bmi1", L7_EBX, 3),
	F("hle", L7_EBX, 4), FN("avx2", L7_EBX, 5, "avx"), F("smep", L7_EBX, 7),
	F("bmi2", L7_EBX, 8), F("erms", L7_EBX, 9), F("invpcid", L7_EBX, 10),
	F("rtm", L7_EBX, 11), FX("mpx", L7_EBX, 14, "xsave", XCR0_MPX),
	FX("avx512f", L7_EBX, 16, "avx", XCR0_AVX512), FN("avx512dq", L7_EBX, 17, "avx512f"),
	F("rdseed", L7_EBX, 18), F("adx", L7_EBX, 19), F("smap", L7_EBX, 20),
	FN("avx512ifma", L7_EBX, 21, "avx512f"), F("clflushopt", L7_EBX, 23),
	F("clwb", L7_EBX, 24), FN("avx512pf", L7_EBX, 26, "avx512f"),
	FN("avx512er", L7_EBX, 27, "avx512f"), FN("avx512cd", L7_EBX, 28, "avx512f"),
	FN("sha_ni", L7_EBX, 29, "sse2"), FN("avx512bw", L7_EBX, 30, "avx512f"),
	FN("avx512vl", L7_EBX, 31, "avx512f"),
	/* CPUID.7.0:ECX (OSPKE, bit 4, follows CR4) */
	FN("avx512vbmi", L7_ECX, 1, "avx512f"), F("umip", L7_ECX, 2),
	FX("pku", L7_ECX, 3, "xsave", XCR0_PKRU), F("waitpkg", L7_ECX, 5),
	FN("avx512_vbmi2", L7_ECX, 6, "avx512vl"), FN("gfni", L7_ECX, 8, "sse2"),
	FN("vaes", L7_ECX, 9, "avx"), FN("vpclmulqdq", L7_ECX, 10, "avx"),
	FN("avx512_vnni", L7_ECX, 11, "avx512vl"), FN("avx512_bitalg", L7_ECX, 12, "avx512vl"),
	FN("avx512_vpopcntdq", L7_ECX, 14, "avx512f"), F("la57", L7_ECX, 16),
	F("rdpid", L7_ECX, 22), F("bus_lock_detect", L7_ECX, 24), F("cldemote", L7_ECX, 25),
	F("movdiri", L7_ECX, 27), F("movdir64b", L7_ECX, 28),
	/* CPUID.7.0:EDX */
	FN("avx512_4vnniw", L7_EDX, 2, "avx512f"), FN("avx512_4fmaps", L7_EDX, 3, "avx512f"),
	F("fsrm", L7_EDX, 4), FN("avx512_vp2intersect", L7_EDX, 8, "avx512vl"),
	F("md_clear", L7_EDX, 10), F("serialize", L7_EDX, 14), F("tsxldtrk", L7_EDX, 16),
	FN("amx_bf16", L7_EDX, 22, "amx_tile"), FN("avx512_fp16", L7_EDX, 23, "avx512bw"),
	FX("amx_tile", L7_EDX, 24, "xfd", XCR0_AMX), FN("amx_int8", L7_EDX, 25, "amx_tile"),
	F("spec_ctrl", L7_EDX, 26), F("intel_stibp", L7_EDX, 27), F("flush_l1d", L7_EDX, 28),
	F("arch_capabilities", L7_EDX, 29), F("spec_ctrl_ssbd", L7_EDX, 31),
	/* CPUID.7.1:EAX */
	FN("avx_vnni", L7_1_EAX, 4, "avx2"), FN("avx512_bf16", L7_1_EAX, 5, "avx512vl"),
	F("cmpccxadd", L7_1_EAX, 7), F("fzrm", L7_1_EAX, 10), F("fsrs", L7_1_EAX, 11),
	F("fsrc", L7_1_EAX, 12), FN("amx_fp16", L7_1_EAX, 21, "amx_tile"),
	FN("avx_ifma", L7_1_EAX, 23, "avx2"),
	/* CPUID.0xd.1:EAX */
	FN("xsaveopt", LD_1_EAX, 0, "xsave"), FN("xsavec", LD_1_EAX, 1, "xsave"),
	FN("xgetbv1", LD_1_EAX, 2, "xsave"), FN("xsaves", LD_1_EAX, 3, "xsave"),
	FN2("xfd", LD_1_EAX, 4, "xsaves", "xgetbv1"),
	/* CPUID.0x80000001:ECX */
	F("lahf_lm", LE1_ECX, 0), F("cmp_legacy", LE1_ECX, 1), F("svm", LE1_ECX, 2),
	F("extapic", LE1_ECX, 3), F("cr8_legacy", LE1_ECX, 4), F("abm", LE1_ECX, 5),
	FN("sse4a", LE1_ECX, 6, "sse2"), F("misalignsse", LE1_ECX, 7),
	F("3dnowprefetch", LE1_ECX, 8), F("osvw", LE1_ECX, 9), FN("xop", LE1_ECX, 11, "avx"),
	F("skinit", LE1_ECX, 12), FN("fma4", LE1_ECX, 16, "avx"), F("tbm", LE1_ECX, 21),
	F("topoext", LE1_ECX, 22), F("perfctr_core", LE1_ECX, 23), F("mwaitx", LE1_ECX, 29),
	/* CPUID.0x80000001:EDX */
	F("syscall", LE1_EDX, 11), F("nx", LE1_EDX, 20), FN("mmxext", LE1_EDX, 22, "mmx"),
	FN("fxsr_opt", LE1_EDX, 25, "fxsr"), F("pdpe1gb", LE1_EDX, 26), F("rdtscp", LE1_EDX, 27),
	FR("lm", LE1_EDX, 29, NULL), F("3dnowext", LE1_EDX, 30), F("3dnow", LE1_EDX, 31),
	/* CPUID.0x80000008:EBX */
	F("clzero", LE8_EBX, 0), F("irperf", LE8_EBX, 1), F("xsaveerptr", LE8_EBX, 2),
	F("rdpru", LE8_EBX, 4), F("wbnoinvd", LE8_EBX, 9), F("amd_ibpb", LE8_EBX, 12),
	F("amd_ibrs", LE8_EBX, 14), F("amd_stibp", LE8_EBX, 15), F("amd_ssbd", LE8_EBX, 24),
	F("virt_ssbd", LE8_EBX, 25), F("amd_ssb_no", LE8_EBX, 26), F("amd_psfd", LE8_EBX, 28),

	UNKNOWN("cpuid.1.0.edx.unknown", L1_EDX), UNKNOWN("cpuid.1.0.ecx.unknown", L1_ECX),
	UNKNOWN("cpuid.7.0.ebx.unknown", L7_EBX), UNKNOWN("cpuid.7.0.ecx.unknown", L7_ECX),
	UNKNOWN("cpuid.7.0.edx.unknown", L7_EDX), UNKNOWN("cpuid.7.1.eax.unknown", L7_1_EAX),
	UNKNOWN("cpuid.d.1.eax.unknown", LD_1_EAX),
	UNKNOWN("cpuid.80000001.0.ecx.unknown", LE1_ECX),
	UNKNOWN("cpuid.80000001.0.edx.unknown", LE1_EDX),
	UNKNOWN("cpuid.80000008.0.ebx.unknown", LE8_EBX),
};
const unsigned int x86_nr_fields = ARRAY_SIZE(x86_fields);
_Static_assert(ARRAY_SIZE(x86_fields) <= X86_MAX_FIELDS, "X86_MAX_FIELDS too small");

/* Bits that follow the vCPU's state (CR4.OSXSAVE, CR4.PKE, the APIC's enable) or kvmini's ("hypervisor"). */
static uint32_t dynamic_bits(const struct x86_field *f)
{
	if (f->function == 1 && f->reg == X86_ECX)
		return 1u << 27 | 1u << 31;
	if (f->function == 1 && f->reg == X86_EDX)
		return 1u << 9;		/* APIC: KVM keeps it as the APIC base MSR says */
	if (f->function == 7 && f->index == 0 && f->reg == X86_ECX)
		return 1u << 4;
	return 0;
}

static const char *const vendors[] = {
	/* Only names a model line can hold (Zhaoxin's "  Shanghai  " has spaces: "other"). */
	"other", "GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls",
};

static const char *reg_name(enum x86_reg r)
{
	static const char *const names[] = { "EAX", "EBX", "ECX", "EDX" };

	return names[r];
}

const struct x86_field *x86_field_find(const char *name)
{
	for (unsigned int i = 0; i < x86_nr_fields; i++)
		if (!strcmp(x86_fields[i].name, name))
			return &x86_fields[i];
	return NULL;
}

struct x86_leaf *x86_leaf_find(const struct x86_leaves *t, uint32_t function, uint32_t index)
{
	for (unsigned int i = 0; i < t->n; i++) {
		struct x86_leaf *e = &t->e[i];

		if (e->function == function && (!e->indexed || e->index == index))
			return e;
	}
	return NULL;
}

/* The bits of a register the table's named features cover. */
static uint32_t named_bits(const struct x86_field *u)
{
	uint32_t mask = dynamic_bits(u);

	for (unsigned int i = 0; i < x86_nr_fields; i++) {
		const struct x86_field *f = &x86_fields[i];

		if (f->rule == X86_RULE_FEATURE && f->function == u->function &&
		    f->index == u->index && f->reg == u->reg)
			mask |= 1u << f->shift;
	}
	return mask;
}

uint64_t x86_field_max(const struct x86_field *f)
{
	switch (f->kind) {
	case X86_KIND_VENDOR:
		return ARRAY_SIZE(vendors) - 1;
	case X86_KIND_FAMILY:
		return 0xf + 0xff;
	case X86_KIND_UNKNOWN:
		return ~named_bits(f);
	default:
		return f->width == 64 ? UINT64_MAX : (UINT64_C(1) << f->width) - 1;
	}
}

uint64_t x86_field_get(const struct x86_leaves *t, const struct x86_field *f)
{
	const struct x86_leaf *e = x86_leaf_find(t, f->function, f->index);
	const struct x86_leaf *e1;
	uint32_t eax, base;

	if (!e)
		return 0;
	switch (f->kind) {
	case X86_KIND_BITS:
		return (e->r[f->reg] >> f->shift) & x86_field_max(f);
	case X86_KIND_UNKNOWN:
		return e->r[f->reg] & ~named_bits(f);
	case X86_KIND_VENDOR:
		for (unsigned int v = 1; v < ARRAY_SIZE(vendors); v++)
			if (!memcmp(&e->r[X86_EBX], vendors[v], 4) &&
			    !memcmp(&e->r[X86_EDX], vendors[v] + 4, 4) &&
			    !memcmp(&e->r[X86_ECX], vendors[v] + 8, 4))
				return v;
		return 0;
	case X86_KIND_FAMILY:
		base = (e->r[X86_EAX] >> 8) & 0xf;
		return base == 0xf ? base + ((e->r[X86_EAX] >> 20) & 0xff) : base;
	case X86_KIND_MODEL:
		eax = e->r[X86_EAX];
		base = (eax >> 8) & 0xf;
		return (base == 6 || base == 0xf) ? ((eax >> 4) & 0xf) | ((eax >> 12) & 0xf0) :
		       (eax >> 4) & 0xf;
	case X86_KIND_XCR0:
		e1 = x86_leaf_find(t, 0xd, 0);
		return e1 ? e1->r[X86_EAX] | (uint64_t)e1->r[X86_EDX] << 32 : 0;
	}
	return 0;
}

void x86_field_format(const struct x86_field *f, uint64_t v, char *buf, size_t len)
{
	if (f->rule == X86_RULE_FEATURE)
		snprintf(buf, len, "%s", v ? "on" : "off");
	else if (f->kind == X86_KIND_VENDOR)
		snprintf(buf, len, "%s", v < ARRAY_SIZE(vendors) ? vendors[v] : "?");
	else if (f->kind == X86_KIND_FAMILY || f->kind == X86_KIND_MODEL ||
		 f == &x86_fields[X86_F_STEPPING] || f == &x86_fields[X86_F_PHYS_BITS])
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
}

/* A vendor name as a model gives it (the index), or -1. */
int x86_vendor_parse(const char *s)
{
	for (unsigned int v = 1; v < ARRAY_SIZE(vendors); v++)
		if (!strcmp(vendors[v], s))
			return (int)v;
	return -1;
}

void x86_field_where(const struct x86_field *f, char *buf, size_t len)
{
	switch (f->kind) {
	case X86_KIND_BITS:
		if (f->width == 1)
			snprintf(buf, len, "CPUID.%x.%u:%s bit %u", f->function, f->index,
				 reg_name(f->reg), f->shift);
		else
			snprintf(buf, len, "CPUID.%x.%u:%s[%u:%u]", f->function, f->index,
				 reg_name(f->reg), f->shift + f->width - 1, f->shift);
		return;
	case X86_KIND_UNKNOWN:
		snprintf(buf, len, "CPUID.%x.%u:%s", f->function, f->index, reg_name(f->reg));
		return;
	case X86_KIND_VENDOR:
		snprintf(buf, len, "CPUID.0:EBX,EDX,ECX");
		return;
	case X86_KIND_FAMILY:
	case X86_KIND_MODEL:
		snprintf(buf, len, "CPUID.1:EAX");
		return;
	case X86_KIND_XCR0:
		snprintf(buf, len, "CPUID.d.0:EDX:EAX");
		return;
	}
}

/* The field written into a leaf (the leaf exists; the value fits). */
void x86_field_put(struct x86_leaf *e, const struct x86_field *f, uint64_t v)
{
	uint32_t eax, m;

	switch (f->kind) {
	case X86_KIND_BITS:
		m = (uint32_t)(x86_field_max(f) << f->shift);
		e->r[f->reg] = (e->r[f->reg] & ~m) | ((uint32_t)v << f->shift & m);
		return;
	case X86_KIND_UNKNOWN:
		m = ~named_bits(f);
		e->r[f->reg] = (e->r[f->reg] & ~m) | ((uint32_t)v & m);
		return;
	case X86_KIND_VENDOR:
		if (v && v < ARRAY_SIZE(vendors)) {
			memcpy(&e->r[X86_EBX], vendors[v], 4);
			memcpy(&e->r[X86_EDX], vendors[v] + 4, 4);
			memcpy(&e->r[X86_ECX], vendors[v] + 8, 4);
		}
		return;
	case X86_KIND_FAMILY:
		eax = e->r[X86_EAX] & ~(0xfu << 8 | 0xffu << 20);
		e->r[X86_EAX] = v >= 0xf ? eax | 0xfu << 8 | (uint32_t)(v - 0xf) << 20 :
				eax | (uint32_t)v << 8;
		return;
	case X86_KIND_MODEL:
		/* Extended model bits count for families 6 and 15 only (set family first). */
		eax = e->r[X86_EAX] & ~(0xfu << 4 | 0xfu << 16);
		e->r[X86_EAX] = eax | ((uint32_t)v & 0xf) << 4 | ((uint32_t)v >> 4 & 0xf) << 16;
		return;
	case X86_KIND_XCR0:
		e->r[X86_EAX] = (uint32_t)v;
		e->r[X86_EDX] = (uint32_t)(v >> 32);
		return;
	}
}
