// SPDX-License-Identifier: GPL-2.0-only
/*
 * A new VM from a snapshot. Everything read from the file is input: every
 * count, length and name is checked against the machine being built before
 * it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvmini/crc32c.h>
#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/snapfile.h>
#include <kvmini/snapshot.h>
#include <kvmini/state.h>
#include <kvmini/vm.h>

/* The saved memory map must be this machine's, region for region. */
static int snapshot_check_memory_map(struct vm *vm, const struct snapfile *f)
{
	struct state_buf s;
	void *data = NULL;
	uint32_t nr;
	int ret = snapshot_read_section(f, SNAP_SEC_MEMORY_MAP, 0, "memory map section",
					&data, &s);

	if (ret)
		return ret;
	nr = state_get_u32(&s);
	if (!s.err && nr != vm->mem.nr)
		ret = -EINVAL;
	for (uint32_t i = 0; i < nr && !ret && !s.err; i++) {
		uint64_t gpa = state_get_u64(&s), size = state_get_u64(&s);
		const struct snapfile_section *sec = snapfile_find(f, SNAP_SEC_MEMORY, i);

		if (s.err)
			break;
		if (gpa != vm->mem.regions[i].gpa || size != vm->mem.regions[i].size) {
			log_err("snapshot", "%s: RAM region %u is 0x%" PRIx64 "+0x%" PRIx64
				"; this machine's is 0x%" PRIx64 "+0x%" PRIx64, f->path, i, gpa,
				size, vm->mem.regions[i].gpa, vm->mem.regions[i].size);
			ret = -EINVAL;
		} else if (!sec || !(sec->flags & SNAPFILE_F_LAZY) || sec->length != size) {
			log_err("snapshot", "%s: the contents of RAM region %u are %s", f->path,
				i, sec ? "not the region's size" : "missing");
			ret = -EBADMSG;
		}
	}
	if (!ret && state_read_done(&s)) {
		log_err("snapshot", "%s: the memory map section is malformed", f->path);
		ret = -EBADMSG;
	} else if (ret == -EINVAL && nr != vm->mem.nr) {
		log_err("snapshot", "%s: %u RAM regions saved; this machine has %u",
			f->path, nr, vm->mem.nr);
	}
	free(data);
	return ret;
}

/* Read a region's contents in, each chunk checked: where RAM is not read lazily. */
static int snapshot_read_region(const struct snapfile *f, const struct snapfile_section *sec,
				const uint32_t *crcs, struct guest_region *r)
{
	size_t len;
	int ret = 0;

	/* Read once, front to back: let the kernel read ahead further. */
	posix_fadvise(f->fd, (off_t)sec->offset, (off_t)sec->length, POSIX_FADV_SEQUENTIAL);
	for (uint64_t i = 0; i < snapfile_chunks(r->size) && !ret; i++)
		ret = snapfile_read_chunk(f, sec, crcs, i, (uint8_t *)r->host + i * SNAPFILE_CHUNK,
					  &len);
	return ret;
}

/*
 * The snapshot's RAM into the VM's: read in by the RAM loader as the guest
 * (or KVM, or a device) first touches each part, so restore time does not
 * grow with the guest's size, and checked before it is used. Read in whole
 * and checked first where the architecture needs that or userfaultfd is
 * not available.
 */
int snapshot_restore_memory(struct vm *vm)
{
	const struct snapfile *f = vm->restore;
	uint32_t *crcs[GUEST_MEM_MAX_REGIONS] = { 0 };
	bool lazy = arch_snapshot_memory_lazy(vm);
	int ret = snapshot_check_memory_map(vm, f);

	for (unsigned int i = 0; i < vm->mem.nr && !ret; i++) {
		struct guest_region *r = &vm->mem.regions[i];

		/* --mem-path promises the file is the guest's RAM: a restore cannot keep that. */
		if (r->backing != GUEST_MEM_ANON) {
			log_err("snapshot", "%s: the VM ran with --mem-path; kvmini cannot restore "
				"RAM into a shared file yet", f->path);
			ret = -EOPNOTSUPP;
			break;
		}
		ret = snapfile_chunk_crcs(f, snapfile_find(f, SNAP_SEC_MEMORY, i), &crcs[i]);
	}
	if (!ret && lazy) {
		ret = snapshot_lazy_start(vm, f, crcs, &vm->lazy);
		/* Only a host without (permission for) userfaultfd is read in instead. */
		if (ret == -EPERM || ret == -ENOSYS || ret == -EINVAL || ret == -EOPNOTSUPP) {
			log_info("snapshot", "userfaultfd is not available (%s): reading the "
				 "guest's RAM in before it runs", strerror(-ret));
			ret = 0;
		}
		lazy = vm->lazy != NULL;
	}
	for (unsigned int i = 0; i < vm->mem.nr && !ret; i++) {
		/* A save of this VM reads all of it: none of it is known to be zeros. */
		vm->mem.regions[i].backing = GUEST_MEM_SNAPSHOT;
		if (!lazy)
			ret = snapshot_read_region(f, snapfile_find(f, SNAP_SEC_MEMORY, i), crcs[i],
						   &vm->mem.regions[i]);
	}
	for (unsigned int i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		free(crcs[i]);
	return ret;
}

static int snapshot_restore_devices(struct vm *vm, const struct snapfile *f)
{
	char name[DEVICE_NAME_MAX];
	unsigned int index = 0;
	int ret = 0;

	for (struct device *dev = vm->devices; dev && !ret; dev = dev->next, index++) {
		struct state_buf s;
		void *data = NULL;

		if (!snapfile_find(f, SNAP_SEC_DEVICE, index)) {
			log_err("snapshot", "%s: no state for device %s", f->path, dev->name);
			return -EINVAL;
		}
		ret = snapshot_read_section(f, SNAP_SEC_DEVICE, index, "device section", &data, &s);
		if (!ret && snapshot_get_str(&s, name, sizeof(name))) {
			log_err("snapshot", "%s: device section %u is malformed", f->path, index);
			ret = -EBADMSG;
		} else if (!ret && strcmp(name, dev->name)) {
			log_err("snapshot", "%s: device %u was %s; this machine's is %s", f->path,
				index, name, dev->name);
			ret = -EINVAL;
		} else if (!ret && (!dev->ops->load || (ret = dev->ops->load(dev, &s)))) {
			log_err("snapshot", "%s: device %s: its saved state is refused", f->path,
				dev->name);
			ret = ret ?: -EOPNOTSUPP;
		}
		free(data);
	}
	if (!ret && snapfile_find(f, SNAP_SEC_DEVICE, index)) {
		log_err("snapshot", "%s: the snapshot has more devices than this machine (%u)",
			f->path, index);
		ret = -EINVAL;
	}
	return ret;
}

int snapshot_restore_state(struct vm *vm)
{
	const struct snapfile *f = vm->restore;
	int ret = snapshot_restore_devices(vm, f);

	if (!ret)
		ret = arch_snapshot_restore_memory(vm, f);
	if (!ret)
		ret = arch_snapshot_restore(vm, f);
	return ret;
}
