/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the SVE stress: each vCPU thread keeps SVE and FP state
 * of its own live across every KVM_RUN, at a vector length different from
 * the guest's, and checks it after every return - the check that would
 * have caught the host bugs where KVM lost the VMM thread's SVE state.
 *
 * Per exit, two checks:
 *  - across KVM_RUN itself (a syscall): bits [127:0] of Z0-Z31, FPSR and
 *    FPCR must be kept; the rest of Z, P0-P15 and FFR must read as zero,
 *    as Documentation/arch/arm64/sve.rst promises for every syscall;
 *  - across a window after it, in which a per-thread timer signal and
 *    preemption may save and restore the state: all of it must be kept.
 */
#ifndef KVMINI_ARM64_HOST_SVE_H
#define KVMINI_ARM64_HOST_SVE_H

#include <time.h>

#include <kvmini/compiler.h>

struct host_sve {
	unsigned int vcpu_id;
	unsigned int vl;		/* the thread's SVE vector length, bits */
	size_t zbytes, pbytes, size;
	uint8_t *in, *out;		/* layout: see host_sve.S */
	uint64_t gen;			/* per exit, in every pattern */
	timer_t timer;
	bool timer_armed;
};

/* Set this thread's VL and start its signal timer; on the vCPU thread. */
int __must_check host_sve_start(struct host_sve *hs, unsigned int vcpu_id,
				unsigned int vl);
/*
 * KVM_RUN with the host state live, then both checks. Returns 0 with
 * KVM_RUN's own result in *run_ret, or -EIO if the host state was
 * corrupted (reported with register, byte, expected and found values).
 */
int __must_check host_sve_kvm_run(struct host_sve *hs, int vcpu_fd, int *run_ret);
void host_sve_stop(struct host_sve *hs);

/* Signals handled by host-checking vCPU threads, for --stats. */
uint64_t host_sve_signals(void);
/* --inject-fault=host-sve: the signal handler corrupts V3/Z3 in a signal frame. */
void host_sve_arm_fault(void);

/* The assembly (host_sve.S). */
long host_sve_asm_kvm_run(const void *in, void *out, long vcpu_fd);
void host_sve_asm_window(const void *in, void *out, unsigned long spins);
/* Where the test state is live in the registers (loaded, not yet stored). */
extern const char host_sve_run_live[], host_sve_run_live_end[];
extern const char host_sve_window_live[], host_sve_window_live_end[];

#endif
