// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing a paused VM to a snapshot: the arguments that made it, its RAM,
 * each device's state through its save hook, and the architecture's part.
 * The container (snapfile.c) makes it appear at its path all at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

/* /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_SWAPPED (1ULL << 62)

/* Each snapshot is one architecture's: restore refuses another's. */
#if defined(__aarch64__)
#define SNAPSHOT_ARCH SNAPFILE_ARCH_ARM64
#elif defined(__x86_64__)
#define SNAPSHOT_ARCH SNAPFILE_ARCH_X86_64
#endif

uint32_t snapshot_arch(void)
{
	return SNAPSHOT_ARCH;
}

/*
 * Pages of anonymous guest RAM the guest never touched read as zeros, and
 * reading them would fault each in: /proc/self/pagemap says which pages
 * are neither present nor swapped out, and a chunk of only those is left
 * as a hole in the snapshot. Only anonymous memory: an unread page of a
 * file mapping holds the file's data.
 */
struct snapshot_pagemap {
	int fd;
	long page;
};

static bool snapshot_chunk_untouched(void *opaque, const void *p, size_t n)
{
	const struct snapshot_pagemap *pm = opaque;
	uint64_t entries[256];
	size_t pages = n / (size_t)pm->page;
	uintptr_t first = (uintptr_t)p / (uintptr_t)pm->page;

	if ((uintptr_t)p % (uintptr_t)pm->page || n % (size_t)pm->page)
		return false;
	for (size_t done = 0; done < pages;) {
		size_t k = pages - done < ARRAY_SIZE(entries) ? pages - done : ARRAY_SIZE(entries);
		ssize_t got = pread(pm->fd, entries, k * 8, (off_t)((first + done) * 8));

		if (got != (ssize_t)(k * 8))
			return false;	/* unsure: read it */
		for (size_t i = 0; i < k; i++)
			if (entries[i] & (PAGEMAP_PRESENT | PAGEMAP_SWAPPED))
				return false;
		done += k;
	}
	return true;
}

static int snapshot_save_memory(struct vm *vm, struct snapfile_writer *w)
{
	struct snapshot_pagemap pm = {
		.fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
		.page = sysconf(_SC_PAGESIZE),
	};
	struct state_buf map;
	int ret = 0;

	state_init(&map);
	state_put_u32(&map, vm->mem.nr);
	for (unsigned int i = 0; i < vm->mem.nr; i++) {
		state_put_u64(&map, vm->mem.regions[i].gpa);
		state_put_u64(&map, vm->mem.regions[i].size);
	}
	ret = snapshot_add_state(w, SNAP_SEC_MEMORY_MAP, 0, &map);
	/* Not checksummed at open: restore maps it lazily (snapfile.h). */
	for (unsigned int i = 0; i < vm->mem.nr && !ret; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		bool sparse = r->backing == GUEST_MEM_ANON && pm.fd >= 0 && pm.page > 0;

		ret = snapfile_add_sparse(w, SNAP_SEC_MEMORY, i, SNAPFILE_F_LAZY, r->host, r->size,
					  sparse ? snapshot_chunk_untouched : NULL, &pm);
	}
	if (pm.fd >= 0)
		close(pm.fd);
	return ret;
}

static int snapshot_save_devices(struct vm *vm, struct snapfile_writer *w)
{
	unsigned int index = 0;
	int ret = 0;

	for (struct device *dev = vm->devices; dev && !ret; dev = dev->next, index++) {
		struct state_buf s;

		state_init(&s);
		snapshot_put_str(&s, dev->name);
		ret = dev->ops->save(dev, &s);
		if (ret) {
			log_err("snapshot", "device %s: saving its state failed: %s", dev->name,
				strerror(-ret));
			state_free(&s);
			break;
		}
		ret = snapshot_add_state(w, SNAP_SEC_DEVICE, index, &s);
	}
	return ret;
}

/* Before anything is written: a device that cannot save refuses the whole snapshot. */
static int snapshot_check_devices(struct vm *vm, char *why, size_t why_len)
{
	int ret = 0;

	for (struct device *dev = vm->devices; dev; dev = dev->next) {
		if (dev->ops->save && dev->ops->load)
			continue;
		log_err("snapshot", "device %s cannot save its state yet, so this VM cannot "
			"be snapshotted (run without it to take snapshots)", dev->name);
		if (!ret)
			snprintf(why, why_len, "device %s cannot save its state yet; run "
				 "without it to take snapshots", dev->name);
		ret = -EOPNOTSUPP;
	}
	return ret;
}

int snapshot_save(struct vm *vm, const char *path, bool force, char *why, size_t why_len)
{
	char cwd[PATH_MAX];
	struct snapfile_writer w;
	int ret;

	why[0] = '\0';
	ret = snapshot_check_devices(vm, why, why_len);
	if (!ret)
		ret = arch_snapshot_savable(vm, why, why_len);
	if (ret)
		return ret;
	/* Relative paths in the arguments mean what they meant here: restore goes there. */
	if (!getcwd(cwd, sizeof(cwd))) {
		log_warn("snapshot", "%s: kvmini's working directory cannot be told (%s), so "
			 "the snapshot does not record it: relative paths in its arguments will "
			 "be taken from where it is restored", path, strerror(errno));
		cwd[0] = '\0';
	}
	ret = snapfile_create(&w, path, SNAPSHOT_ARCH, force);
	if (ret) {
		snprintf(why, why_len, "%s", w.why);
		return ret;
	}
	/* Requests in flight finish before RAM is read, and nothing new starts until the end. */
	devices_freeze(vm);
	ret = snapshot_write_config(&w, vm->cfg->argc, vm->cfg->argv, cwd[0] ? cwd : NULL);
	if (!ret)
		ret = arch_snapshot_flush(vm);
	if (!ret)
		ret = snapshot_save_memory(vm, &w);
	/* A restored VM whose snapshot turned out damaged: what was read there is zeros. */
	if (!ret && snapshot_lazy_failed(vm->lazy)) {
		snprintf(why, why_len, "the snapshot this VM was restored from is damaged, so "
			 "its RAM cannot be saved whole");
		ret = -EBADMSG;
	}
	if (!ret)
		ret = snapshot_save_devices(vm, &w);
	if (!ret)
		ret = arch_snapshot_save(vm, &w);
	if (!ret)
		ret = snapfile_commit(&w);
	/* Renamed into place (no temporary left) yet failed: only its directory's sync did. */
	if (ret && w.fd < 0 && !w.tmp_path)
		snprintf(why, why_len, "written, but syncing its directory failed (%s): it may "
			 "not survive a host crash; sync the filesystem, or save it again",
			 strerror(-ret));
	devices_thaw(vm);
	snapfile_writer_free(&w);
	return ret;
}
