// SPDX-License-Identifier: GPL-2.0-only
/* The exit-cost benchmark (bench=pio|mmio count=N), instead of the tests. */
#ifndef KVMINI_X86_GUEST_BENCH_H
#define KVMINI_X86_GUEST_BENCH_H

#include <stdint.h>
#include "params.h"

/* vCPU 0: plan 1, @count PINGs of @kind, one result, then power off. */
void __attribute__((noreturn)) bench_run(enum bench_kind kind, uint32_t count);

#endif
