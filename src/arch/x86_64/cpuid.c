// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the host's KVM offers x86 guests: the CPUID table
 * (KVM_GET_SUPPORTED_CPUID), XSAVE sizes and the guest permission for
 * dynamic XSAVE features (AMX tile data), which must be asked for before
 * that table is read and before any vCPU exists (seed 002; api.rst
 * KVM_CAP_XSAVE2; Documentation/arch/x86/xstate.rst).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kvmini/kvm.h>
#include <kvmini/log.h>

#include "x86_64.h"

/* arch_prctl codes (asm/prctl.h, Linux 5.17+); not in every libc's headers. */
#define ARCH_GET_XCOMP_SUPP		0x1021
#define ARCH_GET_XCOMP_GUEST_PERM	0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025

/* CPUID leaves: KVM's own limit (KVM_MAX_CPUID_ENTRIES) is 256, so no retry today. */
#define X86_CPUID_FIRST_GUESS	256
#define X86_CPUID_MAX		4096

const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct kvm_cpuid2 *t, uint32_t function,
					      uint32_t index)
{
	for (uint32_t i = 0; i < t->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &t->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

static int x86_cpuid_read(int kvm_fd, struct x86_cpuid *cpuid)
{
	for (uint32_t n = X86_CPUID_FIRST_GUESS; n <= X86_CPUID_MAX; n *= 2) {
		struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + n * sizeof(t->entries[0]));
		int ret;

		if (!t)
			return -ENOMEM;
		t->nent = n;
		ret = kvm_ioctl_quiet(kvm_fd, KVM_GET_SUPPORTED_CPUID, t);
		if (!ret) {
			cpuid->table = t;
			return 0;
		}
		free(t);
		if (ret != -E2BIG) {
			log_err("kvm", "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(-ret));
			return ret;
		}
	}
	log_err("kvm", "KVM_GET_SUPPORTED_CPUID wants more than %d entries", X86_CPUID_MAX);
	return -E2BIG;
}

void x86_cpuid_free(struct x86_cpuid *cpuid)
{
	free(cpuid->table);
	cpuid->table = NULL;
}

/*
 * AMX tile data is a dynamic feature: KVM offers it to guests only once
 * this process holds the guest permission, and the permission must come
 * before KVM_GET_SUPPORTED_CPUID, KVM_CAP_XSAVE2 and any vCPU. Asked for
 * whenever the host's kernel supports it and the CPU model (if any) does
 * not turn AMX off; a refusal is an error naming what failed.
 */
static int x86_request_amx(struct x86_host *host)
{
	uint64_t supported = 0, perm = 0;

	if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, &supported)) {
		log_debug("kvm", "arch_prctl(ARCH_GET_XCOMP_SUPP) failed (%s): no dynamic "
			  "XSAVE features", strerror(errno));
		return 0;
	}
	if (!(supported & XFEATURE_MASK(XFEATURE_XTILEDATA)))
		return 0;
	if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA)) {
		int err = errno;

		log_err("kvm", "the host supports AMX tile data, but the kernel refused "
			"kvmini guest permission for it (arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, "
			"%d): %s); a vCPU could not be given AMX", XFEATURE_XTILEDATA,
			strerror(err));
		return -err;
	}
	if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_GUEST_PERM, &perm) ||
	    !(perm & XFEATURE_MASK(XFEATURE_XTILEDATA))) {
		log_err("kvm", "AMX guest permission was granted but reads back as "
			"0x%llx without XTILEDATA", (unsigned long long)perm);
		return -EIO;
	}
	host->amx_permitted = true;
	return 0;
}

void x86_host_xsave_follow(struct x86_host *host, const struct x86_cpuid *cpuid)
{
	const struct kvm_cpuid_entry2 *e = x86_cpuid_find(cpuid->table, 1, 0);

	host->xsave = e && (e->ecx & (1u << 26));	/* CPUID.1:ECX.XSAVE */
	e = x86_cpuid_find(cpuid->table, 0xd, 0);
	host->supported_xcr0 = host->xsave && e ? e->eax | (uint64_t)e->edx << 32 : 0;
}

int x86_host_probe(int kvm_fd, struct x86_host *host, struct x86_cpuid *cpuid, bool want_amx)
{
	int ret;

	if (kvm_check_cap(kvm_fd, KVM_CAP_IRQCHIP) <= 0 ||
	    kvm_check_cap(kvm_fd, KVM_CAP_EXT_CPUID) <= 0) {
		log_err("kvm", "this host's KVM lacks the in-kernel interrupt controller "
			"or KVM_GET_SUPPORTED_CPUID (KVM_CAP_IRQCHIP, KVM_CAP_EXT_CPUID); "
			"kvmini needs both");
		return -EINVAL;
	}
	ret = want_amx ? x86_request_amx(host) : 0;
	if (!ret)
		ret = x86_cpuid_read(kvm_fd, cpuid);
	if (ret)
		return ret;
	x86_host_xsave_follow(host, cpuid);
	host->tsc_deadline = kvm_check_cap(kvm_fd, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	host->xsave_size = kvm_check_cap(kvm_fd, KVM_CAP_XSAVE2);
	host->max_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_MAX_VCPUS);
	if (host->max_vcpus <= 0)
		host->max_vcpus = kvm_check_cap(kvm_fd, KVM_CAP_NR_VCPUS);
	log_debug("kvm", "XSAVE %s, XCR0 may hold 0x%llx, KVM_CAP_XSAVE2 %d bytes, AMX %s",
		  host->xsave ? "on" : "off", (unsigned long long)host->supported_xcr0,
		  host->xsave_size, host->amx_permitted ? "permitted" : "absent");
	return 0;
}

/* KVM_GET_XSAVE2 needs KVM_CAP_XSAVE2's size; without the cap, KVM_GET_XSAVE's 4 KiB. */
size_t x86_xsave_size(const struct x86_host *host)
{
	return host->xsave_size > (int)sizeof(struct kvm_xsave) ?
	       (size_t)host->xsave_size : sizeof(struct kvm_xsave);
}

/*
 * KVM emulates the local APIC's TSC-deadline mode but leaves it out of
 * KVM_GET_SUPPORTED_CPUID (api.rst: KVM_CAP_TSC_DEADLINE_TIMER); a Linux
 * guest with it needs no PIT or HPET to calibrate its APIC timer.
 */
void x86_cpuid_add_tsc_deadline(struct x86_cpuid *cpuid)
{
	for (uint32_t i = 0; i < cpuid->table->nent; i++)
		if (cpuid->table->entries[i].function == 1)
			cpuid->table->entries[i].ecx |= 1u << 24;
}

/*
 * The APIC ID sits in CPUID.1:EBX[31:24] and, for x2APIC topology, in
 * EDX of leaves 0xb and 0x1f; KVM does not fill them in per vCPU.
 */
void x86_cpuid_set_apic_id(struct kvm_cpuid_entry2 *e, unsigned int apic_id)
{
	if (e->function == 1)
		e->ebx = (e->ebx & 0x00ffffff) | apic_id << 24;
	else if (e->function == 0xb || e->function == 0x1f)
		e->edx = apic_id;
}

int x86_cpuid_set(int vcpu_fd, const struct x86_cpuid *cpuid, unsigned int apic_id)
{
	const struct kvm_cpuid2 *t = cpuid->table;
	size_t bytes = sizeof(*t) + t->nent * sizeof(t->entries[0]);
	struct kvm_cpuid2 *mine = malloc(bytes);
	int ret;

	if (!mine)
		return -ENOMEM;
	memcpy(mine, t, bytes);
	for (uint32_t i = 0; i < mine->nent; i++) {
		struct kvm_cpuid_entry2 *e = &mine->entries[i];

		x86_cpuid_set_apic_id(e, apic_id);
		if (e->function == 1)
			e->ecx |= 1u << 31;	/* "running under a hypervisor" */
	}
	ret = kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, mine);
	free(mine);
	return ret;
}
