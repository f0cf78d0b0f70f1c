// SPDX-License-Identifier: GPL-2.0-only
/*
 * snap-edit IN OUT REG_ID VALUE: a copy of the arm64 snapshot IN with one
 * 64-bit register of vCPU 0 set to VALUE, every checksum made right again.
 * snap-edit IN OUT x86-EDIT VALUE: a copy of the x86_64 snapshot IN with one
 * field changed (usage() lists them): a CPUID leaf's EBX XORed, a leaf
 * replaced by another or renumbered, an MSR index, the TSC rate, an interrupt
 * controller's id, the size in front of one of vCPU 0's pieces.
 * For tests that need a well-formed snapshot this host must refuse on its
 * merits (an ID register above the host's limit, a CPUID feature it lacks,
 * as if taken on a more capable host or another kernel) rather than for
 * damage: the checksums are made right again. Test tooling, not part of
 * kvmini.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>

/* The arm64 vCPU section's type (src/arch/arm64/snapshot.c). */
#define ARM64_SEC_VCPU (SNAP_SEC_ARCH + 1)
/* The x86_64 sections' types and layout (src/arch/x86_64/snapshot.c). */
#define X86_SEC_MACHINE SNAP_SEC_ARCH
#define X86_SEC_VCPU (SNAP_SEC_ARCH + 1)
#define X86_SEC_PLATFORM (SNAP_SEC_ARCH + 2)
#define X86_CPUID_ENTRY_SIZE 40		/* struct kvm_cpuid_entry2 */
#define X86_VCPU_PIECES 8		/* each behind its u32 size, then the MSR values */

/* Find reg in a vCPU section (u32 count, then id and value per register); set it. */
static int set_reg(uint8_t *data, uint64_t len, uint64_t reg, uint64_t value)
{
	struct state_buf s;
	uint32_t n;

	state_init_read(&s, data, len);
	n = state_get_u32(&s);
	for (uint32_t i = 0; i < n && !s.err; i++) {
		uint64_t id = state_get_u64(&s);
		size_t size = (size_t)1 << ((id >> 52) & 0xf);

		if (id == reg && size == 8 && s.len - s.pos >= 8) {
			for (int b = 0; b < 8; b++)
				data[s.pos + b] = (uint8_t)(value >> (8 * b));
			return 0;
		}
		if (size > s.len - s.pos)
			break;
		s.pos += size;
	}
	return -ENOENT;
}

/* Little-endian 32-bit words in a section's bytes. */
static void put_le32(uint8_t *p, uint32_t v)
{
	for (int b = 0; b < 4; b++)
		p[b] = (uint8_t)(v >> (8 * b));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * The machine section: u32 vCPUs, TSC kHz, XSAVE size, MSR count, the MSR
 * indexes, u32 leaf count, then each leaf as u32 size and the entry
 * (function, index, flags, eax, ebx, ...). Where the leaves start.
 */
static size_t x86_leaves_at(const uint8_t *data, uint64_t len)
{
	size_t at = 16 + 4 * (size_t)(len >= 16 ? get_le32(data + 12) : 0);

	return at + 4 <= len ? at : 0;
}

/* The offset of leaf's (index 0) entry, 0 if there is none. */
static size_t x86_find_leaf(const uint8_t *data, uint64_t len, uint32_t leaf)
{
	size_t at = x86_leaves_at(data, len);
	uint32_t n = at ? get_le32(data + at) : 0;

	at += 4;
	for (uint32_t i = 0; i < n && at + 4 + X86_CPUID_ENTRY_SIZE <= len; i++) {
		if (get_le32(data + at) != X86_CPUID_ENTRY_SIZE)
			break;
		at += 4;
		if (get_le32(data + at) == leaf && get_le32(data + at + 4) == 0)
			return at;
		at += X86_CPUID_ENTRY_SIZE;
	}
	return 0;
}

/* The x86_64 edits: where each applies and what it changes. */
enum x86_edit {
	X86_CPUID_EBX,		/* cpuid:LEAF MASK: EBX ^= MASK */
	X86_CPUID_COPY,		/* cpuid-copy:LEAF FROM: LEAF's entry = leaf FROM's */
	X86_CPUID_FUNCTION,	/* cpuid-function:LEAF NEW: LEAF saved as leaf NEW */
	X86_MSR,		/* msr:N INDEX: the Nth MSR index */
	X86_TSC_KHZ,		/* tsc-khz: KHZ */
	X86_IRQCHIP_ID,		/* irqchip:N ID: the Nth kvm_irqchip's chip_id */
	X86_PIECE_SIZE,		/* piece:N SIZE: vCPU 0's Nth piece's size */
};

static const struct {
	const char *prefix;
	enum x86_edit edit;
	uint32_t section;	/* type; vCPU 0 for the vCPU section */
} x86_edits[] = {
	{ "cpuid:", X86_CPUID_EBX, X86_SEC_MACHINE },
	{ "cpuid-copy:", X86_CPUID_COPY, X86_SEC_MACHINE },
	{ "cpuid-function:", X86_CPUID_FUNCTION, X86_SEC_MACHINE },
	{ "msr:", X86_MSR, X86_SEC_MACHINE },
	{ "tsc-khz:", X86_TSC_KHZ, X86_SEC_MACHINE },
	{ "irqchip:", X86_IRQCHIP_ID, X86_SEC_PLATFORM },
	{ "piece:", X86_PIECE_SIZE, X86_SEC_VCPU },
};

static int x86_apply(enum x86_edit edit, uint8_t *data, uint64_t len, uint32_t arg,
		     uint32_t value)
{
	size_t at, from;

	switch (edit) {
	case X86_CPUID_EBX:
		at = x86_find_leaf(data, len, arg);
		if (!at)
			return -ENOENT;
		put_le32(data + at + 16, get_le32(data + at + 16) ^ value);
		return 0;
	case X86_CPUID_COPY:
		at = x86_find_leaf(data, len, arg);
		from = x86_find_leaf(data, len, value);
		if (!at || !from)
			return -ENOENT;
		memmove(data + at, data + from, X86_CPUID_ENTRY_SIZE);
		return 0;
	case X86_CPUID_FUNCTION:
		at = x86_find_leaf(data, len, arg);
		if (!at)
			return -ENOENT;
		put_le32(data + at, value);
		return 0;
	case X86_MSR:
		if (len < 16 || arg >= get_le32(data + 12) || 16 + 4 * (uint64_t)arg + 4 > len)
			return -ENOENT;
		put_le32(data + 16 + 4 * arg, value);
		return 0;
	case X86_TSC_KHZ:
		if (len < 8)
			return -ENOENT;
		put_le32(data + 4, value);
		return 0;
	case X86_IRQCHIP_ID:
		/* Each chip is a u32 size, then struct kvm_irqchip (chip_id first). */
		at = 0;
		for (uint32_t i = 0; i < arg && at + 4 <= len; i++)
			at += 4 + get_le32(data + at);
		if (at + 8 > len)
			return -ENOENT;
		put_le32(data + at + 4, value);
		return 0;
	case X86_PIECE_SIZE:
		/* regs, sregs, xcrs, lapic, mp_state, events, debugregs, XSAVE; then MSRs. */
		if (arg >= X86_VCPU_PIECES)
			return -ENOENT;
		at = 0;
		for (uint32_t i = 0; i < arg && at + 4 <= len; i++)
			at += 4 + get_le32(data + at);
		if (at + 4 > len)
			return -ENOENT;
		put_le32(data + at, value);
		return 0;
	}
	return -EINVAL;
}

static void usage(void)
{
	fprintf(stderr, "usage: snap-edit IN OUT REG_ID VALUE          (arm64)\n"
		"       snap-edit IN OUT cpuid:LEAF EBX_XOR_MASK  (x86_64, and the rest)\n"
		"       snap-edit IN OUT cpuid-copy:LEAF FROM_LEAF\n"
		"       snap-edit IN OUT cpuid-function:LEAF NEW_LEAF\n"
		"       snap-edit IN OUT msr:N INDEX\n"
		"       snap-edit IN OUT tsc-khz: KHZ\n"
		"       snap-edit IN OUT irqchip:N CHIP_ID\n"
		"       snap-edit IN OUT piece:N SIZE             (vCPU 0's Nth piece)\n");
}

int main(int argc, char **argv)
{
	struct snapfile in;
	struct snapfile_writer out;
	uint64_t reg = 0, value;
	uint32_t arg = 0;
	int x86 = -1;		/* the x86_edits entry, or -1: arm64 */
	bool edited = false;
	int ret;

	if (argc != 5) {
		usage();
		return 2;
	}
	for (size_t i = 0; i < sizeof(x86_edits) / sizeof(x86_edits[0]); i++) {
		size_t n = strlen(x86_edits[i].prefix);

		if (!strncmp(argv[3], x86_edits[i].prefix, n)) {
			x86 = (int)i;
			arg = (uint32_t)strtoul(argv[3] + n, NULL, 0);
		}
	}
	if (x86 < 0 && strchr(argv[3], ':')) {
		usage();
		return 2;
	}
	if (x86 < 0)
		reg = strtoull(argv[3], NULL, 0);
	value = strtoull(argv[4], NULL, 0);
	if (x86 >= 0 && value > UINT32_MAX) {
		fprintf(stderr, "snap-edit: %s: every x86 field is 32 bits\n", argv[4]);
		return 2;
	}
	if (snapfile_open(&in, argv[1], x86 >= 0 ? SNAPFILE_ARCH_X86_64 : SNAPFILE_ARCH_ARM64))
		return 1;
	ret = snapfile_create(&out, argv[2], in.arch, true);
	/* Every section copied in the table's order, the edited one changed. */
	for (unsigned int i = 0; i < in.nr && !ret; i++) {
		const struct snapfile_section *sec = &in.secs[i];
		void *data = NULL;

		if (sec->type & SNAPFILE_CHUNK_TABLE)
			continue;	/* the writer makes each anew */
		ret = snapfile_read(&in, sec, sec->length, &data);
		if (!ret && x86 >= 0 && sec->type == x86_edits[x86].section && sec->index == 0) {
			ret = x86_apply(x86_edits[x86].edit, data, sec->length, arg,
					(uint32_t)value);
			if (ret)
				fprintf(stderr, "snap-edit: %s: nothing there to edit\n", argv[3]);
			edited = !ret;
		}
		if (!ret && x86 < 0 && sec->type == ARM64_SEC_VCPU && sec->index == 0) {
			ret = set_reg(data, sec->length, reg, value);
			if (ret)
				fprintf(stderr, "snap-edit: register 0x%" PRIx64 " not in vCPU 0's section\n",
					reg);
			edited = !ret;
		}
		if (!ret)
			ret = snapfile_add(&out, sec->type, sec->index, sec->flags, data, sec->length);
		free(data);
	}
	if (!ret && !edited) {
		fprintf(stderr, "snap-edit: %s has no section for %s\n", argv[1], argv[3]);
		ret = -ENOENT;
	}
	if (!ret)
		ret = snapfile_commit(&out);
	snapfile_writer_free(&out);
	snapfile_close(&in);
	return ret ? 1 : 0;
}
