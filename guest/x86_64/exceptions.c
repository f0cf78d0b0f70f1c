// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IDT and the unexpected-exception path: report the exception on the
 * console and to the VMM (test device EXC_* registers, then EXC_REPORT,
 * which ends the run), then stop this vCPU.
 */
#include <stddef.h>
#include "apic.h"
#include "exceptions.h"
#include "lib/console.h"
#include "lib/print.h"
#include "percpu.h"
#include "testdev.h"

_Static_assert(offsetof(struct exc_frame, vector) == 15 * 8,
	       "exc_frame and idt.S disagree on the pushes");
_Static_assert(sizeof(struct exc_frame) == 22 * 8,
	       "exc_frame and idt.S disagree on the frame size");

/* A 64-bit interrupt gate (SDM vol. 3, "IDT Descriptors"): 16 bytes. */
struct idt_gate {
	uint64_t low;	/* offset 15:0, selector, IST, type/DPL/P, offset 31:16 */
	uint64_t high;	/* offset 63:32, reserved */
};

#define GATE_TYPE_INTERRUPT	0xeULL	/* 64-bit interrupt gate: clears IF */
#define GATE_PRESENT		(1ULL << 7)
#define GATE_DPL0		(0ULL << 5)

struct __attribute__((packed)) idt_pointer {
	uint16_t limit;
	uint64_t base;
};

extern const char idt_stubs[];
extern const char timer_entry[];
extern const char spurious_entry[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

/* Nesting of the unexpected path per vCPU (the last: an unknown stack). */
static unsigned int exc_depth[MAX_CPUS + 1];

static struct idt_gate gate(uintptr_t handler, uint16_t selector)
{
	uint64_t attr = GATE_TYPE_INTERRUPT | GATE_DPL0 | GATE_PRESENT;

	return (struct idt_gate){
		.low = (handler & 0xffff) | (uint64_t)selector << 16 |
		       attr << 40 | ((handler >> 16) & 0xffff) << 48,
		.high = handler >> 32,
	};
}

void idt_init(void)
{
	uint16_t cs;

	/* The VMM's GDT has code64 at 0x10; take whatever CS really is. */
	__asm__ volatile("mov %%cs, %0" : "=r" (cs));
	for (unsigned int v = 0; v < IDT_VECTORS; v++) {
		uintptr_t handler = (uintptr_t)idt_stubs + v * IDT_STUB_SIZE;

		if (v == TIMER_VECTOR)
			handler = (uintptr_t)timer_entry;
		else if (v == SPURIOUS_VECTOR)
			handler = (uintptr_t)spurious_entry;
		idt[v] = gate(handler, cs);
	}
}

void idt_load(void)
{
	struct idt_pointer ptr = {
		.limit = sizeof(idt) - 1,
		.base = (uintptr_t)idt,
	};

	__asm__ volatile("lidt %0" : : "m" (ptr) : "memory");
}

static const char *vector_name(uint64_t vector)
{
	static const char *const names[32] = {
		[0] = "#DE divide error",
		[1] = "#DB debug",
		[2] = "NMI",
		[3] = "#BP breakpoint",
		[4] = "#OF overflow",
		[5] = "#BR bound range",
		[6] = "#UD invalid opcode",
		[7] = "#NM device not available",
		[8] = "#DF double fault",
		[9] = "coprocessor segment overrun",
		[10] = "#TS invalid TSS",
		[11] = "#NP segment not present",
		[12] = "#SS stack fault",
		[13] = "#GP general protection",
		[14] = "#PF page fault",
		[16] = "#MF x87 floating-point error",
		[17] = "#AC alignment check",
		[18] = "#MC machine check",
		[19] = "#XM SIMD floating-point",
		[20] = "#VE virtualization",
		[21] = "#CP control protection",
		[28] = "#HV hypervisor injection",
		[29] = "#VC VMM communication",
		[30] = "#SX security",
	};

	if (vector >= 32)
		return "an interrupt nothing asked for";
	return names[vector] ? names[vector] : "a reserved vector";
}

static void print_frame(unsigned int cpu, const struct exc_frame *f)
{
	printf("# cpu%u: rax=0x%016lx rbx=0x%016lx rcx=0x%016lx\n", cpu,
	       f->rax, f->rbx, f->rcx);
	printf("# cpu%u: rdx=0x%016lx rsi=0x%016lx rdi=0x%016lx\n", cpu,
	       f->rdx, f->rsi, f->rdi);
	printf("# cpu%u: rbp=0x%016lx rsp=0x%016lx r8 =0x%016lx\n", cpu,
	       f->rbp, f->rsp, f->r8);
	printf("# cpu%u: r9 =0x%016lx r10=0x%016lx r11=0x%016lx\n", cpu,
	       f->r9, f->r10, f->r11);
	printf("# cpu%u: r12=0x%016lx r13=0x%016lx r14=0x%016lx\n", cpu,
	       f->r12, f->r13, f->r14);
	printf("# cpu%u: r15=0x%016lx cs=0x%lx ss=0x%lx rflags=0x%lx\n", cpu,
	       f->r15, f->cs, f->ss, f->rflags);
}

static void report_to_vmm(const struct exc_frame *f, uint64_t cr2)
{
	testdev_write64(TESTDEV_EXC_ESR, f->vector | f->error_code << 32);
	testdev_write64(TESTDEV_EXC_ELR, f->rip);
	testdev_write64(TESTDEV_EXC_FAR, cr2);
	testdev_write64(TESTDEV_EXC_SPSR, f->rflags);
	testdev_write32(TESTDEV_EXC_REPORT, (uint32_t)f->vector);
}

/*
 * Depth 1 prints, then reports (the VMM may end the run at once on the
 * report, so the console goes first). An exception while doing that
 * (depth 2) only reports; one while reporting (depth 3) just stops.
 */
void exception_unexpected(struct exc_frame *f)
{
	unsigned int cpu = this_cpu();
	uint64_t cr2 = read_cr2();
	unsigned int depth = ++exc_depth[cpu];
	bool locked;

	if (depth == 1) {
		locked = console_lock();
		printf("# cpu%u: unexpected exception: vector %lu (%s), error "
		       "code 0x%lx, RIP 0x%lx, CR2 0x%lx\n", cpu, f->vector,
		       vector_name(f->vector), f->error_code, f->rip, cr2);
		print_frame(cpu, f);
		printf("Bail out! cpu%u: unexpected exception, vector %lu at "
		       "RIP 0x%lx\n", cpu, f->vector, f->rip);
		if (locked)
			console_unlock();
	}
	if (depth <= 2)
		report_to_vmm(f, cr2);
	cpu_park();
}
