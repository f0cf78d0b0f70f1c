// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's run modes, each with its own TAP plan. All run on CPU 0 and
 * end the run (guest_exit) instead of returning.
 */
#ifndef KVMINI_GUEST_TESTS_TESTS_H
#define KVMINI_GUEST_TESTS_TESTS_H

#include <stdint.h>
#include "args.h"
#include "machine.h"

/* The default: FP/SIMD, SVE and MTE state checks on every CPU (suite.c). */
void __attribute__((noreturn)) suite_run(const struct machine *m,
					 const struct guest_args *args);
/* fault=KIND: exercise the VMM's error handling (faults.c). */
void __attribute__((noreturn)) faults_run(const struct machine *m,
					  enum fault_kind kind);
/* bench=mmio: time @count MMIO exits (bench.c). */
void __attribute__((noreturn)) bench_mmio_run(const struct machine *m,
					      uint64_t count);
/* bench=sve vl=BITS count=N: verified SVE-state exits per second at one VL. */
void __attribute__((noreturn)) bench_sve_run(const struct machine *m,
					     unsigned int vl_bits, uint64_t count);

/* The "# bootargs: ..." line every mode prints after its plan. */
void tests_print_bootargs(const struct machine *m);

/* cpu_model.c: the ID registers as the VMM set them; SVE undefined without SVE. */
void check_id_registers(void);
void check_sve_undefined(void);

#endif
