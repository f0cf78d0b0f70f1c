// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of saving a vCPU's complete register state, at each SVE vector
 * length: kvmini's arm64_regs_get() (every id of KVM_GET_REG_LIST) against
 * a raw loop of KVM_GET_ONE_REG over the same ids, in the same process.
 *
 * Usage: regs-save [ROUNDS]     one line per vector length
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/kvm.h>
#include <kvmini/vcpu.h>

#include "../../src/arch/arm64/arm64.h"
#include "../../src/arch/arm64/sve.h"
#include "bench.h"

static int bench_vl(int kvm, const struct arm64_host *h, unsigned int vl, int rounds)
{
	struct arm64_vcpu_shape shape = { .sve = vl != 0 };
	struct vcpu vcpu = { .id = 0 };
	struct arm64_scratch s;
	struct arm64_regs r;
	uint8_t buf[256];
	double t0, t_kvmini[REPS], t_raw[REPS];
	int ret;

	if (vl && sve_vls_limit(h->sve_vls, vl / 128, shape.sve_vls))
		return 0;	/* not a VL this host has */
	ret = arm64_scratch_create(kvm, &shape, 0, &s);
	if (ret)
		return ret;
	vcpu.fd = s.vcpu_fd;
	ret = arm64_regs_list(&vcpu, &r);
	if (ret)
		goto out;
	/* Alternate the two, REPS times, and keep the medians: emulation is noisy. */
	for (int rep = 0; rep < REPS && !ret; rep++) {
		t0 = bench_now_s();
		for (int i = 0; i < rounds && !ret; i++)
			ret = arm64_regs_get(&vcpu, &r);
		t_kvmini[rep] = (bench_now_s() - t0) * 1e6 / rounds;
		t0 = bench_now_s();
		for (int i = 0; i < rounds && !ret; i++) {
			for (unsigned int j = 0; j < r.n && !ret; j++) {
				struct kvm_one_reg one = { .id = r.ids[j], .addr = (uintptr_t)buf };

				if (ioctl(vcpu.fd, KVM_GET_ONE_REG, &one) < 0)
					ret = -errno;
			}
		}
		t_raw[rep] = (bench_now_s() - t0) * 1e6 / rounds;
	}
	if (!ret)
		printf("regs-save: SVE %4u bits: %u registers, %zu bytes: kvmini %9.1f us, "
		       "raw loop %9.1f us, ratio %.3f (medians of %d)\n", vl, r.n, r.bytes,
		       bench_median(t_kvmini), bench_median(t_raw),
		       bench_median(t_kvmini) / bench_median(t_raw), REPS);
	arm64_regs_free(&r);
out:
	arm64_scratch_destroy(&s);
	return ret;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	struct arm64_host h;
	int kvm, ret;

	if (rounds < 1) {
		fprintf(stderr, "usage: regs-save [ROUNDS >= 1]\n");
		return 2;
	}
	kvm = kvm_open("/dev/kvm");
	if (kvm < 0)
		return 1;
	ret = arm64_host_probe(kvm, &h);
	if (!ret)
		ret = bench_vl(kvm, &h, 0, rounds);
	for (unsigned int vl = 128; vl <= 2048 && !ret && h.sve; vl *= 2)
		ret = bench_vl(kvm, &h, vl, rounds);
	close(kvm);
	return ret ? 1 : 0;
}
