/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory: host mappings backing guest-physical ranges, anonymous
 * private memory or a shared file mapping (--mem-path). The backing is
 * chosen in one place so memfd, hugepages and snapshot files fit beside.
 */
#ifndef KVMINI_MEM_H
#define KVMINI_MEM_H

#include <kvmini/compiler.h>

#define GUEST_MEM_MAX_REGIONS 8

enum guest_mem_backing {
	GUEST_MEM_ANON,
	GUEST_MEM_FILE,		/* MAP_SHARED of a file: its contents are the RAM */
	/*
	 * Anonymous RAM filled from a snapshot (kvmini restore), as it is
	 * first touched: a page not present yet holds the file's data, not
	 * zeros.
	 */
	GUEST_MEM_SNAPSHOT,
};

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
	enum guest_mem_backing backing;
	int fd;			/* GUEST_MEM_FILE: the file, else -1 */
};

struct guest_mem {
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned int nr;
};

/* Map size bytes for gpa; size must be page-aligned and non-zero. */
int __must_check guest_mem_add(struct guest_mem *mem, uint64_t gpa,
			       uint64_t size, enum guest_mem_backing backing);
/*
 * Map size bytes of the file at path (created if missing, grown to size
 * if shorter) for gpa, shared. Errors name the file.
 */
int __must_check guest_mem_add_file(struct guest_mem *mem, uint64_t gpa,
				    uint64_t size, const char *path);
void guest_mem_free(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa + len), or NULL unless the whole range lies
 * inside one region. Every guest-supplied address goes through this.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* The region containing gpa, or NULL. */
const struct guest_region *guest_mem_region(const struct guest_mem *mem,
					    uint64_t gpa);

#endif
