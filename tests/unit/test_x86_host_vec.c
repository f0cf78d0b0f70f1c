// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 host vector check (src/test/x86_64/host_vec.c), run natively at
 * every width this machine has: its state kept across a syscall into the
 * kernel (KVM_RUN on fd -1, which fails at once: no KVM needed) and the
 * window after it, with its timer signals landing; and --inject-fault
 * host-vec, a register flipped in a signal frame, caught and named. The
 * emulated x86 host has no AVX-512, so this is where the ZMM width runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/test/x86_64/host_vec.h"

#include "tap.h"

#define ROUNDS 3000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_width(enum host_vec_width width)
{
	struct host_vec hv;
	uint64_t signals = host_vec_signals();
	int bad = 0, wrong_ret = 0, run_ret = 0;

	if (host_vec_start(&hv, 0, width)) {
		ok(false, "%s: the signal timer starts", host_vec_width_name(width));
		return;
	}
	for (int i = 0; i < ROUNDS; i++) {
		bad += host_vec_kvm_run(&hv, -1, &run_ret) != 0;
		wrong_ret += run_ret != -EBADF;
	}
	host_vec_stop(&hv);
	ok(!bad && !wrong_ret && host_vec_signals() > signals,
	   "%s: kept across %d syscalls and windows, %llu timer signals (%d lost, %d wrong returns)",
	   host_vec_width_name(width), ROUNDS, (unsigned long long)(host_vec_signals() - signals),
	   bad, wrong_ret);
}

/* The injected flip is caught; the report (stderr) names the register. */
static void test_fault(enum host_vec_width width)
{
	static const char *const names[] = { "XMM3 byte 0", "YMM3 byte 0", "ZMM3 byte 0" };
	char report[4096] = "";
	FILE *log = tmpfile();
	int saved = dup(2), ret = 0, run_ret;
	struct host_vec hv;
	double end = now() + 20;
	size_t n;

	if (!log || saved < 0 || host_vec_start(&hv, 0, width)) {
		ok(false, "fault injection: set up");
		return;
	}
	fflush(stderr);
	dup2(fileno(log), 2);
	host_vec_arm_fault();
	while (!ret && now() < end)
		ret = host_vec_kvm_run(&hv, -1, &run_ret);
	host_vec_stop(&hv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(log);
	n = fread(report, 1, sizeof(report) - 1, log);
	report[n] = '\0';
	fclose(log);
	ok(ret == -EIO, "%s: an injected flip in a signal frame is caught (%d)",
	   host_vec_width_name(width), ret);
	ok(strstr(report, names[width]) != NULL, "the report names %s: %s", names[width], report);
}

int main(void)
{
	enum host_vec_width here = host_vec_width_here();

	printf("# this machine: %s\n", host_vec_width_name(here));
	for (int w = HOST_VEC_XMM; w <= HOST_VEC_ZMM; w++) {
		if (w <= (int)here)
			test_width((enum host_vec_width)w);
		else
			ok(true, "# SKIP %s: this CPU or kernel lacks it",
			   host_vec_width_name((enum host_vec_width)w));
	}
	test_fault(here);
	return tap_done();
}
