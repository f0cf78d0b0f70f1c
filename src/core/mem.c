// SPDX-License-Identifier: GPL-2.0-only
/* Guest memory regions and the one bounds-checked way into them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/mem.h>

/* The checks every region passes, whatever backs it. */
static int guest_mem_check(const struct guest_mem *mem, uint64_t gpa, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

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
	return 0;
}

static void guest_mem_insert(struct guest_mem *mem, uint64_t gpa, uint64_t size,
			     void *host, enum guest_mem_backing backing, int fd)
{
	mem->regions[mem->nr++] = (struct guest_region){
		.gpa = gpa, .size = size, .host = host, .backing = backing, .fd = fd,
	};
	log_debug("mem", "RAM 0x%" PRIx64 "-0x%" PRIx64 " at %p", gpa,
		  gpa + size - 1, host);
}

int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		  enum guest_mem_backing backing)
{
	int ret = guest_mem_check(mem, gpa, size);
	void *host;

	if (ret)
		return ret;
	if (backing != GUEST_MEM_ANON)
		return -EINVAL;	/* files come through guest_mem_add_file() */
	/*
	 * NORESERVE: guest RAM is touched lazily; a large guest that uses
	 * little memory should not need that much commit charge.
	 */
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED) {
		ret = -errno;
		log_err("mem", "cannot map %" PRIu64 " MiB of guest memory: %s",
			size >> 20, strerror(errno));
		return ret;
	}
	guest_mem_insert(mem, gpa, size, host, GUEST_MEM_ANON, -1);
	return 0;
}

int guest_mem_add_file(struct guest_mem *mem, uint64_t gpa, uint64_t size,
		       const char *path)
{
	int ret = guest_mem_check(mem, gpa, size);
	struct stat st;
	void *host;
	int fd;

	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		log_err("mem", "--mem-path %s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		log_err("mem", "--mem-path %s: cannot stat: %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		log_err("mem", "--mem-path %s: not a regular file", path);
		goto err;
	}
	/* Grow only: a longer file keeps what lies beyond the guest's RAM. */
	if ((uint64_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		log_err("mem", "--mem-path %s: cannot grow it to %" PRIu64 " MiB: %s",
			path, size >> 20, strerror(errno));
		goto err;
	}
	host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (host == MAP_FAILED) {
		ret = -errno;
		log_err("mem", "--mem-path %s: cannot map %" PRIu64 " MiB: %s", path,
			size >> 20, strerror(errno));
		goto err;
	}
	guest_mem_insert(mem, gpa, size, host, GUEST_MEM_FILE, fd);
	return 0;
err:
	close(fd);
	return ret;
}

void guest_mem_free(struct guest_mem *mem)
{
	for (unsigned int i = 0; i < mem->nr; i++) {
		munmap(mem->regions[i].host, mem->regions[i].size);
		if (mem->regions[i].fd >= 0)
			close(mem->regions[i].fd);
	}
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
