/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The complete register state of an arm64 vCPU: every id KVM_GET_REG_LIST
 * reports, each value sized from its id. The base of register round trips,
 * --dump-regs and snapshots.
 */
#ifndef KVMINI_ARM64_REGS_H
#define KVMINI_ARM64_REGS_H

#include <stdio.h>

#include <kvmini/compiler.h>

struct vcpu;

/* The largest value ONE_REG can carry (KVM_REG_SIZE_U2048). */
#define ARM64_REG_MAX_BYTES 256

struct arm64_regs {
	unsigned int n;
	uint64_t *ids;
	size_t *offsets;	/* of each value in vals */
	uint8_t *vals;
	size_t bytes;
};

/*
 * Fill ids from KVM_GET_REG_LIST and size the value buffer. A register of
 * a family kvmini does not know is an error: a state that silently misses
 * registers is worse than none.
 */
int __must_check arm64_regs_list(struct vcpu *vcpu, struct arm64_regs *r);
/* The same, once: a vCPU's list does not change after it is set up. */
int __must_check arm64_regs_list_once(struct vcpu *vcpu, struct arm64_regs *r);
/* Read every listed register. */
int __must_check arm64_regs_get(struct vcpu *vcpu, struct arm64_regs *r);

enum arm64_regs_target {
	/*
	 * Back into the vCPU they came from, after it has run: registers
	 * fixed after the first run are compared instead of written, and
	 * the counters are left alone (writing them moves guest time).
	 */
	ARM64_REGS_SAME_VCPU,
	/*
	 * Into a vCPU that has never run, set up with the same features
	 * (the VL set was written before it was finalized): ID registers
	 * first, as api.rst recommends, then everything else.
	 */
	ARM64_REGS_FRESH_VCPU,
};
int __must_check arm64_regs_set(struct vcpu *vcpu, const struct arm64_regs *r,
				enum arm64_regs_target target);
/*
 * Read r's registers from `from` into a buffer of its own and compare them
 * with r's values (what: the operation, for the message): proves a write.
 */
int __must_check arm64_regs_verify(struct vcpu *from, const struct arm64_regs *r,
				   const char *what);
/* Compare two states of the same list; log the first difference, -EIO if any. */
int arm64_regs_compare(const struct vcpu *vcpu, const struct arm64_regs *a,
		       const struct arm64_regs *b, const char *what);
void arm64_regs_print(const struct arm64_regs *r, FILE *f);
void arm64_regs_free(struct arm64_regs *r);

#endif
