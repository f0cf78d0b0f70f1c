/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmini's test device: lets a guest return an exit status, make cheap
 * exits to the VMM, learn its vCPU index, report unexpected exceptions and
 * ask the VMM to act on its vCPU (register round trips, SVE patterns).
 * The register map is in testdev-abi.h, shared with the guest. It is part
 * of the test machinery: only the embedded guest, or --test-device, has it.
 */
#ifndef KVMINI_TEST_TESTDEV_H
#define KVMINI_TEST_TESTDEV_H

#include <pthread.h>
#include <stdio.h>

#include <kvmini/device.h>
#include <kvmini/log.h>
#include <kvmini/testdev-abi.h>

struct vcpu;

#define TESTDEV_TYPE "testdev"
#define TESTDEV_REGION_SIZE 0x1000

/* What the test device keeps for each vCPU. */
struct testdev_cpu {
	uint64_t esr, elr, far, spsr;	/* an exception being reported */
	uint64_t request_arg;
	uint32_t request_status;	/* positive errno of the last request */
};

struct testdev {
	struct device dev;
	pthread_mutex_t lock;
	unsigned int nr_cpus;
	struct testdev_cpu *cpu;	/* one per vCPU */
	uint32_t ping_count;
	uint64_t ping_first_ns, ping_last_ns;	/* for exit-cost benchmarks */
	bool status_set;
	uint32_t status;
	bool failed;		/* bad status or an exception was reported */
	struct ratelimit rl;
	/*
	 * Called on every PING write from the writing vCPU's thread, with
	 * the tag written and the count so far (--inject-fault uses it).
	 */
	void (*ping_hook)(struct vcpu *vcpu, uint32_t tag, uint32_t count);
	/*
	 * Carries out a TESTDEV_REQ_* on the calling vCPU (set by the
	 * architecture's part of the test machinery): 0 or -errno.
	 */
	int (*request)(struct vcpu *vcpu, uint32_t req, uint64_t arg);
};

/* A test device at base for nr_cpus vCPUs; add it with vm_add_device(). */
int __must_check testdev_create(uint64_t base, unsigned int nr_cpus, struct testdev **out);
/*
 * The status the run should end with once the guest is off: the reported
 * status, 1 if the guest misbehaved, or `fallback` if it reported nothing.
 */
int testdev_exit_status(struct testdev *td, int fallback);
/*
 * A register write, as the device's ops->write does; called directly by
 * the x86 PING port, so its exit makes no second indirect call.
 */
void testdev_write(struct device *dev, unsigned int cpu, uint64_t offset, const void *data,
		   unsigned int len);
/* --stats: PING exits and their cost. */
void testdev_print_stats(struct testdev *td, FILE *f);

#endif
