// SPDX-License-Identifier: GPL-2.0-only
/*
 * C entry points. start.S has set up the stack, vectors, FP/SIMD access
 * and the MMU by the time these run.
 */
#include "args.h"
#include "entry.h"
#include "lib/tap.h"
#include "machine.h"
#include "tests/cpu_tests.h"
#include "tests/tests.h"

void primary_main(uintptr_t dtb)
{
	/* Static: the secondaries read it through suite_config. */
	static struct machine machine;
	struct guest_args args;
	const char *dt_err;
	char err[200];

	tap_header();
	dt_err = machine_from_dtb(&machine, dtb);
	if (dt_err)
		tap_bail_out("bad device tree at 0x%lx: %s", dtb, dt_err);
	if (!args_parse(machine.bootargs, &args, err, sizeof(err)))
		tap_bail_out("bootargs: %s", err);

	switch (args.mode) {
	case MODE_FAULT:
		faults_run(&machine, args.fault);
	case MODE_BENCH_MMIO:
		bench_mmio_run(&machine, args.bench_count);
	case MODE_BENCH_SVE:
		bench_sve_run(&machine, args.bench_vl, args.bench_count);
	case MODE_TESTS:
		break;
	}
	suite_run(&machine, &args);
}

void secondary_main(unsigned int cpu)
{
	cpu_tests_run(cpu);
}
