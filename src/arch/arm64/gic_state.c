// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel GICv3's state for snapshots, through the device attributes
 * of Documentation/virt/kvm/devices/arm-vgic-v3.rst: distributor and
 * redistributor registers as 32-bit accesses by offset, the CPU interface
 * as 64-bit system registers, and the line level of level-triggered SPIs.
 *
 * The order is the restore's (QEMU's, for the same reasons): the
 * distributor's enable first, then the redistributors and CPU interfaces,
 * then the distributor's interrupts; within each, configuration before
 * enables before pending before active.
 *
 * The state is the registers' values in one fixed order derived from the
 * machine (interrupt count, vCPUs): the offsets come from tables here, never
 * from the snapshot, so a snapshot can only carry values, not choose what
 * is written where.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kvmini/log.h>
#include <kvmini/state.h>
#include <kvmini/vcpu.h>
#include <kvmini/vm.h>

#include "arm64.h"
#include "layout.h"

/* Distributor registers (GIC architecture spec, GICD_*), offsets into its frame. */
#define GICD_CTLR	0x0000
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ICENABLER	0x0180
#define GICD_ISPENDR	0x0200
#define GICD_ICPENDR	0x0280
#define GICD_ISACTIVER	0x0300
#define GICD_ICACTIVER	0x0380
#define GICD_IPRIORITYR	0x0400
#define GICD_ICFGR	0x0c00
#define GICD_IGRPMODR	0x0d00
#define GICD_IROUTER	0x6000

/* Redistributor: the RD frame, then the SGI frame 64 KiB above it. */
#define GICR_CTLR	0x0000
#define GICR_PROPBASER	0x0070
#define GICR_PENDBASER	0x0078
#define GICR_SGI	0x10000

/* ICC_CTLR_EL1.PRIbits: priority bits implemented, minus one. */
#define ICC_CTLR_PRIBITS(v)	((unsigned int)(((v) >> 8) & 7) + 1)

/* The CPU interface's encodings (op0, op1, CRn, CRm, op2), as the attribute wants them. */
#define ICC_SYSREG(op0, op1, crn, crm, op2) \
	((uint64_t)(op0) << 14 | (uint64_t)(op1) << 11 | (uint64_t)(crn) << 7 | \
	 (uint64_t)(crm) << 3 | (uint64_t)(op2))
#define ICC_PMR_EL1	ICC_SYSREG(3, 0, 4, 6, 0)
#define ICC_BPR0_EL1	ICC_SYSREG(3, 0, 12, 8, 3)
#define ICC_AP0R_EL1(n)	ICC_SYSREG(3, 0, 12, 8, 4 + (n))
#define ICC_AP1R_EL1(n)	ICC_SYSREG(3, 0, 12, 9, (n))
#define ICC_BPR1_EL1	ICC_SYSREG(3, 0, 12, 12, 3)
#define ICC_CTLR_EL1	ICC_SYSREG(3, 0, 12, 12, 4)
#define ICC_SRE_EL1	ICC_SYSREG(3, 0, 12, 12, 5)
#define ICC_IGRPEN0_EL1	ICC_SYSREG(3, 0, 12, 12, 6)
#define ICC_IGRPEN1_EL1	ICC_SYSREG(3, 0, 12, 12, 7)

/* One bit, one byte, two bits or eight bytes per interrupt: registers per 32 INTIDs. */
struct gic_range {
	uint32_t base;		/* offset of the register for INTID 0 */
	unsigned int bits;	/* per interrupt */
	uint32_t clear;		/* the matching clear register, 0: none */
};

/*
 * The distributor's per-SPI registers, in restore order (QEMU's too):
 * configuration, priorities, routing and enables before pending state (a
 * level interrupt's pending bit depends on its trigger; a pending bit is
 * only queued to a vCPU once the interrupt is enabled), active state last.
 * The line levels go between the enables and the pending bits.
 */
static const struct gic_range gicd_config_ranges[] = {
	{ GICD_IGROUPR, 1, 0 },
	{ GICD_IGRPMODR, 1, 0 },
	{ GICD_ICFGR, 2, 0 },
	{ GICD_IPRIORITYR, 8, 0 },
	{ GICD_IROUTER, 64, 0 },
	{ GICD_ISENABLER, 1, GICD_ICENABLER },
};

static const struct gic_range gicd_state_ranges[] = {
	{ GICD_ISPENDR, 1, GICD_ICPENDR },
	{ GICD_ISACTIVER, 1, GICD_ICACTIVER },
};

/* A redistributor's SGI/PPI registers (INTIDs 0-31), the same order. */
static const struct gic_range gicr_ranges[] = {
	{ GICR_SGI + GICD_IGROUPR, 1, 0 },
	{ GICR_SGI + GICD_IGRPMODR, 1, 0 },
	{ GICR_SGI + GICD_ICFGR, 2, 0 },
	{ GICR_SGI + GICD_IPRIORITYR, 8, 0 },
	{ GICR_SGI + GICD_ISENABLER, 1, GICR_SGI + GICD_ICENABLER },
	{ GICR_SGI + GICD_ISPENDR, 1, GICR_SGI + GICD_ICPENDR },
	{ GICR_SGI + GICD_ISACTIVER, 1, GICR_SGI + GICD_ICACTIVER },
};

/* What the attribute calls a vCPU: its MPIDR's affinity fields packed in 32 bits. */
static uint64_t gic_mpidr_attr(const struct vm *vm, unsigned int cpu)
{
	uint64_t mpidr = vm->arch->mpidrs[cpu];
	uint64_t aff = ((mpidr >> 8) & 0xff000000) | (mpidr & 0x00ffffff);

	return aff << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
}

static int gic_attr(int fd, bool set, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return set ? kvm_ioctl(fd, KVM_SET_DEVICE_ATTR, &a) :
		     kvm_ioctl(fd, KVM_GET_DEVICE_ATTR, &a);
}

/*
 * The way through every register, shared by save and load so the two
 * cannot disagree on the order: reg32() and reg64() move one value between
 * the GIC and the state, in the direction the walker was made for.
 */
struct gic_walk {
	struct vm *vm;
	struct state_buf *st;
	bool load;
};

static int gic_reg32(struct gic_walk *w, uint32_t group, uint64_t attr, uint32_t clear_off)
{
	int fd = w->vm->arch->gic_fd;
	uint32_t v = 0;
	int ret;

	if (!w->load) {
		ret = gic_attr(fd, false, group, attr, &v);
		state_put_u32(w->st, v);
		return ret;
	}
	v = state_get_u32(w->st);
	if (w->st->err)
		return w->st->err;
	/*
	 * Set/clear pairs: a fresh GIC has bits set of its own (SGIs come up
	 * enabled), so clear what the saved state has clear, then set.
	 */
	if (clear_off) {
		uint32_t inv = ~v;

		ret = gic_attr(fd, true, group, (attr & ~0xffffffffULL) | clear_off, &inv);
		if (ret)
			return ret;
	}
	return gic_attr(fd, true, group, attr, &v);
}

static int gic_sysreg(struct gic_walk *w, unsigned int cpu, uint64_t reg, uint64_t *val)
{
	uint64_t attr = gic_mpidr_attr(w->vm, cpu) | reg;
	int fd = w->vm->arch->gic_fd;
	int ret;

	if (!w->load) {
		ret = gic_attr(fd, false, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, attr, val);
		state_put_u64(w->st, *val);
		return ret;
	}
	*val = state_get_u64(w->st);
	if (w->st->err)
		return w->st->err;
	return gic_attr(fd, true, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, attr, val);
}

/* Registers covering INTIDs [first, last) of one range; mpidr 0 for the distributor. */
static int gic_walk_range(struct gic_walk *w, uint32_t group, uint64_t mpidr,
			  const struct gic_range *r, unsigned int first, unsigned int last)
{
	unsigned int per_reg = 32 / r->bits ? 32 / r->bits : 1;
	int ret = 0;

	/* IROUTER is 64 bits an interrupt: two 32-bit halves. */
	if (r->bits == 64) {
		for (unsigned int irq = first; irq < last && !ret; irq++)
			for (unsigned int half = 0; half < 2 && !ret; half++)
				ret = gic_reg32(w, group, mpidr | (r->base + 8 * irq + 4 * half), 0);
		return ret;
	}
	for (unsigned int irq = first; irq < last && !ret; irq += per_reg) {
		uint32_t off = r->base + (irq / per_reg) * 4;
		uint32_t clear = r->clear ? r->clear + (irq / per_reg) * 4 : 0;

		ret = gic_reg32(w, group, mpidr | off, clear);
	}
	return ret;
}

static int gic_walk_distributor(struct gic_walk *w)
{
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(gicd_config_ranges) && !ret; i++)
		ret = gic_walk_range(w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, &gicd_config_ranges[i],
				     32, ARM64_GIC_NR_IRQS);
	/*
	 * The line level of level-triggered SPIs, 32 a word: a pending bit
	 * alone does not say whether the device still holds the line.
	 */
	for (unsigned int irq = 32; irq < ARM64_GIC_NR_IRQS && !ret; irq += 32)
		ret = gic_reg32(w, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				(uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL <<
				KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT | irq, 0);
	for (size_t i = 0; i < ARRAY_SIZE(gicd_state_ranges) && !ret; i++)
		ret = gic_walk_range(w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, &gicd_state_ranges[i],
				     32, ARM64_GIC_NR_IRQS);
	return ret;
}

static int gic_walk_redistributor(struct gic_walk *w, unsigned int cpu)
{
	uint64_t mpidr = gic_mpidr_attr(w->vm, cpu);
	static const uint32_t lpi_regs[] = {
		GICR_PROPBASER, GICR_PROPBASER + 4, GICR_PENDBASER, GICR_PENDBASER + 4,
	};
	int ret = 0;

	/* The LPI tables' bases before GICR_CTLR can enable LPIs. */
	for (size_t i = 0; i < ARRAY_SIZE(lpi_regs) && !ret; i++)
		ret = gic_reg32(w, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr | lpi_regs[i], 0);
	for (size_t i = 0; i < ARRAY_SIZE(gicr_ranges) && !ret; i++)
		ret = gic_walk_range(w, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr,
				     &gicr_ranges[i], 0, 32);
	if (!ret)
		ret = gic_reg32(w, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr | GICR_CTLR, 0);
	return ret;
}

static int gic_walk_cpu_interface(struct gic_walk *w, unsigned int cpu)
{
	static const uint64_t plain[] = {
		ICC_SRE_EL1, ICC_PMR_EL1, ICC_BPR0_EL1, ICC_BPR1_EL1,
	};
	uint64_t ctlr = 0, v = 0;
	unsigned int bits, nr_apr;
	int ret;

	/* ICC_CTLR_EL1 first: its PRIbits say how many active-priority registers exist. */
	ret = gic_sysreg(w, cpu, ICC_CTLR_EL1, &ctlr);
	for (size_t i = 0; i < ARRAY_SIZE(plain) && !ret; i++)
		ret = gic_sysreg(w, cpu, plain[i], &v);
	if (ret)
		return ret;
	/*
	 * The active-priority registers that exist: one of each group for 5
	 * priority bits, two for 6, four for 7 or more (GICv3 spec, ICC_AP0R<n>).
	 */
	bits = ICC_CTLR_PRIBITS(ctlr);
	nr_apr = bits >= 7 ? 4 : bits == 6 ? 2 : 1;
	for (unsigned int n = 0; n < nr_apr && !ret; n++)
		ret = gic_sysreg(w, cpu, ICC_AP0R_EL1(n), &v);
	for (unsigned int n = 0; n < nr_apr && !ret; n++)
		ret = gic_sysreg(w, cpu, ICC_AP1R_EL1(n), &v);
	/* The group enables last. */
	if (!ret)
		ret = gic_sysreg(w, cpu, ICC_IGRPEN0_EL1, &v);
	if (!ret)
		ret = gic_sysreg(w, cpu, ICC_IGRPEN1_EL1, &v);
	return ret;
}

static int gic_walk(struct gic_walk *w)
{
	struct vm *vm = w->vm;
	int ret = 0;

	/*
	 * GICD_CTLR first: KVM queues an interrupt made pending to its vCPU
	 * only while the distributor is enabled, and enabling it later does
	 * not look again - a pending SGI or a held line restored before it
	 * would never be delivered (a vCPU that never wakes). No vCPU runs
	 * during a restore, so nothing is delivered half-way either.
	 */
	ret = gic_reg32(w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, GICD_CTLR, 0);
	for (unsigned int cpu = 0; cpu < vm->nr_vcpus && !ret; cpu++)
		ret = gic_walk_redistributor(w, cpu);
	for (unsigned int cpu = 0; cpu < vm->nr_vcpus && !ret; cpu++)
		ret = gic_walk_cpu_interface(w, cpu);
	if (!ret)
		ret = gic_walk_distributor(w);
	return ret;
}

int arm64_gic_save(struct vm *vm, struct state_buf *out)
{
	struct gic_walk w = { .vm = vm, .st = out, .load = false };
	int ret;

	state_put_u32(out, ARM64_GIC_NR_IRQS);
	state_put_u32(out, vm->nr_vcpus);
	ret = gic_walk(&w);
	if (ret)
		log_err("gic", "reading the GIC's state failed: %s", strerror(-ret));
	return ret ?: state_write_done(out);
}

int arm64_gic_check_shape(struct state_buf *in, unsigned int nr_cpus)
{
	uint32_t saved_irqs = state_get_u32(in), saved_cpus = state_get_u32(in);

	if (in->err || saved_irqs != ARM64_GIC_NR_IRQS || saved_cpus != nr_cpus) {
		log_err("gic", "the snapshot's GIC has %u interrupts and %u CPUs; "
			"this machine's has %u and %u", saved_irqs, saved_cpus,
			ARM64_GIC_NR_IRQS, nr_cpus);
		return -EBADMSG;
	}
	return 0;
}

int arm64_gic_load(struct vm *vm, struct state_buf *in)
{
	struct gic_walk w = { .vm = vm, .st = in, .load = true };
	int ret = arm64_gic_check_shape(in, vm->nr_vcpus);

	if (ret)
		return ret;
	ret = gic_walk(&w);
	if (!ret)
		ret = state_read_done(in);
	if (ret == -EBADMSG)
		log_err("gic", "the snapshot's GIC state is %zu bytes, not what this "
			"machine's GIC takes", in->len);
	else if (ret)
		log_err("gic", "restoring the GIC's state failed: %s", strerror(-ret));
	return ret;
}

/*
 * The ITS (arm-vgic-its.rst): its tables live in guest RAM, so they are
 * flushed there (with the LPIs' pending bits) before RAM is saved, and read
 * back from it on restore; its registers are saved here, and restored in
 * the documented order - GITS_CBASER (which resets GITS_CREADR), the
 * others, the tables, GITS_CTLR (which may enable it) last.
 */
#define GITS_CTLR	0x0000
#define GITS_IIDR	0x0004
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER(n)	(0x0100 + 8 * (n))	/* KVM has two: devices, collections */
/* GITS_CTLR.Quiescent: KVM's own, not the guest's. */
#define GITS_CTLR_QUIESCENT	(1ULL << 31)

static const uint32_t its_regs[] = {
	GITS_CBASER, GITS_IIDR, GITS_BASER(0), GITS_BASER(1), GITS_CREADR, GITS_CWRITER,
};

int arm64_its_flush(struct vm *vm)
{
	const struct arch_vm *a = vm->arch;
	int ret;

	if (a->its_fd < 0)
		return 0;
	ret = gic_attr(a->its_fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES,
		       NULL);
	if (!ret)
		ret = gic_attr(a->gic_fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL);
	if (ret)
		log_err("gic", "writing the ITS's tables and the pending LPIs to guest RAM "
			"failed: %s", strerror(-ret));
	return ret;
}

int arm64_its_save(struct vm *vm, struct state_buf *out)
{
	int fd = vm->arch->its_fd, ret = 0;
	uint64_t v = 0;

	state_put_u32(out, (uint32_t)ARRAY_SIZE(its_regs) + 1);
	for (size_t i = 0; i < ARRAY_SIZE(its_regs) && !ret; i++) {
		ret = gic_attr(fd, false, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, its_regs[i], &v);
		state_put_u64(out, v);
	}
	if (!ret)
		ret = gic_attr(fd, false, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GITS_CTLR, &v);
	state_put_u64(out, v & ~GITS_CTLR_QUIESCENT);
	if (ret)
		log_err("gic", "reading the ITS's registers failed: %s", strerror(-ret));
	return ret ?: state_write_done(out);
}

/* After the restore: each register reads what was saved, or the ITS did not take it. */
static int its_check(int fd, uint32_t reg, uint64_t want)
{
	uint64_t got;
	int ret = gic_attr(fd, false, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, reg, &got);

	if (reg == GITS_CTLR)
		got &= ~GITS_CTLR_QUIESCENT;
	if (!ret && got != want) {
		log_err("gic", "the ITS register at 0x%03x reads 0x%" PRIx64 " after the "
			"restore; the snapshot has 0x%" PRIx64, reg, got, want);
		ret = -EIO;
	}
	return ret;
}

int arm64_its_load(struct vm *vm, struct state_buf *in)
{
	int fd = vm->arch->its_fd, ret = 0;
	uint64_t v[ARRAY_SIZE(its_regs) + 1];

	if (state_get_u32(in) != ARRAY_SIZE(v) || in->err) {
		log_err("gic", "the snapshot's ITS section is malformed");
		return -EBADMSG;
	}
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		v[i] = state_get_u64(in);
	if (state_read_done(in)) {
		log_err("gic", "the snapshot's ITS section is malformed");
		return -EBADMSG;
	}
	for (size_t i = 0; i < ARRAY_SIZE(its_regs) && !ret; i++)
		ret = gic_attr(fd, true, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, its_regs[i], &v[i]);
	if (!ret)
		ret = gic_attr(fd, true, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES,
			       NULL);
	if (!ret)
		ret = gic_attr(fd, true, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GITS_CTLR,
			       &v[ARRAY_SIZE(its_regs)]);
	if (ret) {
		log_err("gic", "restoring the ITS failed: %s (KVM refuses tables in guest RAM "
			"that do not match its registers)", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < ARRAY_SIZE(its_regs) && !ret; i++)
		ret = its_check(fd, its_regs[i], v[i]);
	if (!ret)
		ret = its_check(fd, GITS_CTLR, v[ARRAY_SIZE(its_regs)]);
	if (!ret)
		log_info("gic", "ITS restored: %s, device table %s, collection table %s",
			 v[ARRAY_SIZE(its_regs)] & 1 ? "enabled" : "disabled",
			 v[2] >> 63 ? "in use" : "none", v[3] >> 63 ? "in use" : "none");
	return ret;
}
