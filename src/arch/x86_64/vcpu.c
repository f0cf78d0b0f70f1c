// SPDX-License-Identifier: GPL-2.0-only
/* x86_64 vCPUs: CPUID, power-on state, port I/O and other x86-only exits, where a vCPU is. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "layout.h"
#include "x86_64.h"

int arch_vcpu_init(struct vcpu *vcpu)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct arch_vcpu *av = calloc(1, sizeof(*av));
	int ret;

	if (!av)
		return -ENOMEM;
	vcpu->arch = av;
	ret = x86_cpuid_set(vcpu->fd, &a->cpuid, vcpu->id);
	/* Every vCPU has the same CPUID: the first one decides which MSRs are state. */
	if (!ret && !a->msrs.index)
		ret = x86_msr_list_choose(vcpu->vm->kvm_fd, vcpu->fd, &vcpu->vm->arch->msrs);
	if (!ret)
		ret = x86_state_alloc(&av->power_on, a);
	if (!ret)
		ret = x86_state_alloc(&av->scratch, a);
	/* What a guest reset returns to: KVM has no reset ioctl on x86. */
	if (!ret)
		ret = x86_state_get(vcpu->fd, &a->host, &av->power_on);
	return ret;
}

int arch_vcpu_reset(struct vcpu *vcpu)
{
	return x86_state_set(vcpu->fd, &vcpu->vm->arch->host, &vcpu->arch->power_on,
			     X86_STATE_ALL);
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu->arch)
		return;
	x86_state_free(&vcpu->arch->power_on);
	x86_state_free(&vcpu->arch->scratch);
	free(vcpu->arch);
	vcpu->arch = NULL;
}

/*
 * Port I/O: `count` accesses of `size` bytes (more than one for a REP
 * string instruction), their data in the kvm_run page at data_offset.
 */
static __cold int x86_io_impossible(struct vcpu *vcpu)
{
	static struct ratelimit rl;
	struct kvm_run *run = vcpu->run;

	log_ratelimited(&rl, LOG_ERR, "vcpu", "vCPU %u: KVM reported port I/O of %u x %u "
			"bytes at 0x%x that does not fit the kvm_run page", vcpu->id,
			run->io.count, run->io.size, run->io.port);
	return -EIO;
}

static __hot int x86_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int size = run->io.size;
	uint64_t bytes = (uint64_t)size * run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (unlikely((size != 1 && size != 2 && size != 4) ||
		     run->io.data_offset + bytes > (uint64_t)vcpu->run_size))
		return x86_io_impossible(vcpu);
	/* port_bus, not vm->pio (the same bus on x86): its address reads no page of the VM's. */
	for (uint32_t i = 0; i < run->io.count; i++)
		bus_access_cached(&vcpu->vm->port_bus, &vcpu->pio_cache, vcpu->id, run->io.port,
				  data + i * size, size, run->io.direction == KVM_EXIT_IO_OUT);
	return 1;
}

/* Whether a vCPU reads as after RESET: CS base 0xffff0000, RIP 0xfff0. */
static bool x86_vcpu_at_reset_vector(struct vcpu *vcpu)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	return !kvm_ioctl_quiet(vcpu->fd, KVM_GET_REGS, &regs) &&
	       !kvm_ioctl_quiet(vcpu->fd, KVM_GET_SREGS, &sregs) &&
	       regs.rip == 0xfff0 && sregs.cs.base == 0xffff0000;
}

/*
 * A triple fault: hardware resets, and so does kvmini (QEMU's choice too;
 * Linux's reboot=t asks for it on purpose). On AMD, KVM reinitialises the
 * VMCB before it reports the shutdown, so the registers read as after
 * reset: say so rather than name the reset vector as where it happened.
 */
static __cold int x86_handle_shutdown(struct vcpu *vcpu)
{
	char where[160];

	if (x86_vcpu_at_reset_vector(vcpu))
		snprintf(where, sizeof(where), "a place KVM did not keep (the vCPU reads as "
			 "after reset, as KVM on AMD leaves it)");
	else
		arch_vcpu_describe(vcpu, where, sizeof(where));
	log_warn("vcpu", "vCPU %u: triple fault (KVM_EXIT_SHUTDOWN) at %s: the machine "
		 "resets", vcpu->id, where);
	vm_stop(vcpu->vm, VM_STOP_RESET, -EFAULT);
	return 1;
}

__hot int arch_vcpu_handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_IO:
		return x86_handle_io(vcpu);
	case KVM_EXIT_SHUTDOWN:
		return x86_handle_shutdown(vcpu);
	}
	return -ENOSYS;
}

void arch_vcpu_describe(struct vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &regs) ||
	    kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs)) {
		snprintf(buf, len, "registers unreadable");
		return;
	}
	snprintf(buf, len, "RIP 0x%llx, RFLAGS 0x%llx, %s mode, CPL %u",
		 (unsigned long long)regs.rip, (unsigned long long)regs.rflags,
		 sregs.cs.l ? "64-bit" : (sregs.cr0 & 1) ? "protected" : "real",
		 (unsigned int)sregs.cs.dpl);
}

static const char *const x86_vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point", "#VE virtualization",
	"#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved (31)",
};

/* The test device's ESR on x86: vector | error code << 32. */
void arch_describe_exception(uint64_t syndrome, char *buf, size_t len)
{
	unsigned int vector = syndrome & 0xff;
	const char *name = vector < 32 && x86_vector_names[vector] ? x86_vector_names[vector] :
			   "an interrupt";

	snprintf(buf, len, "vector %u (%s), error code 0x%x", vector, name,
		 (unsigned int)(syndrome >> 32));
}

static void x86_dump_segment(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s sel 0x%04x base 0x%016llx limit 0x%08x type %u p%u dpl%u s%u l%u db%u g%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->present,
		s->dpl, s->s, s->l, s->db, s->g);
}

void arch_vcpu_dump_regs(struct vcpu *vcpu, FILE *f)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct x86_vcpu_state *s = &vcpu->arch->scratch;
	const struct kvm_regs *r = &s->regs;
	const uint8_t *xsave;

	if (x86_state_get(vcpu->fd, &a->host, s)) {
		fprintf(f, "vCPU %u: registers unreadable\n", vcpu->id);
		return;
	}
	xsave = s->xsave;
	fprintf(f, "vCPU %u:\n", vcpu->id);
	fprintf(f, "  rax 0x%016llx rbx 0x%016llx rcx 0x%016llx rdx 0x%016llx\n",
		r->rax, r->rbx, r->rcx, r->rdx);
	fprintf(f, "  rsi 0x%016llx rdi 0x%016llx rsp 0x%016llx rbp 0x%016llx\n",
		r->rsi, r->rdi, r->rsp, r->rbp);
	fprintf(f, "  r8  0x%016llx r9  0x%016llx r10 0x%016llx r11 0x%016llx\n",
		r->r8, r->r9, r->r10, r->r11);
	fprintf(f, "  r12 0x%016llx r13 0x%016llx r14 0x%016llx r15 0x%016llx\n",
		r->r12, r->r13, r->r14, r->r15);
	fprintf(f, "  rip 0x%016llx rflags 0x%016llx\n", r->rip, r->rflags);
	x86_dump_segment(f, "cs", &s->sregs.cs);
	x86_dump_segment(f, "ss", &s->sregs.ss);
	x86_dump_segment(f, "ds", &s->sregs.ds);
	x86_dump_segment(f, "tr", &s->sregs.tr);
	fprintf(f, "  cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
		s->sregs.cr0, s->sregs.cr2, s->sregs.cr3, s->sregs.cr4, s->sregs.efer);
	if (a->host.xsave)
		fprintf(f, "  xcr0 0x%llx\n", (unsigned long long)s->xcrs.xcrs[0].value);
	for (unsigned int n = 0; n < 16; n++) {
		uint64_t lo, hi, ylo, yhi;

		memcpy(&lo, xsave + XSAVE_XMM_OFFSET + 16 * n, 8);
		memcpy(&hi, xsave + XSAVE_XMM_OFFSET + 16 * n + 8, 8);
		memcpy(&ylo, xsave + XSAVE_YMM_OFFSET + 16 * n, 8);
		memcpy(&yhi, xsave + XSAVE_YMM_OFFSET + 16 * n + 8, 8);
		fprintf(f, "  ymm%-2u 0x%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "\n",
			n, yhi, ylo, hi, lo);
	}
}

int x86_scratch_create(const struct vm *vm, unsigned int vcpu_id, struct x86_scratch *s)
{
	int ret;

	s->vcpu_fd = -1;
	s->vm_fd = kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, vm->type);
	if (s->vm_fd < 0)
		return s->vm_fd;
	ret = kvm_ioctl_val(s->vm_fd, KVM_SET_TSS_ADDR, X86_TSS_ADDR);
	/* The local APIC's state moves too: it needs the in-kernel irqchip. */
	if (!ret)
		ret = x86_vm_create_irqchip(s->vm_fd);
	if (!ret)
		ret = x86_vm_enable_exception_payload(s->vm_fd);
	if (!ret) {
		s->vcpu_fd = kvm_ioctl_val(s->vm_fd, KVM_CREATE_VCPU, vcpu_id);
		ret = s->vcpu_fd < 0 ? s->vcpu_fd : 0;
	}
	if (!ret)
		ret = x86_cpuid_set(s->vcpu_fd, &vm->arch->cpuid, vcpu_id);
	if (ret)
		x86_scratch_destroy(s);
	return ret;
}

void x86_scratch_destroy(struct x86_scratch *s)
{
	if (s->vcpu_fd >= 0)
		close(s->vcpu_fd);
	if (s->vm_fd >= 0)
		close(s->vm_fd);
	s->vcpu_fd = s->vm_fd = -1;
}
