// SPDX-License-Identifier: GPL-2.0-only
/*
 * Booting x86_64 guests: the embedded test guest at X86_IMAGE_BASE, entered
 * by every vCPU in 64-bit long mode on an identity map the VMM builds (the
 * state the Linux 64-bit boot protocol also starts a kernel in). The
 * layout and entry contract are in layout.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/arch.h>
#include <kvmini/device.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "acpi.h"
#include "layout.h"
#include "x86_64.h"

/* arch/x86/include/asm/setup.h: COMMAND_LINE_SIZE. */
const size_t arch_cmdline_max = 2048;

#define X86_CR0_PE	(1u << 0)
#define X86_CR0_MP	(1u << 1)
#define X86_CR0_ET	(1u << 4)
#define X86_CR0_NE	(1u << 5)
#define X86_CR0_WP	(1u << 16)
#define X86_CR0_PG	(1u << 31)
#define X86_CR4_PAE	(1u << 5)
#define X86_CR4_OSFXSR	(1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)
#define X86_CR4_OSXSAVE	(1u << 18)
#define X86_EFER_SCE	(1u << 0)
#define X86_EFER_LME	(1u << 8)
#define X86_EFER_LMA	(1u << 10)

#define X86_PTE_PRESENT	(1u << 0)
#define X86_PTE_RW	(1u << 1)
#define X86_PTE_PS	(1u << 7)	/* a 2 MiB page in a page directory */

/* Flat descriptors: 64-bit code (L=1) and 32-bit-sized data, base 0, limit 4 GiB. */
static const uint64_t x86_boot_gdt[] = {
	0,
	0,
	[X86_GDT_CODE64 / 8] = 0x00af9b000000ffffULL,
	[X86_GDT_DATA / 8] = 0x00cf93000000ffffULL,
};

int x86_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = guest_mem_ptr(&vm->mem, gpa, len);

	if (!dst)
		return -EFAULT;	/* arch_vm_check keeps RAM large enough */
	memcpy(dst, src, len);
	return 0;
}

/* PML4 -> one PDPT -> four page directories of 2 MiB pages: the first 4 GiB, identity. */
static int x86_build_identity_map(struct vm *vm)
{
	uint64_t *pml4 = guest_mem_ptr(&vm->mem, X86_PML4, 4096);
	uint64_t *pdpt = guest_mem_ptr(&vm->mem, X86_PDPT, 4096);
	uint64_t *pd = guest_mem_ptr(&vm->mem, X86_PD, 4 * 4096);

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = X86_PDPT | X86_PTE_PRESENT | X86_PTE_RW;
	for (unsigned int i = 0; i < 4; i++)
		pdpt[i] = (X86_PD + i * 4096) | X86_PTE_PRESENT | X86_PTE_RW;
	for (uint64_t j = 0; j < 4 * 512; j++)
		pd[j] = (j << 21) | X86_PTE_PRESENT | X86_PTE_RW | X86_PTE_PS;
	return 0;
}

static struct kvm_segment x86_flat_segment(uint16_t selector, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector,
		.type = code ? 11 : 3,		/* execute/read or read/write, accessed */
		.present = 1, .s = 1, .g = 1,
		.l = code, .db = !code,
	};
}

int x86_vcpu_enter_long_mode(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	const struct arch_vm *a = vcpu->vm->arch;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs[0] = { .xcr = 0, .value = XCR0_BOOT } };
	int ret = kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);

	if (ret)
		return ret;
	sregs.cs = x86_flat_segment(X86_GDT_CODE64, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		x86_flat_segment(X86_GDT_DATA, false);
	/* A 64-bit busy TSS: VMX refuses to enter long mode without one. */
	sregs.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = X86_BOOT_GDT;
	sregs.gdt.limit = sizeof(x86_boot_gdt) - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = X86_PML4;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
		    (a->host.xsave ? X86_CR4_OSXSAVE : 0);
	sregs.efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA;
	ret = kvm_ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	if (!ret && a->host.xsave)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
	if (!ret)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_REGS, regs);
	return ret;
}

/*
 * Secondaries wait for INIT/SIPI in the in-kernel APIC; the test guest
 * wants every vCPU at its entry at once, so they are made runnable.
 */
static int x86_vcpu_make_runnable(struct vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	return kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
}

/* Every vCPU at the test guest's entry: parameters, vCPU count and index in RDI, RSI, RDX. */
static int x86_boot_test_guest(struct vm *vm)
{
	size_t params = strlen(vm->cmdline) + 1;
	int ret = 0;

	if (kvmini_guest_image_size > X86_MMIO_GAP_START - X86_IMAGE_BASE ||
	    X86_IMAGE_BASE + kvmini_guest_image_size > vm->cfg->ram_size) {
		log_err("loader", "the embedded guest (%zu bytes) does not fit in %" PRIu64
			" MiB of RAM from 0x%" PRIx64, kvmini_guest_image_size,
			vm->cfg->ram_size >> 20, X86_IMAGE_BASE);
		return -EINVAL;
	}
	/* cmdline_build kept it within arch_cmdline_max, far below X86_CMDLINE_MAX. */
	ret = x86_write(vm, X86_CMDLINE, vm->cmdline, params);
	if (!ret)
		ret = x86_write(vm, X86_IMAGE_BASE, kvmini_guest_image, kvmini_guest_image_size);
	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++) {
		struct kvm_regs regs = {
			.rip = X86_IMAGE_BASE, .rflags = 0x2,
			.rdi = X86_CMDLINE, .rsi = vm->nr_vcpus, .rdx = i,
		};

		ret = x86_vcpu_enter_long_mode(vm->vcpus[i], &regs);
		if (!ret && i > 0)
			ret = x86_vcpu_make_runnable(vm->vcpus[i]);
	}
	log_debug("loader", "test guest at 0x%" PRIx64 " (%zu bytes), parameters at 0x%" PRIx64,
		  X86_IMAGE_BASE, kvmini_guest_image_size, X86_CMDLINE);
	return ret;
}

/* The ACPI tables: the vCPUs and each virtio-mmio device the machine file added. */
static int x86_write_acpi(struct vm *vm)
{
	uint8_t *acpi = guest_mem_ptr(&vm->mem, X86_ACPI_BASE, X86_ACPI_SIZE);
	struct x86_acpi_virtio virtio[X86_ACPI_MAX_VIRTIO];
	unsigned int n = 0;

	if (!acpi)
		return -EFAULT;
	for (struct device *d = vm->devices; d; d = d->next) {
		if (d->pio || !d->has_irq || d->base < X86_VIRTIO_MMIO_BASE ||
		    d->base >= X86_VIRTIO_MMIO_BASE + X86_VIRTIO_MAX * X86_VIRTIO_MMIO_SIZE)
			continue;
		if (n == X86_ACPI_MAX_VIRTIO)
			return -E2BIG;	/* the machine file allows fewer */
		virtio[n++] = (struct x86_acpi_virtio){
			.base = (uint32_t)d->base, .size = (uint32_t)d->size, .gsi = d->irq.gsi,
		};
	}
	return x86_acpi_build(acpi, X86_ACPI_BASE, vm->nr_vcpus, virtio, n);
}

/* What every guest gets: the boot GDT, the identity map and the ACPI tables. */
int arch_vm_boot(struct vm *vm)
{
	/* A first boot finds them so already; a reboot needs them put back. */
	int ret = x86_vm_reset_platform(vm);

	if (!ret)
		ret = x86_write(vm, X86_BOOT_GDT, x86_boot_gdt, sizeof(x86_boot_gdt));
	if (!ret)
		ret = x86_build_identity_map(vm);
	if (!ret)
		ret = x86_write_acpi(vm);
	if (ret)
		return ret;
	if (vm->cfg->firmware_path)
		return x86_boot_firmware(vm);
	/* Its reset vector is where a reboot through the BIOS jumps. */
	ret = x86_bios_install(vm);
	if (ret)
		return ret;
	return vm->cfg->kernel_path ? x86_boot_linux(vm) : x86_boot_test_guest(vm);
}
