/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86_64 backend's own state and the helpers its files share. */
#ifndef KVMINI_X86_64_H
#define KVMINI_X86_64_H

#include <linux/kvm.h>

#include <kvmini/bus.h>
#include <kvmini/compiler.h>

struct vm;
struct vcpu;
struct device;

/* XSAVE state components (the XCR0 bits; Intel SDM vol. 1, 13.1). */
#define XFEATURE_X87		0
#define XFEATURE_SSE		1
#define XFEATURE_YMM		2
#define XFEATURE_XTILECFG	17
#define XFEATURE_XTILEDATA	18
#define XFEATURE_MASK(n)	(UINT64_C(1) << (n))
#define XCR0_BOOT		(XFEATURE_MASK(XFEATURE_X87) | XFEATURE_MASK(XFEATURE_SSE))

/* Where each vector register lives in the standard (non-compacted) XSAVE layout. */
#define XSAVE_XMM_OFFSET	160	/* XMM0-15, 16 bytes each (legacy region) */
#define XSAVE_MXCSR_OFFSET	24
#define XSAVE_HDR_OFFSET	512	/* XSTATE_BV: the header's first u64 */
#define XSAVE_YMM_OFFSET	576	/* YMM0-15 bits 128-255, 16 bytes each */

/* The CPUID leaves KVM offers, grown until KVM_GET_SUPPORTED_CPUID fits. */
struct x86_cpuid {
	struct kvm_cpuid2 *table;
};

/* What the host's KVM offers x86 guests (probed before the VM exists). */
struct x86_host {
	int xsave_size;			/* KVM_CAP_XSAVE2: bytes of KVM_GET_XSAVE2; 0: none */
	uint64_t supported_xcr0;	/* CPUID.(0xd,0) EDX:EAX as KVM offers it */
	bool xsave;			/* CPUID.1:ECX.XSAVE offered */
	bool amx_permitted;		/* XTILEDATA guest permission granted to this process */
	int max_vcpus;
};

/* vm->arch */
struct arch_vm {
	struct bus pio;			/* vm->pio */
	struct x86_host host;
	struct x86_cpuid cpuid;		/* what each vCPU gets, before its APIC ID */
	struct kvm_clock_data frozen_clock;
	bool clock_frozen;
};

/* A vCPU's whole state as kvmini moves it (KVM_GET_* of each piece). */
struct x86_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp_state;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	void *xsave;			/* x86_xsave_size() bytes */
};

/* vcpu->arch */
struct arch_vcpu {
	struct x86_vcpu_state power_on;	/* as KVM created it: what a reset returns to */
	struct x86_vcpu_state scratch;	/* for requests and register dumps */
};

/* Host probe and CPUID (cpuid.c). */
int __must_check x86_host_probe(int kvm_fd, struct x86_host *host, struct x86_cpuid *cpuid);
void x86_cpuid_free(struct x86_cpuid *cpuid);
/* This vCPU's CPUID: the VM's table with its APIC ID filled in. */
int __must_check x86_cpuid_set(int vcpu_fd, const struct x86_cpuid *cpuid, unsigned int apic_id);
const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct kvm_cpuid2 *t, uint32_t function,
					      uint32_t index);

/* Bytes of a KVM_GET_XSAVE2 buffer for VMs of this process. */
size_t x86_xsave_size(const struct x86_host *host);

/* vCPU state (state.c): allocate, read every piece, write every piece, compare. */
int __must_check x86_state_alloc(struct x86_vcpu_state *s, const struct x86_host *host);
void x86_state_free(struct x86_vcpu_state *s);
int __must_check x86_state_get(int vcpu_fd, const struct x86_host *host, struct x86_vcpu_state *s);
int __must_check x86_state_set(int vcpu_fd, const struct x86_host *host,
			       const struct x86_vcpu_state *s);
/*
 * Every difference between two states (want: what was written), logged
 * with the vCPU and `what`; -EIO if there is any.
 */
int x86_state_compare(unsigned int id, const struct x86_host *host,
		      const struct x86_vcpu_state *want, const struct x86_vcpu_state *got,
		      const char *what);

/* Long mode at the image's entry (boot.c). */
int __must_check x86_vcpu_enter_long_mode(struct vcpu *vcpu, uint64_t rip);

/* A scratch VM with one vCPU set up like the VM's (register moves). */
struct x86_scratch {
	int vm_fd, vcpu_fd;
};
int __must_check x86_scratch_create(const struct vm *vm, unsigned int vcpu_id,
				    struct x86_scratch *s);
void x86_scratch_destroy(struct x86_scratch *s);
/* The in-kernel interrupt controllers and PIT, before any vCPU (vm.c). */
int __must_check x86_vm_create_irqchip(int vm_fd);

/* The power-management control port: SLP_EN powers off (pm.c). */
int __must_check x86_pm_create(struct device **out);

extern const unsigned char kvmini_guest_image[];
extern const size_t kvmini_guest_image_size;

#endif
