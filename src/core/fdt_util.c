// SPDX-License-Identifier: GPL-2.0-only
/* Device-tree node helpers shared by machine files and devices. */
#include <stdio.h>

#include <kvmini/fdt-util.h>

int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char node[64];

	snprintf(node, sizeof(node), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, node);
}

int fdt_prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

int fdt_prop_irq(void *fdt, const struct irq_line *line)
{
	fdt32_t spec[IRQ_DT_MAX_CELLS];

	if (!line->dt_cells || line->dt_cells > IRQ_DT_MAX_CELLS)
		return -FDT_ERR_BADVALUE;
	for (unsigned int i = 0; i < line->dt_cells; i++)
		spec[i] = cpu_to_fdt32(line->dt_spec[i]);
	return fdt_property(fdt, "interrupts", spec, line->dt_cells * sizeof(spec[0]));
}
