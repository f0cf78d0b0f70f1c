// SPDX-License-Identifier: GPL-2.0-only
/* The arm64 device tree: read back with libfdt, every node a guest relies on. */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include <kvmini/device.h>
#include <kvmini/fdt-util.h>
#include <kvmini/uart8250.h>

#include "../../src/arch/arm64/fdt.h"
#include "../../src/arch/arm64/layout.h"
#include "../../src/test/testdev.h"

#include "tap.h"

static char buf[65536];

static uint64_t get_u64(const void *fdt, int node, const char *prop, int idx)
{
	int len;
	const fdt64_t *p = fdt_getprop(fdt, node, prop, &len);

	if (!p || len < (idx + 1) * 8)
		return ~0ULL;
	return fdt64_to_cpu(p[idx]);
}

static uint32_t get_u32(const void *fdt, int node, const char *prop)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

	return p && len == 4 ? fdt32_to_cpu(*p) : ~0U;
}

/* A device with an interrupt line, writing its node through the shared helpers. */
static int irqdev_fdt_node(struct device *dev, void *fdt)
{
	FDT_TRY(fdt_begin_node_at(fdt, "irqdev", dev->base));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, dev->size));
	FDT_TRY(fdt_prop_irq(fdt, &dev->irq));
	return fdt_end_node(fdt);
}

static const struct device_ops irqdev_ops = {
	.type = "irqdev", .fdt_node = irqdev_fdt_node,
};

int main(void)
{
	const uint64_t mpidrs[3] = { 0x80000000, 0x80000001, 0x80000100 };
	struct device *uart;
	struct testdev *td;
	struct device irqdev;
	char stdout_path[64];
	struct arm64_machine m = {
		.ram_base = ARM64_RAM_BASE, .ram_size = 512ULL << 20,
		.nr_cpus = 3, .mpidrs = mpidrs, .bootargs = "iterations=5 console=ttyS0",
		.initrd_start = 0x90000000, .initrd_size = 0x1000,
		.stdout_path = stdout_path,
		.gic_dist_base = ARM64_GIC_DIST_BASE, .gic_dist_size = ARM64_GIC_DIST_SIZE,
		.gic_redist_base = arm64_gic_redist_base(3),
		.gic_redist_size = 3 * ARM64_GIC_REDIST_SIZE,
	};
	const char *s, *path;
	int node, cpus, n, len;

	/* The machine's devices, as the arm64 machine file lists them. */
	if (uart8250_create(ARM64_UART_BASE, 1, &uart) || testdev_create(ARM64_TESTDEV_BASE, 3, &td))
		return 1;
	device_init(&irqdev, &irqdev_ops, 0x1030000, 0x200);
	irqdev.irq.dt_cells = 3;
	irqdev.irq.dt_spec[0] = 0;	/* GIC_SPI */
	irqdev.irq.dt_spec[1] = 5;
	irqdev.irq.dt_spec[2] = 4;	/* level high */
	uart->next = &td->dev;
	td->dev.next = &irqdev;
	m.devices = uart;
	uart8250_fdt_path(uart, stdout_path, sizeof(stdout_path));

	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == 0, "build");
	ok(fdt_check_full(buf, sizeof(buf)) == 0, "libfdt accepts the blob");

	node = fdt_path_offset(buf, "/chosen");
	s = fdt_getprop(buf, node, "bootargs", NULL);
	ok(s && !strcmp(s, "iterations=5 console=ttyS0"), "bootargs carried verbatim");
	ok(get_u64(buf, node, "linux,initrd-start", 0) == 0x90000000 &&
	   get_u64(buf, node, "linux,initrd-end", 0) == 0x90001000, "initrd range");
	path = fdt_getprop(buf, node, "stdout-path", NULL);
	n = path ? fdt_path_offset(buf, path) : -1;
	s = n >= 0 ? fdt_getprop(buf, n, "compatible", NULL) : NULL;
	ok(s && !strcmp(s, "ns16550a") && get_u64(buf, n, "reg", 0) == ARM64_UART_BASE,
	   "stdout-path names the 8250 at 0x1000000");

	node = fdt_path_offset(buf, "/memory@80000000");
	s = node >= 0 ? fdt_getprop(buf, node, "device_type", NULL) : NULL;
	ok(s && !strcmp(s, "memory") && get_u64(buf, node, "reg", 0) == ARM64_RAM_BASE &&
	   get_u64(buf, node, "reg", 1) == 512ULL << 20, "memory node");

	cpus = fdt_path_offset(buf, "/cpus");
	ok(get_u32(buf, cpus, "#address-cells") == 1 && get_u32(buf, cpus, "#size-cells") == 0,
	   "cpus: one address cell");
	n = 0;
	fdt_for_each_subnode(node, buf, cpus) {
		s = fdt_getprop(buf, node, "enable-method", NULL);
		ok(get_u32(buf, node, "reg") == (mpidrs[n] & 0xffffff) && s &&
		   !strcmp(s, "psci"), "cpu %d: reg is its MPIDR affinity, PSCI enable", n);
		n++;
	}
	ok(n == 3, "three cpu nodes (%d)", n);

	node = fdt_path_offset(buf, "/psci");
	s = fdt_getprop(buf, node, "method", NULL);
	ok(s && !strcmp(s, "hvc"), "PSCI over HVC");

	node = fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3");
	ok(node >= 0 && get_u64(buf, node, "reg", 0) == ARM64_GIC_DIST_BASE &&
	   get_u64(buf, node, "reg", 2) == ARM64_GIC_DIST_BASE - 3 * ARM64_GIC_REDIST_SIZE &&
	   get_u64(buf, node, "reg", 3) == 3 * ARM64_GIC_REDIST_SIZE &&
	   fdt_get_phandle(buf, node) == ARM64_FDT_GIC_PHANDLE,
	   "GICv3 distributor and redistributors");
	ok(get_u32(buf, 0, "interrupt-parent") == ARM64_FDT_GIC_PHANDLE,
	   "root interrupt-parent is the GIC");
	node = fdt_node_offset_by_compatible(buf, -1, "arm,armv8-timer");
	{
		/* <PPI 13>, <PPI 14>, <PPI 11>, <PPI 10>: INTIDs 29, 30, 27, 26, level high. */
		static const uint32_t want[12] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };
		const fdt32_t *irq = fdt_getprop(buf, node, "interrupts", &len);
		bool same = irq && len == sizeof(want);

		for (int i = 0; same && i < 12; i++)
			same = fdt32_to_cpu(irq[i]) == want[i];
		ok(node >= 0 && same, "timer: secure, non-secure, virtual and hyp PPIs "
		   "13, 14, 11, 10, level high");
	}
	node = fdt_node_offset_by_compatible(buf, -1, "kvmini,testdev");
	ok(node >= 0 && get_u64(buf, node, "reg", 0) == ARM64_TESTDEV_BASE, "test device");
	node = fdt_path_offset(buf, "/irqdev@1030000");
	{
		const fdt32_t *irq = fdt_getprop(buf, node, "interrupts", &len);

		ok(node >= 0 && irq && len == 12 && fdt32_to_cpu(irq[0]) == 0 &&
		   fdt32_to_cpu(irq[1]) == 5 && fdt32_to_cpu(irq[2]) == 4,
		   "a device's interrupt line: its specifier as the machine set it");
	}

	/* Without the test device (a --kernel guest), no node for it. */
	uart->next = NULL;
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == 0 &&
	   fdt_node_offset_by_compatible(buf, -1, "kvmini,testdev") == -FDT_ERR_NOTFOUND &&
	   fdt_node_offset_by_compatible(buf, -1, "ns16550a") >= 0,
	   "a device not in the list has no node");
	m.stdout_path = NULL;
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == 0 &&
	   !fdt_getprop(buf, fdt_path_offset(buf, "/chosen"), "stdout-path", NULL),
	   "no console: no stdout-path");
	irqdev.irq.dt_cells = 0;
	uart->next = &irqdev;
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == -EINVAL,
	   "a device with an interrupt the machine never numbered: refused");
	m.stdout_path = stdout_path;
	uart->next = &td->dev;
	td->dev.next = NULL;

	m.mpidrs = (const uint64_t[]){ 0x100000000ULL, 0x100000001ULL, 0x0 };
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == 0 &&
	   get_u32(buf, fdt_path_offset(buf, "/cpus"), "#address-cells") == 2 &&
	   get_u64(buf, fdt_path_offset(buf, "/cpus/cpu@100000001"), "reg", 0) ==
		   0x100000001ULL, "Aff3 in an MPIDR: two address cells");

	node = fdt_node_offset_by_compatible(buf, -1, "fixed-clock");
	ok(node >= 0 && fdt_get_phandle(buf, node) == ARM64_FDT_APB_CLOCK_PHANDLE &&
	   get_u32(buf, node, "#clock-cells") == 0 && get_u32(buf, node, "clock-frequency"),
	   "a fixed clock for PrimeCell devices (the PL031's apb_pclk)");
	ok(fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3-its") == -FDT_ERR_NOTFOUND &&
	   fdt_node_offset_by_compatible(buf, -1, "arm,armv8-pmuv3") == -FDT_ERR_NOTFOUND,
	   "no ITS and no PMU unless asked for");
	m.its_base = arm64_gic_its_base(3);
	m.pmu = true;
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == 0 && fdt_check_full(buf, sizeof(buf)) == 0,
	   "with an ITS and a PMU: builds, libfdt accepts it");
	node = fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3-its");
	ok(node >= 0 && fdt_parent_offset(buf, node) ==
		   fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3") &&
	   get_u64(buf, node, "reg", 0) == arm64_gic_its_base(3) &&
	   get_u64(buf, node, "reg", 1) == ARM64_GIC_ITS_SIZE &&
	   fdt_getprop(buf, node, "msi-controller", NULL) && get_u32(buf, node, "#msi-cells") == 1,
	   "ITS: an msi-controller child of the GIC at its frames");
	node = fdt_node_offset_by_compatible(buf, -1, "arm,armv8-pmuv3");
	{
		const fdt32_t *irq = fdt_getprop(buf, node, "interrupts", &len);

		ok(node >= 0 && irq && len == 12 && fdt32_to_cpu(irq[0]) == 1 &&
		   fdt32_to_cpu(irq[1]) == 7 && fdt32_to_cpu(irq[2]) == 4,
		   "PMU: PPI 7 (INTID 23), level high");
	}
	m.its_base = 0;
	m.pmu = false;

	ok(arm64_fdt_build(&m, buf, 256) == -ENOSPC, "too small a buffer: -ENOSPC");
	m.nr_cpus = 0;
	ok(arm64_fdt_build(&m, buf, sizeof(buf)) == -EINVAL, "no CPUs: -EINVAL");
	td->dev.ops->destroy(&td->dev);
	uart->ops->destroy(uart);
	return tap_done();
}
