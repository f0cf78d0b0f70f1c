// SPDX-License-Identifier: GPL-2.0-only
/*
 * snap-edit IN OUT REG_ID VALUE: a copy of the arm64 snapshot IN with one
 * 64-bit register of vCPU 0 set to VALUE, every checksum made right again.
 * For tests that need a well-formed snapshot this host must refuse on its
 * merits (an ID register above the host's limit, as if taken on a more
 * capable host) rather than for damage. Test tooling, not part of kvmini.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>

/* The arm64 vCPU section's type (src/arch/arm64/snapshot.c). */
#define ARM64_SEC_VCPU (SNAP_SEC_ARCH + 1)

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

int main(int argc, char **argv)
{
	struct snapfile in;
	struct snapfile_writer out;
	uint64_t reg, value;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: snap-edit IN OUT REG_ID VALUE\n");
		return 2;
	}
	reg = strtoull(argv[3], NULL, 0);
	value = strtoull(argv[4], NULL, 0);
	if (snapfile_open(&in, argv[1], SNAPFILE_ARCH_ARM64))
		return 1;
	ret = snapfile_create(&out, argv[2], in.arch, true);
	/* Every section copied in the table's order, the edited one changed. */
	for (unsigned int i = 0; i < in.nr && !ret; i++) {
		const struct snapfile_section *sec = &in.secs[i];
		void *data = NULL;

		if (sec->type & SNAPFILE_CHUNK_TABLE)
			continue;	/* the writer makes each anew */
		ret = snapfile_read(&in, sec, sec->length, &data);
		if (!ret && sec->type == ARM64_SEC_VCPU && sec->index == 0) {
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
