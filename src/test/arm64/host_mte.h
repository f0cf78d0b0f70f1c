/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the MTE checks: each vCPU thread owns a tagged page
 * (PROT_MTE, synchronous tag checks, its own IRG include mask) and after
 * every KVM_RUN checks that the host kept its MTE state: the page's
 * allocation tags, PSTATE.TCO still clear, IRG honouring the thread's own
 * exclude mask (not the guest's GCR_EL1), and - every 64th exit, as it
 * costs a signal - that a mismatching access still faults.
 */
#ifndef KVMINI_ARM64_HOST_MTE_H
#define KVMINI_ARM64_HOST_MTE_H

#include <kvmini/compiler.h>

struct host_mte {
	bool on;
	unsigned int vcpu_id;
	uint8_t *page;
	size_t size;
	uint64_t gen;
	bool inject;		/* --inject-fault=host-mte, once */
};

/* On the vCPU thread. 0 with hm->on false if the host lacks userspace MTE. */
int __must_check host_mte_start(struct host_mte *hm, unsigned int vcpu_id,
				bool inject_fault);
/* After a KVM_RUN: 0, or -EIO with the corruption reported. */
int __must_check host_mte_check(struct host_mte *hm);
void host_mte_stop(struct host_mte *hm);
/* The host's userspace has MTE (HWCAP2_MTE). */
bool host_mte_available(void);

#endif
