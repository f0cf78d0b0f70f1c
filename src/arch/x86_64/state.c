// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's whole state, piece by piece: general and segment registers,
 * XSAVE (FPU, SSE, AVX ... sized by KVM_CAP_XSAVE2), XCRs, MSRs, the local
 * APIC, the MP state, pending events and debug registers. Every failing
 * set is fatal and named (seed 002: a VMM that ignored a KVM_SET_XSAVE
 * failure on migration silently corrupted guests).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>

#include "x86_64.h"

#define X86_APIC_TMCCT 0x390

int x86_state_alloc(struct x86_vcpu_state *s, const struct arch_vm *a)
{
	memset(s, 0, sizeof(*s));
	s->xsave = calloc(1, x86_xsave_size(&a->host));
	s->msrs = x86_msrs_alloc(&a->msrs);
	if (s->xsave && s->msrs)
		return 0;
	x86_state_free(s);
	return -ENOMEM;
}

void x86_state_free(struct x86_vcpu_state *s)
{
	free(s->xsave);
	free(s->msrs);
	s->xsave = NULL;
	s->msrs = NULL;
}

int x86_state_get(int fd, const struct x86_host *host, struct x86_vcpu_state *s)
{
	int ret = kvm_ioctl(fd, KVM_GET_REGS, &s->regs);

	if (!ret)
		ret = kvm_ioctl(fd, KVM_GET_SREGS, &s->sregs);
	if (!ret)
		ret = host->xsave_size > 0 ?
		      kvm_ioctl(fd, KVM_GET_XSAVE2, (struct kvm_xsave *)s->xsave) :
		      kvm_ioctl(fd, KVM_GET_XSAVE, (struct kvm_xsave *)s->xsave);
	if (!ret && host->xsave)
		ret = kvm_ioctl(fd, KVM_GET_XCRS, &s->xcrs);
	if (!ret)
		ret = x86_msrs_get(fd, s->msrs);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_GET_LAPIC, &s->lapic);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_GET_MP_STATE, &s->mp_state);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_GET_VCPU_EVENTS, &s->events);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_GET_DEBUGREGS, &s->debugregs);
	return ret;
}

/*
 * Order matters: special registers first (the mode decides how the rest
 * read; they also hold the APIC base), XCRs with XSAVE, the local APIC
 * before the MSRs (its TSC-deadline MSR needs the timer mode set), the MP
 * state and pending events last, on top of everything they refer to.
 */
int x86_state_set(int fd, const struct x86_host *host, const struct x86_vcpu_state *s,
		  enum x86_state_scope scope)
{
	struct kvm_vcpu_events events = s->events;
	int ret = kvm_ioctl(fd, KVM_SET_SREGS, &s->sregs);

	if (!ret && host->xsave)
		ret = kvm_ioctl(fd, KVM_SET_XCRS, &s->xcrs);
	/* KVM_SET_XSAVE takes the KVM_GET_XSAVE2 size (api.rst 4.43). */
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_XSAVE, (struct kvm_xsave *)s->xsave);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_REGS, &s->regs);
	/*
	 * Twice: KVM_SET_LAPIC (kvm_apic_set_state, 6.12) computes PPR before
	 * it recounts the in-service vectors, from the count the vCPU had
	 * before, so with APICv off a vector in service leaves PPR at TPR until
	 * the guest's next EOI, letting lower-priority interrupts in. The
	 * second write finds the count right. (Found by the read-back compare
	 * of a snapshot taken inside a guest's interrupt handler.)
	 */
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_LAPIC, &s->lapic);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_LAPIC, &s->lapic);
	if (!ret)
		ret = x86_msrs_set(fd, s->msrs, scope == X86_STATE_ALL);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_MP_STATE, &s->mp_state);
	/* KVM_GET_VCPU_EVENTS leaves these flags out; without them SET drops an NMI and SIPI. */
	events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_VCPU_EVENTS, &events);
	if (!ret)
		ret = kvm_ioctl(fd, KVM_SET_DEBUGREGS, &s->debugregs);
	return ret;
}

/* The first differing byte of a piece, logged; true if they differ. */
static bool x86_piece_differs(unsigned int id, const char *what, const char *piece,
			      const void *want, const void *got, size_t len)
{
	const uint8_t *w = want, *g = got;

	for (size_t i = 0; i < len; i++) {
		if (w[i] == g[i])
			continue;
		log_err("vcpu", "vCPU %u: %s: %s byte %zu was written as 0x%02x, reads back "
			"as 0x%02x", id, what, piece, i, w[i], g[i]);
		return true;
	}
	return false;
}

/* The XSAVE image's vector registers by name, so a difference says which register. */
static bool x86_xsave_differs(unsigned int id, const char *what, const uint8_t *want,
			      const uint8_t *got, size_t size)
{
	for (unsigned int n = 0; n < 16; n++) {
		const char *names[] = { "XMM", "YMM" };
		size_t off[] = { XSAVE_XMM_OFFSET + 16 * n, XSAVE_YMM_OFFSET + 16 * n };

		for (unsigned int k = 0; k < 2; k++) {
			for (unsigned int b = 0; b < 16; b++) {
				if (want[off[k] + b] == got[off[k] + b])
					continue;
				log_err("vcpu", "vCPU %u: %s: %s%u byte %u was written as 0x%02x, "
					"reads back as 0x%02x", id, what, names[k], n,
					b + 16 * k, want[off[k] + b], got[off[k] + b]);
				return true;
			}
		}
	}
	return x86_piece_differs(id, what, "XSAVE area", want, got, size);
}

/*
 * SYSENTER_CS/ESP/EIP (0x174-0x176): KVM on AMD keeps only their low 32
 * bits when they are written through KVM_SET_MSRS for a guest whose CPUID
 * vendor is not Intel (svm.c), while the guest's own WRMSR, not
 * intercepted then, may have stored 64 (Linux does). The upper half cannot
 * be put back, and such a guest cannot use it: SYSENTER is not valid in
 * long mode on AMD. Seen restoring a Linux guest in the emulated host.
 */
static bool x86_msr_truncated_by_kvm(uint32_t index, uint64_t want, uint64_t got)
{
	return index >= 0x174 && index <= 0x176 && (uint32_t)want == got;
}

/* Every MSR but the clocks, which run on. */
static bool x86_msrs_differ(unsigned int id, const char *what, const struct kvm_msrs *want,
			    const struct kvm_msrs *got)
{
	for (uint32_t i = 0; i < want->nmsrs && i < got->nmsrs; i++) {
		const struct kvm_msr_entry *w = &want->entries[i], *g = &got->entries[i];

		if (x86_msr_is_clock(w->index) || w->data == g->data ||
		    x86_msr_truncated_by_kvm(w->index, w->data, g->data))
			continue;
		log_err("vcpu", "vCPU %u: %s: MSR 0x%x was written as 0x%llx, reads back as "
			"0x%llx", id, what, w->index, (unsigned long long)w->data,
			(unsigned long long)g->data);
		return true;
	}
	return false;
}

int x86_state_compare(unsigned int id, const struct x86_host *host,
		      const struct x86_vcpu_state *want, const struct x86_vcpu_state *got,
		      const char *what)
{
	struct kvm_lapic_state lapic = got->lapic;
	bool differ = false;

	/* The timer's current count (TMCCT) runs on while the vCPU stands still. */
	memcpy(&lapic.regs[X86_APIC_TMCCT], &want->lapic.regs[X86_APIC_TMCCT], 4);

	differ |= x86_piece_differs(id, what, "general registers (kvm_regs)", &want->regs,
				    &got->regs, sizeof(want->regs));
	differ |= x86_piece_differs(id, what, "special registers (kvm_sregs)", &want->sregs,
				    &got->sregs, sizeof(want->sregs));
	differ |= x86_xsave_differs(id, what, want->xsave, got->xsave, x86_xsave_size(host));
	if (host->xsave)
		differ |= x86_piece_differs(id, what, "XCRs", &want->xcrs, &got->xcrs,
					    sizeof(want->xcrs));
	differ |= x86_piece_differs(id, what, "local APIC", &want->lapic, &lapic,
				    sizeof(want->lapic));
	differ |= x86_piece_differs(id, what, "MP state", &want->mp_state, &got->mp_state,
				    sizeof(want->mp_state));
	differ |= x86_piece_differs(id, what, "debug registers", &want->debugregs,
				    &got->debugregs, sizeof(want->debugregs));
	differ |= x86_msrs_differ(id, what, want->msrs, got->msrs);
	differ |= x86_piece_differs(id, what, "pending events", &want->events, &got->events,
				    sizeof(want->events));
	return differ ? -EIO : 0;
}
