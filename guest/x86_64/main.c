// SPDX-License-Identifier: GPL-2.0-only
/*
 * C entry points. vCPU 0 sets up what everybody shares (IDT, parameters,
 * the TAP plan), releases the others, runs its own tests, waits for the
 * rest and ends the run. Every vCPU prints its own results as it goes.
 * In bench mode (bench=pio|mmio) vCPU 0 runs the benchmark alone and the
 * others park.
 */
#include "apic.h"
#include "bench.h"
#include "entry.h"
#include "exceptions.h"
#include "lib/console.h"
#include "lib/tap.h"
#include "params.h"
#include "percpu.h"
#include "testdev.h"
#include "tests.h"

/* Written by vCPU 0 before boot_released; read-only afterwards. */
static struct guest_params params;
/* vCPUs whose results are all printed. */
static uint32_t cpus_done;

static void check_test_device(void)
{
	uint32_t id = testdev_read32(TESTDEV_ID);
	uint32_t version = testdev_read32(TESTDEV_VERSION);
	bool locked = console_lock();

	if (!tap_result(id == TESTDEV_ID_VALUE &&
			version == TESTDEV_VERSION_VALUE, "test device id"))
		tap_diag("ID=0x%08x (want 0x%08x) VERSION=%u (want %u)", id,
			 TESTDEV_ID_VALUE, version, TESTDEV_VERSION_VALUE);
	if (locked)
		console_unlock();
}

static void check_identity(const struct cpu_ctx *ctx)
{
	uint32_t index = testdev_read32(TESTDEV_CPU);
	unsigned int id = apic_id();
	unsigned int cpu = ctx->cpu;
	bool locked = console_lock();

	if (!tap_result(index == cpu, "cpu%u test device cpu index is %u",
			cpu, cpu))
		tap_diag("cpu%u: the test device's CPU register reads %u", cpu,
			 index);
	if (!tap_result(id == cpu, "cpu%u local apic id is %u", cpu, cpu))
		tap_diag("cpu%u: the local APIC's ID register says %u", cpu, id);
	if (locked)
		console_unlock();
}

void cpu_tests_run(unsigned int cpu, uint32_t iterations)
{
	struct cpu_ctx ctx = { .cpu = cpu, .iterations = iterations };
	const struct cpu_features *f = &ctx.feat;

	features_detect(&ctx.feat);
	ctx.hlt_ready = apic_timer_setup(ctx.apic_error, sizeof(ctx.apic_error));
	tap_diag("cpu%u: %s, AVX %s, AVX2 %s, XCR0 may hold 0x%lx, MXCSR_MASK "
		 "0x%x, msr exits on %s", cpu, f->vendor, f->avx ? "yes" : "no",
		 f->avx2 ? "yes" : "no", f->xcr0_supported, f->mxcsr_mask,
		 f->exit_msr_name);
	check_identity(&ctx);
	vec_tests_run(&ctx);
}

void primary_main(const char *str, uint64_t ncpus)
{
	char err[160];

	/* First: an exception anywhere later is then reported, not a triple fault. */
	idt_init();
	idt_load();
	tap_header();
	if (ncpus == 0 || ncpus > MAX_CPUS)
		tap_bail_out("the VMM says there are %lu vCPUs: this guest "
			     "runs on 1 to %u", ncpus, MAX_CPUS);
	if (!params_parse(str, &params, err, sizeof(err)))
		tap_bail_out("parameters: %s", err);
	if (params.bench != BENCH_NONE) {
		__atomic_store_n(&boot_released, 1, __ATOMIC_RELEASE);
		bench_run(params.bench, params.bench_count);
	}

	tap_plan(1 + TESTS_PER_CPU * (unsigned int)ncpus);
	tap_diag("parameters: \"%.200s\"", str ? str : "");
	tap_diag("%lu vCPUs, %u iterations per register class and exit kind",
		 ncpus, params.iterations);
	check_test_device();

	__atomic_store_n(&boot_released, 1, __ATOMIC_RELEASE);
	cpu_tests_run(0, params.iterations);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);

	/* A vCPU that never finishes is left to the VMM's timeout. */
	while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < ncpus)
		cpu_relax();
	guest_exit(tap_finish());
}

void secondary_main(unsigned int cpu)
{
	idt_load();
	if (params.bench != BENCH_NONE)
		cpu_park();
	cpu_tests_run(cpu, params.iterations);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
	cpu_park();
}
