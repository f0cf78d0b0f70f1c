// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVE state across exits, at every vector length. For each VL the vCPU
 * has (ascending), each exit kind and each round: fill Z0-Z31, P0-P15,
 * FFR, FPSR and FPCR with values unique to (CPU, VL, exit kind, round,
 * register, byte), load them, take one exit of that kind, store them back
 * and compare every byte. Then, once per VL, the other direction: the VMM
 * writes the registers during an exit and the guest checks what arrived.
 */
#include <stddef.h>
#include "args.h"
#include "lib/percpu.h"
#include "lib/print.h"
#include "lib/psci.h"
#include "lib/string.h"
#include "lib/sve.h"
#include "lib/testdev.h"
#include "lib/timer.h"
#include "tests/fpsimd.h"
#include "tests/sve.h"
#include "tests/wfi_exit.h"

_Static_assert(offsetof(struct sve_state, fpsr) == SVE_STATE_FPSR,
	       "sve.S layout");
_Static_assert(offsetof(struct sve_state, fpcr) == SVE_STATE_FPCR,
	       "sve.S layout");
_Static_assert(offsetof(struct sve_state, regs) == SVE_STATE_REGS,
	       "sve.S layout");
_Static_assert(SVE_STATE_FFR_SLOT == SVE_NUM_P, "sve.S layout");

/* pattern() slots: Z0-Z31, then P0-P15, then these. */
#define SLOT_P(n)		(SVE_NUM_Z + (n))
#define SLOT_FFR		(SVE_NUM_Z + SVE_NUM_P)
#define SLOT_FPSR		(SLOT_FFR + 1)
#define SLOT_FPCR		(SLOT_FFR + 2)

/*
 * Where pattern()'s input fields start. They do not overlap, and bit 63
 * (which fpsimd.c's patterns never set) keeps every SVE value apart from
 * every FP/SIMD one, so stale FP/SIMD state can never pass for SVE state.
 */
#define FIELD_ROUND		0	/* 16 bits */
#define FIELD_SLOT		16	/* 8 bits */
#define FIELD_WORD		24	/* 8 bits: 64-bit word of the register */
#define FIELD_KIND		32	/* 3 bits */
#define FIELD_VQ		35	/* 5 bits: VL in quadwords, 1..16 */
#define FIELD_CPU		40	/* 8 bits */
#define PATTERN_DOMAIN		(1UL << 63)

_Static_assert(ARGS_MAX_SVE_ITERATIONS < 1 << 16, "round field too small");
_Static_assert(SLOT_FPCR < 1 << 8, "slot field too small");
_Static_assert(SVE_VL_MAX_BYTES / 8 <= 1 << 8, "word field too small");
_Static_assert(SVE_EXIT_KINDS <= 1 << 3, "kind field too small");
_Static_assert(SVE_MAX_VLS < 1 << 5, "vq field too small");
_Static_assert(MAX_CPUS <= 1 << 8, "cpu field too small");

/* Seeds for the VMM's pattern: a domain of their own, then (CPU, VQ). */
#define VMM_SEED_DOMAIN		(0x5645UL << 48)

/* Expected and found state per CPU, too big for a 16 KiB stack. */
struct sve_buffers {
	struct sve_state expected;
	struct sve_state found;
};

/* Fully written before each use, so not zeroed at boot (guest.ld). */
static struct sve_buffers sve_buffers[MAX_CPUS]
	__attribute__((section(".noinit")));

static const char *const test_names[SVE_TESTS] = {
	[SVE_EXIT_MMIO] = "mmio exit",
	[SVE_EXIT_HVC] = "hvc exit",
	[SVE_EXIT_WFI] = "wfi exit",
	[SVE_EXIT_SYSREG] = "sysreg exit",
	[SVE_EXIT_ROUNDTRIP] = "roundtrip exit",
	[SVE_EXIT_MOVE] = "move exit",
	[SVE_EXIT_PAUSE] = "pause exit",
	[SVE_TEST_VMM_WRITE] = "vmm write",
};

const char *sve_test_name(unsigned int test)
{
	return test_names[test];
}

/* Sizes at the current vector length, in bytes. */
struct layout {
	unsigned int vl;	/* a Z register */
	unsigned int pl;	/* a P register or FFR: VL / 8 */
};

static size_t regs_bytes(const struct layout *l)
{
	return SVE_NUM_Z * l->vl + (SVE_NUM_P + 1) * l->pl;
}

static size_t reg_offset(const struct layout *l, enum sve_reg_class cls,
			 unsigned int n)
{
	switch (cls) {
	case SVE_REG_Z:
		return n * l->vl;
	case SVE_REG_P:
		return SVE_NUM_Z * l->vl + n * l->pl;
	case SVE_REG_FFR:
		break;
	}
	return SVE_NUM_Z * l->vl + SVE_STATE_FFR_SLOT * l->pl;
}

static unsigned int reg_bytes(const struct layout *l, enum sve_reg_class cls)
{
	return cls == SVE_REG_Z ? l->vl : l->pl;
}

/* What makes one round's pattern unique, besides register and byte. */
struct round_id {
	unsigned int cpu;
	enum sve_exit kind;
	unsigned int vq;
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
			     (uint64_t)id->vq << FIELD_VQ |
			     (uint64_t)id->cpu << FIELD_CPU);
}

static void fill_reg(uint8_t *dst, unsigned int len, const struct round_id *id,
		     unsigned int slot)
{
	uint64_t bits = 0;

	for (unsigned int b = 0; b < len; b++) {
		if (b % 8 == 0)
			bits = pattern(id, slot, b / 8);
		dst[b] = (uint8_t)(bits >> (8 * (b % 8)));
	}
}

/*
 * WRFFR leaves FFR UNPREDICTABLE unless its source is monotonic (ones
 * from bit 0 up, then only zeros), so FFR gets a pattern-chosen number of
 * leading ones rather than pattern bytes.
 */
static void fill_ffr(uint8_t *dst, unsigned int len, const struct round_id *id)
{
	unsigned int ones = pattern(id, SLOT_FFR, 0) % (len * 8 + 1);

	memset(dst, 0, len);
	for (unsigned int bit = 0; bit < ones; bit++)
		dst[bit / 8] |= (uint8_t)(1U << (bit % 8));
}

static void fill(struct sve_state *s, const struct layout *l,
		 const struct round_id *id)
{
	for (unsigned int n = 0; n < SVE_NUM_Z; n++)
		fill_reg(s->regs + reg_offset(l, SVE_REG_Z, n), l->vl, id, n);
	for (unsigned int n = 0; n < SVE_NUM_P; n++)
		fill_reg(s->regs + reg_offset(l, SVE_REG_P, n), l->pl, id,
			 SLOT_P(n));
	fill_ffr(s->regs + reg_offset(l, SVE_REG_FFR, 0), l->pl, id);
	s->fpsr = pattern(id, SLOT_FPSR, 0) & FPSR_TEST_MASK;
	s->fpcr = pattern(id, SLOT_FPCR, 0) & FPCR_TEST_MASK;
}

/* What TESTDEV_REQ_SVE_WRITE_PATTERN writes, cut to the current VL. */
static void fill_vmm(struct sve_state *s, const struct layout *l,
		     uint64_t seed)
{
	static const struct {
		enum sve_reg_class cls;
		unsigned int abi_cls;
		unsigned int count;
	} classes[] = {
		{ SVE_REG_Z, TESTDEV_SVE_Z, SVE_NUM_Z },
		{ SVE_REG_P, TESTDEV_SVE_P, SVE_NUM_P },
		{ SVE_REG_FFR, TESTDEV_SVE_FFR, 1 },
	};

	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		enum sve_reg_class cls = classes[c].cls;
		unsigned int size = reg_bytes(l, cls);

		for (unsigned int n = 0; n < classes[c].count; n++) {
			uint8_t *reg = s->regs + reg_offset(l, cls, n);

			for (unsigned int b = 0; b < size; b++)
				reg[b] = testdev_sve_pattern_byte(seed,
						classes[c].abi_cls, n, b);
		}
	}
}

/* Keep the first differing register's bytes, all or SVE_WINDOW_BYTES. */
static void record_reg(struct sve_mismatch *m, enum sve_reg_class cls,
		       unsigned int n, const uint8_t *exp, const uint8_t *got,
		       unsigned int size)
{
	unsigned int byte = 0, start = 0, len = size;

	while (exp[byte] == got[byte])
		byte++;
	if (size > SVE_WINDOW_BYTES) {
		/* One 16-byte row before the first difference, the rest after. */
		start = byte & ~15U;
		start = start >= 16 ? start - 16 : 0;
		if (start > size - SVE_WINDOW_BYTES)
			start = size - SVE_WINDOW_BYTES;
		len = SVE_WINDOW_BYTES;
	}
	m->cls = cls;
	m->reg = n;
	m->reg_bytes = size;
	m->byte = byte;
	m->window_start = start;
	m->window_len = len;
	memcpy(m->expected, exp + start, len);
	memcpy(m->found, got + start, len);
}

static bool mismatch_has_reg(const struct sve_mismatch *m)
{
	return m->bad_z || m->bad_p || m->bad_ffr;
}

/* Compare; on the first mismatch of the test, record the details. */
static bool compare(const struct sve_state *exp, const struct sve_state *got,
		    const struct layout *l, uint32_t round,
		    struct sve_result *res)
{
	static const struct {
		enum sve_reg_class cls;
		unsigned int count;
	} classes[] = {
		{ SVE_REG_Z, SVE_NUM_Z },
		{ SVE_REG_P, SVE_NUM_P },
		{ SVE_REG_FFR, 1 },
	};
	struct sve_mismatch *m = &res->first;

	if (!memcmp(exp->regs, got->regs, regs_bytes(l)) &&
	    exp->fpsr == got->fpsr && exp->fpcr == got->fpcr)
		return true;

	res->bad_rounds++;
	if (res->has_mismatch)
		return false;

	memset(m, 0, sizeof(*m));
	m->vl = l->vl * 8;
	m->round = round;
	m->expected_fpsr = exp->fpsr;
	m->found_fpsr = got->fpsr;
	m->expected_fpcr = exp->fpcr;
	m->found_fpcr = got->fpcr;
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		enum sve_reg_class cls = classes[c].cls;
		unsigned int size = reg_bytes(l, cls);

		for (unsigned int n = 0; n < classes[c].count; n++) {
			size_t off = reg_offset(l, cls, n);

			if (!memcmp(exp->regs + off, got->regs + off, size))
				continue;
			if (!mismatch_has_reg(m))
				record_reg(m, cls, n, exp->regs + off,
					   got->regs + off, size);
			if (cls == SVE_REG_Z)
				m->bad_z |= 1U << n;
			else if (cls == SVE_REG_P)
				m->bad_p |= 1U << n;
			else
				m->bad_ffr = true;
		}
	}
	res->has_mismatch = true;
	return false;
}

/* Clear enough of @s that nothing stale can match. */
static void poison(struct sve_state *s, const struct layout *l)
{
	memset(s, 0xa5, offsetof(struct sve_state, regs) + regs_bytes(l));
}

/* After a request: did the VMM do it? */
static bool request_done(struct sve_result *res, const char *what)
{
	uint32_t status = testdev_read32(TESTDEV_REQUEST_STATUS);

	if (!status)
		return true;
	snprintf(res->error, sizeof(res->error), "%s: REQUEST_STATUS is %u "
		 "(%s)", what, status, testdev_errno_name(status));
	return false;
}

static bool exit_mmio(struct sve_result *res)
{
	(void)res;
	testdev_write32(TESTDEV_PING, TESTDEV_PING_SVE);
	return true;
}

static bool exit_hvc(struct sve_result *res)
{
	(void)res;
	psci_version();
	return true;
}

static bool exit_wfi(struct sve_result *res)
{
	return wfi_exit_timer(res->error, sizeof(res->error));
}

/* KVM sets HCR_EL2.TID3, so this MRS traps and KVM emulates it. */
static bool exit_sysreg(struct sve_result *res)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);

	if ((pfr0 >> ID_AA64PFR0_SVE_SHIFT) & 0xf)
		return true;
	snprintf(res->error, sizeof(res->error), "ID_AA64PFR0_EL1 read "
		 "0x%lx: SVE no longer advertised", pfr0);
	return false;
}

static bool exit_roundtrip(struct sve_result *res)
{
	(void)res;
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_REGS_ROUNDTRIP);
	return true;
}

static bool exit_move(struct sve_result *res)
{
	(void)res;
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_REGS_MOVE);
	return true;
}

static bool exit_pause(struct sve_result *res)
{
	(void)res;
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_PAUSE_ROUNDTRIP);
	return true;
}

static bool (*const exits[SVE_EXIT_KINDS])(struct sve_result *) = {
	[SVE_EXIT_MMIO] = exit_mmio,
	[SVE_EXIT_HVC] = exit_hvc,
	[SVE_EXIT_WFI] = exit_wfi,
	[SVE_EXIT_SYSREG] = exit_sysreg,
	[SVE_EXIT_ROUNDTRIP] = exit_roundtrip,
	[SVE_EXIT_MOVE] = exit_move,
	[SVE_EXIT_PAUSE] = exit_pause,
};

/*
 * The vector length the guest set is still in force: a host that loses the
 * guest's ZCR_EL1 across an exit changes it under the guest (and every
 * register compare after that would blame the wrong thing).
 */
static bool vl_kept(const struct layout *l, struct sve_result *res, uint32_t round)
{
	unsigned int now = sve_vl_bytes();

	if (now == l->vl)
		return true;
	snprintf(res->error, sizeof(res->error), "vector length %u bits, not the %u it "
		 "set (round %u; ZCR_EL1 0x%lx): the host lost its ZCR_EL1 across an exit",
		 now * 8, l->vl * 8, round, read_sysreg(S3_0_C1_C2_0));
	return false;
}

/* @iterations rounds of one exit kind at the current vector length. */
static void run_exit(struct sve_buffers *buf, const struct layout *l,
		     struct round_id id, uint32_t iterations,
		     struct sve_result *res, uint64_t *progress)
{
	if (res->error[0])
		return;
	res->ran = true;

	/* First with no exit of its own: a mismatch is the guest's bug, or an interrupt's exit's. */
	id.round = 0;
	fill(&buf->expected, l, &id);
	poison(&buf->found, l);
	sve_load(&buf->expected);
	sve_store(&buf->found);
	if (!vl_kept(l, res, 0))
		return;
	if (!compare(&buf->expected, &buf->found, l, 0, res)) {
		snprintf(res->error, sizeof(res->error), "state lost at VL %u with no "
			 "exit of its own: an interrupt's exit came between (a host bug) "
			 "or the guest is wrong", l->vl * 8);
		return;
	}

	for (uint32_t round = 1; round <= iterations; round++) {
		id.round = round;
		fill(&buf->expected, l, &id);
		poison(&buf->found, l);

		/* Only -mgeneral-regs-only C between load and store. */
		sve_load(&buf->expected);
		if (!exits[id.kind](res))
			return;
		sve_store(&buf->found);

		if (!vl_kept(l, res, round))
			return;
		compare(&buf->expected, &buf->found, l, round, res);
		res->rounds_done++;
		__atomic_fetch_add(progress, 1, __ATOMIC_RELAXED);
		if (id.kind == SVE_EXIT_ROUNDTRIP &&
		    !request_done(res, "register round trip"))
			return;
		if (id.kind == SVE_EXIT_MOVE &&
		    !request_done(res, "register move to a new VM"))
			return;
		if (id.kind == SVE_EXIT_PAUSE &&
		    !request_done(res, "pause of every vCPU with a register round trip"))
			return;
	}
	res->vls_done++;
}

/* The VMM writes its pattern into the live registers; check them. */
static void run_vmm_write(struct sve_buffers *buf, const struct layout *l,
			  unsigned int cpu, struct sve_result *res,
			  uint64_t *progress)
{
	uint64_t seed = testdev_mix64(VMM_SEED_DOMAIN | (uint64_t)cpu << 8 |
				      l->vl / 16);

	if (res->error[0])
		return;
	res->ran = true;

	testdev_write64(TESTDEV_REQUEST_ARG, seed);
	testdev_write32(TESTDEV_REQUEST, TESTDEV_REQ_SVE_WRITE_PATTERN);
	if (!request_done(res, "SVE pattern write"))
		return;
	poison(&buf->found, l);
	sve_store(&buf->found);

	fill_vmm(&buf->expected, l, seed);
	/* The VMM leaves FPSR and FPCR alone: whatever they hold is right. */
	buf->expected.fpsr = buf->found.fpsr;
	buf->expected.fpcr = buf->found.fpcr;
	compare(&buf->expected, &buf->found, l, 0, res);
	res->rounds_done++;
	res->vls_done++;
	__atomic_fetch_add(progress, 1, __ATOMIC_RELAXED);
}

int64_t sve_bench(unsigned int *vl_bits, uint64_t count, uint64_t *ticks,
		  char *err, size_t err_size)
{
	struct sve_buffers *buf = &sve_buffers[0];
	unsigned int len = *vl_bits ? *vl_bits / 128 - 1 : ZCR_LEN_MAX;
	unsigned int vl = sve_set_len(len);
	struct layout l = { .vl = vl, .pl = vl / 8 };
	struct round_id id = { .kind = SVE_EXIT_MMIO, .vq = vl / 16 };
	struct sve_result res = { 0 };
	uint64_t start, verified = 0;

	if (*vl_bits && vl * 8 != *vl_bits) {
		snprintf(err, err_size, "vl=%u: the vCPU gives %u bits at that length",
			 *vl_bits, vl * 8);
		return -1;
	}
	*vl_bits = vl * 8;
	start = timer_now();
	for (uint64_t round = 1; round <= count; round++) {
		id.round = (uint32_t)round;
		fill(&buf->expected, &l, &id);
		sve_load(&buf->expected);
		exit_mmio(&res);
		sve_store(&buf->found);
		verified += compare(&buf->expected, &buf->found, &l, id.round, &res);
	}
	*ticks = timer_now() - start;
	sve_set_len(ZCR_LEN_MAX);
	return (int64_t)verified;
}

void sve_test_run(unsigned int cpu, uint32_t iterations, struct sve_vls *vls,
		  struct sve_result res[SVE_TESTS], uint64_t *progress)
{
	struct sve_buffers *buf = &sve_buffers[cpu];
	unsigned int prev = 0;

	vls->count = 0;
	for (unsigned int len = 0; len <= ZCR_LEN_MAX; len++) {
		unsigned int vl = sve_set_len(len);
		struct layout l = { .vl = vl, .pl = vl / 8 };

		/* A length the vCPU lacks rounds down to one already done. */
		if (vl <= prev)
			continue;
		prev = vl;
		if (vl % 16 || vl > SVE_VL_MAX_BYTES) {
			for (unsigned int t = 0; t < SVE_TESTS; t++)
				snprintf(res[t].error, sizeof(res[t].error),
					 "RDVL says %u bytes at ZCR_EL1.LEN "
					 "%u: not a vector length", vl, len);
			break;
		}
		vls->vl[vls->count++] = vl * 8;

		for (unsigned int kind = 0; kind < SVE_EXIT_KINDS; kind++) {
			struct round_id id = {
				.cpu = cpu,
				.kind = kind,
				.vq = vl / 16,
			};

			/*
			 * A pause stops every vCPU: once per VL is enough,
			 * and the other vCPUs' own tests keep moving.
			 */
			run_exit(buf, &l, id, kind == SVE_EXIT_PAUSE ? 1 : iterations,
				 &res[kind], progress);
		}
		run_vmm_write(buf, &l, cpu, &res[SVE_TEST_VMM_WRITE],
			      progress);
	}
	sve_set_len(ZCR_LEN_MAX);
}

static void report_reg(unsigned int cpu, const char *name, const char *where,
		       const struct sve_mismatch *m)
{
	static const char *const prefixes[] = {
		[SVE_REG_Z] = "Z", [SVE_REG_P] = "P", [SVE_REG_FFR] = "FFR",
	};
	unsigned int at = m->byte - m->window_start;
	unsigned int last = m->window_start + m->window_len - 1;
	char reg[8], hex[2 * SVE_WINDOW_BYTES + 1];

	if (m->cls == SVE_REG_FFR)
		snprintf(reg, sizeof(reg), "FFR");
	else
		snprintf(reg, sizeof(reg), "%s%u", prefixes[m->cls], m->reg);

	printf("# cpu%u sve %s: %s: %s byte %u: expected 0x%02x, found "
	       "0x%02x\n", cpu, name, where, reg, m->byte, m->expected[at],
	       m->found[at]);
	hex_bytes(hex, m->expected, m->window_len);
	printf("# cpu%u sve %s: %s bytes %u..%u of %u, lowest first: "
	       "expected %s\n", cpu, name, reg, m->window_start, last,
	       m->reg_bytes, hex);
	hex_bytes(hex, m->found, m->window_len);
	printf("# cpu%u sve %s: %s bytes %u..%u of %u, lowest first: "
	       "found    %s\n", cpu, name, reg, m->window_start, last,
	       m->reg_bytes, hex);
}

void sve_report_failure(unsigned int cpu, unsigned int test,
			const struct sve_result *res)
{
	const struct sve_mismatch *m = &res->first;
	const char *name = test_names[test];
	char where[40];

	if (res->error[0])
		printf("# cpu%u sve %s: %s (after %u rounds)\n", cpu, name,
		       res->error, res->rounds_done);
	if (!res->has_mismatch)
		return;

	if (test == SVE_TEST_VMM_WRITE)
		snprintf(where, sizeof(where), "VL %u", m->vl);
	else
		snprintf(where, sizeof(where), "VL %u round %u", m->vl,
			 m->round);
	printf("# cpu%u sve %s: %u of %u rounds lost state, first at %s "
	       "(differing: Z mask 0x%08x, P mask 0x%04x%s%s%s)\n", cpu, name,
	       res->bad_rounds, res->rounds_done, where, m->bad_z, m->bad_p,
	       m->bad_ffr ? ", FFR" : "",
	       m->expected_fpsr != m->found_fpsr ? ", FPSR" : "",
	       m->expected_fpcr != m->found_fpcr ? ", FPCR" : "");
	if (mismatch_has_reg(m))
		report_reg(cpu, name, where, m);
	if (m->expected_fpsr != m->found_fpsr)
		printf("# cpu%u sve %s: %s: FPSR: expected 0x%08lx, found "
		       "0x%08lx\n", cpu, name, where, m->expected_fpsr,
		       m->found_fpsr);
	if (m->expected_fpcr != m->found_fpcr)
		printf("# cpu%u sve %s: %s: FPCR: expected 0x%08lx, found "
		       "0x%08lx\n", cpu, name, where, m->expected_fpcr,
		       m->found_fpcr);
}
