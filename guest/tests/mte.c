// SPDX-License-Identifier: GPL-2.0-only
/*
 * MTE under KVM. Allocation tags live in memory and the hypervisor has to
 * keep them there, and has to switch the MTE registers (GCR_EL1, RGSR_EL1,
 * TFSR_EL1, TFSRE0_EL1) with the vCPU. So each CPU:
 *  - tags every granule of its buffer, takes an exit, reads the tags back;
 *  - makes tag check faults in the synchronous, asynchronous and
 *    asymmetric modes and checks how each is reported;
 *  - writes the MTE registers, takes an exit, reads them back, and checks
 *    IRG still honours the excluded tags and seed;
 *  - has the VMM read and then write the buffer's tags.
 * Tag checks (SCTLR_EL1.TCF) are on only inside the fault tests, and the
 * buffer is only ever accessed through pointers carrying its tags there.
 */
#include <stdarg.h>
#include "exceptions.h"
#include "lib/mte.h"
#include "lib/percpu.h"
#include "lib/mmio.h"
#include "lib/print.h"
#include "lib/psci.h"
#include "lib/testdev.h"
#include "mmu.h"
#include "tests/mte.h"
#include "tests/wfi_exit.h"

_Static_assert(MTE_GRANULE == TESTDEV_MTE_GRANULE, "granule size");
_Static_assert(MTE_BUF_GRANULES * MTE_GRANULE == MTE_BUF_BYTES, "buffer");

/* Exit kinds in the order each round takes them. */
static const enum mte_step exit_steps[] = {
	MTE_STEP_MMIO, MTE_STEP_HVC, MTE_STEP_WFI,
};
#define EXIT_KINDS	(sizeof(exit_steps) / sizeof(exit_steps[0]))

/* Seed domains: no two uses of testdev_mix64 here share inputs. */
#define EXITS_DOMAIN		(0x4d45UL << 48)
#define REGS_DOMAIN		(0x4d52UL << 48)
#define VMM_READ_DOMAIN		(0x4d56UL << 48)
#define VMM_WRITE_DOMAIN	(0x4d57UL << 48)

/* Tags IRG makes per register check, before and after the exit. */
#define IRG_TAGS		32

/* Data stored through the buffer by the fault tests. */
#define DATA_BEFORE		0x0123456789abcdefUL
#define DATA_FAULTING		0xdeadbeefdeadbeefUL
#define DATA_AFTER		0xfedcba9876543210UL

/*
 * A tag check fault leaves FAR_EL1[63:60] UNKNOWN; the rest, the logical
 * tag in [59:56] included, is the faulting address.
 */
#define FAR_TAG_FAULT_MASK	((1UL << 60) - 1)

/* The tagged buffers, whole pages; their tags are set before every use. */
static uint8_t mte_buffers[MAX_CPUS][MTE_BUF_BYTES]
	__attribute__((section(".noinit"), aligned(MTE_PAGE_SIZE)));

/*
 * Memory the guest never touches before the VMM tags it (guest.ld keeps it
 * in a 2 MiB block of its own, so no huge page mapped for other data covers
 * it): the guest's first access makes KVM map it, which must keep the tags.
 */
static uint8_t mte_untouched[MAX_CPUS][MTE_BUF_BYTES]
	__attribute__((section(".untouched"), aligned(MTE_PAGE_SIZE)));

/* One tag per granule of a buffer: what it should hold and what it does. */
struct mte_tags {
	uint8_t expected[MTE_BUF_GRANULES];
	uint8_t found[MTE_BUF_GRANULES];
};

/* Fully written before each use, so not zeroed at boot (guest.ld). */
static struct mte_tags mte_tags[MAX_CPUS] __attribute__((section(".noinit")));

/* Read by the VMM: the descriptor REQUEST_ARG points at. */
static struct testdev_mte_region mte_regions[MAX_CPUS];

struct ctx {
	unsigned int cpu;
	unsigned int level;
	uint32_t iterations;
	const char *wfi_error;
	uintptr_t buf;
	struct mte_tags *tags;
	struct testdev_mte_region *region;
	uint64_t *progress;
};

static const char *const test_names[MTE_TESTS] = {
	[MTE_TEST_EXITS] = "tags across exits",
	[MTE_TEST_SYNC] = "sync",
	[MTE_TEST_ASYNC] = "async",
	[MTE_TEST_ASYM] = "asymmetric",
	[MTE_TEST_REGS] = "registers",
	[MTE_TEST_VMM_READ] = "vmm read",
	[MTE_TEST_VMM_WRITE] = "vmm write",
};

static const char *const step_names[] = {
	[MTE_STEP_NONE] = "no exit",
	[MTE_STEP_MMIO] = "mmio exit",
	[MTE_STEP_HVC] = "hvc exit",
	[MTE_STEP_WFI] = "wfi exit",
	[MTE_STEP_VMM_READ] = "after the VMM read them",
	[MTE_STEP_VMM_WRITE] = "after the VMM wrote them",
	[MTE_STEP_VMM_WRITE_FRESH] = "after the VMM wrote them into memory the guest "
		"had never touched (KVM mapped it at the guest's first access)",
};

uint32_t mte_test_rounds(unsigned int test, uint32_t iterations)
{
	return test == MTE_TEST_EXITS || test == MTE_TEST_REGS ? iterations : 1;
}

static void bump_progress(const struct ctx *c)
{
	__atomic_fetch_add(c->progress, 1, __ATOMIC_RELAXED);
}

/* Count a check; keep the first failure's description. Returns @ok. */
static bool PRINTF_LIKE(3, 4)
check(struct mte_result *res, bool ok, const char *fmt, ...)
{
	va_list ap;

	res->checks++;
	if (ok)
		return true;
	if (!res->bad_checks++ && !res->error[0]) {
		va_start(ap, fmt);
		vsnprintf(res->error, sizeof(res->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

static void set_tcf(enum mte_tcf mode)
{
	uint64_t sctlr = read_sysreg(sctlr_el1) & ~SCTLR_TCF_MASK;

	write_sysreg(sctlr | (uint64_t)mode << SCTLR_TCF_SHIFT, sctlr_el1);
	isb();
}

/* Asynchronous faults reach TFSR_EL1 by a DSB; the ISB lets MRS see it. */
static uint64_t tfsr_read_synced(void)
{
	dsb(nsh);
	isb();
	return read_sysreg(SYS_TFSR_EL1);
}

static void tfsr_clear(void)
{
	write_sysreg(0, SYS_TFSR_EL1);
	isb();
}

/*
 * Single accesses the exception handler can skip: mmio_read64/mmio_write64
 * are one LDR/STR each.
 */
/* One access with any exception caught; true if one was taken. */
static bool access_traps(uint64_t addr, bool write, uint64_t *val,
			 uint64_t *esr, uint64_t *far)
{
	exc_expect(EXC_EXPECT_ANY_EC);
	if (write)
		mmio_write64(addr, *val);
	else
		*val = mmio_read64(addr);
	return exc_expect_end(esr, far);
}

static unsigned int ptr_tag(uint64_t addr)
{
	return (addr & MTE_TAG_MASK) >> MTE_TAG_SHIFT;
}

/* The access must work: no exception at all. Returns what a load read. */
static uint64_t access_ok(struct mte_result *res, const char *mode,
			  uint64_t addr, bool write, uint64_t val)
{
	uint64_t esr = 0, far = 0;
	bool trapped = access_traps(addr, write, &val, &esr, &far);

	check(res, !trapped, "%s: %s through 0x%lx (pointer tag 0x%x) raised "
	      "an exception: ESR 0x%lx (EC 0x%02lx DFSC 0x%02lx) FAR 0x%lx",
	      mode, write ? "store" : "load", addr, ptr_tag(addr), esr,
	      ESR_EC(esr), ESR_DFSC(esr), far);
	return val;
}

/* The access must raise a synchronous tag check fault, reported right. */
static void access_faults(struct mte_result *res, const char *mode,
			  uint64_t addr, bool write)
{
	const char *what = write ? "store" : "load";
	uint64_t val = DATA_FAULTING, esr = 0, far = 0;

	if (!check(res, access_traps(addr, write, &val, &esr, &far),
		   "%s: %s through 0x%lx (pointer tag 0x%x, wrong) raised no "
		   "exception", mode, what, addr, ptr_tag(addr)))
		return;
	if (!check(res, ESR_EC(esr) == ESR_EC_DABT_CURRENT &&
			ESR_DFSC(esr) == ESR_DFSC_TAG_CHECK,
		   "%s: %s through 0x%lx: ESR 0x%lx (EC 0x%02lx DFSC 0x%02lx), "
		   "want EC 0x%02x DFSC 0x%02x (tag check fault)", mode, what,
		   addr, esr, ESR_EC(esr), ESR_DFSC(esr), ESR_EC_DABT_CURRENT,
		   ESR_DFSC_TAG_CHECK))
		return;
	check(res, !!(esr & ESR_WNR) == write, "%s: %s through 0x%lx: ESR "
	      "0x%lx has WnR=%u", mode, what, addr, esr, !!(esr & ESR_WNR));
	check(res, !((far ^ addr) & FAR_TAG_FAULT_MASK), "%s: %s through "
	      "0x%lx: FAR 0x%lx (bits [59:0] must match)", mode, what, addr,
	      far);
}

/* TFSR_EL1 (after a DSB) must hold exactly @want. */
static void tfsr_is(struct mte_result *res, const char *mode, uint64_t want,
		    const char *after)
{
	uint64_t tfsr = tfsr_read_synced();

	check(res, tfsr == want, "%s: TFSR_EL1 0x%lx after %s, want 0x%lx",
	      mode, tfsr, after, want);
}

/*
 * The buffer's tags against ->expected. On the test's first wrong check,
 * keep the lowest wrong granule and how many there were.
 */
static bool check_tags(const struct ctx *c, struct mte_result *res,
		       enum mte_step step, uint32_t round)
{
	const uint8_t *want = c->tags->expected;
	uint8_t *got = c->tags->found;
	uint32_t bad = 0, first = 0;

	mte_get_tags(c->buf, got, MTE_BUF_GRANULES);
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++) {
		if (want[g] == got[g])
			continue;
		if (!bad++)
			first = g;
	}
	res->checks++;
	if (!bad)
		return true;
	res->bad_checks++;
	if (!res->has_mismatch) {
		res->has_mismatch = true;
		res->first = (struct mte_mismatch){
			.step = step,
			.round = round,
			.addr = c->buf + (uint64_t)first * MTE_GRANULE,
			.expected = want[first],
			.found = got[first],
			.bad_granules = bad,
		};
	}
	return false;
}

/* Point REQUEST_ARG at this CPU's buffer, described with @seed. */
static void describe_buffer(const struct ctx *c, uint64_t seed)
{
	c->region->ipa = c->buf;
	c->region->len = MTE_BUF_BYTES;
	c->region->seed = seed;
	/* Tags and descriptor in place before the VMM can look. */
	dsb(ish);
	testdev_write64(TESTDEV_REQUEST_ARG, (uintptr_t)c->region);
}

/*
 * One exit of kind @step. An MMIO exit with @tagged is the PING that tells
 * the VMM (and --inject-fault=mte-tag) that the buffer holds tags which
 * will be checked after it.
 */
static bool take_exit(const struct ctx *c, enum mte_step step, bool tagged,
		      char *err, size_t err_size)
{
	switch (step) {
	case MTE_STEP_MMIO:
		if (tagged)
			describe_buffer(c, 0);
		testdev_write32(TESTDEV_PING, tagged ? TESTDEV_PING_MTE : 0);
		return true;
	case MTE_STEP_HVC:
		psci_version();
		return true;
	case MTE_STEP_WFI:
		return wfi_exit_timer(err, err_size);
	default:
		break;
	}
	snprintf(err, err_size, "no exit of kind %d", step);
	return false;
}

/*
 * The tag of granule @g at step @step (0 before any exit, then one per
 * exit taken): an odd stride changes every granule's tag at every step and
 * walks it through all 16 tags in 16 steps; start and stride differ per
 * CPU and granule, so neighbours and other CPUs rarely agree.
 */
static uint8_t exit_tag(unsigned int cpu, uint32_t g, uint32_t step)
{
	uint64_t h = testdev_mix64(EXITS_DOMAIN | (uint64_t)cpu << 32 | g);
	unsigned int start = h & 15, stride = 2 * ((h >> 4) & 7) + 1;

	return (uint8_t)((start + step * stride) & 15);
}

static void tag_for_step(const struct ctx *c, uint32_t step)
{
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++)
		c->tags->expected[g] = exit_tag(c->cpu, g, step);
	mte_set_tags(c->buf, c->tags->expected, MTE_BUF_GRANULES);
}

static void run_exits(const struct ctx *c, struct mte_result *res)
{
	res->ran = true;

	tag_for_step(c, 0);
	if (!check_tags(c, res, MTE_STEP_NONE, 0)) {
		snprintf(res->error, sizeof(res->error), "tags read back wrong "
			 "with no exit in between: RAM not Tagged, or a guest "
			 "bug");
		return;
	}
	if (c->wfi_error)
		snprintf(res->error, sizeof(res->error), "no wfi exits: %s",
			 c->wfi_error);

	for (uint32_t round = 1; round <= c->iterations; round++) {
		for (unsigned int k = 0; k < EXIT_KINDS; k++) {
			enum mte_step step = exit_steps[k];
			char err[100];

			if (step == MTE_STEP_WFI && c->wfi_error)
				continue;
			tag_for_step(c, (round - 1) * EXIT_KINDS + k + 1);
			if (!take_exit(c, step, true, err, sizeof(err))) {
				snprintf(res->error, sizeof(res->error),
					 "%s, round %u: %s", step_names[step],
					 round, err);
				return;
			}
			/* Right after the exit, --inject-fault's included. */
			check_tags(c, res, step, round);
			bump_progress(c);
		}
		res->rounds_done++;
	}
}

/* A nonzero tag per (CPU, test) for the fault tests' granule. */
static unsigned int fault_tag(const struct ctx *c, enum mte_test test)
{
	return 1 + (c->cpu * MTE_TESTS + test) % 15;
}

/*
 * Tag granule 0 with @tag and store DATA_BEFORE in it, checks off. Returns
 * the address the fault tests use: 8 bytes in, so FAR must be exact.
 */
static uint64_t prepare_granule(const struct ctx *c, unsigned int tag)
{
	uint8_t t = (uint8_t)tag;
	uint64_t addr = c->buf + 8;

	set_tcf(MTE_TCF_NONE);
	mte_set_tags(c->buf, &t, 1);
	mmio_write64(mte_tagged(addr, tag), DATA_BEFORE);
	tfsr_clear();
	return addr;
}

static void run_sync(const struct ctx *c, struct mte_result *res)
{
	static const char mode[] = "TCF=1 (sync)";
	unsigned int tag = fault_tag(c, MTE_TEST_SYNC);
	uint64_t addr = prepare_granule(c, tag);
	uint64_t good = mte_tagged(addr, tag), bad = mte_tagged(addr, tag ^ 8);
	uint64_t val;

	res->ran = true;
	set_tcf(MTE_TCF_SYNC);
	val = access_ok(res, mode, good, false, 0);
	check(res, val == DATA_BEFORE, "%s: load through 0x%lx read 0x%lx, "
	      "want 0x%lx", mode, good, val, DATA_BEFORE);
	access_faults(res, mode, bad, false);
	/* An untagged pointer is tag 0, and TCMA0 = 0 checks it too. */
	access_faults(res, mode, addr, true);
	val = access_ok(res, mode, good, false, 0);
	check(res, val == DATA_BEFORE, "%s: the faulting store changed memory "
	      "at 0x%lx: 0x%lx, want 0x%lx", mode, addr, val, DATA_BEFORE);
	access_ok(res, mode, good, true, DATA_AFTER);
	val = access_ok(res, mode, good, false, 0);
	check(res, val == DATA_AFTER, "%s: store through 0x%lx then load read "
	      "0x%lx, want 0x%lx", mode, good, val, DATA_AFTER);
	set_tcf(MTE_TCF_NONE);
	tfsr_is(res, mode, 0, "synchronous faults only");
	res->rounds_done = 1;
}

static void run_async(const struct ctx *c, struct mte_result *res)
{
	static const char mode[] = "TCF=2 (async)";
	unsigned int tag = fault_tag(c, MTE_TEST_ASYNC);
	uint64_t addr = prepare_granule(c, tag);
	uint64_t good = mte_tagged(addr, tag), bad = mte_tagged(addr, tag ^ 8);
	char err[100];

	res->ran = true;
	set_tcf(MTE_TCF_ASYNC);
	access_ok(res, mode, good, false, 0);
	access_ok(res, mode, good, true, DATA_AFTER);
	tfsr_is(res, mode, 0, "accesses with the right tag");

	access_ok(res, mode, bad, false, 0);
	tfsr_is(res, mode, TFSR_TF0, "a load with the wrong tag");
	tfsr_clear();
	check(res, !read_sysreg(SYS_TFSR_EL1), "%s: TFSR_EL1 0x%lx after "
	      "writing 0", mode, read_sysreg(SYS_TFSR_EL1));

	access_ok(res, mode, addr, true, DATA_FAULTING);
	tfsr_is(res, mode, TFSR_TF0, "a store through an untagged pointer");
	tfsr_clear();

	/* A fault recorded just before an exit belongs to this vCPU still. */
	access_ok(res, mode, bad, false, 0);
	if (take_exit(c, MTE_STEP_MMIO, false, err, sizeof(err)))
		tfsr_is(res, mode, TFSR_TF0, "a load with the wrong tag, then "
			"an mmio exit");
	tfsr_clear();
	set_tcf(MTE_TCF_NONE);
	res->rounds_done = 1;
}

static void run_asym(const struct ctx *c, struct mte_result *res)
{
	static const char mode[] = "TCF=3 (asymmetric)";
	unsigned int tag;
	uint64_t addr, good, bad;

	if (c->level < ID_AA64PFR1_MTE_MTE3) {
		res->skip = true;
		return;
	}
	tag = fault_tag(c, MTE_TEST_ASYM);
	addr = prepare_granule(c, tag);
	good = mte_tagged(addr, tag);
	bad = mte_tagged(addr, tag ^ 8);

	res->ran = true;
	set_tcf(MTE_TCF_ASYM);
	access_ok(res, mode, good, false, 0);
	access_ok(res, mode, good, true, DATA_AFTER);
	tfsr_is(res, mode, 0, "accesses with the right tag");
	access_faults(res, mode, bad, false);
	tfsr_is(res, mode, 0, "a load's synchronous fault");
	access_ok(res, mode, addr, true, DATA_FAULTING);
	tfsr_is(res, mode, TFSR_TF0, "a store through an untagged pointer");
	tfsr_clear();
	set_tcf(MTE_TCF_NONE);
	res->rounds_done = 1;
}

struct mte_regs {
	uint64_t gcr, rgsr, tfsr, tfsre0;
};

/*
 * Distinct values per (CPU, round, exit kind): an exclude mask that
 * leaves at least two tags allowed (so IRG has a choice to get wrong) and
 * excludes at least one, RRND = 0 so IRG follows the seed, a nonzero seed
 * (a zero one never changes), and nonzero, different TF0/TF1 pairs in the
 * two fault status registers.
 */
static void regs_for(const struct ctx *c, uint32_t round, unsigned int k,
		     struct mte_regs *r)
{
	uint64_t h = testdev_mix64(REGS_DOMAIN | (uint64_t)c->cpu << 32 |
				   (uint64_t)round << 4 | k);
	unsigned int allowed = (h >> 16) & 15;
	unsigned int allowed2 = (allowed + 1 + ((h >> 20) & 15) % 15) & 15;
	uint64_t exclude = h & GCR_EXCLUDE_MASK & ~(1UL << allowed) &
			   ~(1UL << allowed2);
	uint64_t seed = (h >> 32) & 0xffff;
	unsigned int tf = (c->cpu + round + k) % 3;

	for (unsigned int t = 0; !exclude; t++) {
		if (t != allowed && t != allowed2)
			exclude = 1UL << t;
	}
	r->gcr = exclude;
	r->rgsr = (seed ? seed : 1) << RGSR_SEED_SHIFT |
		  ((h >> 48) & RGSR_TAG_MASK);
	r->tfsr = 1 + tf;
	r->tfsre0 = 1 + (tf + 1) % 3;
}

static void regs_write(const struct mte_regs *r)
{
	write_sysreg(r->gcr, SYS_GCR_EL1);
	write_sysreg(r->rgsr, SYS_RGSR_EL1);
	write_sysreg(r->tfsr, SYS_TFSR_EL1);
	write_sysreg(r->tfsre0, SYS_TFSRE0_EL1);
	isb();
}

static void regs_read(struct mte_regs *r)
{
	r->gcr = read_sysreg(SYS_GCR_EL1);
	r->rgsr = read_sysreg(SYS_RGSR_EL1);
	r->tfsr = read_sysreg(SYS_TFSR_EL1);
	r->tfsre0 = read_sysreg(SYS_TFSRE0_EL1);
}

/* @n IRG tags, none of them excluded by GCR_EL1 value @gcr. */
static void irg_check(struct mte_result *res, const char *where,
		      uint32_t round, uint64_t gcr, uint8_t *tags)
{
	unsigned int bad = 0, first = 0;

	mte_irg_tags(tags, IRG_TAGS);
	for (unsigned int i = 0; i < IRG_TAGS; i++) {
		if (gcr & (1UL << tags[i]) && !bad++)
			first = i;
	}
	check(res, !bad, "%s, round %u: IRG gave excluded tag 0x%x (%u of %u "
	      "tags excluded; GCR_EL1 0x%lx)", where, round, tags[first], bad,
	      IRG_TAGS, gcr);
}

/*
 * One register check: set the registers, note IRG's sequence from that
 * seed, reset the seed, exit, and expect the same registers and the same
 * sequence. The registers are read before IRG runs, as IRG moves RGSR_EL1.
 */
static void regs_check(const struct ctx *c, struct mte_result *res,
		       uint32_t round, unsigned int k)
{
	static const char *const names[] = {
		"GCR_EL1", "RGSR_EL1", "TFSR_EL1", "TFSRE0_EL1",
	};
	enum mte_step step = exit_steps[k];
	const char *where = step_names[step];
	uint8_t before[IRG_TAGS], after[IRG_TAGS];
	struct mte_regs want, got;
	const uint64_t *w = &want.gcr, *g = &got.gcr;
	unsigned int i;
	char err[100];

	regs_for(c, round, k, &want);
	regs_write(&want);
	irg_check(res, "before the exit", round, want.gcr, before);
	write_sysreg(want.rgsr, SYS_RGSR_EL1);
	isb();

	if (!take_exit(c, step, false, err, sizeof(err))) {
		check(res, false, "%s, round %u: %s", where, round, err);
		return;
	}
	regs_read(&got);
	for (i = 0; i < 4 && w[i] == g[i]; i++)
		;
	check(res, i == 4, "%s, round %u: %s 0x%lx read back as 0x%lx", where,
	      round, i < 4 ? names[i] : "", i < 4 ? w[i] : 0,
	      i < 4 ? g[i] : 0);

	irg_check(res, where, round, want.gcr, after);
	for (i = 0; i < IRG_TAGS && before[i] == after[i]; i++)
		;
	check(res, i == IRG_TAGS, "%s, round %u: IRG from RGSR_EL1 0x%lx gave "
	      "tag 0x%x as its tag %u, but 0x%x before the exit", where, round,
	      want.rgsr, i < IRG_TAGS ? after[i] : 0, i,
	      i < IRG_TAGS ? before[i] : 0);
}

static void run_regs(const struct ctx *c, struct mte_result *res)
{
	static const struct mte_regs zero;

	res->ran = true;
	if (c->wfi_error)
		snprintf(res->error, sizeof(res->error), "no wfi exits: %s",
			 c->wfi_error);
	for (uint32_t round = 1; round <= c->iterations; round++) {
		for (unsigned int k = 0; k < EXIT_KINDS; k++) {
			if (exit_steps[k] == MTE_STEP_WFI && c->wfi_error)
				continue;
			regs_check(c, res, round, k);
			bump_progress(c);
		}
		res->rounds_done++;
	}
	regs_write(&zero);
}

/* Ask the VMM for @req on the buffer, tag pattern @seed. */
static bool vmm_request(const struct ctx *c, struct mte_result *res,
			uint32_t req, uint64_t seed, const char *what)
{
	uint32_t status;

	describe_buffer(c, seed);
	testdev_write32(TESTDEV_REQUEST, req);
	status = testdev_read32(TESTDEV_REQUEST_STATUS);
	return check(res, !status, "%s: REQUEST_STATUS is %u (%s)%s", what,
		     status, testdev_errno_name(status),
		     status == 5 ? ": the VMM found other tags (see its log)" :
		     "");
}

static void run_vmm_read(const struct ctx *c, struct mte_result *res)
{
	uint64_t seed = testdev_mix64(VMM_READ_DOMAIN | c->cpu);

	res->ran = true;
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++)
		c->tags->expected[g] = testdev_mte_pattern_tag(seed, g);
	mte_set_tags(c->buf, c->tags->expected, MTE_BUF_GRANULES);
	if (!check_tags(c, res, MTE_STEP_NONE, 0)) {
		snprintf(res->error, sizeof(res->error), "tags read back wrong "
			 "before the request: guest bug");
		return;
	}
	if (!vmm_request(c, res, TESTDEV_REQ_MTE_CHECK_TAGS, seed,
			 "tag check request"))
		return;
	/* Reading must leave them alone. */
	check_tags(c, res, MTE_STEP_VMM_READ, 0);
	res->rounds_done = 1;
}

static void run_vmm_write(const struct ctx *c, struct mte_result *res)
{
	uint64_t seed = testdev_mix64(VMM_WRITE_DOMAIN | c->cpu);
	uint8_t *want = c->tags->expected;

	res->ran = true;
	/* First the opposite of the VMM's tags: every granule must change. */
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++)
		want[g] = testdev_mte_pattern_tag(seed, g) ^ 15;
	mte_set_tags(c->buf, want, MTE_BUF_GRANULES);
	if (!vmm_request(c, res, TESTDEV_REQ_MTE_WRITE_TAGS, seed,
			 "tag write request"))
		return;
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++)
		want[g] = testdev_mte_pattern_tag(seed, g);
	check_tags(c, res, MTE_STEP_VMM_WRITE, 0);

	/* Once per run: the memory stays touched after this. */
	struct ctx untouched = *c;

	untouched.buf = (uintptr_t)mte_untouched[c->cpu];
	seed = testdev_mix64(seed);
	if (!vmm_request(&untouched, res, TESTDEV_REQ_MTE_WRITE_TAGS, seed,
			 "tag write request into untouched memory"))
		return;
	for (uint32_t g = 0; g < MTE_BUF_GRANULES; g++)
		want[g] = testdev_mte_pattern_tag(seed, g);
	check_tags(&untouched, res, MTE_STEP_VMM_WRITE_FRESH, 0);
	res->rounds_done = 1;
}

/*
 * cpu.S turned on tag access and TBI0 at boot; the rest starts from known
 * values here, as they reset to UNKNOWN ones.
 */
static bool cpu_setup(char *err, size_t err_size)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), tcr = read_sysreg(tcr_el1);

	if (!(sctlr & SCTLR_ATA) || !(tcr & TCR_TBI0)) {
		snprintf(err, err_size, "SCTLR_EL1 0x%lx, TCR_EL1 0x%lx: boot "
			 "left ATA or TBI0 off", sctlr, tcr);
		return false;
	}
	write_sysreg(0, SYS_TCO);
	set_tcf(MTE_TCF_NONE);
	write_sysreg(0, SYS_GCR_EL1);
	write_sysreg(0, SYS_TFSR_EL1);
	write_sysreg(0, SYS_TFSRE0_EL1);
	isb();
	return true;
}

void mte_test_run(unsigned int cpu, unsigned int level, uint32_t iterations,
		  const char *wfi_error, struct mte_result res[MTE_TESTS],
		  uint64_t *progress)
{
	static void (*const runs[MTE_TESTS])(const struct ctx *,
					     struct mte_result *) = {
		[MTE_TEST_EXITS] = run_exits,
		[MTE_TEST_SYNC] = run_sync,
		[MTE_TEST_ASYNC] = run_async,
		[MTE_TEST_ASYM] = run_asym,
		[MTE_TEST_REGS] = run_regs,
		[MTE_TEST_VMM_READ] = run_vmm_read,
		[MTE_TEST_VMM_WRITE] = run_vmm_write,
	};
	const struct ctx c = {
		.cpu = cpu,
		.level = level,
		.iterations = iterations,
		.wfi_error = wfi_error,
		.buf = (uintptr_t)mte_buffers[cpu],
		.tags = &mte_tags[cpu],
		.region = &mte_regions[cpu],
		.progress = progress,
	};
	char err[sizeof(res[0].error)];

	if (!cpu_setup(err, sizeof(err))) {
		for (unsigned int t = 0; t < MTE_TESTS; t++)
			snprintf(res[t].error, sizeof(res[t].error), "%s", err);
		return;
	}
	for (unsigned int t = 0; t < MTE_TESTS; t++) {
		runs[t](&c, &res[t]);
		bump_progress(&c);
	}
}

void mte_report_failure(unsigned int cpu, unsigned int test,
			const struct mte_result *res)
{
	const struct mte_mismatch *m = &res->first;
	const char *name = test_names[test];

	if (res->error[0])
		printf("# cpu%u mte %s: %s\n", cpu, name, res->error);
	if (res->has_mismatch) {
		if (test == MTE_TEST_EXITS)
			printf("# cpu%u mte %s: %s, round %u: granule 0x%lx: "
			       "expected tag 0x%x, found 0x%x\n", cpu, name,
			       step_names[m->step], m->round, m->addr,
			       m->expected, m->found);
		else
			printf("# cpu%u mte %s: %s: granule 0x%lx: expected "
			       "tag 0x%x, found 0x%x\n", cpu, name,
			       step_names[m->step], m->addr, m->expected,
			       m->found);
		printf("# cpu%u mte %s: %u of %u granules wrong there\n", cpu,
		       name, m->bad_granules, MTE_BUF_GRANULES);
	}
	if (res->bad_checks > 1)
		printf("# cpu%u mte %s: %u of %u checks failed\n", cpu, name,
		       res->bad_checks, res->checks);
}
