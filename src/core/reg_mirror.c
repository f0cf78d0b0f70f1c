// SPDX-License-Identifier: GPL-2.0-only
/*
 * Register mirrors (reg-mirror.h): an anonymous page, a read-only memslot
 * over the device's region while shown. Memslots past the RAM's
 * (GUEST_MEM_MAX_REGIONS on) are the mirrors', one each, never RAM: no
 * snapshot, dirty log or guest-memory translation sees them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvmini/device.h>
#include <kvmini/kvm.h>
#include <kvmini/log.h>
#include <kvmini/mem.h>
#include <kvmini/reg-mirror.h>
#include <kvmini/vm.h>

/* Whether KVM can map the page: read-only memslots, and one left for it. */
static bool reg_mirror_mappable(struct vm *vm, const struct device *dev, uint32_t slot)
{
	int readonly, slots;

	if (vm->vm_fd < 0)
		return false;
	/* Asked of the VM: what a VM type offers may differ from /dev/kvm's answer. */
	readonly = kvm_check_cap(vm->vm_fd, KVM_CAP_READONLY_MEM);
	slots = kvm_check_cap(vm->vm_fd, KVM_CAP_NR_MEMSLOTS);
	if (readonly > 0 && (int64_t)slot < slots)
		return true;
	log_debug("vm", "%s: no register mirror (KVM_CAP_READONLY_MEM %d, %d memslots): every "
		  "read of its registers exits", dev->name, readonly, slots);
	return false;
}

int reg_mirror_init(struct reg_mirror *m, const struct device *dev)
{
	struct vm *vm = dev->vm;
	long page = sysconf(_SC_PAGESIZE);
	void *map;

	*m = (struct reg_mirror){ 0 };
	if (!vm || dev->pio || page <= 0 || !dev->size ||
	    !IS_ALIGNED(dev->base, (uint64_t)page) || !IS_ALIGNED(dev->size, (uint64_t)page)) {
		if (vm && !dev->pio)
			log_debug("vm", "%s: no register mirror: its region (0x%llx bytes at 0x%llx) "
				  "is not whole %ld-byte host pages; every read of its registers "
				  "exits", dev->name, (unsigned long long)dev->size,
				  (unsigned long long)dev->base, page);
		return 0;
	}
	map = mmap(NULL, dev->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		log_err("vm", "%s: cannot allocate its register mirror (%llu bytes): %s", dev->name,
			(unsigned long long)dev->size, strerror(errno));
		return -ENOMEM;
	}
	m->page = map;
	m->size = dev->size;
	m->vm = vm;
	m->gpa = dev->base;
	m->slot = GUEST_MEM_MAX_REGIONS + vm->nr_mirrors;
	m->mappable = reg_mirror_mappable(vm, dev, m->slot);
	if (m->mappable)
		vm->nr_mirrors++;
	return 0;
}

void reg_mirror_show(struct reg_mirror *m, bool on)
{
	struct kvm_userspace_memory_region region = {
		.slot = m->slot,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = m->gpa,
		/* Size 0 deletes the slot (api.rst, KVM_SET_USER_MEMORY_REGION). */
		.memory_size = on ? m->size : 0,
		.userspace_addr = (uintptr_t)m->page,
	};
	int ret;

	if (!m->mappable || m->failed || on == m->shown)
		return;
	ret = kvm_ioctl_quiet(m->vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (ret && on) {
		m->failed = true;
		log_warn("vm", "cannot map the register mirror at 0x%llx (memslot %u): %s; "
			 "the device's reads exit from now on", (unsigned long long)m->gpa,
			 m->slot, strerror(-ret));
		return;
	}
	if (ret) {
		/*
		 * Still mapped: the guest would read stale registers and its
		 * reads would miss their effects. KVM refusing to delete a slot
		 * it made is the host's failure; the VM stops.
		 */
		m->failed = true;
		log_err("vm", "cannot unmap the register mirror at 0x%llx (memslot %u): %s; "
			"the device can no longer answer the guest's reads: stopping the VM",
			(unsigned long long)m->gpa, m->slot, strerror(-ret));
		if (m->vm->fail)
			m->vm->fail(m->vm, ret);
		return;
	}
	m->shown = on;
}

void reg_mirror_update(struct reg_mirror *m, const uint8_t *image, size_t len)
{
	if (!m->page || len > m->size || !memcmp(m->page, image, len))
		return;
	memcpy(m->page, image, len);
	/* A hidden page is cleaned by KVM when the guest's first read maps it. */
	if (!m->shown)
		return;
#if defined(__aarch64__)
	/*
	 * The guest maps the registers as Device memory: without FEAT_S2FWB
	 * its reads bypass the caches, so the bytes are cleaned to the point
	 * of coherency (DC CVAC is open to EL0 on Linux: SCTLR_EL1.UCI).
	 */
	{
		uint64_t ctr;
		uintptr_t line, p, end = (uintptr_t)m->page + len;

		__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
		line = (uintptr_t)4 << ((ctr >> 16) & 0xf);	/* DminLine: log2 words */
		for (p = (uintptr_t)m->page & ~(line - 1); p < end; p += line)
			__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
		__asm__ volatile("dsb ish" : : : "memory");
	}
#else
	/* x86: guest and host accesses to RAM are coherent whatever their memory types. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

const uint8_t *reg_mirror_page(const struct reg_mirror *m)
{
	return m->page;
}

const char *reg_mirror_state(const struct reg_mirror *m)
{
	if (!m->page)
		return "none (a port region, or not whole host pages)";
	if (!m->mappable)
		return "none (KVM cannot map it read-only)";
	if (m->failed)
		return "off (a memslot change failed)";
	return m->shown ? "up" : "down";
}

void reg_mirror_destroy(struct reg_mirror *m)
{
	if (!m->page)
		return;
	/*
	 * At teardown only, after the vCPUs: the slot stays until the VM fd
	 * closes, over a mapping KVM then finds gone (its MMU notifier) and
	 * that nothing runs to touch.
	 */
	munmap(m->page, m->size);
	m->page = NULL;
}
