// SPDX-License-Identifier: GPL-2.0-only
/*
 * MTE tag copy throughput: MiB of tagged guest memory per second whose
 * tags KVM_ARM_MTE_COPY_TAGS reads and writes (kvmini's arm64_mte_copy_tags)
 * for a 256 MiB guest, beside a plain memcpy of the same 256 MiB in the
 * same process. Medians of 5.
 *
 * Usage: mte-tags [MIB]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/kvm.h>
#include <kvmini/vm.h>

#include "../../src/arch/arm64/arm64.h"
#include "bench.h"
#include "../../src/arch/arm64/layout.h"

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256, size = mib << 20;
	struct arch_vm a = { .shape.mte = true };
	struct vm vm = { .arch = &a, .vm_fd = -1 };
	double t_read[REPS], t_write[REPS], t_copy[REPS], t0;
	struct kvm_userspace_memory_region slot;
	uint8_t *tags, *copy;
	int ret;

	if (!mib || mib > 4096) {
		fprintf(stderr, "usage: mte-tags [MIB from 1 to 4096]\n");
		return 2;
	}
	vm.kvm_fd = kvm_open("/dev/kvm");
	if (vm.kvm_fd < 0)
		return 1;
	vm.vm_fd = kvm_ioctl_val(vm.kvm_fd, KVM_CREATE_VM, 0);
	if (vm.vm_fd < 0 || kvm_enable_cap(vm.vm_fd, KVM_CAP_ARM_MTE, 0) ||
	    guest_mem_add(&vm.mem, ARM64_RAM_BASE, size, GUEST_MEM_ANON))
		return 1;
	slot = (struct kvm_userspace_memory_region){
		.guest_phys_addr = ARM64_RAM_BASE, .memory_size = size,
		.userspace_addr = (uintptr_t)vm.mem.regions[0].host,
	};
	if (kvm_ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &slot))
		return 1;
	tags = malloc(size / 16);
	copy = malloc(size);
	if (!tags || !copy)
		return 1;
	for (uint64_t i = 0; i < size / 16; i++)
		tags[i] = (uint8_t)(i * 7 + 3) & 0xf;
	memset(vm.mem.regions[0].host, 0x5a, size);	/* fault every page in first */
	for (int rep = 0; rep < REPS; rep++) {
		t0 = bench_now_s();
		ret = arm64_mte_copy_tags(&vm, ARM64_RAM_BASE, size, tags, true);
		t_write[rep] = bench_now_s() - t0;
		t0 = bench_now_s();
		ret = ret ? ret : arm64_mte_copy_tags(&vm, ARM64_RAM_BASE, size, tags, false);
		t_read[rep] = bench_now_s() - t0;
		if (ret)
			return 1;
		t0 = bench_now_s();
		memcpy(copy, vm.mem.regions[0].host, size);
		t_copy[rep] = bench_now_s() - t0;
	}
	for (uint64_t i = 0; i < size / 16; i++) {
		if (tags[i] != ((uint8_t)(i * 7 + 3) & 0xf)) {
			fprintf(stderr, "mte-tags: tag of granule %llu read back wrong\n",
				(unsigned long long)i);
			return 1;
		}
	}
	printf("mte-tags: %llu MiB guest: tag read %.0f MiB/s, tag write %.0f MiB/s, "
	       "memcpy %.0f MiB/s (read/memcpy %.2f, write/memcpy %.2f; medians of %d)\n",
	       (unsigned long long)mib, mib / bench_median(t_read), mib / bench_median(t_write),
	       mib / bench_median(t_copy), bench_median(t_copy) / bench_median(t_read),
	       bench_median(t_copy) / bench_median(t_write), REPS);
	return 0;
}
