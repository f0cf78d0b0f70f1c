/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86_64 backend's own state and the helpers its files share. */
#ifndef KVMINI_X86_64_H
#define KVMINI_X86_64_H

#include <linux/kvm.h>

#include <kvmini/compiler.h>

#include "xsave.h"

struct vm;
struct vcpu;
struct loader_file;
struct device;


/* The CPUID leaves KVM offers, grown until KVM_GET_SUPPORTED_CPUID fits. */
struct x86_cpuid {
	struct kvm_cpuid2 *table;
};

/* The MSRs a vCPU's state includes: KVM_GET_MSR_INDEX_LIST, less those this vCPU refuses. */
struct x86_msr_list {
	uint32_t *index;
	uint32_t n;
};

/*
 * What the host's KVM offers x86 guests (probed before the VM exists);
 * in a VM, xsave and supported_xcr0 are what its CPU model leaves.
 */
struct x86_host {
	int xsave_size;			/* KVM_CAP_XSAVE2: bytes of KVM_GET_XSAVE2; 0: none */
	uint64_t supported_xcr0;	/* CPUID.(0xd,0) EDX:EAX as KVM offers it */
	bool xsave;			/* CPUID.1:ECX.XSAVE offered */
	bool amx_permitted;		/* XTILEDATA guest permission granted to this process */
	bool tsc_deadline;		/* KVM_CAP_TSC_DEADLINE_TIMER */
	int max_vcpus;
};

/* vm->arch */
struct arch_vm {
	struct x86_host host;
	struct x86_cpuid cpuid;		/* what each vCPU gets, before its APIC ID */
	struct x86_msr_list msrs;	/* chosen at the first vCPU (msrs.c) */
	/* The in-kernel PICs, IOAPIC and PIT as KVM created them: a reboot's starting point. */
	struct kvm_irqchip power_on_chips[3];
	struct kvm_pit_state2 power_on_pit;
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
	struct kvm_msrs *msrs;		/* the VM's MSR list, with values */
};

/* Which of a vCPU's state x86_state_set() writes. */
enum x86_state_scope {
	/*
	 * All but the clock MSRs: the vCPU runs on with its own time (round
	 * trips of a running VM: writing back a TSC read earlier would turn
	 * the guest's clock back).
	 */
	X86_STATE_KEEP_TSC,
	X86_STATE_ALL,			/* a new vCPU, or a reset */
};

/* vcpu->arch */
struct arch_vcpu {
	struct x86_vcpu_state power_on;	/* as KVM created it: what a reset returns to */
	struct x86_vcpu_state scratch;	/* for requests and register dumps */
};

/*
 * Host probe and CPUID (cpuid.c); want_amx: ask for the AMX guest
 * permission first (a CPU model that turns AMX off does not).
 */
int __must_check x86_host_probe(int kvm_fd, struct x86_host *host, struct x86_cpuid *cpuid,
				bool want_amx);
void x86_cpuid_free(struct x86_cpuid *cpuid);
/* host->xsave and supported_xcr0 as a CPUID table says (the host's, or a model's). */
void x86_host_xsave_follow(struct x86_host *host, const struct x86_cpuid *cpuid);
/* Offer the LAPIC's TSC-deadline mode, which KVM emulates but does not list. */
void x86_cpuid_add_tsc_deadline(struct x86_cpuid *cpuid);
/*
 * The APIC ID fields of a CPUID entry (leaf 1 EBX[31:24], leaves 0xb and
 * 0x1f EDX) set to apic_id. KVM_GET_SUPPORTED_CPUID leaves there the ID of
 * whichever host CPU ran it: a table compared across runs clears them.
 */
void x86_cpuid_set_apic_id(struct kvm_cpuid_entry2 *e, unsigned int apic_id);
/* This vCPU's CPUID: the VM's table with its APIC ID filled in. */
int __must_check x86_cpuid_set(int vcpu_fd, const struct x86_cpuid *cpuid, unsigned int apic_id);
const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct kvm_cpuid2 *t, uint32_t function,
					      uint32_t index);

struct x86_model;
/*
 * A CPU model (NULL: none) checked against the host's table and written
 * into it; host's xsave and supported_xcr0 then say what the vCPUs get.
 * -EINVAL after logging each refused field (cpu_model.c).
 */
int __must_check x86_cpu_model_apply(const struct x86_model *m, struct x86_host *host,
				     struct x86_cpuid *cpuid);

/* Bytes of a KVM_GET_XSAVE2 buffer for VMs of this process. */
size_t x86_xsave_size(const struct x86_host *host);

/*
 * An MSR that counts time: the TSC. It runs on between a read and a write,
 * so a running vCPU's is not written back (X86_STATE_KEEP_TSC) and no
 * compare expects it unchanged.
 */
static inline bool x86_msr_is_clock(uint32_t index)
{
	return index == 0x10;
}

/* MSRs (msrs.c): the VM's list from a vCPU, and reading/writing them all. */
int __must_check x86_msr_list_choose(int kvm_fd, int vcpu_fd, struct x86_msr_list *list);
void x86_msr_list_free(struct x86_msr_list *list);
struct kvm_msrs *x86_msrs_alloc(const struct x86_msr_list *list);
int __must_check x86_msrs_get(int vcpu_fd, struct kvm_msrs *msrs);
int __must_check x86_msrs_set(int vcpu_fd, const struct kvm_msrs *msrs, bool with_clocks);

/* vCPU state (state.c): allocate, read every piece, write every piece, compare. */
int __must_check x86_state_alloc(struct x86_vcpu_state *s, const struct arch_vm *a);
void x86_state_free(struct x86_vcpu_state *s);
int __must_check x86_state_get(int vcpu_fd, const struct x86_host *host, struct x86_vcpu_state *s);
int __must_check x86_state_set(int vcpu_fd, const struct x86_host *host,
			       const struct x86_vcpu_state *s, enum x86_state_scope scope);
/*
 * Every difference between two states (want: what was written), logged
 * with the vCPU and `what`; -EIO if there is any. The clock MSRs are not
 * compared (they run on).
 */
int x86_state_compare(unsigned int id, const struct x86_host *host,
		      const struct x86_vcpu_state *want, const struct x86_vcpu_state *got,
		      const char *what);

/* Long mode on the boot GDT and identity map, with these registers (boot.c). */
int __must_check x86_vcpu_enter_long_mode(struct vcpu *vcpu, const struct kvm_regs *regs);
/* len bytes into guest RAM at gpa: -EFAULT outside it (boot.c). */
int __must_check x86_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/* A bzImage (--kernel), its initrd and command line, and the BSP at its 64-bit entry (linux.c). */
int __must_check x86_boot_linux(struct vm *vm);

/* A scratch VM with one vCPU set up like the VM's (register moves). */
struct x86_scratch {
	int vm_fd, vcpu_fd;
};
int __must_check x86_scratch_create(const struct vm *vm, unsigned int vcpu_id,
				    struct x86_scratch *s);
void x86_scratch_destroy(struct x86_scratch *s);
/*
 * KVM_CAP_EXCEPTION_PAYLOAD on, where KVM has it: KVM_GET_VCPU_EVENTS then
 * tells a pending exception (its payload, CR2 or DR6, not yet delivered)
 * from an injected one, and KVM_SET_VCPU_EVENTS puts back either. Without
 * it a pending one reads as injected and pending, and writes back as
 * injected only: a state move would not be exact (vm.c).
 */
int __must_check x86_vm_enable_exception_payload(int vm_fd);
/* The in-kernel interrupt controllers and PIT, before any vCPU (vm.c). */
int __must_check x86_vm_create_irqchip(int vm_fd);
/* Them back as KVM created them (a reboot). */
int __must_check x86_vm_reset_platform(struct vm *vm);

/* The sleep control and reset registers the FADT names (pm.c). */
int __must_check x86_pm_add(struct vm *vm);

extern const unsigned char kvmini_guest_image[];
extern const size_t kvmini_guest_image_size;
/* firmware/x86_64/bios.S, for X86_BIOS_BASE. */
extern const unsigned char kvmini_bios[];
extern const size_t kvmini_bios_size;

/* The e820 map of this RAM size, 20-byte entries into `out`; the count (linux.c). */
unsigned int x86_e820(uint64_t ram_size, uint8_t *out, unsigned int max);
/* The BIOS at 0xf0000, its e820 table, and the IVT pointing at it (bios.c). */
int __must_check x86_bios_install(struct vm *vm);
/* A raw real-mode binary at 1000:0000 with the BSP there, as kvmtool (bios.c). */
int __must_check x86_boot_raw(struct vm *vm, const struct loader_file *image);
/* --firmware at 0xf0000 in place of kvmini's BIOS, the BSP at its reset vector (bios.c). */
int __must_check x86_boot_firmware(struct vm *vm);

#endif
