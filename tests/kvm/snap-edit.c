// SPDX-License-Identifier: GPL-2.0-only
/*
 * snap-edit IN OUT REG_ID VALUE: a copy of the arm64 snapshot IN with one
 * 64-bit register of vCPU 0 set to VALUE, every checksum made right again.
 * snap-edit IN OUT cpuid:LEAF MASK: a copy of the x86_64 snapshot IN with
 * EBX of CPUID leaf LEAF (index 0) XORed with MASK.
 * For tests that need a well-formed snapshot this host must refuse on its
 * merits (an ID register above the host's limit, a CPUID feature it lacks,
 * as if taken on a more capable host) rather than for damage. Test
 * tooling, not part of kvmini.
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
/* The x86_64 machine section's type and layout (src/arch/x86_64/snapshot.c). */
#define X86_SEC_MACHINE SNAP_SEC_ARCH
#define X86_CPUID_ENTRY_SIZE 40		/* struct kvm_cpuid_entry2 */

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

/*
 * The machine section: u32 vCPUs, TSC kHz, XSAVE size, MSR count, the MSR
 * indexes, u32 leaf count, then each leaf as u32 size and the entry
 * (function, index, flags, eax, ebx, ...).
 */
static int xor_cpuid_ebx(uint8_t *data, uint64_t len, uint32_t leaf, uint32_t mask)
{
	struct state_buf s;
	uint32_t n;

	state_init_read(&s, data, len);
	state_get_u32(&s);
	state_get_u32(&s);
	state_get_u32(&s);
	n = state_get_u32(&s);
	for (uint32_t i = 0; i < n && !s.err; i++)
		state_get_u32(&s);
	n = state_get_u32(&s);
	for (uint32_t i = 0; i < n && !s.err; i++) {
		uint8_t e[X86_CPUID_ENTRY_SIZE];
		size_t at;

		if (state_get_u32(&s) != sizeof(e))
			break;
		at = s.pos;
		state_get_bytes(&s, e, sizeof(e));
		if (!s.err && e[0] == (leaf & 0xff) && e[1] == ((leaf >> 8) & 0xff) &&
		    e[2] == ((leaf >> 16) & 0xff) && e[3] == (leaf >> 24) &&
		    !(e[4] | e[5] | e[6] | e[7])) {
			for (int b = 0; b < 4; b++)
				data[at + 16 + b] ^= (uint8_t)(mask >> (8 * b));
			return 0;
		}
	}
	return -ENOENT;
}

int main(int argc, char **argv)
{
	struct snapfile in;
	struct snapfile_writer out;
	uint64_t reg = 0, value;
	uint32_t leaf = 0;
	bool x86;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: snap-edit IN OUT REG_ID VALUE\n"
			"       snap-edit IN OUT cpuid:LEAF EBX_XOR_MASK\n");
		return 2;
	}
	x86 = !strncmp(argv[3], "cpuid:", 6);
	if (x86)
		leaf = (uint32_t)strtoul(argv[3] + 6, NULL, 0);
	else
		reg = strtoull(argv[3], NULL, 0);
	value = strtoull(argv[4], NULL, 0);
	if (snapfile_open(&in, argv[1], x86 ? SNAPFILE_ARCH_X86_64 : SNAPFILE_ARCH_ARM64))
		return 1;
	ret = snapfile_create(&out, argv[2], in.arch, true);
	/* Every section copied in the table's order, the edited one changed. */
	for (unsigned int i = 0; i < in.nr && !ret; i++) {
		const struct snapfile_section *sec = &in.secs[i];
		void *data = NULL;

		if (sec->type & SNAPFILE_CHUNK_TABLE)
			continue;	/* the writer makes each anew */
		ret = snapfile_read(&in, sec, sec->length, &data);
		if (!ret && x86 && sec->type == X86_SEC_MACHINE) {
			ret = xor_cpuid_ebx(data, sec->length, leaf, (uint32_t)value);
			if (ret)
				fprintf(stderr, "snap-edit: CPUID leaf 0x%" PRIx32 " not in the "
					"machine section\n", leaf);
		}
		if (!ret && !x86 && sec->type == ARM64_SEC_VCPU && sec->index == 0) {
			ret = set_reg(data, sec->length, reg, value);
			if (ret)
				fprintf(stderr, "snap-edit: register 0x%" PRIx64 " not in vCPU 0's section\n",
					reg);
		}
		if (!ret)
			ret = snapfile_add(&out, sec->type, sec->index, sec->flags, data, sec->length);
		free(data);
	}
	if (!ret)
		ret = snapfile_commit(&out);
	snapfile_writer_free(&out);
	snapfile_close(&in);
	return ret ? 1 : 0;
}
