// SPDX-License-Identifier: GPL-2.0-only
/* x86_64 VM: what the host offers, the in-kernel irqchip and PIT, RAM around the MMIO gap. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <kvmini/arch.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

#include "acpi.h"
#include "config.h"
#include "cpuid_model.h"
#include "layout.h"
#include "x86_64.h"

/* The image, page tables and command line need the first 2 MiB; the guest needs some beyond. */
#define X86_MIN_RAM (4 * SZ_1M)

/* What this backend cannot do yet, refused before any VM exists. */
static int x86_refuse_unsupported(const struct vm_config *cfg)
{
	if (cfg->dump_dtb_path) {
		log_err("vm", "--dump-dtb %s: x86_64 guests have no device tree (ACPI tables "
			"describe the machine); leave --dump-dtb out", cfg->dump_dtb_path);
		return -EINVAL;
	}
	if (cfg->nr_cpus > X86_ACPI_MAX_CPUS) {
		log_err("vm", "--cpus %u: the x86_64 machine describes at most %d vCPUs "
			"(8-bit APIC IDs)", cfg->nr_cpus, X86_ACPI_MAX_CPUS);
		return -EINVAL;
	}
	if (cfg->mem_path && cfg->ram_size > X86_MMIO_GAP_START) {
		log_err("vm", "--mem-path with --mem %" PRIu64 "M: RAM beyond 3 GiB is split "
			"around the MMIO gap on x86_64, which a --mem-path file cannot back yet; "
			"use --mem 3072 or less", cfg->ram_size >> 20);
		return -EINVAL;
	}
	if (cfg->ram_size < X86_MIN_RAM) {
		log_err("vm", "--mem %" PRIu64 "M: x86_64 guests need at least %llu MiB",
			cfg->ram_size >> 20, (unsigned long long)X86_MIN_RAM >> 20);
		return -EINVAL;
	}
	return 0;
}

/* RAM must lie below what CPUID tells the guest it can address (a CPU model's phys-bits). */
static int x86_check_phys_bits(uint64_t ram_size, const struct x86_cpuid *cpuid)
{
	const struct kvm_cpuid_entry2 *e = x86_cpuid_find(cpuid->table, 0x80000008, 0);
	uint64_t top = ram_size > X86_MMIO_GAP_START ?
		       X86_MMIO_GAP_END + ram_size - X86_MMIO_GAP_START : ram_size;
	unsigned int bits = e ? e->eax & 0xff : 36;	/* no leaf: the guest assumes 36 */

	if (bits >= 64 || top <= UINT64_C(1) << bits)
		return 0;
	log_err("vm", "--mem %" PRIu64 "M: guest RAM ends at 0x%" PRIx64 ", beyond the %u "
		"physical address bits the guest's CPUID gives; give fewer megabytes or a "
		"CPU model with more phys-bits", ram_size >> 20, top, bits);
	return -EINVAL;
}

int arch_vm_check(struct vm *vm, unsigned long *type)
{
	const struct x86_model *model = x86_config_model(vm->cfg);
	struct arch_vm *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return -ENOMEM;
	vm->arch = a;
	bus_init(&vm->port_bus, "port");
	vm->port_bus.floating = true;
	vm->pio = &vm->port_bus;
	*type = 0;
	ret = x86_refuse_unsupported(vm->cfg);
	if (!ret)
		ret = x86_host_probe(vm->kvm_fd, &a->host, &a->cpuid,
				     !model || x86_model_wants_amx(model));
	if (!ret && a->host.tsc_deadline)
		x86_cpuid_add_tsc_deadline(&a->cpuid);
	if (!ret)
		ret = x86_cpu_model_apply(model, &a->host, &a->cpuid);
	if (!ret)
		ret = x86_check_phys_bits(vm->cfg->ram_size, &a->cpuid);
	if (!ret && a->host.max_vcpus > 0 && vm->cfg->nr_cpus > (unsigned int)a->host.max_vcpus) {
		log_err("vm", "--cpus %u: this host's KVM runs at most %d vCPUs per VM",
			vm->cfg->nr_cpus, a->host.max_vcpus);
		ret = -EINVAL;
	}
	return ret;
}

int x86_vm_enable_exception_payload(int vm_fd)
{
	if (kvm_check_cap(vm_fd, KVM_CAP_EXCEPTION_PAYLOAD) <= 0) {
		log_debug("vm", "no KVM_CAP_EXCEPTION_PAYLOAD: a pending exception moves as "
			  "an injected one");
		return 0;
	}
	return kvm_enable_cap(vm_fd, KVM_CAP_EXCEPTION_PAYLOAD, 1);
}

int x86_vm_create_irqchip(int vm_fd)
{
	struct kvm_pit_config pit = { .flags = 0 };
	int ret = kvm_ioctl_val(vm_fd, KVM_CREATE_IRQCHIP, 0);

	return ret ? ret : kvm_ioctl(vm_fd, KVM_CREATE_PIT2, &pit);
}

/* The PICs, IOAPIC and PIT as KVM created them, for x86_vm_reset_platform(). */
static int x86_vm_save_platform(struct vm *vm)
{
	struct arch_vm *a = vm->arch;
	int ret = 0;

	for (unsigned int chip = 0; chip < ARRAY_SIZE(a->power_on_chips) && !ret; chip++) {
		a->power_on_chips[chip].chip_id = chip;	/* PIC master, slave, IOAPIC */
		ret = kvm_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &a->power_on_chips[chip]);
	}
	return ret ? ret : kvm_ioctl(vm->vm_fd, KVM_GET_PIT2, &a->power_on_pit);
}

/*
 * A reset puts the interrupt controllers and the PIT back too: KVM has no
 * reset for them, and a rebooted kernel must not find the last one's
 * interrupt routing and pending lines.
 */
int x86_vm_reset_platform(struct vm *vm)
{
	struct arch_vm *a = vm->arch;
	int ret = 0;

	for (unsigned int chip = 0; chip < ARRAY_SIZE(a->power_on_chips) && !ret; chip++)
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &a->power_on_chips[chip]);
	return ret ? ret : kvm_ioctl(vm->vm_fd, KVM_SET_PIT2, &a->power_on_pit);
}

/*
 * api.rst: KVM_SET_TSS_ADDR (three pages) and KVM_SET_IDENTITY_MAP_ADDR
 * are needed on Intel hosts and harmless elsewhere; the in-kernel PIC,
 * IOAPIC, local APICs and PIT must exist before any vCPU.
 */
int arch_vm_init(struct vm *vm)
{
	uint64_t identity = X86_IDENTITY_MAP_ADDR;
	int ret = kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, X86_TSS_ADDR);

	if (!ret && kvm_check_cap(vm->vm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0)
		ret = kvm_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);
	if (!ret)
		ret = x86_vm_create_irqchip(vm->vm_fd);
	if (!ret)
		ret = x86_vm_enable_exception_payload(vm->vm_fd);
	return ret ? ret : x86_vm_save_platform(vm);
}

/* RAM from 0 up to the MMIO gap, the rest from 4 GiB. */
int arch_vm_add_memory(struct vm *vm)
{
	uint64_t size = vm->cfg->ram_size;
	uint64_t low = size < X86_MMIO_GAP_START ? size : X86_MMIO_GAP_START;
	int ret;

	if (vm->cfg->mem_path)
		return guest_mem_add_file(&vm->mem, 0, size, vm->cfg->mem_path);
	ret = guest_mem_add(&vm->mem, 0, low, GUEST_MEM_ANON);
	if (!ret && size > low)
		ret = guest_mem_add(&vm->mem, X86_MMIO_GAP_END, size - low, GUEST_MEM_ANON);
	return ret;
}

/* Created with the VM (arch_vm_init): x86 wants it before the vCPUs. */
int arch_vm_irqchip_init(struct vm *vm)
{
	(void)vm;
	return 0;
}

int arch_vm_after_run(struct vm *vm)
{
	(void)vm;
	return 0;
}

/*
 * kvmclock: held at the pause's value, so a guest on kvm-clock sees no time
 * pass. The TSC itself runs on (a guest reading it directly sees the pause).
 */
void arch_vm_clock_freeze(struct vm *vm)
{
	struct arch_vm *a = vm->arch;

	a->clock_frozen = !kvm_ioctl(vm->vm_fd, KVM_GET_CLOCK, &a->frozen_clock);
}

void arch_vm_clock_thaw(struct vm *vm)
{
	struct arch_vm *a = vm->arch;
	struct kvm_clock_data data = { .clock = a->frozen_clock.clock };

	if (a->clock_frozen && kvm_ioctl(vm->vm_fd, KVM_SET_CLOCK, &data))
		log_warn("vm", "the guest's clock ran on during the pause");
	a->clock_frozen = false;
}

void arch_vm_destroy(struct vm *vm)
{
	struct arch_vm *a = vm->arch;

	if (!a)
		return;
	bus_free(&vm->port_bus);
	vm->pio = NULL;
	x86_cpuid_free(&a->cpuid);
	x86_msr_list_free(&a->msrs);
	free(a);
	vm->arch = NULL;
}
