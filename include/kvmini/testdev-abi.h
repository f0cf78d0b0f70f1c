/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test device's ABI, shared word for word by kvmini and the embedded
 * guest (which includes this file from its freestanding build: nothing
 * here may need more than <stdint.h>).
 *
 * Register map (little-endian; each register has exactly one access size):
 *
 *   0x00 ID             RO 32  TESTDEV_ID_VALUE ('KVMT')
 *   0x04 VERSION        RO 32  TESTDEV_VERSION_VALUE
 *   0x08 EXIT_STATUS    WO 32  the guest's exit status, 0..255 (77: skipped)
 *   0x10 PING           RW 32  write: an exit to the VMM; read: writes so far.
 *                              The value written is a tag: TESTDEV_PING_SVE
 *                              marks an exit taken with SVE state loaded
 *                              (what --inject-fault=sve aims at), else 0.
 *   0x18 EXC_ESR        WO 64  \
 *   0x20 EXC_ELR        WO 64   | an unexpected exception, filled in first,
 *   0x28 EXC_FAR        WO 64   | per vCPU
 *   0x30 EXC_SPSR       WO 64  /
 *   0x38 EXC_REPORT     WO 32  vector index: report the exception (run fails)
 *   0x40 CPU            RO 32  index of the vCPU reading it
 *   0x48 REQUEST        WO 32  ask the VMM to act on this vCPU during this
 *                              very exit (TESTDEV_REQ_*), per vCPU
 *   0x4c REQUEST_STATUS RO 32  0 if this vCPU's last request succeeded,
 *                              else a positive errno
 *   0x50 REQUEST_ARG    WO 64  argument of this vCPU's next request
 *
 * On x86_64 the EXC_* registers hold: ESR = vector | error code << 32,
 * ELR = RIP, FAR = CR2, SPSR = RFLAGS; EXC_REPORT takes the vector. The
 * device is also at I/O port X86_TESTDEV_PORT there, where a 32-bit write
 * is a PING by port I/O (a PIO exit instead of an MMIO one).
 */
#ifndef KVMINI_TESTDEV_ABI_H
#define KVMINI_TESTDEV_ABI_H

#include <stdint.h>

#define TESTDEV_ID		0x00
#define TESTDEV_VERSION		0x04
#define TESTDEV_EXIT_STATUS	0x08
#define TESTDEV_PING		0x10
#define TESTDEV_EXC_ESR		0x18
#define TESTDEV_EXC_ELR		0x20
#define TESTDEV_EXC_FAR		0x28
#define TESTDEV_EXC_SPSR	0x30
#define TESTDEV_EXC_REPORT	0x38
#define TESTDEV_CPU		0x40
#define TESTDEV_REQUEST		0x48
#define TESTDEV_REQUEST_STATUS	0x4c
#define TESTDEV_REQUEST_ARG	0x50

#define TESTDEV_ID_VALUE	0x544d564bU
#define TESTDEV_VERSION_VALUE	5U

#define TESTDEV_PING_SVE	0x53564521U	/* "!EVS": SVE state is live */
/*
 * MTE tags are set on the region whose descriptor this vCPU last wrote to
 * REQUEST_ARG, and will be checked after this exit (--inject-fault=mte-tag
 * aims at these).
 */
#define TESTDEV_PING_MTE	0x45544d21U	/* "!MTE" */
/* The timers hold patterns the guest checks after this exit (--inject-fault=timer aims here). */
#define TESTDEV_PING_CLOCK	0x4b4c4321U	/* "!CLK" */
/* x86_64: the XMM/YMM registers hold patterns the guest checks after this exit. */
#define TESTDEV_PING_VEC	0x43455621U	/* "!VEC" */

/* Requests (write to REQUEST). */
enum testdev_request {
	/*
	 * Read every register of this vCPU through KVM_GET_ONE_REG (the
	 * full KVM_GET_REG_LIST, SVE slices included) and write each back
	 * with KVM_SET_ONE_REG. The guest then checks nothing changed.
	 */
	TESTDEV_REQ_REGS_ROUNDTRIP = 1,
	/*
	 * Write testdev_sve_pattern_byte(REQUEST_ARG, ...) into Z0-Z31,
	 * P0-P15 and FFR of this vCPU through KVM_SET_ONE_REG, at the vCPU's
	 * maximum vector length. The guest checks the bytes within its
	 * current VL. Fails with EOPNOTSUPP on a vCPU without SVE.
	 */
	TESTDEV_REQ_SVE_WRITE_PATTERN = 2,
	/*
	 * Read every register of this vCPU and write them all into a fresh
	 * vCPU of a new, scratch VM (set up with the same features; the SVE
	 * vector lengths before KVM_ARM_VCPU_FINALIZE, ID registers first),
	 * then read that vCPU back and compare: the restore path of a
	 * snapshot. This vCPU itself is left untouched and runs on.
	 */
	TESTDEV_REQ_REGS_MOVE = 3,
	/*
	 * REQUEST_ARG is the guest-physical address of a struct
	 * testdev_mte_region. The VMM reads the allocation tags of
	 * [ipa, ipa + len) through KVM_ARM_MTE_COPY_TAGS and compares them
	 * with testdev_mte_pattern_tag(seed, granule): 0, or EIO on a
	 * mismatch (logged with the address, expected and found tag).
	 * EOPNOTSUPP without MTE, EINVAL for a bad descriptor (ipa and len
	 * page-aligned, len > 0, inside guest RAM), EFAULT for a descriptor
	 * outside RAM.
	 */
	TESTDEV_REQ_MTE_CHECK_TAGS = 4,
	/*
	 * The same descriptor; the VMM writes testdev_mte_pattern_tag(seed,
	 * granule) as the allocation tag of every 16-byte granule of the
	 * region through KVM_ARM_MTE_COPY_TAGS. The guest then checks with LDG.
	 */
	TESTDEV_REQ_MTE_WRITE_TAGS = 5,
	/*
	 * REQUEST_ARG is the guest-physical address of 64 little-endian
	 * u64s: what MRS read from S3_0_C0_C<crm>_<op2> for crm 0..7 and op2
	 * 0..7, in that order (in CRm 0 only MIDR and REVIDR; the rest 0).
	 * The VMM compares every register it knows with the CPU model it
	 * applied (without one, with what KVM_GET_ONE_REG reads): 0, EIO
	 * naming each difference, EFAULT outside RAM.
	 */
	TESTDEV_REQ_IDREGS_CHECK = 6,
	/*
	 * Pause every vCPU (each parks outside KVM_RUN, wherever it is), read
	 * every register of every vCPU from this vCPU's thread and write it
	 * back, then let them all run on: the path a snapshot takes. Each
	 * vCPU checks its own state afterwards as it always does.
	 */
	TESTDEV_REQ_PAUSE_ROUNDTRIP = 7,
	/*
	 * REQUEST_ARG is CNTVCT_EL0 as the guest read it just before this
	 * request. The VMM reads the vCPU's virtual counter as KVM keeps it
	 * (KVM_REG_ARM_TIMER_CNT: the host's counter less the VM's offset)
	 * during this exit: 0 if the guest's value is not ahead of KVM's and
	 * at most TESTDEV_COUNTER_SLACK_S behind; ERANGE otherwise (a host
	 * that lost the offset in hardware shows the guest another clock).
	 */
	TESTDEV_REQ_COUNTER_CHECK = 8,
	/*
	 * x86_64: write testdev_sve_pattern_byte(REQUEST_ARG, TESTDEV_SVE_Z,
	 * n, byte) as byte `byte` of vector register n (XMM0-15 bytes 0-15;
	 * with AVX enabled in the guest's XCR0 also YMM0-15 bytes 16-31)
	 * through KVM_GET_XSAVE2 / KVM_SET_XSAVE. The guest then checks its
	 * registers. ENOSYS on arm64 (an unknown request there).
	 */
	TESTDEV_REQ_VEC_WRITE_PATTERN = 9,
};

/* How far behind KVM's virtual counter the guest's read may be: exits stall on loaded hosts. */
#define TESTDEV_COUNTER_SLACK_S	10

/* In guest memory, little-endian; 8-byte aligned. */
struct testdev_mte_region {
	uint64_t ipa;		/* page-aligned */
	uint64_t len;		/* bytes, page-aligned, > 0 */
	uint64_t seed;
};

#define TESTDEV_MTE_GRANULE	16

/* The tag (0..15) of granule `granule` (0 = the one at ipa) of a region. */
static inline uint8_t testdev_mte_pattern_tag(uint64_t seed, uint64_t granule);

/* Register classes for testdev_sve_pattern_byte(). */
enum testdev_sve_class { TESTDEV_SVE_Z = 0, TESTDEV_SVE_P = 1, TESTDEV_SVE_FFR = 2 };

/* splitmix64's finaliser: every input bit flips about half the output. */
static inline uint64_t testdev_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * Byte `byte` (0 = least significant) of register `n` of class `cls` in
 * the pattern the VMM writes for TESTDEV_REQ_SVE_WRITE_PATTERN. FFR is
 * only architecturally defined as a run of ones from bit 0 (anything else
 * may read back differently on hardware), so its pattern is such a run, of
 * a seed-chosen length of 0 to 256 bits.
 */
static inline uint8_t testdev_sve_pattern_byte(uint64_t seed, unsigned int cls,
					       unsigned int n, unsigned int byte)
{
	uint64_t word;

	if (cls == TESTDEV_SVE_FFR) {
		unsigned int ones = (unsigned int)(testdev_mix64(seed ^ ((uint64_t)cls << 56)) % 257);

		if (ones >= 8 * (byte + 1))
			return 0xff;
		return ones > 8 * byte ? (uint8_t)((1U << (ones - 8 * byte)) - 1) : 0;
	}
	word = testdev_mix64(seed ^ ((uint64_t)cls << 56) ^ ((uint64_t)n << 48) ^ (byte / 8));
	return (uint8_t)(word >> (8 * (byte % 8)));
}

static inline uint8_t testdev_mte_pattern_tag(uint64_t seed, uint64_t granule)
{
	return (uint8_t)(testdev_mix64(seed ^ (0x4d5445ULL << 40) ^ granule) & 0xf);
}

#endif
