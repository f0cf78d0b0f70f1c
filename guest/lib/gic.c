// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal GICv3 setup. Both security configurations are handled: KVM's
 * vGIC has a single security state (GICD_CTLR.DS = 1), but a GIC with two
 * security states shows Non-secure software a different GICD_CTLR layout.
 */
#include "lib/gic.h"
#include "lib/mmio.h"
#include "lib/print.h"
#include "lib/sysreg.h"
#include "lib/timer.h"

#define GICD_CTLR			0x0000
#define GICD_CTLR_RWP			(1U << 31)
#define GICD_CTLR_DS			(1U << 6)
#define GICD_CTLR_ARE			(1U << 4)	/* ARE_NS if DS = 0 */
#define GICD_CTLR_ENABLE_G1		(1U << 1)	/* DS = 1 layout */
#define GICD_CTLR_ENABLE_G1_NS		(1U << 0)	/* DS = 0, NS view */

#define GICR_FRAME_SIZE			0x20000		/* RD + SGI frames */
#define GICR_SGI_FRAME			0x10000
#define GICR_TYPER			0x0008
#define GICR_WAKER			0x0014
#define GICR_WAKER_PROCESSOR_SLEEP	(1U << 1)
#define GICR_WAKER_CHILDREN_ASLEEP	(1U << 2)
#define GICR_IGROUPR0			0x0080		/* SGI frame */
#define GICR_ISENABLER0			0x0100		/* SGI frame */
#define GICR_ISPENDR0			0x0200		/* SGI frame */
#define GICR_IPRIORITYR			0x0400		/* SGI frame, bytes */

#define ICC_SRE_SRE			(1UL << 0)
#define ICC_IGRPEN1_ENABLE		(1UL << 0)

#define GIC_TIMEOUT_MS			1000

static bool wait_rwp(uintptr_t gicd)
{
	uint64_t deadline = timer_deadline_ms(GIC_TIMEOUT_MS);

	while (mmio_read32(gicd + GICD_CTLR) & GICD_CTLR_RWP) {
		/* Read again past the deadline: this vCPU may have been stopped between. */
		if (timer_passed(deadline) && (mmio_read32(gicd + GICD_CTLR) & GICD_CTLR_RWP))
			return false;
	}
	return true;
}

bool gic_dist_enable(uintptr_t gicd, char *err, size_t err_size)
{
	uint32_t ctlr = mmio_read32(gicd + GICD_CTLR) & ~GICD_CTLR_RWP;
	uint32_t enable = ctlr & GICD_CTLR_DS ? GICD_CTLR_ENABLE_G1
					      : GICD_CTLR_ENABLE_G1_NS;

	/* Affinity routing first, then the group enable on top of it. */
	mmio_write32(gicd + GICD_CTLR, ctlr | GICD_CTLR_ARE);
	if (!wait_rwp(gicd))
		goto timeout;
	mmio_write32(gicd + GICD_CTLR, ctlr | GICD_CTLR_ARE | enable);
	if (!wait_rwp(gicd))
		goto timeout;

	ctlr = mmio_read32(gicd + GICD_CTLR);
	if ((ctlr & (GICD_CTLR_ARE | enable)) != (GICD_CTLR_ARE | enable)) {
		snprintf(err, err_size, "GICD_CTLR reads 0x%08x after enabling "
			 "affinity routing and Group 1", ctlr);
		return false;
	}
	return true;

timeout:
	snprintf(err, err_size, "GICD_CTLR.RWP stayed set for %u ms",
		 GIC_TIMEOUT_MS);
	return false;
}

/* MPIDR affinity in GICR_TYPER's Affinity_Value layout: Aff3.Aff2.Aff1.Aff0. */
static uint32_t mpidr_to_gic_affinity(uint64_t mpidr)
{
	return (uint32_t)((mpidr >> 32 & 0xff) << 24 | (mpidr & 0xffffff));
}

bool gic_redist_for_cpu(uintptr_t gicr_base, uint64_t gicr_size,
			unsigned int vcpu, uint64_t mpidr, uintptr_t *rd,
			char *err, size_t err_size)
{
	uint64_t offset = (uint64_t)vcpu * GICR_FRAME_SIZE;
	uint32_t affinity;

	if (offset >= gicr_size || gicr_size - offset < GICR_FRAME_SIZE) {
		snprintf(err, err_size, "no redistributor for vCPU %u in a "
			 "0x%lx-byte region", vcpu, gicr_size);
		return false;
	}
	*rd = gicr_base + offset;
	affinity = (uint32_t)(mmio_read64(*rd + GICR_TYPER) >> 32);
	if (affinity != mpidr_to_gic_affinity(mpidr)) {
		snprintf(err, err_size, "redistributor %u has affinity 0x%08x, "
			 "this CPU's MPIDR 0x%lx says 0x%08x", vcpu, affinity,
			 mpidr, mpidr_to_gic_affinity(mpidr));
		return false;
	}
	return true;
}

static void set_bit32(uintptr_t reg, unsigned int bit)
{
	mmio_write32(reg, mmio_read32(reg) | 1U << bit);
}

bool gic_cpu_enable_ppi(uintptr_t rd, unsigned int intid, uint8_t priority,
			char *err, size_t err_size)
{
	uintptr_t sgi = rd + GICR_SGI_FRAME;
	uintptr_t prio_reg = sgi + GICR_IPRIORITYR + (intid & ~3U);
	unsigned int prio_shift = 8 * (intid & 3);
	uint64_t deadline, pmr;
	uint32_t prio, waker;

	waker = mmio_read32(rd + GICR_WAKER);
	mmio_write32(rd + GICR_WAKER, waker & ~GICR_WAKER_PROCESSOR_SLEEP);
	deadline = timer_deadline_ms(GIC_TIMEOUT_MS);
	while (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP) {
		if (timer_passed(deadline) &&
		    (mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)) {
			snprintf(err, err_size, "GICR_WAKER.ChildrenAsleep "
				 "stayed set for %u ms", GIC_TIMEOUT_MS);
			return false;
		}
	}

	/* Word accesses only: a VMM need not emulate byte-wide IPRIORITYR. */
	set_bit32(sgi + GICR_IGROUPR0, intid);
	prio = mmio_read32(prio_reg) & ~(0xffU << prio_shift);
	mmio_write32(prio_reg, prio | (uint32_t)priority << prio_shift);
	mmio_write32(sgi + GICR_ISENABLER0, 1U << intid);

	write_sysreg(read_sysreg(SYS_ICC_SRE_EL1) | ICC_SRE_SRE,
		     SYS_ICC_SRE_EL1);
	isb();
	if (!(read_sysreg(SYS_ICC_SRE_EL1) & ICC_SRE_SRE)) {
		snprintf(err, err_size, "ICC_SRE_EL1.SRE does not stick: no "
			 "GICv3 system register interface");
		return false;
	}
	write_sysreg(0xff, SYS_ICC_PMR_EL1);
	write_sysreg(ICC_IGRPEN1_ENABLE, SYS_ICC_IGRPEN1_EL1);
	isb();

	/* Read it all back: a wrong setting would leave WFI asleep forever. */
	prio = mmio_read32(prio_reg) >> prio_shift & 0xff;
	pmr = read_sysreg(SYS_ICC_PMR_EL1);
	if (!(mmio_read32(sgi + GICR_IGROUPR0) & 1U << intid) ||
	    !(mmio_read32(sgi + GICR_ISENABLER0) & 1U << intid) ||
	    prio >= pmr ||
	    !(read_sysreg(SYS_ICC_IGRPEN1_EL1) & ICC_IGRPEN1_ENABLE)) {
		snprintf(err, err_size, "PPI %u setup did not stick: IGROUPR0="
			 "0x%08x ISENABLER0=0x%08x priority=0x%02x PMR=0x%02lx "
			 "IGRPEN1=%lu", intid, mmio_read32(sgi + GICR_IGROUPR0),
			 mmio_read32(sgi + GICR_ISENABLER0), prio, pmr,
			 read_sysreg(SYS_ICC_IGRPEN1_EL1));
		return false;
	}
	return true;
}

bool gic_ppi_pending(uintptr_t rd, unsigned int intid)
{
	return mmio_read32(rd + GICR_SGI_FRAME + GICR_ISPENDR0) & 1U << intid;
}
