// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor for kvmini's x86_64 exit-cost benchmark: the least a VMM can do
 * per PIO (or MMIO) exit. One vCPU in 64-bit mode runs a hand-assembled
 * loop of N 32-bit OUTs to the test device's port 0x0e00 (or N 32-bit
 * stores to its PING register at 0xd0000010); this loop re-enters KVM_RUN
 * at once on each exit. It times the first to the last exit exactly as
 * kvmini's test device does, so `kvmini run -p "bench=pio count=N" --stats`
 * compares directly.
 *
 * The VM has the shape of kvmini's default one, so the difference is the
 * VMM's own work: TSS and identity-map addresses, the in-kernel PIC, IOAPIC,
 * local APIC and PIT, KVM's supported CPUID, the AMX tile-data guest
 * permission when the host has it, and the vCPU state kvmini boots its guest
 * in (long mode, 2 MiB identity pages, CR4.OSXSAVE with XCR0 = x87|SSE).
 *
 * Usage: x86-exit-raw N [pio|mmio]
 *        prints "raw: N PIO exits, X ns per exit (...)"
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <asm/prctl.h> and <asm/fpu/xstate.h>: the dynamic XSAVE feature calls. */
#define ARCH_GET_XCOMP_SUPP		0x1021
#define ARCH_REQ_XCOMP_GUEST_PERM	0x1025
#define XFEATURE_XTILEDATA		18

/* kvmini's layout (src/arch/x86_64/layout.h) where it matters. */
#define TESTDEV_PORT		0x0e00
#define TESTDEV_PING_ADDR	0xd0000010ULL
#define SLEEP_CONTROL_PORT	0x0604	/* the end of the loop: any OUT there */
#define IDENTITY_MAP_ADDR	0xfffbc000ULL
#define TSS_ADDR		0xfffbd000ULL

/* Guest RAM: 64 KiB at 0; page tables, then the code. */
#define RAM_SIZE		0x10000ULL
#define PML4			0x1000
#define PDPT			0x2000
#define PD_LOW			0x3000	/* 0-1 GiB: RAM's 2 MiB page */
#define PD_GAP			0x4000	/* 3-4 GiB: the test device's page */
#define CODE			0x8000

#define PTE_P_RW		0x3ULL
#define PDE_2M			0x80ULL

static void die(const char *what)
{
	fprintf(stderr, "x86-exit-raw: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "x86-exit-raw: %s\n", what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* As kvmini does: ask for AMX tile data before any CPUID query or vCPU. */
static int request_amx(void)
{
	uint64_t supported = 0;

	if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, &supported) ||
	    !(supported & (1ULL << XFEATURE_XTILEDATA)))
		return 0;
	if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA))
		die("arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, XTILEDATA)");
	return 1;
}

/* KVM_GET_SUPPORTED_CPUID, growing the table while KVM says E2BIG. */
static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			die("calloc");
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		if (errno != E2BIG)
			die("KVM_GET_SUPPORTED_CPUID");
		free(c);
	}
	fail("KVM_GET_SUPPORTED_CPUID wants more than 4096 entries");
	return NULL;
}

static int cpuid_has_xsave(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			return !!(c->entries[i].ecx & (1u << 26));
	return 0;
}

static void put64(void *ram, uint64_t gpa, uint64_t val)
{
	memcpy((uint8_t *)ram + gpa, &val, sizeof(val));
}

int main(int argc, char **argv)
{
	/* out %eax,(%dx) or mov %eax,(%rbx); dec %ecx; jnz back; then power off. */
	static const uint8_t pio_loop[] = { 0xef, 0xff, 0xc9, 0x75, 0xfb };
	static const uint8_t mmio_loop[] = { 0x89, 0x03, 0xff, 0xc9, 0x75, 0xfa };
	static const uint8_t power_off[] = {
		0x66, 0xba, 0x04, 0x06,		/* mov $0x604, %dx */
		0xb0, 0x20,			/* mov $0x20, %al (SLP_EN) */
		0xee,				/* out %al, (%dx) */
		0xeb, 0xfe,			/* jmp . */
	};
	unsigned long n = argc >= 2 ? strtoul(argv[1], NULL, 10) : 0;
	int mmio = argc == 3 && !strcmp(argv[2], "mmio");
	struct kvm_segment code_seg = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data_seg = {
		.base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_userspace_memory_region slot;
	uint64_t identity = IDENTITY_MAP_ADDR;
	uint64_t first = 0, last = 0;
	unsigned long count = 0;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, run_size, amx, xsave;
	size_t loop_len;
	uint8_t *ram;

	if (n < 2 || n > 0xffffffffUL || (argc == 3 && !mmio && strcmp(argv[2], "pio")) ||
	    argc > 3) {
		fprintf(stderr, "usage: x86-exit-raw N [pio|mmio]   (2 <= N < 2^32 exits; "
			"default pio)\n");
		return 2;
	}

	amx = request_amx();
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		die("KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
		die("KVM_CREATE_PIT2");

	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	put64(ram, PML4, PDPT | PTE_P_RW);
	put64(ram, PDPT + 0 * 8, PD_LOW | PTE_P_RW);
	put64(ram, PDPT + 3 * 8, PD_GAP | PTE_P_RW);
	put64(ram, PD_LOW, 0 | PDE_2M | PTE_P_RW);
	put64(ram, PD_GAP + ((TESTDEV_PING_ADDR - 0xc0000000ULL) >> 21) * 8,
	      (TESTDEV_PING_ADDR & ~0x1fffffULL) | PDE_2M | PTE_P_RW);
	loop_len = mmio ? sizeof(mmio_loop) : sizeof(pio_loop);
	memcpy(ram + CODE, mmio ? mmio_loop : pio_loop, loop_len);
	memcpy(ram + CODE + loop_len, power_off, sizeof(power_off));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	cpuid = supported_cpuid(kvm);
	xsave = cpuid_has_xsave(cpuid);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs = code_seg;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data_seg;
	sregs.cr0 = 0x80010033;			/* PE MP ET NE WP PG */
	sregs.cr3 = PML4;
	sregs.cr4 = 0x620 | (xsave ? 0x40000 : 0);	/* PAE OSFXSR OSXMMEXCPT [OSXSAVE] */
	sregs.efer = 0x500;			/* LME LMA */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	if (xsave) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = 3 } } };

		if (ioctl(vcpu, KVM_SET_XCRS, &xcrs) < 0)
			die("KVM_SET_XCRS");
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rflags = 2;
	regs.rcx = n;
	regs.rdx = TESTDEV_PORT;
	regs.rbx = TESTDEV_PING_ADDR;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");

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
		if ((!mmio && run->exit_reason == KVM_EXIT_IO && run->io.port == TESTDEV_PORT &&
		     run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
		     run->io.count == 1) ||
		    (mmio && run->exit_reason == KVM_EXIT_MMIO &&
		     run->mmio.phys_addr == TESTDEV_PING_ADDR && run->mmio.len == 4 &&
		     run->mmio.is_write)) {
			uint64_t t = now_ns();

			if (count++ == 0)
				first = t;
			last = t;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == SLEEP_CONTROL_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT)
			break;
		fprintf(stderr, "x86-exit-raw: unexpected exit reason %u after %lu exits\n",
			run->exit_reason, count);
		return 1;
	}
	if (count != n) {
		fprintf(stderr, "x86-exit-raw: saw %lu exits, expected %lu\n", count, n);
		return 1;
	}
	printf("raw: %lu %s exits, %.1f ns per exit (in-kernel irqchip and PIT, "
	       "KVM's CPUID, XCR0 %s, AMX permission %s)\n", count, mmio ? "MMIO" : "PIO",
	       (double)(last - first) / (double)(count - 1), xsave ? "0x3" : "unset",
	       amx ? "yes" : "no");
	return 0;
}
