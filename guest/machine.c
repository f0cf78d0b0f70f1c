// SPDX-License-Identifier: GPL-2.0-only
/*
 * One pass over the device tree's structure block, picking out
 * /chosen/bootargs, the /cpus/cpu@* nodes' reg and the GICv3 node's reg.
 *
 * A node's properties precede its children in the structure block, so by
 * the time a node ends, its parent's #address-cells/#size-cells are known;
 * its own properties (reg, compatible) may come in any order, so each node
 * is judged only at its END_NODE.
 */
#include <stddef.h>
#include "lib/fdt.h"
#include "lib/platform.h"
#include "lib/string.h"
#include "machine.h"

#define MAX_DEPTH		16

enum node_kind {
	NODE_OTHER,
	NODE_CHOSEN,
	NODE_CPUS,
	NODE_CPU,
};

struct node {
	enum node_kind kind;
	uint32_t addr_cells;		/* for this node's children */
	uint32_t size_cells;
	bool gic_v3;
	const uint8_t *reg;
	uint32_t reg_len;
};

extern char __image_start[], __image_end[];

static enum node_kind classify(const char *name, int depth,
			       const struct node *parent)
{
	if (depth == 1 && !strcmp(name, "chosen"))
		return NODE_CHOSEN;
	if (depth == 1 && !strcmp(name, "cpus"))
		return NODE_CPUS;
	if (depth == 2 && parent->kind == NODE_CPUS &&
	    !strncmp(name, "cpu@", 4))
		return NODE_CPU;
	return NODE_OTHER;
}

/* Is @want one of the strings in the stringlist @list? */
static bool stringlist_has(const uint8_t *list, uint32_t len, const char *want)
{
	size_t want_len = strlen(want) + 1;
	uint32_t pos = 0;

	while (pos < len) {
		uint32_t end = pos;

		while (end < len && list[end])
			end++;
		if (end == len)
			return false;	/* unterminated: ignore the rest */
		if (end + 1 - pos == want_len &&
		    !memcmp(list + pos, want, want_len))
			return true;
		pos = end + 1;
	}
	return false;
}

static const char *take_property(struct machine *m, struct node *node,
				 const struct fdt_token *tok)
{
	if (!strcmp(tok->name, "#address-cells") ||
	    !strcmp(tok->name, "#size-cells")) {
		if (tok->len != 4)
			return "#address-cells/#size-cells is not one cell";
		if (tok->name[1] == 'a')
			node->addr_cells = fdt_be32(tok->value);
		else
			node->size_cells = fdt_be32(tok->value);
	} else if (!strcmp(tok->name, "reg")) {
		node->reg = tok->value;
		node->reg_len = tok->len;
	} else if (!strcmp(tok->name, "compatible")) {
		node->gic_v3 |= stringlist_has(tok->value, tok->len,
					       "arm,gic-v3");
	} else if (node->kind == NODE_CHOSEN &&
		   !strcmp(tok->name, "bootargs")) {
		if (!tok->len || tok->value[tok->len - 1])
			return "/chosen/bootargs is not a string";
		m->bootargs = (const char *)tok->value;
	}
	return NULL;
}

static const char *finish_cpu(struct machine *m, const struct node *node,
			      const struct node *parent)
{
	uint32_t cells = parent->addr_cells;

	if (cells != 1 && cells != 2)
		return "/cpus #address-cells is neither 1 nor 2";
	if (!node->reg || node->reg_len != 4 * cells)
		return "a /cpus/cpu@* node has no reg of one address";
	if (m->ncpus == MAX_CPUS)
		return "more than 64 cpu nodes";
	m->cpu_mpidr[m->ncpus++] = fdt_read_cells(node->reg, cells);
	return NULL;
}

static const char *finish_gic(struct machine *m, const struct node *node,
			      const struct node *parent)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	uint32_t entry = 4 * (ac + sc);
	const uint8_t *reg = node->reg;

	if (m->has_gic)
		return NULL;	/* keep the first one */
	if ((ac != 1 && ac != 2) || (sc != 1 && sc != 2))
		return "the GICv3 node's parent has unsupported cell sizes";
	if (!reg || node->reg_len < 2 * entry)
		return "the GICv3 node's reg lacks GICD and GICR regions";
	m->gicd_base = fdt_read_cells(reg, ac);
	m->gicd_size = fdt_read_cells(reg + 4 * ac, sc);
	m->gicr_base = fdt_read_cells(reg + entry, ac);
	m->gicr_size = fdt_read_cells(reg + entry + 4 * ac, sc);
	m->has_gic = true;
	return NULL;
}

static bool overlaps_image(uint64_t start, uint64_t size)
{
	return start < (uintptr_t)__image_end &&
	       start + size > (uintptr_t)__image_start;
}

const char *machine_from_dtb(struct machine *m, uintptr_t dtb)
{
	struct node stack[MAX_DEPTH];
	struct fdt_token tok;
	struct fdt fdt;
	uint32_t cursor = 0;
	int depth = -1;
	const char *err;

	memset(m, 0, sizeof(*m));
	m->dtb = dtb;
	m->bootargs = "";

	/* Check where it is before reading it: below RAM is MMIO. */
	if (dtb < RAM_BASE)
		return "device tree address is not in RAM";
	if (overlaps_image(dtb, FDT_HEADER_SIZE))
		return "device tree overlaps the guest image";
	err = fdt_open(&fdt, dtb);
	if (err)
		return err;
	if (overlaps_image(dtb, fdt.size))
		return "device tree overlaps the guest image";
	m->dtb_size = fdt.size;

	for (;;) {
		struct node *node;

		err = fdt_next(&fdt, &cursor, &tok);
		if (err)
			return err;

		switch (tok.kind) {
		case FDT_TOKEN_BEGIN_NODE:
			if (++depth == MAX_DEPTH)
				return "nodes nested too deeply";
			node = &stack[depth];
			/* The spec's defaults for absent #*-cells. */
			*node = (struct node) {
				.addr_cells = 2,
				.size_cells = 1,
				.kind = NODE_OTHER,
			};
			if (depth)
				node->kind = classify(tok.name, depth,
						      &stack[depth - 1]);
			break;
		case FDT_TOKEN_PROP:
			if (depth < 0)
				return "property outside any node";
			err = take_property(m, &stack[depth], &tok);
			if (err)
				return err;
			break;
		case FDT_TOKEN_END_NODE:
			if (depth < 0)
				return "unbalanced END_NODE";
			node = &stack[depth];
			if (node->kind == NODE_CPU)
				err = finish_cpu(m, node, &stack[depth - 1]);
			else if (node->gic_v3 && depth > 0)
				err = finish_gic(m, node, &stack[depth - 1]);
			if (err)
				return err;
			depth--;
			break;
		case FDT_TOKEN_END:
			if (depth != -1)
				return "FDT_END inside a node";
			if (!m->ncpus)
				return "no /cpus/cpu@* nodes";
			return NULL;
		}
	}
}
