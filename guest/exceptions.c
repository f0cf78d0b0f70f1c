// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exception dispatch: expected exceptions are recorded and skipped; all
 * others are reported to the VMM (test device EXC_* registers) and on the
 * UART as a TAP "Bail out!", and end the run.
 */
#include <stddef.h>
#include "exceptions.h"
#include "lib/percpu.h"
#include "lib/print.h"
#include "lib/testdev.h"

/*
 * Per-CPU state, touched only by its own CPU, in program order with the
 * exception handler; volatile keeps the compiler from caching it across
 * the faulting instruction.
 */
struct exc_state {
	volatile bool armed;
	volatile bool taken;
	volatile unsigned int ec;
	volatile uint64_t esr;
	volatile uint64_t far;
	/* Nesting of the unexpected-exception path, to avoid recursion. */
	unsigned int unexpected_depth;
};

#define FRAME_FIELD_AT(field, off) \
	_Static_assert(offsetof(struct exc_frame, field) == (off), \
		       "exc_frame and vectors.S disagree on " #field)
FRAME_FIELD_AT(sp, EXC_FRAME_SP);
FRAME_FIELD_AT(elr, EXC_FRAME_ELR);
FRAME_FIELD_AT(spsr, EXC_FRAME_SPSR);
FRAME_FIELD_AT(esr, EXC_FRAME_ESR);
FRAME_FIELD_AT(far, EXC_FRAME_FAR);
_Static_assert(sizeof(struct exc_frame) == EXC_FRAME_SIZE,
	       "exc_frame and vectors.S disagree on the frame size");

static struct exc_state exc_states[MAX_CPUS];

static const char *const vector_names[16] = {
	"EL1t synchronous", "EL1t IRQ", "EL1t FIQ", "EL1t SError",
	"EL1h synchronous", "EL1h IRQ", "EL1h FIQ", "EL1h SError",
	"EL0 AArch64 synchronous", "EL0 AArch64 IRQ",
	"EL0 AArch64 FIQ", "EL0 AArch64 SError",
	"EL0 AArch32 synchronous", "EL0 AArch32 IRQ",
	"EL0 AArch32 FIQ", "EL0 AArch32 SError",
};

void exc_expect(unsigned int ec)
{
	struct exc_state *st = &exc_states[this_cpu()];

	st->taken = false;
	st->ec = ec;
	st->armed = true;
	/* Armed before the instruction that is meant to fault. */
	__asm__ volatile("" : : : "memory");
}

bool exc_expect_end(uint64_t *esr, uint64_t *far)
{
	struct exc_state *st = &exc_states[this_cpu()];

	__asm__ volatile("" : : : "memory");
	st->armed = false;
	*esr = st->esr;
	*far = st->far;
	return st->taken;
}

static void print_frame(unsigned int cpu, const struct exc_frame *f)
{
	for (int i = 0; i < 30; i += 3)
		printf("# cpu%u: x%-2d=0x%016lx x%-2d=0x%016lx "
		       "x%-2d=0x%016lx\n", cpu, i, f->x[i], i + 1, f->x[i + 1],
		       i + 2, f->x[i + 2]);
	printf("# cpu%u: x30=0x%016lx sp =0x%016lx spsr=0x%08lx\n",
	       cpu, f->x[30], f->sp, f->spsr);
}

static void __attribute__((noreturn))
unexpected_exception(struct exc_state *st, const struct exc_frame *f,
		     unsigned int vector)
{
	unsigned int cpu = this_cpu();

	/*
	 * Depth 1 reports. An exception while reporting (depth 2) skips the
	 * report and just tries to end the run; one while ending it (depth
	 * 3) stops this CPU, as nothing else is left to try.
	 */
	st->unexpected_depth++;
	if (st->unexpected_depth == 1) {
		testdev_write64(TESTDEV_EXC_ESR, f->esr);
		testdev_write64(TESTDEV_EXC_ELR, f->elr);
		testdev_write64(TESTDEV_EXC_FAR, f->far);
		testdev_write64(TESTDEV_EXC_SPSR, f->spsr);
		testdev_write32(TESTDEV_EXC_REPORT, vector);

		printf("# cpu%u: unexpected %s exception, ESR.EC=0x%02lx\n",
		       cpu, vector_names[vector], ESR_EC(f->esr));
		print_frame(cpu, f);
		printf("Bail out! unexpected exception: vector %u ESR=0x%lx "
		       "ELR=0x%lx FAR=0x%lx\n", vector, f->esr, f->elr, f->far);
	}
	if (st->unexpected_depth <= 2)
		guest_exit(EXIT_STATUS_FAIL);
	cpu_halt();
}

void exception_dispatch(struct exc_frame *frame, uint64_t vector)
{
	/* TPIDR_EL1 is set before VBAR_EL1, so this index is always valid. */
	struct exc_state *st = &exc_states[this_cpu()];

	if (vector == VECTOR_CURRENT_SPX_SYNC && st->armed &&
	    (st->ec == EXC_EXPECT_ANY_EC || ESR_EC(frame->esr) == st->ec)) {
		st->armed = false;
		st->esr = frame->esr;
		st->far = frame->far;
		st->taken = true;
		frame->elr += 4;	/* every A64 instruction is 4 bytes */
		return;
	}
	unexpected_exception(st, frame, (unsigned int)vector & 15);
}
