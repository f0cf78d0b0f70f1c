// SPDX-License-Identifier: GPL-2.0-only
/* Guest memory regions and the one bounds-checked way into them. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/mem.h>

static void *guest_mem_map_backing(uint64_t size, enum guest_mem_backing backing)
{
	void *p;

	switch (backing) {
	case GUEST_MEM_ANON:
		/*
		 * NORESERVE: guest RAM is touched lazily; a large guest that
		 * uses little memory should not need that much commit charge.
		 */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		return p == MAP_FAILED ? ERR_PTR(-errno) : p;
	}
	return ERR_PTR(-EINVAL);
}

int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		  enum guest_mem_backing backing)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	void *host;

	if (!size || !IS_ALIGNED(size, page) || !IS_ALIGNED(gpa, page) ||
	    gpa + size < gpa)
		return -EINVAL;
	if (mem->nr == GUEST_MEM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	host = guest_mem_map_backing(size, backing);
	if (IS_ERR(host)) {
		log_err("mem", "cannot map %" PRIu64 " MiB of guest memory: %s",
			size >> 20, strerror((int)-PTR_ERR(host)));
		return (int)PTR_ERR(host);
	}
	mem->regions[mem->nr++] = (struct guest_region){
		.gpa = gpa, .size = size, .host = host, .backing = backing,
	};
	log_debug("mem", "RAM 0x%" PRIx64 "-0x%" PRIx64 " at %p", gpa,
		  gpa + size - 1, host);
	return 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	for (unsigned int i = 0; i < mem->nr; i++)
		munmap(mem->regions[i].host, mem->regions[i].size);
	mem->nr = 0;
}

const struct guest_region *guest_mem_region(const struct guest_mem *mem,
					    uint64_t gpa)
{
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct guest_region *r = guest_mem_region(mem, gpa);

	if (!r || !range_within(gpa, len, r->gpa, r->size))
		return NULL;
	return (char *)r->host + (gpa - r->gpa);
}
