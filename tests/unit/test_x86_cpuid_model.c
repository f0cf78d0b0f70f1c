// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86_64 CPU models against a made-up host: parsing and its errors, the
 * check's verdicts and what taking a feature away takes with it, the
 * table the vCPUs get (leaf 0xd following XCR0, leaves above max-leaf
 * gone), diff and intersect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/arch/x86_64/cpuid_model.h"

#include "tap.h"

#define AVX (1u << 28)
#define XSAVE (1u << 26)
#define AVX2 (1u << 5)

/* An AMD host with AVX2 and no AVX-512: XCR0 x87|SSE|YMM. */
static struct x86_leaf host_leaves[] = {
	{ 0, 0, false, { 0xd, 0x68747541, 0x444d4163, 0x69746e65 } },	/* AuthenticAMD */
	{ 1, 0, false, { 0x00a10f11, 0, XSAVE | AVX | (1u << 12) | (1u << 29) | 1 | (1u << 9) |
			 (1u << 19) | (1u << 20), 0x178bfbff } },
	{ 7, 0, true, { 0, AVX2 | (1u << 3) | (1u << 8) | (1u << 22), 0, 0 } },
	{ 7, 1, true, { 0, 0, 0, 0 } },
	{ 0xd, 0, true, { 0x7, 832, 832, 0 } },
	{ 0xd, 1, true, { 0xf, 832, 0, 0 } },
	{ 0xd, 2, true, { 256, 576, 0, 0 } },
	{ 0x80000000, 0, false, { 0x80000008, 0, 0, 0 } },
	{ 0x80000001, 0, false, { 0, 0, 0x1, 0x2fd3fbff } },
	{ 0x80000008, 0, false, { 0x303030, 0x1, 0, 0 } },	/* guest, virtual, physical: 48 */
};

static struct x86_leaves host(void)
{
	static struct x86_leaf copy[sizeof(host_leaves) / sizeof(host_leaves[0])];

	memcpy(copy, host_leaves, sizeof(copy));
	return (struct x86_leaves){ .e = copy, .n = sizeof(copy) / sizeof(copy[0]) };
}

static char err[MODEL_TEXT_ERR_LEN];

static struct x86_model *parse(const char *text)
{
	struct x86_model *m = x86_model_new();

	err[0] = 0;
	if (x86_model_parse(m, "m.txt", text, err, sizeof(err))) {
		x86_model_free(m);
		return NULL;
	}
	return m;
}

static bool parse_fails(const char *text, const char *want)
{
	struct x86_model *m = parse(text);

	x86_model_free(m);
	if (!m && !strstr(err, want))
		printf("# error was: %s\n", err);
	return !m && strstr(err, want);
}

static const struct x86_check_item *item(const struct x86_check *c, const char *name)
{
	for (unsigned int i = 0; i < c->nr_items; i++)
		if (!strcmp(c->items[i].field->name, name))
			return &c->items[i];
	return NULL;
}

static bool verdict_is(const struct x86_check *c, const char *name, enum x86_verdict v,
		       const char *why)
{
	const struct x86_check_item *it = item(c, name);

	if (!it)
		return v == X86_OK;
	return it->verdict == v && (!why || strstr(it->why, why));
}

/* Check text against the host; returns the refusals, -1 on a parse error. */
static int check(const char *text, struct x86_check *c)
{
	struct x86_model *m = parse(text);
	struct x86_leaves h = host();
	int ret;

	if (!m)
		return -1;
	ret = x86_model_check(m, &h, c);
	x86_model_free(m);
	return ret;
}

static void test_fixed_fields(void)
{
	static const char *const names[] = {
		[X86_F_VENDOR] = "vendor", [X86_F_FAMILY] = "family", [X86_F_MODEL] = "model",
		[X86_F_STEPPING] = "stepping", [X86_F_MAX_LEAF] = "max-leaf",
		[X86_F_MAX_EXT_LEAF] = "max-ext-leaf", [X86_F_PHYS_BITS] = "phys-bits",
		[X86_F_XCR0] = "xcr0",
	};
	bool same = true;

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		same &= !strcmp(x86_fields[i].name, names[i]);
	ok(same, "the fixed fields sit where enum x86_fixed_field says");
}

static void test_parse(void)
{
	struct x86_model *m = parse("# a comment\n\navx2 = off   # trailing\nxcr0 = 0x7\n"
				    "vendor = AuthenticAMD\nfamily = 25\n");
	const struct x86_field *avx2 = x86_field_find("avx2");

	ok(m && m->set[x86_field_index(avx2)] && !m->val[x86_field_index(avx2)] &&
	   m->src[x86_field_index(avx2)].line == 3, "a model parses, with line numbers");
	x86_model_free(m);
	ok(parse_fails("avx3 = on\n", "m.txt:1: unknown field 'avx3'") &&
	   strstr(err, "did you mean") && strstr(err, "avx2"), "an unknown name: suggestions");
	ok(parse_fails("avx2 = yes\n", "neither on nor off"), "a feature takes on or off");
	ok(parse_fails("\navx2 = off\navx2 = on\n", "m.txt:3: avx2 is given twice (first at m.txt:2)"),
	   "a field twice in one file");
	ok(parse_fails("stepping = 16\n", "larger than 15"), "a value wider than its field");
	ok(parse_fails("vendor = GenuineIotel\n", "not a vendor kvmini knows"), "an unknown vendor");
	ok(parse_fails("avx2 off\n", "expected NAME = VALUE"), "a line without '='");
	ok(parse_fails("max-leaf = 0xzz\n", "not a number"), "junk for a number");
	ok(parse_fails("cpuid.7.0.ebx.unknown = 0x20\n", "bits that have names"),
	   "unknown bits may not set named ones");
	ok(parse_fails("cpuid.7.0.ebx.unknown = 0x40\n", "") == false,
	   "unknown bits no name covers parse (bit 6 of 7.0 EBX)");
}

static void test_options(void)
{
	struct x86_model *file = parse("avx2 = off\nfamily = 25\n"), *cli = x86_model_new();
	unsigned int avx2 = x86_field_index(x86_field_find("avx2"));
	char where[MODEL_TEXT_MAX_LINE];

	ok(!x86_model_add_option(cli, "avx2=on,xcr0=0x7", err, sizeof(err)),
	   "--cpu-feature takes several fields");
	ok(x86_model_add_option(cli, "avx2", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "--cpu-feature avx2: expected NAME=VALUE"), "--cpu-feature without '='");
	ok(x86_model_add_option(cli, "avx=on,,avx2=off", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "--cpu-feature avx=on,,avx2=off: an empty item"),
	   "--cpu-feature with an empty item (two commas): refused");
	ok(x86_model_add_option(cli, "avx2=off,", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "an empty item"), "--cpu-feature with a trailing comma: refused");
	ok(x86_model_add_option(cli, "avx2=off,AVX2=on", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "names AVX2 twice; give each once"),
	   "--cpu-feature naming a field twice (either case): refused");
	ok(x86_model_add_option(cli, "avx2=off, avx2 =on", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "names avx2 twice"), "... or with spaces around a name: refused");
	ok(x86_model_add_option(cli, "", err, sizeof(err)) == -EINVAL &&
	   strstr(err, "--cpu-feature '': expected NAME=VALUE"), "--cpu-feature '': refused");
	ok(!x86_model_merge(file, cli), "merge");
	model_src_format(&file->origins, &file->src[avx2], where, sizeof(where));
	ok(file->val[avx2] == 1 && !strcmp(where, "--cpu-feature avx2=on"),
	   "the command line wins over the file, and says so (%s)", where);
	x86_model_free(file);
	x86_model_free(cli);

	file = parse("amx_tile = off\n");
	ok(!x86_model_wants_amx(file), "amx_tile = off: no AMX permission asked");
	x86_model_free(file);
	file = parse("xcr0 = 0x7\n");
	ok(!x86_model_wants_amx(file), "an XCR0 without tile data: no AMX permission asked");
	x86_model_free(file);
	file = parse("avx2 = off\n");
	ok(x86_model_wants_amx(file), "a model silent on AMX: permission asked");
	x86_model_free(file);
}

static void test_check(void)
{
	struct x86_check c;

	ok(check("", &c) == 0 && c.nr_items == 0, "an empty model: everything as the host has it");
	x86_check_free(&c);

	ok(check("avx = off\n", &c) == 0 && verdict_is(&c, "avx", X86_LOWERED, NULL) &&
	   verdict_is(&c, "avx2", X86_DERIVED, "needs avx") &&
	   verdict_is(&c, "fma", X86_DERIVED, "needs avx") &&
	   verdict_is(&c, "f16c", X86_DERIVED, "needs avx") &&
	   verdict_is(&c, "xcr0", X86_DERIVED, NULL) &&
	   c.target[x86_field_index(x86_field_find("xcr0"))] == 0x3,
	   "avx = off takes avx2, fma, f16c and YMM out of XCR0");
	x86_check_free(&c);

	ok(check("xcr0 = 0x3\n", &c) == 0 && verdict_is(&c, "avx", X86_DERIVED, "needs XCR0") &&
	   verdict_is(&c, "avx2", X86_DERIVED, NULL), "xcr0 without YMM takes AVX away");
	x86_check_free(&c);

	ok(check("avx512f = on\n", &c) == 1 &&
	   verdict_is(&c, "avx512f", X86_REFUSED, "does not offer it (CPUID.7.0:EBX bit 16)"),
	   "a feature the host lacks is refused, naming its bit");
	x86_check_free(&c);

	ok(check("avx = off\navx2 = on\n", &c) == 1 &&
	   verdict_is(&c, "avx2", X86_REFUSED, "needs avx, which is off"),
	   "a feature on whose dependency the model turns off is refused");
	x86_check_free(&c);

	ok(check("xcr0 = 0x5\n", &c) == 1 && verdict_is(&c, "xcr0", X86_REFUSED, "x87 and SSE"),
	   "XCR0 without SSE state is refused");
	x86_check_free(&c);
	ok(check("xcr0 = 0xf\n", &c) == 1 &&
	   verdict_is(&c, "xcr0", X86_REFUSED, "bits 0x8 are not offered"),
	   "XCR0 bits the host forbids are refused");
	x86_check_free(&c);

	ok(check("vendor = GenuineIntel\n", &c) == 1 &&
	   verdict_is(&c, "vendor", X86_REFUSED, "this host is AuthenticAMD"),
	   "another vendor is refused");
	x86_check_free(&c);
	ok(check("family = 5\nmodel = 20\n", &c) == 1 &&
	   verdict_is(&c, "family", X86_CHANGED, NULL) &&
	   verdict_is(&c, "model", X86_REFUSED, "need family 6"),
	   "a model number family 5 cannot encode is refused");
	x86_check_free(&c);
	ok(check("family = 5\n", &c) == 1 && verdict_is(&c, "model", X86_REFUSED, "need family 6"),
	   "the host's model number family 5 cannot encode is refused too");
	x86_check_free(&c);
	ok(check("max-leaf = 0x20\n", &c) == 1 && verdict_is(&c, "max-leaf", X86_REFUSED, "above"),
	   "max-leaf above the host's is refused");
	x86_check_free(&c);
	ok(check("phys-bits = 30\n", &c) == 1 && verdict_is(&c, "phys-bits", X86_REFUSED, "32"),
	   "fewer than 32 physical address bits are refused");
	x86_check_free(&c);
	ok(check("lm = off\n", &c) == 1 && verdict_is(&c, "lm", X86_REFUSED, "x86-64 needs it"),
	   "lm = off is refused: kvmini starts guests in 64-bit mode");
	x86_check_free(&c);
	ok(check("max-ext-leaf = 5\n", &c) == 2 &&
	   verdict_is(&c, "max-ext-leaf", X86_REFUSED, "leaf 0x80000001 holds long mode") &&
	   verdict_is(&c, "lm", X86_REFUSED, "the model takes it away"),
	   "max-ext-leaf below 0x80000001 is refused, and so is losing lm with it");
	x86_check_free(&c);
	ok(check("sse = off\n", &c) == 2 && verdict_is(&c, "sse2", X86_REFUSED, "needs sse"),
	   "sse = off would take sse2, which x86-64 needs: refused");
	x86_check_free(&c);
	ok(check("xsave = off\n", &c) == 0 && verdict_is(&c, "avx", X86_DERIVED, "needs xsave") &&
	   c.target[x86_field_index(x86_field_find("xcr0"))] == 0x3,
	   "xsave = off takes AVX and YMM with it");
	x86_check_free(&c);
	ok(check("avx = off\nxcr0 = 0x7\n", &c) == 1 &&
	   verdict_is(&c, "xcr0", X86_REFUSED, "bits 0x4 are avx's state, and avx is off"),
	   "an XCR0 keeping the state of a feature the model turns off is refused");
	x86_check_free(&c);
	ok(parse_fails("apic = off\n", "not a model's to set"),
	   "apic follows the APIC base MSR: refused by name, not as unknown");
	ok(check("max-leaf = 6\n", &c) == 0 &&
	   verdict_is(&c, "bmi1", X86_DERIVED, "above max-leaf 0x6") &&
	   verdict_is(&c, "avx2", X86_DERIVED, NULL) &&
	   verdict_is(&c, "xsave", X86_DERIVED, "leaf 0xd") &&
	   verdict_is(&c, "avx", X86_DERIVED, "needs xsave"),
	   "max-leaf 6 takes away leaf 7's features and XSAVE with what needs it");
	x86_check_free(&c);
}

static uint32_t reg(const struct x86_leaves *t, uint32_t fn, uint32_t index, enum x86_reg r)
{
	const struct x86_leaf *e = x86_leaf_find(t, fn, index);

	return e ? e->r[r] : 0xdeadbeef;
}

static void test_apply(void)
{
	struct x86_leaves t = host();
	struct x86_check c;

	ok(check("avx = off\n", &c) == 0 && !x86_model_apply(&c, &t) &&
	   !(reg(&t, 1, 0, X86_ECX) & AVX) && !(reg(&t, 7, 0, X86_EBX) & AVX2) &&
	   reg(&t, 0xd, 0, X86_EAX) == 0x3 && reg(&t, 0xd, 0, X86_ECX) == 576 &&
	   reg(&t, 0xd, 2, X86_EAX) == 0 && reg(&t, 0xd, 2, X86_EBX) == 0,
	   "avx = off: the bits clear, leaf 0xd says XCR0 0x3, 576 bytes, no YMM component");
	x86_check_free(&c);

	t = host();
	ok(check("family = 6\nmodel = 0x55\nstepping = 7\n", &c) == 0 &&
	   !x86_model_apply(&c, &t) && reg(&t, 1, 0, X86_EAX) == 0x00050657,
	   "family 6 model 0x55 stepping 7 encode as 0x50657 (got 0x%x)", reg(&t, 1, 0, X86_EAX));
	x86_check_free(&c);

	t = host();
	ok(check("family = 25\nmodel = 0x21\n", &c) == 0 && !x86_model_apply(&c, &t) &&
	   reg(&t, 1, 0, X86_EAX) == 0x00a20f11, "family 25 model 0x21 encode with extended "
	   "family and model (got 0x%x)", reg(&t, 1, 0, X86_EAX));
	x86_check_free(&c);

	t = host();
	ok(check("max-leaf = 6\nmax-ext-leaf = 0x80000001\n", &c) == 0 &&
	   !x86_model_apply(&c, &t) && reg(&t, 0, 0, X86_EAX) == 6 &&
	   !x86_leaf_find(&t, 7, 0) && !x86_leaf_find(&t, 0xd, 0) &&
	   !x86_leaf_find(&t, 0x80000008, 0) && x86_leaf_find(&t, 0x80000001, 0) &&
	   reg(&t, 0x80000000, 0, X86_EAX) == 0x80000001,
	   "leaves above max-leaf and max-ext-leaf are gone");
	x86_check_free(&c);

	t = host();
	ok(check("phys-bits = 40\n", &c) == 0 && !x86_model_apply(&c, &t) &&
	   reg(&t, 0x80000008, 0, X86_EAX) == 0x283028,
	   "phys-bits 40: the guest physical size follows, the virtual stays (0x%x)",
	   reg(&t, 0x80000008, 0, X86_EAX));
	x86_check_free(&c);

	t = host();
	ok(check("avx512f = on\n", &c) == 1 && x86_model_apply(&c, &t) == -EINVAL &&
	   !memcmp(t.e, host_leaves, sizeof(host_leaves)),
	   "a refused model is not applied: the table is untouched");
	x86_check_free(&c);
}

static void test_files(void)
{
	struct x86_model *a = parse("vendor = AuthenticAMD\nfamily = 25\navx2 = on\nmax-leaf = 0xd\n"
				    "xcr0 = 0x7\ncpuid.7.0.ebx.unknown = 0x40\nfma = on\n");
	struct x86_model *b = parse("vendor = GenuineIntel\nfamily = 25\navx2 = off\n"
				    "max-leaf = 0x7\nxcr0 = 0x3\n");
	struct x86_model *out = x86_model_new(), *const in[] = { a, b };
	const char *const names[] = { "a.txt", "b.txt" };
	char *notes = NULL;
	size_t len = 0;
	FILE *nf = open_memstream(&notes, &len), *devnull = fopen("/dev/null", "w");
	unsigned int dropped = x86_model_intersect(out, in, names, 2, nf);
	unsigned int i;

	fclose(nf);
	ok(x86_model_diff(a, "a", b, "b", devnull) == 6, "diff counts the fields that differ");
	ok(x86_model_diff(a, "a", a, "a", devnull) == 0, "a model does not differ from itself");
	fclose(devnull);
	ok(dropped == 2 && strstr(notes, "vendor: left out: AuthenticAMD in a.txt, "
				  "GenuineIntel in b.txt") && strstr(notes, "fma: left out: not in b.txt"),
	   "intersect leaves out a differing vendor and a field one input lacks");
	i = x86_field_index(x86_field_find("avx2"));
	ok(out->set[i] && out->val[i] == 0, "intersect: a feature on only where all have it");
	i = x86_field_index(x86_field_find("max-leaf"));
	ok(out->set[i] && out->val[i] == 7, "intersect: the least max-leaf");
	i = x86_field_index(x86_field_find("xcr0"));
	ok(out->set[i] && out->val[i] == 0x3, "intersect: the common XCR0 bits");
	i = x86_field_index(x86_field_find("cpuid.7.0.ebx.unknown"));
	ok(out->set[i] && out->val[i] == 0, "intersect: unknown bits one input lacks are clear");
	i = x86_field_index(x86_field_find("family"));
	ok(out->set[i] && out->val[i] == 25, "intersect: a family all agree on stays");
	free(notes);
	x86_model_free(a);
	x86_model_free(b);
	x86_model_free(out);
}

static void test_dump_round_trip(void)
{
	struct x86_leaves t = host();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct x86_model *m;
	struct x86_check c;

	x86_model_dump(&t, "header", f);
	fclose(f);
	m = parse(text);
	ok(m && strstr(text, "# header\n") && strstr(text, "vendor = AuthenticAMD\n") &&
	   strstr(text, "family = 25\n") && strstr(text, "phys-bits = 48\n") &&
	   strstr(text, "avx2 = on\n"), "a dump names the host's values");
	ok(m && x86_model_check(m, &t, &c) == 0 && c.nr_items == 0,
	   "a host's dump checks as all ok on that host");
	x86_check_free(&c);
	x86_model_free(m);
	free(text);
}

int main(void)
{
	test_fixed_fields();
	test_parse();
	test_options();
	test_check();
	test_apply();
	test_files();
	test_dump_round_trip();
	return tap_done();
}
