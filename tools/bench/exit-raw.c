// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor for kvmini's exit-cost benchmark: the least a VMM can do per
 * MMIO exit. One vCPU runs a hand-assembled loop of N 32-bit stores to the
 * test device's PING address; this loop re-enters KVM_RUN at once on each
 * exit. It times the first to the last exit exactly as kvmini's test device
 * does, so `kvmini run -p "bench=mmio count=N" --stats` compares directly.
 *
 * The VM has the shape of kvmini's default one, so the difference is the
 * VMM's own work: an in-kernel GICv3, MTE when KVM has it, and SVE at the
 * host's largest vector length when KVM has it (all change what KVM does
 * on every exit).
 *
 * Usage: exit-raw N     prints "raw: N exits, X ns per exit"
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x10000ULL
#define PING_ADDR 0x01020010ULL

static void die(const char *what)
{
	fprintf(stderr, "exit-raw: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		die("KVM_SET_ONE_REG");
}

static void gic_attr(int gic, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	if (ioctl(gic, KVM_SET_DEVICE_ATTR, &a) < 0)
		die("KVM_SET_DEVICE_ATTR (GICv3)");
}

#define CORE_REG(f) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     (offsetof(struct kvm_regs, f) / sizeof(__u32)))

int main(int argc, char **argv)
{
	unsigned long n = argc == 2 ? strtoul(argv[1], NULL, 10) : 0;
	uint32_t code[] = {
		0xd2a02040,			/* movz x0, #0x0102, lsl #16 */
		0x91004000,			/* add  x0, x0, #0x10 (PING) */
		0xd2800001,			/* movz x1, #lo16 (patched) */
		0xf2a00001,			/* movk x1, #hi16, lsl #16 (patched) */
		0xb9000001,			/* 1: str w1, [x0] */
		0xf1000421,			/* subs x1, x1, #1 */
		0x54ffffc1,			/* b.ne 1b */
		0xd2b08000,			/* movz x0, #0x8400, lsl #16 */
		0x91002000,			/* add  x0, x0, #8: PSCI SYSTEM_OFF */
		0xd4000002,			/* hvc  #0 */
		0x14000000,			/* b . */
	};
	struct kvm_userspace_memory_region slot;
	struct kvm_vcpu_init init;
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	unsigned long count = 0;
	bool sve, mte;
	uint64_t first = 0, last = 0;
	struct kvm_run *run;
	int kvm, vm, vcpu, run_size;
	void *ram;

	if (n < 2 || n > 0xffffffffUL) {
		fprintf(stderr, "usage: exit-raw N   (2 <= N < 2^32 MMIO exits)\n");
		return 2;
	}
	code[2] |= (uint32_t)(n & 0xffff) << 5;
	code[3] |= (uint32_t)(n >> 16) << 5;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mte = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_MTE) > 0;
	if (mte && ioctl(vm, KVM_ENABLE_CAP, &(struct kvm_enable_cap){ .cap = KVM_CAP_ARM_MTE }) < 0)
		die("KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	memcpy(ram, code, sizeof(code));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = RAM_BASE, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		die("KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	sve = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE) > 0;
	if (sve)
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		die("KVM_ARM_VCPU_INIT");
	if (sve && ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &(int){ KVM_ARM_VCPU_SVE }) < 0)
		die("KVM_ARM_VCPU_FINALIZE");
	gic.fd = 0;
	if (ioctl(vm, KVM_CREATE_DEVICE, &gic) < 0)
		die("KVM_CREATE_DEVICE (GICv3)");
	gic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
		 &(uint64_t){ 0x3fff0000 });
	gic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
		 &(uint64_t){ 0x3ffd0000 });
	gic_attr(gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	set_reg(vcpu, CORE_REG(regs.pc), RAM_BASE);
	set_reg(vcpu, CORE_REG(regs.pstate), 0x3c5);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == PING_ADDR) {
			uint64_t t = now_ns();

			if (count++ == 0)
				first = t;
			last = t;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT)
			break;
		fprintf(stderr, "exit-raw: unexpected exit reason %u\n", run->exit_reason);
		return 1;
	}
	if (count != n) {
		fprintf(stderr, "exit-raw: saw %lu exits, expected %lu\n", count, n);
		return 1;
	}
	printf("raw: %lu exits, %.1f ns per exit (GICv3, SVE %s, MTE %s)\n", count,
	       (double)(last - first) / (double)(count - 1), sve ? "on" : "off",
	       mte ? "on" : "off");
	return 0;
}
