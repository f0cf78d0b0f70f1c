// SPDX-License-Identifier: GPL-2.0-only
/* The vCPU thread's own vector state across KVM_RUN and signals (see host_vec.h). */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include <kvmini/log.h>
#include <kvmini/testdev-abi.h>

#include "../thread_timer.h"
#include "host_vec.h"

#define HOST_VEC_SIGNAL SIGUSR2
/* The timer signal's period: often enough to land in windows and KVM_RUNs. */
#define HOST_VEC_SIGNAL_NS 1000000L
/* Spins of the window after each KVM_RUN, a few microseconds natively. */
#define HOST_VEC_WINDOW_SPINS 4000UL
/*
 * MXCSR bits that never trap: the flags, rounding and FTZ (not DAZ, which
 * some CPUs lack: LDMXCSR would #GP); the exception masks stay set.
 */
#define MXCSR_MASKS 0x1f80u
#define MXCSR_FREE 0xe03fu

static uint64_t signals;
/*
 * --inject-fault=host-vec: counts signals down first (so the fault lands
 * well into the run), then -1 until the handler finds the thread inside
 * the assembly with its state live, which it then corrupts once.
 */
static int fault_armed;

uint64_t host_vec_signals(void)
{
	return __atomic_load_n(&signals, __ATOMIC_RELAXED);
}

void host_vec_arm_fault(void)
{
	__atomic_store_n(&fault_armed, 20, __ATOMIC_RELAXED);
}

static bool host_vec_live(uintptr_t pc)
{
	/* After a syscall the interrupted PC is the next instruction: the end is live too. */
	return (pc >= (uintptr_t)host_vec_run_live && pc <= (uintptr_t)host_vec_run_live_end) ||
	       (pc >= (uintptr_t)host_vec_window_live && pc <= (uintptr_t)host_vec_window_live_end);
}

static void host_vec_signal(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
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
	 * Only where the test state is live in the registers: C code
	 * elsewhere may use XMM3 for its own data, and a flip before the load
	 * or after the store would be lost.
	 */
	if (armed < 0 && host_vec_live(pc) && uc->uc_mcontext.fpregs &&
	    __atomic_exchange_n(&fault_armed, 0, __ATOMIC_RELAXED) < 0)
		uc->uc_mcontext.fpregs->_xmm[3].element[0] ^= 0x20;
}

/* XCR0: SSE and YMM; then opmask, ZMM_Hi256 and Hi16_ZMM. */
#define XCR0_YMM_STATE 0x06u
#define XCR0_ZMM_STATE 0xe6u

enum host_vec_width host_vec_width_here(void)
{
	unsigned int a, b, c, d, xcr0_lo, xcr0_hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX) || !(c & bit_OSXSAVE))
		return HOST_VEC_XMM;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
	if ((xcr0_lo & XCR0_YMM_STATE) != XCR0_YMM_STATE)
		return HOST_VEC_XMM;
	/* BW too: KMOVQ moves the whole of k0-7 (AVX-512F alone has KMOVW only). */
	if ((xcr0_lo & XCR0_ZMM_STATE) == XCR0_ZMM_STATE &&
	    __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX512F) && (b & bit_AVX512BW))
		return HOST_VEC_ZMM;
	return HOST_VEC_YMM;
}

const char *host_vec_width_name(enum host_vec_width width)
{
	switch (width) {
	case HOST_VEC_ZMM:
		return "ZMM0-31 and k0-7";
	case HOST_VEC_YMM:
		return "YMM0-15";
	default:
		return "XMM0-15";
	}
}

int host_vec_start(struct host_vec *hv, unsigned int vcpu_id, enum host_vec_width width)
{
	int ret;

	memset(hv, 0, sizeof(*hv));
	hv->vcpu_id = vcpu_id;
	hv->width = width;
	ret = thread_timer_start(HOST_VEC_SIGNAL, host_vec_signal, HOST_VEC_SIGNAL_NS, &hv->timer);
	if (ret)
		log_err("vcpu", "vCPU %u: cannot start the signal timer of the host "
			"vector check: %s", vcpu_id, strerror(-ret));
	hv->timer_armed = !ret;
	return ret;
}

void host_vec_stop(struct host_vec *hv)
{
	if (hv->timer_armed)
		timer_delete(hv->timer);
	hv->timer_armed = false;
}

/* Patterns unique to (exit, vCPU, register, byte): no two exits look alike. */
static void host_vec_fill(struct host_vec *hv)
{
	/* Disjoint fields: the exit above bit 32, the vCPU, the byte offset below 16. */
	uint64_t base = ++hv->gen << 32 | (uint64_t)hv->vcpu_id << 16;
	uint32_t mxcsr = MXCSR_MASKS |
			 ((uint32_t)testdev_mix64(base | HOST_VEC_MXCSR) & MXCSR_FREE);

	_Static_assert(HOST_VEC_SIZE <= 1 << 16, "byte offsets overlap the vCPU field");
	for (unsigned int b = 0; b < HOST_VEC_MXCSR; b += 8) {
		uint64_t w = testdev_mix64(base | b);

		memcpy(hv->in + b, &w, 8);
	}
	memcpy(hv->in + HOST_VEC_MXCSR, &mxcsr, 4);
}

/* The bytes the assembly stores at hv's width. */
static bool host_vec_byte_used(const struct host_vec *hv, size_t off)
{
	if (off >= HOST_VEC_MXCSR)
		return off < HOST_VEC_MXCSR + 4;
	if (hv->width == HOST_VEC_ZMM)
		return true;
	return off < 16 * HOST_VEC_REG_BYTES &&
	       off % HOST_VEC_REG_BYTES < (hv->width == HOST_VEC_YMM ? 32u : 16u);
}

static const char *const width_prefix[] = {
	[HOST_VEC_XMM] = "XMM", [HOST_VEC_YMM] = "YMM", [HOST_VEC_ZMM] = "ZMM",
};

static int host_vec_check(const struct host_vec *hv, const char *when)
{
	for (size_t off = 0; off < HOST_VEC_SIZE; off++) {
		char where[32];

		if (!host_vec_byte_used(hv, off) || hv->in[off] == hv->out[off])
			continue;
		if (off >= HOST_VEC_MXCSR)
			snprintf(where, sizeof(where), "MXCSR byte %zu", off - HOST_VEC_MXCSR);
		else if (off >= HOST_VEC_K)
			snprintf(where, sizeof(where), "k%zu byte %zu", (off - HOST_VEC_K) / 8,
				 (off - HOST_VEC_K) % 8);
		else
			snprintf(where, sizeof(where), "%s%zu byte %zu", width_prefix[hv->width],
				 off / HOST_VEC_REG_BYTES, off % HOST_VEC_REG_BYTES);
		log_err("vcpu", "vCPU %u: the host thread's own vector state was corrupted %s "
			"(exit %llu): %s expected 0x%02x, found 0x%02x", hv->vcpu_id, when,
			(unsigned long long)hv->gen, where, hv->in[off], hv->out[off]);
		return -EIO;
	}
	return 0;
}

int host_vec_kvm_run(struct host_vec *hv, int vcpu_fd, int *run_ret)
{
	int ret;

	host_vec_fill(hv);
	*run_ret = (int)host_vec_asm_kvm_run(hv->in, hv->out, vcpu_fd, hv->width);
	ret = host_vec_check(hv, "across KVM_RUN");
	if (ret)
		return ret;
	host_vec_asm_window(hv->in, hv->out, HOST_VEC_WINDOW_SPINS, hv->width);
	return host_vec_check(hv, "in the window after KVM_RUN");
}
