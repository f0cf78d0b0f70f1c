/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the x86 vector stress: each vCPU thread keeps vector
 * registers and MXCSR of its own live across every KVM_RUN and checks
 * them after every return - the check that catches a host whose KVM
 * loses the VMM thread's FPU state while it switches to the guest's. As
 * wide as the host lets user space go: XMM0-15, YMM0-15, or ZMM0-31 with
 * k0-7 (the largest state a host switches, and the most to lose).
 *
 * x86 syscalls keep all vector state, so per exit both checks want every
 * byte back: across KVM_RUN itself, and across a window after it in which
 * a per-thread timer signal and preemption save and restore the state.
 */
#ifndef KVMINI_X86_64_HOST_VEC_H
#define KVMINI_X86_64_HOST_VEC_H

/*
 * The assembly's buffers: 32 register slots of 64 bytes (ZMMn; YMMn and
 * XMMn in its low bytes, slots 0-15 only), k0-7 (8 bytes each), MXCSR.
 * Offsets shared with host_vec.S.
 */
#define HOST_VEC_REGS		32
#define HOST_VEC_REG_BYTES	64
#define HOST_VEC_K		(HOST_VEC_REGS * HOST_VEC_REG_BYTES)
#define HOST_VEC_K_REGS		8
#define HOST_VEC_MXCSR		(HOST_VEC_K + HOST_VEC_K_REGS * 8)
#define HOST_VEC_SIZE		(HOST_VEC_MXCSR + 64)

#define HOST_VEC_WIDTH_XMM	0
#define HOST_VEC_WIDTH_YMM	1
#define HOST_VEC_WIDTH_ZMM	2

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <kvmini/compiler.h>

/* What the thread holds; the assembly takes it as its width argument. */
enum host_vec_width {
	HOST_VEC_XMM = HOST_VEC_WIDTH_XMM,	/* XMM0-15 */
	HOST_VEC_YMM = HOST_VEC_WIDTH_YMM,	/* YMM0-15: AVX */
	HOST_VEC_ZMM = HOST_VEC_WIDTH_ZMM,	/* ZMM0-31, k0-7 at 64 bits: AVX-512F, BW */
};

struct host_vec {
	unsigned int vcpu_id;
	enum host_vec_width width;
	uint64_t gen;			/* per exit, in every pattern */
	timer_t timer;
	bool timer_armed;
	uint8_t in[HOST_VEC_SIZE] __attribute__((aligned(32)));
	uint8_t out[HOST_VEC_SIZE] __attribute__((aligned(32)));
};

/* Start this thread's signal timer; on the vCPU thread. width: host_vec_width_here(). */
int __must_check host_vec_start(struct host_vec *hv, unsigned int vcpu_id,
				enum host_vec_width width);
/*
 * KVM_RUN with the host state live, then both checks. Returns 0 with
 * KVM_RUN's own result in *run_ret, or -EIO if the host state was
 * corrupted (reported with register, byte, expected and found values).
 */
int __must_check host_vec_kvm_run(struct host_vec *hv, int vcpu_fd, int *run_ret);
void host_vec_stop(struct host_vec *hv);
/* The widest state this CPU and kernel let user space use (CPUID, OSXSAVE, XCR0). */
enum host_vec_width host_vec_width_here(void);
/* "XMM0-15", "YMM0-15", "ZMM0-31 and k0-7". */
const char *host_vec_width_name(enum host_vec_width width);
/* Signals handled by host-checking vCPU threads, for --stats. */
uint64_t host_vec_signals(void);
/* --inject-fault=host-vec: the signal handler corrupts XMM3 in a signal frame. */
void host_vec_arm_fault(void);

/* The assembly (host_vec.S); width: an enum host_vec_width. */
long host_vec_asm_kvm_run(const void *in, void *out, long vcpu_fd, long width);
void host_vec_asm_window(const void *in, void *out, unsigned long spins, long width);
/* Where the test state is live in the registers (loaded, not yet stored). */
extern const char host_vec_run_live[], host_vec_run_live_end[];
extern const char host_vec_window_live[], host_vec_window_live_end[];

#endif
#endif
