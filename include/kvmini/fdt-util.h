/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers for writing device-tree nodes with libfdt's sequential-write
 * API, shared by the machine files and by devices' fdt_node hooks. The
 * tree's root has #address-cells = #size-cells = 2.
 */
#ifndef KVMINI_FDT_UTIL_H
#define KVMINI_FDT_UTIL_H

#include <libfdt.h>

#include <kvmini/irq.h>

/* libfdt's sequential-write calls, stopping at the first error. */
#define FDT_TRY(call) \
	do { \
		int __r = (call); \
		if (__r) \
			return __r; \
	} while (0)

/* Begin the node "<name>@<addr in hex>". */
int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr);
/* reg = <base size>, two cells each. */
int fdt_prop_reg(void *fdt, uint64_t base, uint64_t size);
/* interrupts = the line's specifier, as its machine file wrote it. */
int fdt_prop_irq(void *fdt, const struct irq_line *line);

#endif
