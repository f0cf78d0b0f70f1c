/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the x86 vector stress: each vCPU thread keeps XMM/YMM
 * registers and MXCSR of its own live across every KVM_RUN and checks
 * them after every return - the check that catches a host whose KVM
 * loses the VMM thread's FPU state while it switches to the guest's.
 *
 * x86 syscalls keep all vector state, so per exit both checks want every
 * byte back: across KVM_RUN itself, and across a window after it in which
 * a per-thread timer signal and preemption save and restore the state.
 */
#ifndef KVMINI_X86_64_HOST_VEC_H
#define KVMINI_X86_64_HOST_VEC_H

#include <time.h>

#include <kvmini/compiler.h>

/* The assembly's buffers: YMM0-15 (32 bytes each; XMM in the low half), then MXCSR. */
#define HOST_VEC_REGS		16
#define HOST_VEC_REG_BYTES	32
#define HOST_VEC_MXCSR		(HOST_VEC_REGS * HOST_VEC_REG_BYTES)
#define HOST_VEC_SIZE		(HOST_VEC_MXCSR + 32)

struct host_vec {
	unsigned int vcpu_id;
	bool avx;			/* YMM (else XMM only) */
	uint64_t gen;			/* per exit, in every pattern */
	timer_t timer;
	bool timer_armed;
	uint8_t in[HOST_VEC_SIZE] __attribute__((aligned(32)));
	uint8_t out[HOST_VEC_SIZE] __attribute__((aligned(32)));
};

/* Start this thread's signal timer; on the vCPU thread. avx: the host's XCR0 has YMM. */
int __must_check host_vec_start(struct host_vec *hv, unsigned int vcpu_id, bool avx);
/*
 * KVM_RUN with the host state live, then both checks. Returns 0 with
 * KVM_RUN's own result in *run_ret, or -EIO if the host state was
 * corrupted (reported with register, byte, expected and found values).
 */
int __must_check host_vec_kvm_run(struct host_vec *hv, int vcpu_fd, int *run_ret);
void host_vec_stop(struct host_vec *hv);
/* Whether this CPU and kernel let user space use YMM (CPUID AVX, OSXSAVE, XCR0). */
bool host_vec_has_avx(void);
/* Signals handled by host-checking vCPU threads, for --stats. */
uint64_t host_vec_signals(void);
/* --inject-fault=host-vec: the signal handler corrupts XMM3 in a signal frame. */
void host_vec_arm_fault(void);

/* The assembly (host_vec.S). */
long host_vec_asm_kvm_run(const void *in, void *out, long vcpu_fd, long avx);
void host_vec_asm_window(const void *in, void *out, unsigned long spins, long avx);
/* Where the test state is live in the registers (loaded, not yet stored). */
extern const char host_vec_run_live[], host_vec_run_live_end[];
extern const char host_vec_window_live[], host_vec_window_live_end[];

#endif
