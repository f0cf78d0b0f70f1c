// SPDX-License-Identifier: GPL-2.0-only
/* The vCPU thread's own SVE state across KVM_RUN and signals (see host_sve.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <asm/sigcontext.h>

#include <kvmini/log.h>
#include <kvmini/testdev-abi.h>

#include "../thread_timer.h"
#include "host_sve.h"

#define HOST_SVE_SIGNAL SIGUSR2
/* The timer signal's period: often enough to land in windows and KVM_RUNs. */
#define HOST_SVE_SIGNAL_NS 1000000L
/* Spins of the window after each KVM_RUN, a few microseconds natively. */
#define HOST_SVE_WINDOW_SPINS 4000UL
/* Only writable, non-trapping bits: AHP DN FZ RMode / IOC DZC OFC UFC IXC IDC QC. */
#define FPCR_MASK 0x07c00000ULL
#define FPSR_MASK 0x0800009fULL

static uint64_t signals;
/*
 * --inject-fault=host-sve: signals to let pass before corrupting, then
 * -1 until a signal interrupts the assembly holding the test state.
 */
static int fault_armed;

uint64_t host_sve_signals(void)
{
	return __atomic_load_n(&signals, __ATOMIC_RELAXED);
}

void host_sve_arm_fault(void)
{
	__atomic_store_n(&fault_armed, 20, __ATOMIC_RELAXED);
}

/* Flip a bit of V3 in an interrupted context's saved FP/SIMD and SVE records. */
static void host_sve_corrupt_frame(ucontext_t *uc)
{
	uint8_t *p = (uint8_t *)uc->uc_mcontext.__reserved;
	uint8_t *end = p + sizeof(uc->uc_mcontext.__reserved);

	while (p + sizeof(struct _aarch64_ctx) <= end) {
		struct _aarch64_ctx *head = (struct _aarch64_ctx *)p;

		if (!head->magic || head->size < sizeof(*head))
			break;
		if (head->magic == FPSIMD_MAGIC) {
			struct fpsimd_context *f = (struct fpsimd_context *)head;

			((uint8_t *)&f->vregs[3])[0] ^= 0x20;
		} else if (head->magic == SVE_MAGIC) {
			struct sve_context *s = (struct sve_context *)head;
			unsigned int vq = sve_vq_from_vl(s->vl);

			/* Register data only when the thread's SVE state was live. */
			if (head->size >= SVE_SIG_CONTEXT_SIZE(vq))
				p[SVE_SIG_ZREG_OFFSET(vq, 3)] ^= 0x20;
		}
		p += head->size;
	}
}

static bool host_sve_live(uintptr_t pc)
{
	/* After a syscall the interrupted PC is the next instruction: the end is live too. */
	return (pc >= (uintptr_t)host_sve_run_live && pc <= (uintptr_t)host_sve_run_live_end) ||
	       (pc >= (uintptr_t)host_sve_window_live && pc <= (uintptr_t)host_sve_window_live_end);
}

static void host_sve_signal(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.pc;
	int armed;

	(void)sig;
	(void)info;
	__atomic_add_fetch(&signals, 1, __ATOMIC_RELAXED);
	armed = __atomic_load_n(&fault_armed, __ATOMIC_RELAXED);
	if (armed > 0) {
		__atomic_store_n(&fault_armed, armed == 1 ? -1 : armed - 1, __ATOMIC_RELAXED);
		return;
	}
	/*
	 * Only where the registers hold the test state: C code elsewhere may
	 * be using V3 for its own data, which must not be damaged, and a
	 * flip before the load or after the store would be lost unchecked,
	 * leaving the run to pass with its one fault spent.
	 */
	if (armed < 0 && host_sve_live(pc) &&
	    __atomic_exchange_n(&fault_armed, 0, __ATOMIC_RELAXED) < 0)
		host_sve_corrupt_frame(uc);
}

/* A timer per vCPU thread, signalling that very thread. */
static int host_sve_start_timer(struct host_sve *hs)
{
	int ret = thread_timer_start(HOST_SVE_SIGNAL, host_sve_signal, HOST_SVE_SIGNAL_NS,
				     &hs->timer);

	hs->timer_armed = !ret;
	return ret;
}

int host_sve_start(struct host_sve *hs, unsigned int vcpu_id, unsigned int vl)
{
	int got, ret;

	memset(hs, 0, sizeof(*hs));
	hs->vcpu_id = vcpu_id;
	got = prctl(PR_SVE_SET_VL, vl / 8);
	if (got < 0 || (unsigned int)(got & PR_SVE_VL_LEN_MASK) != vl / 8) {
		log_err("vcpu", "vCPU %u: cannot set this host thread's SVE vector "
			"length to %u bits (prctl PR_SVE_SET_VL: %s)", vcpu_id, vl,
			got < 0 ? strerror(errno) : "another length was given");
		return got < 0 ? -errno : -EINVAL;
	}
	hs->vl = vl;
	hs->zbytes = vl / 8;
	hs->pbytes = vl / 64;
	hs->size = 16 + 32 * hs->zbytes + 17 * hs->pbytes;
	hs->in = calloc(1, hs->size);
	hs->out = calloc(1, hs->size);
	if (!hs->in || !hs->out)
		return -ENOMEM;
	ret = host_sve_start_timer(hs);
	if (ret)
		log_err("vcpu", "vCPU %u: cannot start the signal timer of the host "
			"SVE check: %s", vcpu_id, strerror(-ret));
	return ret;
}

void host_sve_stop(struct host_sve *hs)
{
	if (hs->timer_armed)
		timer_delete(hs->timer);
	free(hs->in);
	free(hs->out);
	memset(hs, 0, sizeof(*hs));
}

/* Patterns unique to (exit, vCPU, register, byte): no two exits look alike. */
static void host_sve_fill(struct host_sve *hs)
{
	uint64_t base = ++hs->gen << 24 | (uint64_t)hs->vcpu_id << 16;
	uint8_t *p = hs->in + 16;

	for (unsigned int reg = 0; reg < 32 + 17; reg++) {
		size_t n = reg < 32 ? hs->zbytes : hs->pbytes;

		for (size_t b = 0; b < n; b += 8) {
			uint64_t w = testdev_mix64(base | (uint64_t)reg << 56 | b);

			memcpy(p + b, &w, n - b < 8 ? n - b : 8);
		}
		p += n;
	}
	*(uint64_t *)hs->in = testdev_mix64(base | 1) & FPSR_MASK;
	*(uint64_t *)(hs->in + 8) = testdev_mix64(base | 2) & FPCR_MASK;
}

static void host_sve_where(const struct host_sve *hs, size_t off, char *buf, size_t len)
{
	size_t z_end = 16 + 32 * hs->zbytes, p_end = z_end + 16 * hs->pbytes;

	if (off < 8)
		snprintf(buf, len, "FPSR");
	else if (off < 16)
		snprintf(buf, len, "FPCR");
	else if (off < z_end)
		snprintf(buf, len, "Z%zu byte %zu", (off - 16) / hs->zbytes,
			 (off - 16) % hs->zbytes);
	else if (off < p_end)
		snprintf(buf, len, "P%zu byte %zu", (off - z_end) / hs->pbytes,
			 (off - z_end) % hs->pbytes);
	else
		snprintf(buf, len, "FFR byte %zu", off - p_end);
}

/*
 * What must be found after the syscall: only V (Z bits [127:0]), FPSR and
 * FPCR survive; everything else reads as zero.
 */
static uint8_t host_sve_expected_after_syscall(const struct host_sve *hs, size_t off)
{
	size_t z_end = 16 + 32 * hs->zbytes;

	if (off < 16 || (off < z_end && (off - 16) % hs->zbytes < 16))
		return hs->in[off];
	return 0;
}

static int host_sve_report(const struct host_sve *hs, size_t off, uint8_t want,
			   const char *when)
{
	char where[48];

	host_sve_where(hs, off, where, sizeof(where));
	log_err("vcpu", "vCPU %u: the host thread's own SVE state was corrupted %s "
		"(exit %llu, host VL %u bits): %s expected 0x%02x, found 0x%02x",
		hs->vcpu_id, when, (unsigned long long)hs->gen, hs->vl, where, want,
		hs->out[off]);
	return -EIO;
}

int host_sve_kvm_run(struct host_sve *hs, int vcpu_fd, int *run_ret)
{
	host_sve_fill(hs);
	*run_ret = (int)host_sve_asm_kvm_run(hs->in, hs->out, vcpu_fd);
	for (size_t off = 0; off < hs->size; off++) {
		uint8_t want = host_sve_expected_after_syscall(hs, off);

		if (hs->out[off] != want)
			return host_sve_report(hs, off, want, "across KVM_RUN");
	}
	host_sve_asm_window(hs->in, hs->out, HOST_SVE_WINDOW_SPINS);
	if (memcmp(hs->in, hs->out, hs->size)) {
		for (size_t off = 0;; off++)
			if (hs->in[off] != hs->out[off])
				return host_sve_report(hs, off, hs->in[off],
						       "in the window after KVM_RUN");
	}
	return 0;
}
