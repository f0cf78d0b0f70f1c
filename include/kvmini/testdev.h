/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvmini's test device: lets a guest return an exit status, make cheap
 * exits to the VMM, learn its vCPU index and report unexpected exceptions.
 * Register map (little-endian; each register has one access size):
 *
 *   0x00 ID          RO 32  0x544d564b ('KVMT')
 *   0x04 VERSION     RO 32  1
 *   0x08 EXIT_STATUS WO 32  the guest's exit status, 0..255 (77: skipped)
 *   0x10 PING        RW 32  write: an exit to the VMM; read: writes so far
 *   0x18 EXC_ESR     WO 64  \
 *   0x20 EXC_ELR     WO 64   | an unexpected exception, filled in first,
 *   0x28 EXC_FAR     WO 64   | per vCPU
 *   0x30 EXC_SPSR    WO 64  /
 *   0x38 EXC_REPORT  WO 32  vector index: report the exception (run fails)
 *   0x40 CPU         RO 32  index of the vCPU reading it
 */
#ifndef KVMINI_TESTDEV_H
#define KVMINI_TESTDEV_H

#include <pthread.h>

#include <kvmini/bus.h>

struct vcpu;

#define TESTDEV_REGION_SIZE 0x1000
#define TESTDEV_ID 0x544d564bU
#define TESTDEV_VERSION 1U

enum testdev_reg {
	TESTDEV_REG_ID = 0x00,
	TESTDEV_REG_VERSION = 0x04,
	TESTDEV_REG_EXIT_STATUS = 0x08,
	TESTDEV_REG_PING = 0x10,
	TESTDEV_REG_EXC_ESR = 0x18,
	TESTDEV_REG_EXC_ELR = 0x20,
	TESTDEV_REG_EXC_FAR = 0x28,
	TESTDEV_REG_EXC_SPSR = 0x30,
	TESTDEV_REG_EXC_REPORT = 0x38,
	TESTDEV_REG_CPU = 0x40,
};

struct testdev_exception {
	uint64_t esr, elr, far, spsr;
};

struct testdev {
	pthread_mutex_t lock;
	unsigned int nr_cpus;
	struct testdev_exception *exc;	/* one per vCPU */
	uint32_t ping_count;
	uint64_t ping_first_ns, ping_last_ns;	/* for exit-cost benchmarks */
	bool status_set;
	uint32_t status;
	bool failed;		/* bad status or an exception was reported */
	struct ratelimit rl;
	/* Fault injection (--inject-fault): called on the nth PING write. */
	uint32_t inject_at_ping;
	void (*inject)(struct vcpu *vcpu);
};

int __must_check testdev_init(struct testdev *td, struct bus *bus,
			      uint64_t base, unsigned int nr_cpus);
void testdev_destroy(struct testdev *td);

/*
 * The status the run should end with once the guest is off: the reported
 * status, 1 if the guest misbehaved, or `fallback` if it reported nothing.
 */
int testdev_exit_status(struct testdev *td, int fallback);

#endif
