// SPDX-License-Identifier: GPL-2.0-only
/* The vCPU thread's own MTE state across KVM_RUN (see host_mte.h). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/testdev-abi.h>

#include "host_mte.h"

#ifndef HWCAP2_MTE
#define HWCAP2_MTE (1UL << 18)
#endif
#ifndef PROT_MTE
#define PROT_MTE 0x20
#endif
#ifndef SEGV_MTESERR
#define SEGV_MTESERR 9
#endif

#define GRANULE 16
/*
 * binutils 2.40 will not take ".arch_extension memtag" on an armv8-a base:
 * switch the architecture for the one instruction and back to what GCC
 * set for this file.
 */
#define MTE_INSN(insn) ".arch armv8.5-a+memtag\n\t" insn "\n\t.arch armv8-a"
/* IRG may hand out odd tags only: a leaked guest GCR_EL1 shows up as an even one. */
#define HOST_IRG_INCLUDE 0xaaaaUL
/* A mismatching access (one signal) every so many exits. */
#define FAULT_PROBE_EVERY 64

static __thread sigjmp_buf probe_jmp;
static __thread volatile sig_atomic_t probing;

bool host_mte_available(void)
{
	return getauxval(AT_HWCAP2) & HWCAP2_MTE;
}

static inline void *tagged(void *p, unsigned int tag)
{
	return (void *)(((uintptr_t)p & ~(0xfUL << 56)) | (uintptr_t)tag << 56);
}

static inline void mte_set_tag(void *p)
{
	__asm__ volatile(MTE_INSN("stg %0, [%0]") : : "r"(p) : "memory");
}

static inline unsigned int mte_get_tag(void *p)
{
	uintptr_t x = (uintptr_t)p;

	__asm__ volatile(MTE_INSN("ldg %0, [%0]") : "+r"(x) : : "memory");
	return (unsigned int)(x >> 56) & 0xf;
}

static inline unsigned int mte_random_tag(void *p)
{
	uintptr_t x;

	__asm__ volatile(MTE_INSN("irg %0, %1") : "=r"(x) : "r"(p));
	return (unsigned int)(x >> 56) & 0xf;
}

static inline uint64_t mte_tco(void)
{
	uint64_t v;

	__asm__ volatile(MTE_INSN("mrs %0, tco") : "=r"(v));
	return v;
}

/* SIGSEGV's handler before ours (the console's, restoring the terminal). */
static struct sigaction segv_before;

static void host_mte_segv(int sig, siginfo_t *info, void *ctx)
{
	if (probing && info->si_code == SEGV_MTESERR)
		siglongjmp(probe_jmp, 1);
	/* Not ours: to whoever had it, else die as the fault would have. */
	if (segv_before.sa_flags & SA_SIGINFO && segv_before.sa_sigaction) {
		segv_before.sa_sigaction(sig, info, ctx);
	} else if (segv_before.sa_handler != SIG_DFL && segv_before.sa_handler != SIG_IGN) {
		segv_before.sa_handler(sig);
	}
	signal(sig, SIG_DFL);
}

static unsigned int host_mte_tag(const struct host_mte *hm, size_t granule)
{
	return (unsigned int)testdev_mix64(hm->gen << 20 | (uint64_t)hm->vcpu_id << 12 |
					   granule) & 0xf;
}

static void host_mte_retag(struct host_mte *hm)
{
	hm->gen++;
	for (size_t g = 0; g < hm->size / GRANULE; g++)
		mte_set_tag(tagged(hm->page + g * GRANULE, host_mte_tag(hm, g)));
}

static int segv_install_result;

static void host_mte_install_segv(void)
{
	struct sigaction sa = { .sa_sigaction = host_mte_segv, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &segv_before))
		segv_install_result = -errno;
}

int host_mte_start(struct host_mte *hm, unsigned int vcpu_id, bool inject_fault)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int ret;

	memset(hm, 0, sizeof(*hm));
	if (!host_mte_available())
		return 0;
	hm->vcpu_id = vcpu_id;
	pthread_once(&once, host_mte_install_segv);
	if (segv_install_result)
		return segv_install_result;
	if (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | PR_MTE_TCF_SYNC |
		  (HOST_IRG_INCLUDE << PR_MTE_TAG_SHIFT), 0, 0, 0)) {
		ret = -errno;
		log_err("vcpu", "vCPU %u: cannot turn on MTE for its thread "
			"(PR_SET_TAGGED_ADDR_CTRL: %s)", vcpu_id, strerror(errno));
		return ret;
	}
	hm->size = (size_t)sysconf(_SC_PAGESIZE);
	hm->page = mmap(NULL, hm->size, PROT_READ | PROT_WRITE | PROT_MTE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hm->page == MAP_FAILED) {
		ret = -errno;
		hm->page = NULL;
		log_err("vcpu", "vCPU %u: cannot map a tagged page: %s", vcpu_id,
			strerror(errno));
		return ret;
	}
	hm->on = true;
	hm->inject = inject_fault;
	host_mte_retag(hm);
	return 0;
}

static int host_mte_fail(const struct host_mte *hm, const char *what)
{
	log_err("vcpu", "vCPU %u: the host thread's own MTE state was corrupted across "
		"KVM_RUN (exit %llu): %s", hm->vcpu_id, (unsigned long long)hm->gen, what);
	return -EIO;
}

/* A load whose logical tag differs from the granule's must fault now. */
static bool host_mte_mismatch_faults(struct host_mte *hm)
{
	volatile uint8_t *p = tagged(hm->page, (host_mte_tag(hm, 0) + 1) & 0xf);
	volatile bool faulted = false;

	if (sigsetjmp(probe_jmp, 1))
		faulted = true;
	else {
		probing = 1;
		(void)*p;
	}
	probing = 0;
	return faulted;
}

int host_mte_check(struct host_mte *hm)
{
	char what[160];

	if (!hm->on)
		return 0;
	if (hm->inject && hm->gen == 10) {
		/* Behind the checker's back, as a host bug would. */
		mte_set_tag(tagged(hm->page + 7 * GRANULE, host_mte_tag(hm, 7) ^ 1));
		log_info("vcpu", "--inject-fault: retagged granule 7 of vCPU %u's own "
			 "page; the host check must now fail", hm->vcpu_id);
	}
	if (mte_tco() & (1UL << 25))
		return host_mte_fail(hm, "PSTATE.TCO is set: tag checks are suppressed");
	for (size_t g = 0; g < hm->size / GRANULE; g++) {
		unsigned int want = host_mte_tag(hm, g), got = mte_get_tag(hm->page + g * GRANULE);

		if (got != want) {
			snprintf(what, sizeof(what), "the allocation tag of its page's granule "
				 "%zu is 0x%x, expected 0x%x", g, got, want);
			return host_mte_fail(hm, what);
		}
	}
	for (int i = 0; i < 16; i++) {
		unsigned int tag = mte_random_tag(hm->page);

		if (!((HOST_IRG_INCLUDE >> tag) & 1)) {
			snprintf(what, sizeof(what), "IRG gave tag 0x%x, which the thread's "
				 "include mask 0x%lx excludes (another GCR_EL1 in force?)",
				 tag, HOST_IRG_INCLUDE);
			return host_mte_fail(hm, what);
		}
	}
	if (hm->gen % FAULT_PROBE_EVERY == 0 && !host_mte_mismatch_faults(hm))
		return host_mte_fail(hm, "a mismatching tagged load did not fault: "
				     "synchronous tag checking is off");
	host_mte_retag(hm);
	return 0;
}

void host_mte_stop(struct host_mte *hm)
{
	if (hm->page)
		munmap(hm->page, hm->size);
	memset(hm, 0, sizeof(*hm));
}
