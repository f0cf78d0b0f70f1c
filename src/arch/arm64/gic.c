// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel GICv3 (Documentation/virt/kvm/devices/arm-vgic-v3.rst), its
 * optional ITS (arm-vgic-its.rst), and the PMUv3 overflow interrupt wired to
 * it (devices/vcpu.rst).
 */
#include <errno.h>
#include <string.h>

#include <kvmini/irq.h>
#include <kvmini/log.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "config.h"
#include "layout.h"

static int gic_set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)val,
	};

	return kvm_ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

/* GIC interrupt specifier cells (DT binding arm,gic-v3). */
#define GIC_SPI 0
#define IRQ_TYPE_LEVEL_HIGH 4

void arm64_irq_line_spi(struct vm *vm, struct irq_line *line, unsigned int spi)
{
	_Static_assert(ARM64_GIC_NR_IRQS >= 64 && ARM64_GIC_NR_IRQS % 32 == 0,
		       "the GIC has 32 interrupts a line, at least 64 in all");
	line->vm_fd = vm->vm_fd;
	/* api.rst, KVM_IRQ_LINE on arm64: type SPI, then the INTID. */
	line->kvm_irq = (uint32_t)KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (32 + spi);
	/* irqfd GSIs map to SPIs through KVM's default routing: pin + 32. */
	line->gsi = spi;
	line->dt_spec[0] = GIC_SPI;
	line->dt_spec[1] = spi;
	line->dt_spec[2] = IRQ_TYPE_LEVEL_HIGH;
	line->dt_cells = 3;
}

int arm64_gic_create(struct vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = ARM64_GIC_DIST_BASE;
	uint64_t redist = arm64_gic_redist_base(vm->nr_vcpus);
	int ret;

	ret = kvm_ioctl_quiet(vm->vm_fd, KVM_CREATE_DEVICE, &cd);
	if (ret) {
		log_err("gic", "this host's KVM cannot create a GICv3 for the guest "
			"(KVM_CREATE_DEVICE: %s); kvmini needs a GICv3-capable host",
			strerror(-ret));
		return ret;
	}
	vm->arch->gic_fd = (int)cd.fd;
	ret = gic_set_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			   KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!ret)
		ret = gic_set_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				   KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	return ret;
}

/* --irqchip gicv3-its: the ITS frames below the redistributors. */
static int arm64_its_create(struct vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	uint64_t base = arm64_gic_its_base(vm->nr_vcpus);
	int ret;

	ret = kvm_ioctl_quiet(vm->vm_fd, KVM_CREATE_DEVICE, &cd);
	if (ret) {
		log_err("gic", "--irqchip gicv3-its: this host's KVM cannot create an ITS "
			"(KVM_CREATE_DEVICE: %s); use --irqchip gicv3", strerror(-ret));
		return ret;
	}
	vm->arch->its_fd = (int)cd.fd;
	return gic_set_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &base);
}

/* Each vCPU's PMU overflow interrupt: after the GIC exists, before it is initialized. */
static int arm64_pmu_set_irq(struct vm *vm)
{
	const int intid = ARM64_PMU_INTID;
	int ret = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = gic_set_attr(vm->vcpus[i]->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
				   KVM_ARM_VCPU_PMU_V3_IRQ, &intid);
	return ret;
}

/* Each vCPU's PMU: only once the GIC is initialized (else ENODEV). */
static int arm64_pmu_init(struct vm *vm)
{
	int ret = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = gic_set_attr(vm->vcpus[i]->fd, KVM_ARM_VCPU_PMU_V3_CTRL,
				   KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	return ret;
}

int arm64_gic_init(struct vm *vm)
{
	const struct arch_vm *a = vm->arch;
	uint32_t nr_irqs = ARM64_GIC_NR_IRQS;
	int ret = 0;

	if (arm64_config_get(vm->cfg)->irqchip == ARM64_IRQCHIP_GICV3_ITS)
		ret = arm64_its_create(vm);
	if (!ret && a->shape.pmu)
		ret = arm64_pmu_set_irq(vm);
	if (!ret)
		ret = gic_set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	/* Must come after every vCPU exists. */
	if (!ret)
		ret = gic_set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (!ret && a->its_fd >= 0)
		ret = gic_set_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (!ret && a->shape.pmu)
		ret = arm64_pmu_init(vm);
	return ret;
}
