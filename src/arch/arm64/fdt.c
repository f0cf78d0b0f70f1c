// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device tree a Linux guest (and the test guest) finds in x0: memory,
 * CPUs with their MPIDRs, PSCI over HVC, GICv3, the architected timer, and
 * a node from each device the machine added. Node and property names
 * follow the kernel's DT bindings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <kvmini/device.h>
#include <kvmini/fdt-util.h>
#include <kvmini/log.h>

#include "fdt.h"
#include "layout.h"

/* GIC interrupt specifier: type, number, flags (DT binding arm,gic-v3). */
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4
/*
 * Architected timer interrupts as INTIDs: secure physical, non-secure
 * physical, virtual, hypervisor (the binding's order). The specifier
 * holds the PPI index, INTID - 16.
 */
static const uint32_t timer_intids[] = { 29, 30, 27, 26 };

#define MPIDR_AFF_MASK 0xff00ffffffULL

static int fdt_add_chosen(void *fdt, const struct arm64_machine *m)
{
	FDT_TRY(fdt_begin_node(fdt, "chosen"));
	FDT_TRY(fdt_property_string(fdt, "bootargs", m->bootargs ? m->bootargs : ""));
	if (m->stdout_path)
		FDT_TRY(fdt_property_string(fdt, "stdout-path", m->stdout_path));
	if (m->initrd_size) {
		FDT_TRY(fdt_property_u64(fdt, "linux,initrd-start", m->initrd_start));
		FDT_TRY(fdt_property_u64(fdt, "linux,initrd-end",
					 m->initrd_start + m->initrd_size));
	}
	return fdt_end_node(fdt);
}

static int fdt_add_cpus(void *fdt, const struct arm64_machine *m)
{
	bool aff3 = false;

	for (unsigned int i = 0; i < m->nr_cpus; i++)
		aff3 |= (m->mpidrs[i] & MPIDR_AFF_MASK) >> 32;
	FDT_TRY(fdt_begin_node(fdt, "cpus"));
	/* One cell holds Aff2..Aff0; Aff3 needs a second one. */
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", aff3 ? 2 : 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		uint64_t mpidr = m->mpidrs[i] & MPIDR_AFF_MASK;

		FDT_TRY(fdt_begin_node_at(fdt, "cpu", mpidr));
		FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		FDT_TRY(fdt_property_string(fdt, "enable-method", "psci"));
		if (aff3)
			FDT_TRY(fdt_property_u64(fdt, "reg", mpidr));
		else
			FDT_TRY(fdt_property_u32(fdt, "reg", (uint32_t)mpidr));
		FDT_TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int fdt_add_gic_and_timer(void *fdt, const struct arm64_machine *m)
{
	fdt64_t gic_reg[4] = {
		cpu_to_fdt64(m->gic_dist_base), cpu_to_fdt64(m->gic_dist_size),
		cpu_to_fdt64(m->gic_redist_base), cpu_to_fdt64(m->gic_redist_size),
	};
	fdt32_t irqs[3 * ARRAY_SIZE(timer_intids)];

	FDT_TRY(fdt_begin_node_at(fdt, "intc", m->gic_dist_base));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_TRY(fdt_property(fdt, "reg", gic_reg, sizeof(gic_reg)));
	FDT_TRY(fdt_property_u32(fdt, "phandle", ARM64_FDT_GIC_PHANDLE));
	if (m->its_base) {
		/* The ITS is a child of the GIC: same address space, mapped 1:1. */
		FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
		FDT_TRY(fdt_property_u32(fdt, "#size-cells", 2));
		FDT_TRY(fdt_property(fdt, "ranges", NULL, 0));
		FDT_TRY(fdt_begin_node_at(fdt, "msi-controller", m->its_base));
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		FDT_TRY(fdt_property(fdt, "msi-controller", NULL, 0));
		FDT_TRY(fdt_property_u32(fdt, "#msi-cells", 1));
		FDT_TRY(fdt_prop_reg(fdt, m->its_base, ARM64_GIC_ITS_SIZE));
		FDT_TRY(fdt_end_node(fdt));
	}
	FDT_TRY(fdt_end_node(fdt));

	for (size_t i = 0; i < ARRAY_SIZE(timer_intids); i++) {
		irqs[3 * i] = cpu_to_fdt32(GIC_PPI);
		irqs[3 * i + 1] = cpu_to_fdt32(timer_intids[i] - 16);
		irqs[3 * i + 2] = cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH);
	}
	FDT_TRY(fdt_begin_node(fdt, "timer"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT_TRY(fdt_property(fdt, "interrupts", irqs, sizeof(irqs)));
	FDT_TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

/* --pmu: the architected PMU, its overflow interrupt a level-high PPI. */
static int fdt_add_pmu(void *fdt)
{
	fdt32_t irq[3] = {
		cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(ARM64_PMU_INTID - 16),
		cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH),
	};

	FDT_TRY(fdt_begin_node(fdt, "pmu"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	FDT_TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	return fdt_end_node(fdt);
}

/*
 * A fixed 24 MHz clock: the kernel's AMBA bus enables a PrimeCell's
 * "apb_pclk" before probing it, so the PL031 needs one to exist.
 */
static int fdt_add_apb_clock(void *fdt)
{
	FDT_TRY(fdt_begin_node(fdt, "apb-pclk"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	FDT_TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	FDT_TRY(fdt_property_u32(fdt, "clock-frequency", 24000000));
	FDT_TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	FDT_TRY(fdt_property_u32(fdt, "phandle", ARM64_FDT_APB_CLOCK_PHANDLE));
	return fdt_end_node(fdt);
}

static int fdt_add_psci(void *fdt)
{
	static const char psci_compat[] = "arm,psci-0.2";

	FDT_TRY(fdt_begin_node(fdt, "psci"));
	FDT_TRY(fdt_property(fdt, "compatible", psci_compat, sizeof(psci_compat)));
	FDT_TRY(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

static int fdt_build(const struct arm64_machine *m, void *fdt, size_t size)
{
	FDT_TRY(fdt_create(fdt, (int)size));
	FDT_TRY(fdt_finish_reservemap(fdt));
	FDT_TRY(fdt_begin_node(fdt, ""));
	FDT_TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	FDT_TRY(fdt_property_string(fdt, "model", "kvmini"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "interrupt-parent", ARM64_FDT_GIC_PHANDLE));
	FDT_TRY(fdt_add_chosen(fdt, m));
	FDT_TRY(fdt_begin_node_at(fdt, "memory", m->ram_base));
	FDT_TRY(fdt_property_string(fdt, "device_type", "memory"));
	FDT_TRY(fdt_prop_reg(fdt, m->ram_base, m->ram_size));
	FDT_TRY(fdt_end_node(fdt));
	FDT_TRY(fdt_add_cpus(fdt, m));
	FDT_TRY(fdt_add_gic_and_timer(fdt, m));
	FDT_TRY(fdt_add_psci(fdt));
	FDT_TRY(fdt_add_apb_clock(fdt));
	if (m->pmu)
		FDT_TRY(fdt_add_pmu(fdt));
	FDT_TRY(devices_fdt_nodes(m->devices, fdt));
	FDT_TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int arm64_fdt_build(const struct arm64_machine *m, void *buf, size_t size)
{
	int ret;

	if (!m->nr_cpus || !m->mpidrs || !m->ram_size || size > INT32_MAX)
		return -EINVAL;
	ret = fdt_build(m, buf, size);
	if (ret == -FDT_ERR_NOSPACE) {
		log_err("fdt", "the device tree does not fit in %zu bytes (is the "
			"command line too long?)", size);
		return -ENOSPC;
	}
	if (ret) {
		log_err("fdt", "building the device tree failed: %s", fdt_strerror(ret));
		return -EINVAL;
	}
	log_debug("fdt", "device tree: %d bytes", fdt_totalsize(buf));
	return 0;
}
