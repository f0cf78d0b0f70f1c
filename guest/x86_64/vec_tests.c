// SPDX-License-Identifier: GPL-2.0-only
/*
 * x87, SSE, AVX and AVX-512 state across exits. Each round fills one
 * register class with values unique to (vCPU, class, exit kind, round,
 * register, word), loads them, takes one exit of the kind under test,
 * stores them back and compares every byte, plus FCW/FSW or MXCSR and XCR0
 * (and k0-7 for AVX-512). Round 0 takes no
 * exit of its own: a mismatch there is the guest's bug (or the host's, if
 * an interrupt's exit came between).
 *
 * Then XMM across XCR0 switches, and the other direction: the VMM writes
 * XMM/YMM during an exit and the guest checks what arrived.
 *
 * AMX tiles have no check yet: each vCPU prints one skip, with the reason
 * from its CPUID and XCR0.
 */
#include <stddef.h>
#include "lib/console.h"
#include "lib/print.h"
#include "lib/string.h"
#include "lib/tap.h"
#include "params.h"
#include "percpu.h"
#include "testdev.h"
#include "tests.h"
#include "vec.h"

_Static_assert(offsetof(struct x87_state, fcw) == X87_STATE_FCW, "vec.S layout");
_Static_assert(offsetof(struct x87_state, fsw) == X87_STATE_FSW, "vec.S layout");
_Static_assert(offsetof(struct vec_state, mxcsr) == VEC_STATE_MXCSR, "vec.S layout");
_Static_assert(offsetof(struct avx512_state, k) == AVX512_STATE_K, "vec.S layout");
_Static_assert(offsetof(struct avx512_state, mxcsr) == AVX512_STATE_MXCSR, "vec.S layout");

static const char *const class_names[CLASSES] = {
	[CLASS_X87] = "x87",
	[CLASS_SSE] = "sse",
	[CLASS_AVX] = "avx",
	[CLASS_AVX512] = "avx-512",
};

/* Pattern "kinds" beyond the exit kinds: the XCR0 switches, both ways. */
enum { KIND_XCR0_DOWN = EXIT_KINDS, KIND_XCR0_UP, PATTERN_KINDS };

/* pattern() slots: registers 0-31, AVX2/AVX-512 addends, then these. */
#define SLOT_ADDEND(n)		(ZMM_NREGS + (n))
#define SLOT_OPMASK(n)		(2 * ZMM_NREGS + (n))
#define SLOT_CONTROL		SLOT_OPMASK(OPMASK_NREGS)	/* FCW or MXCSR */
#define SLOT_MSR		(SLOT_CONTROL + 1)

/* Where pattern()'s input fields start; they do not overlap. */
#define FIELD_ROUND		0	/* 17 bits */
#define FIELD_SLOT		17	/* 7 bits */
#define FIELD_WORD		24	/* 3 bits: 64-bit word of a register */
#define FIELD_KIND		27	/* 4 bits */
#define FIELD_CLASS		31	/* 2 bits */
#define FIELD_CPU		33	/* 7 bits */
/* Apart from the seeds of the VMM's patterns (VMM_SEED_DOMAIN). */
#define PATTERN_DOMAIN		(1ULL << 62)

_Static_assert(PARAMS_MAX_ITERATIONS < 1 << 17, "round field too small");
_Static_assert(SLOT_MSR < 1 << 7, "slot field too small");
_Static_assert(ZMM_BYTES / 8 <= 1 << 3, "word field too small");
_Static_assert(PATTERN_KINDS <= 1 << 4, "kind field too small");
_Static_assert(CLASSES <= 1 << 2, "class field too small");
_Static_assert(MAX_CPUS <= 1 << 7, "cpu field too small");

#define VMM_SEED_DOMAIN		(0x5645ULL << 48)	/* "VE" */

/* Requests that build a VM or stop every vCPU: this many rounds at most. */
#define HEAVY_ROUNDS_MAX	5

/* What makes one round's pattern unique, besides slot and word. */
struct round_id {
	unsigned int cpu;
	enum reg_class cls;
	unsigned int kind;
	uint32_t round;
};

/* 64 pattern bits: mix64 is a bijection, so no two inputs share them. */
static uint64_t pattern(const struct round_id *id, unsigned int slot,
			unsigned int word)
{
	return testdev_mix64(PATTERN_DOMAIN |
			     (uint64_t)id->round << FIELD_ROUND |
			     (uint64_t)slot << FIELD_SLOT |
			     (uint64_t)word << FIELD_WORD |
			     (uint64_t)id->kind << FIELD_KIND |
			     (uint64_t)id->cls << FIELD_CLASS |
			     (uint64_t)id->cpu << FIELD_CPU);
}

static void put_u64(uint8_t *dst, uint64_t val)
{
	for (unsigned int b = 0; b < 8; b++)
		dst[b] = (uint8_t)(val >> (8 * b));
}

static uint64_t get_u64(const uint8_t *src)
{
	uint64_t val = 0;

	for (int b = 7; b >= 0; b--)
		val = val << 8 | src[b];
	return val;
}

/* All buffers of one vCPU's tests (cpu_buffers: too big for its stack). */
struct buffers {
	struct vec_state expected;
	struct vec_state found;
	struct vec_state augend;	/* AVX2: expected = augend + addend */
	struct vec_state addend;
	struct x87_state x87_expected;
	struct x87_state x87_found;
	struct avx512_state z_expected;	/* = z_augend + z_addend */
	struct avx512_state z_found;
	struct avx512_state z_augend;
	struct avx512_state z_addend;
};

static struct buffers cpu_buffers[MAX_CPUS];

/*
 * Eight normal 80-bit values (explicit integer bit set, exponent neither 0
 * nor all ones), so no load or store has anything to convert or signal,
 * and a non-default FCW: all exceptions masked, precision and rounding
 * control picked by the pattern, never both at their defaults.
 */
static void fill_x87(struct x87_state *s, const struct round_id *id)
{
	static const uint16_t pc_rc[] = {
		0x000, 0x400, 0x800, 0xc00,	/* PC single */
		0x200, 0x600, 0xa00, 0xe00,	/* PC double */
		0x700, 0xb00, 0xf00,		/* PC extended, RC not nearest */
	};
	uint64_t pick;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < X87_NREGS; i++) {
		uint64_t mantissa = pattern(id, i, 0) | 1ULL << 63;
		uint16_t sign_exp = (uint16_t)pattern(id, i, 1);
		uint16_t exp = sign_exp & 0x7fff;

		if (exp == 0)
			sign_exp |= 1;
		else if (exp == 0x7fff)
			sign_exp &= (uint16_t)~1;
		put_u64(s->st[i], mantissa);
		s->st[i][8] = (uint8_t)sign_exp;
		s->st[i][9] = (uint8_t)(sign_exp >> 8);
	}
	pick = pattern(id, SLOT_CONTROL, 0) % (sizeof(pc_rc) / sizeof(pc_rc[0]));
	/* 0x7f: all exceptions masked (and bit 6, reserved, set as FNINIT sets it). */
	s->fcw = 0x7f | pc_rc[pick];
}

static void fill_regs(struct vec_state *s, const struct round_id *id,
		      unsigned int first_slot)
{
	for (unsigned int n = 0; n < VEC_NREGS; n++)
		for (unsigned int w = 0; w < YMM_BYTES / 8; w++)
			put_u64(&s->reg[n][8 * w], pattern(id, first_slot + n, w));
}

static void fill_zmm(struct avx512_state *s, const struct round_id *id,
		     unsigned int first_slot)
{
	for (unsigned int n = 0; n < ZMM_NREGS; n++)
		for (unsigned int w = 0; w < ZMM_BYTES / 8; w++)
			put_u64(s->zmm[n] + 8 * w, pattern(id, first_slot + n, w));
}

/* The width of k0-7 the vCPU moves: 64 bits with AVX512BW, else 16. */
static unsigned int opmask_bytes(const struct cpu_ctx *ctx)
{
	return ctx->feat.avx512bw ? 8 : 2;
}

/* Any MXCSR bits the vCPU allows; FTZ makes it never the default. */
static uint32_t mxcsr_pattern(const struct cpu_ctx *ctx,
			      const struct round_id *id)
{
	return ((uint32_t)pattern(id, SLOT_CONTROL, 0) & ctx->feat.mxcsr_mask &
		0xffff) | MXCSR_FTZ;
}

static uint64_t xcr0_for(const struct cpu_ctx *ctx, enum reg_class cls)
{
	if (!ctx->feat.osxsave)
		return 0;
	switch (cls) {
	case CLASS_AVX:
		return XCR0_AVX_STATE;
	case CLASS_AVX512:
		return XCR0_AVX_STATE | XCR0_AVX512_STATE;
	default:
		return XCR0_SSE_STATE;
	}
}

static uint64_t xcr0_now(const struct cpu_ctx *ctx)
{
	return ctx->feat.osxsave ? xgetbv(0) : 0;
}

static void set_xcr0(const struct cpu_ctx *ctx, uint64_t xcr0)
{
	if (ctx->feat.osxsave)
		xsetbv(0, xcr0);
}

/* ZMMn = augend + addend, k0-7 and MXCSR as loaded. */
static void fill_avx512(const struct cpu_ctx *ctx, const struct round_id *id,
			struct buffers *b)
{
	struct avx512_state *e = &b->z_expected;
	unsigned int kbytes = opmask_bytes(ctx);

	fill_zmm(&b->z_augend, id, 0);
	fill_zmm(&b->z_addend, id, SLOT_ADDEND(0));
	for (unsigned int n = 0; n < ZMM_NREGS; n++)
		for (unsigned int w = 0; w < ZMM_BYTES / 8; w++)
			put_u64(e->zmm[n] + 8 * w, get_u64(b->z_augend.zmm[n] + 8 * w) +
				get_u64(b->z_addend.zmm[n] + 8 * w));
	for (unsigned int k = 0; k < OPMASK_NREGS; k++) {
		uint64_t mask = pattern(id, SLOT_OPMASK(k), 0);

		if (kbytes < 8)
			mask &= (1ULL << (8 * kbytes)) - 1;
		put_u64(e->k[k], mask);
	}
	memcpy(b->z_augend.k, e->k, sizeof(e->k));
	e->mxcsr = mxcsr_pattern(ctx, id);
	e->xcr0 = xcr0_for(ctx, id->cls);
	b->z_augend.mxcsr = e->mxcsr;
}

static void fill(const struct cpu_ctx *ctx, const struct round_id *id,
		 struct buffers *b)
{
	struct vec_state *e = &b->expected;

	if (id->cls == CLASS_X87) {
		fill_x87(&b->x87_expected, id);
		return;
	}
	if (id->cls == CLASS_AVX512) {
		fill_avx512(ctx, id, b);
		return;
	}
	if (id->cls == CLASS_AVX && ctx->feat.avx2) {
		fill_regs(&b->augend, id, 0);
		fill_regs(&b->addend, id, SLOT_ADDEND(0));
		for (unsigned int n = 0; n < VEC_NREGS; n++)
			for (unsigned int w = 0; w < YMM_BYTES / 8; w++)
				put_u64(&e->reg[n][8 * w],
					get_u64(&b->augend.reg[n][8 * w]) +
					get_u64(&b->addend.reg[n][8 * w]));
	} else {
		fill_regs(e, id, 0);
	}
	e->mxcsr = mxcsr_pattern(ctx, id);
	e->xcr0 = xcr0_for(ctx, id->cls);
	b->augend.mxcsr = e->mxcsr;
}

/* Clear what the store writes, so nothing stale can match. */
static void poison(struct buffers *b)
{
	memset(&b->found, 0xa5, sizeof(b->found));
	memset(&b->x87_found, 0xa5, sizeof(b->x87_found));
	memset(&b->z_found, 0xa5, sizeof(b->z_found));
}

static void load(const struct cpu_ctx *ctx, enum reg_class cls,
		 struct buffers *b)
{
	switch (cls) {
	case CLASS_X87:
		x87_load(&b->x87_expected);
		break;
	case CLASS_SSE:
		sse_load(&b->expected);
		break;
	case CLASS_AVX:
		if (ctx->feat.avx2)
			avx2_load_sum(&b->augend, &b->addend);
		else
			avx_load(&b->expected);
		break;
	case CLASS_AVX512:
		avx512_load_sum(&b->z_augend, &b->z_addend, ctx->feat.avx512bw);
		break;
	case CLASSES:
		break;
	}
}

static void store(const struct cpu_ctx *ctx, enum reg_class cls,
		  struct buffers *b)
{
	switch (cls) {
	case CLASS_X87:
		x87_store(&b->x87_found);
		return;
	case CLASS_SSE:
		sse_store(&b->found);
		break;
	case CLASS_AVX:
		avx_store(&b->found);
		break;
	case CLASS_AVX512:
		avx512_store(&b->z_found, ctx->feat.avx512bw);
		b->z_found.xcr0 = xcr0_now(ctx);
		return;
	case CLASSES:
		return;
	}
	b->found.xcr0 = xcr0_now(ctx);
}

/* A class's registers as the comparison sees them. */
struct view {
	const char *prefix;		/* "ST", "XMM", "YMM", "ZMM", "k" */
	unsigned int count, bytes, stride;
	const uint8_t *regs;
	unsigned int nctl;
	struct {
		const char *name;
		uint64_t value;
	} ctl[2];
};

static struct view x87_view(const struct x87_state *s)
{
	return (struct view){
		.prefix = "ST", .count = X87_NREGS, .bytes = X87_VALUE_BYTES,
		.stride = X87_SLOT_BYTES, .regs = s->st[0], .nctl = 2,
		.ctl = { { "FCW", s->fcw }, { "FSW", s->fsw } },
	};
}

/* @bytes: 16 for XMM, 32 for YMM. XCR0 only where OSXSAVE lets us read it. */
static struct view vec_view(const struct cpu_ctx *ctx,
			    const struct vec_state *s, unsigned int bytes)
{
	return (struct view){
		.prefix = bytes == YMM_BYTES ? "YMM" : "XMM",
		.count = VEC_NREGS, .bytes = bytes, .stride = VEC_SLOT_BYTES,
		.regs = s->reg[0], .nctl = ctx->feat.osxsave ? 2 : 1,
		.ctl = { { "MXCSR", s->mxcsr }, { "XCR0", s->xcr0 } },
	};
}

static struct view zmm_view(const struct avx512_state *s)
{
	return (struct view){
		.prefix = "ZMM", .count = ZMM_NREGS, .bytes = ZMM_BYTES,
		.stride = ZMM_SLOT_BYTES, .regs = s->zmm[0], .nctl = 2,
		.ctl = { { "MXCSR", s->mxcsr }, { "XCR0", s->xcr0 } },
	};
}

static struct view opmask_view(const struct cpu_ctx *ctx,
			       const struct avx512_state *s)
{
	return (struct view){
		.prefix = "k", .count = OPMASK_NREGS, .bytes = opmask_bytes(ctx),
		.stride = OPMASK_SLOT_BYTES, .regs = s->k[0],
	};
}

/* The first check of a test that lost state. */
struct mismatch {
	char where[48];			/* "round 3" */
	uint32_t bad_regs;		/* bit n: register n differs */
	/* The lowest differing register and its first differing byte. */
	const char *prefix;
	unsigned int reg, reg_bytes, byte;
	uint8_t expected[ZMM_BYTES], found[ZMM_BYTES];
	unsigned int nctl;		/* differing control registers */
	struct {
		const char *name;
		uint64_t expected, found;
	} ctl[2];
};

struct result {
	uint32_t rounds, rounds_done, bad_rounds;
	bool has_mismatch;
	struct mismatch first;
	char error[200];		/* why the test stopped early */
};

/* Compare; on the test's first mismatch, record the details. */
static bool compare(const struct view *exp, const struct view *got,
		    const char *where, struct result *res)
{
	struct mismatch *m = &res->first;
	uint32_t bad = 0;
	bool ctl_bad = false;

	for (unsigned int r = 0; r < exp->count; r++) {
		if (memcmp(exp->regs + r * exp->stride,
			   got->regs + r * got->stride, exp->bytes))
			bad |= 1U << r;
	}
	for (unsigned int c = 0; c < exp->nctl; c++)
		ctl_bad |= exp->ctl[c].value != got->ctl[c].value;
	if (!bad && !ctl_bad)
		return true;
	if (res->has_mismatch)
		return false;

	memset(m, 0, sizeof(*m));
	snprintf(m->where, sizeof(m->where), "%s", where);
	m->bad_regs = bad;
	m->prefix = exp->prefix;
	m->reg_bytes = exp->bytes;
	if (bad) {
		m->reg = (unsigned int)__builtin_ctz(bad);
		memcpy(m->expected, exp->regs + m->reg * exp->stride, exp->bytes);
		memcpy(m->found, got->regs + m->reg * got->stride, exp->bytes);
		while (m->expected[m->byte] == m->found[m->byte])
			m->byte++;
	}
	for (unsigned int c = 0; c < exp->nctl; c++) {
		if (exp->ctl[c].value == got->ctl[c].value)
			continue;
		m->ctl[m->nctl].name = exp->ctl[c].name;
		m->ctl[m->nctl].expected = exp->ctl[c].value;
		m->ctl[m->nctl].found = got->ctl[c].value;
		m->nctl++;
	}
	res->has_mismatch = true;
	return false;
}

/* The "# " lines under a failed test; the caller holds the console lock. */
static void report_failure(const char *title, const struct result *res)
{
	const struct mismatch *m = &res->first;
	char hex[2 * ZMM_BYTES + 1];

	if (res->error[0])
		printf("# %s: %s (after %u of %u rounds)\n", title, res->error,
		       res->rounds_done, res->rounds);
	else if (!res->has_mismatch)
		printf("# %s: stopped after %u of %u rounds\n", title,
		       res->rounds_done, res->rounds);
	if (!res->has_mismatch)
		return;

	printf("# %s: %u of %u rounds lost state, the first: %s (differing: "
	       "%s mask 0x%08x%s%s%s%s)\n", title, res->bad_rounds,
	       res->rounds_done, m->where, m->prefix, m->bad_regs,
	       m->nctl ? ", " : "", m->nctl ? m->ctl[0].name : "",
	       m->nctl > 1 ? ", " : "", m->nctl > 1 ? m->ctl[1].name : "");
	if (m->bad_regs) {
		printf("# %s: %s: %s%u byte %u: expected 0x%02x, found 0x%02x\n",
		       title, m->where, m->prefix, m->reg, m->byte,
		       m->expected[m->byte], m->found[m->byte]);
		hex_bytes(hex, m->expected, m->reg_bytes);
		printf("# %s: %s%u bytes 0..%u, lowest first: expected %s\n",
		       title, m->prefix, m->reg, m->reg_bytes - 1, hex);
		hex_bytes(hex, m->found, m->reg_bytes);
		printf("# %s: %s%u bytes 0..%u, lowest first: found    %s\n",
		       title, m->prefix, m->reg, m->reg_bytes - 1, hex);
	}
	for (unsigned int c = 0; c < m->nctl; c++)
		printf("# %s: %s: %s: expected 0x%lx, found 0x%lx\n", title,
		       m->where, m->ctl[c].name, m->ctl[c].expected,
		       m->ctl[c].found);
}

/* Compare one round of @cls: every register of the class and its controls. */
static bool compare_class(const struct cpu_ctx *ctx, enum reg_class cls,
			  const struct buffers *b, const char *where,
			  struct result *res)
{
	struct view exp, got;
	bool ok;

	switch (cls) {
	case CLASS_X87:
		exp = x87_view(&b->x87_expected);
		got = x87_view(&b->x87_found);
		return compare(&exp, &got, where, res);
	case CLASS_AVX512:
		exp = zmm_view(&b->z_expected);
		got = zmm_view(&b->z_found);
		ok = compare(&exp, &got, where, res);
		exp = opmask_view(ctx, &b->z_expected);
		got = opmask_view(ctx, &b->z_found);
		return compare(&exp, &got, where, res) && ok;
	default:
		exp = vec_view(ctx, &b->expected, cls == CLASS_AVX ? YMM_BYTES : XMM_BYTES);
		got = vec_view(ctx, &b->found, cls == CLASS_AVX ? YMM_BYTES : XMM_BYTES);
		return compare(&exp, &got, where, res);
	}
}

static void finish(const char *title, const struct result *res)
{
	bool ok = !res->error[0] && !res->has_mismatch &&
		  res->rounds_done == res->rounds;
	bool locked = console_lock();

	tap_result(ok, "%s", title);
	if (!ok)
		report_failure(title, res);
	if (locked)
		console_unlock();
}

static void run_exit_test(const struct cpu_ctx *ctx, struct buffers *b,
			  enum reg_class cls, enum exit_kind kind)
{
	/* The VMM's fault injection aims at pings that carry this tag. */
	uint32_t tag = cls == CLASS_X87 ? 0 : TESTDEV_PING_VEC;
	struct result res = { .rounds = ctx->iterations };
	char title[120], where[24];

	snprintf(title, sizeof(title), "cpu%u %s across %s", ctx->cpu,
		 class_names[cls], exit_title(kind));
	if (exit_is_heavy(kind) && res.rounds > HEAVY_ROUNDS_MAX)
		res.rounds = HEAVY_ROUNDS_MAX;
	if (kind == EXIT_HLT && !ctx->hlt_ready) {
		snprintf(res.error, sizeof(res.error), "nothing would end a "
			 "HLT: %s", ctx->apic_error);
		finish(title, &res);
		return;
	}
	set_xcr0(ctx, xcr0_for(ctx, cls));

	for (uint32_t round = 0; round <= res.rounds; round++) {
		struct round_id id = { ctx->cpu, cls, kind, round };
		bool exited = true;

		fill(ctx, &id, b);
		poison(b);

		/* Only -mgeneral-regs-only C between load and store. */
		load(ctx, cls, b);
		if (round)
			exited = exit_take(ctx, kind, tag, pattern(&id, SLOT_MSR, 0),
					   res.error, sizeof(res.error));
		store(ctx, cls, b);

		snprintf(where, sizeof(where), "round %u", round);
		if (!compare_class(ctx, cls, b, where, &res)) {
			res.bad_rounds++;
			if (!round) {
				snprintf(res.error, sizeof(res.error), "state lost "
					 "with no exit of its own: an interrupt's exit "
					 "came between (a host bug) or the guest is wrong");
				break;
			}
		}
		/* Round 0 made no request: REQUEST_STATUS still holds an older one's. */
		if (round && (!exited || !exit_request_done(kind, res.error, sizeof(res.error))))
			break;
		if (round)
			res.rounds_done++;
	}
	finish(title, &res);
}

/*
 * XMM survives XCR0 switches (XSETBV always exits): YMM live, XCR0 from
 * x87|SSE|AVX down to x87|SSE; then XMM live, XCR0 back up. Only XMM is
 * asserted: the upper halves are in their initial state after the way
 * down, which says nothing about the hypervisor.
 */
static void run_xcr0_switch(const struct cpu_ctx *ctx, struct buffers *b)
{
	struct result res = { .rounds = ctx->iterations };
	char title[80], where[48];

	snprintf(title, sizeof(title), "cpu%u xmm across xcr0 switches",
		 ctx->cpu);
	if (!ctx->feat.avx) {
		tap_skip(ctx->feat.no_avx_reason, "%s", title);
		return;
	}
	for (uint32_t round = 1; round <= res.rounds; round++) {
		struct round_id down = { ctx->cpu, CLASS_AVX, KIND_XCR0_DOWN, round };
		struct round_id up = { ctx->cpu, CLASS_SSE, KIND_XCR0_UP, round };
		struct view exp, got;
		bool ok;

		xsetbv(0, XCR0_AVX_STATE);
		fill_regs(&b->expected, &down, 0);
		b->expected.mxcsr = mxcsr_pattern(ctx, &down);
		b->expected.xcr0 = XCR0_SSE_STATE;
		poison(b);
		avx_load(&b->expected);
		xsetbv(0, XCR0_SSE_STATE);
		sse_store(&b->found);
		b->found.xcr0 = xgetbv(0);
		exp = vec_view(ctx, &b->expected, XMM_BYTES);
		got = vec_view(ctx, &b->found, XMM_BYTES);
		snprintf(where, sizeof(where), "round %u, XCR0 0x7 to 0x3", round);
		ok = compare(&exp, &got, where, &res);

		fill_regs(&b->expected, &up, 0);
		b->expected.mxcsr = mxcsr_pattern(ctx, &up);
		b->expected.xcr0 = XCR0_AVX_STATE;
		poison(b);
		sse_load(&b->expected);
		xsetbv(0, XCR0_AVX_STATE);
		sse_store(&b->found);
		b->found.xcr0 = xgetbv(0);
		exp = vec_view(ctx, &b->expected, XMM_BYTES);
		got = vec_view(ctx, &b->found, XMM_BYTES);
		snprintf(where, sizeof(where), "round %u, XCR0 0x3 to 0x7", round);
		ok &= compare(&exp, &got, where, &res);

		if (!ok)
			res.bad_rounds++;
		res.rounds_done++;
	}
	xsetbv(0, XCR0_SSE_STATE);
	finish(title, &res);
}

/*
 * TESTDEV_REQ_VEC_WRITE_PATTERN: over a poison the guest loaded first, the
 * VMM writes its pattern into XMM0-15 (@bytes 16, XCR0 x87|SSE) or YMM0-15
 * (@bytes 32, XCR0 x87|SSE|AVX). MXCSR must keep what the guest loaded.
 */
static void run_vmm_write(const struct cpu_ctx *ctx, struct buffers *b,
			  unsigned int bytes)
{
	enum reg_class cls = bytes == YMM_BYTES ? CLASS_AVX : CLASS_SSE;
	uint64_t seed = testdev_mix64(VMM_SEED_DOMAIN | (uint64_t)ctx->cpu << 8 | bytes);
	struct result res = { .rounds = 1 };
	struct view exp, got;
	uint32_t status;
	char title[80];

	snprintf(title, sizeof(title), "cpu%u %s state written by the VMM",
		 ctx->cpu, bytes == YMM_BYTES ? "ymm" : "xmm");
	if (cls == CLASS_AVX && !ctx->feat.avx) {
		tap_skip(ctx->feat.no_avx_reason, "%s", title);
		return;
	}
	set_xcr0(ctx, xcr0_for(ctx, cls));

	memset(&b->expected, 0xa5, sizeof(b->expected));
	b->expected.mxcsr = MXCSR_DEFAULT;
	poison(b);
	if (cls == CLASS_AVX)
		avx_load(&b->expected);
	else
		sse_load(&b->expected);
	testdev_write64(TESTDEV_REQUEST_ARG, seed);
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_VEC_WRITE_PATTERN);
	store(ctx, cls, b);
	status = testdev_read32(TESTDEV_REQUEST_STATUS);

	if (status) {
		snprintf(res.error, sizeof(res.error), "vector pattern write: "
			 "REQUEST_STATUS is %u (%s)", status,
			 testdev_errno_name(status));
	} else {
		for (unsigned int n = 0; n < VEC_NREGS; n++)
			for (unsigned int i = 0; i < bytes; i++)
				b->expected.reg[n][i] = testdev_sve_pattern_byte(
					seed, TESTDEV_SVE_Z, n, i);
		b->expected.xcr0 = xcr0_for(ctx, cls);
		exp = vec_view(ctx, &b->expected, bytes);
		got = vec_view(ctx, &b->found, bytes);
		if (!compare(&exp, &got, "after the VMM's write", &res))
			res.bad_rounds++;
		res.rounds_done++;
	}
	set_xcr0(ctx, XCR0_SSE_STATE);
	finish(title, &res);
}

/* Why this vCPU cannot run @cls's tests, or NULL if it can. */
static const char *class_missing(const struct cpu_ctx *ctx, enum reg_class cls)
{
	if (cls == CLASS_AVX && !ctx->feat.avx)
		return ctx->feat.no_avx_reason;
	if (cls == CLASS_AVX512 && !ctx->feat.avx512)
		return ctx->feat.no_avx512_reason;
	return NULL;
}

void vec_tests_run(const struct cpu_ctx *ctx)
{
	struct buffers *b = &cpu_buffers[ctx->cpu];

	for (unsigned int cls = 0; cls < CLASSES; cls++) {
		for (unsigned int kind = 0; kind < EXIT_KINDS; kind++) {
			const char *missing = class_missing(ctx, cls);

			if (missing)
				tap_skip(missing, "cpu%u %s across %s", ctx->cpu,
					 class_names[cls], exit_title(kind));
			else
				run_exit_test(ctx, b, cls, kind);
		}
	}
	run_xcr0_switch(ctx, b);
	run_vmm_write(ctx, b, XMM_BYTES);
	run_vmm_write(ctx, b, YMM_BYTES);
	set_xcr0(ctx, XCR0_SSE_STATE);
	/* Not checked yet on any vCPU: the reason says whether it has them. */
	tap_skip(ctx->feat.amx_skip_reason, "cpu%u amx tiles across exits",
		 ctx->cpu);
}
