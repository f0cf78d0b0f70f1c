/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coalesced MMIO and PIO (KVM_(UN)REGISTER_COALESCED_MMIO): a guest's
 * writes into a zone a device registers do not exit to kvmini; KVM appends
 * them to a ring page it shares with kvmini, and kvmini replays them on
 * the device, in order, before it handles any exit, before the devices are
 * quiesced, frozen or reset, and at least every COALESCED_FLUSH_MS while
 * writes come, COALESCED_IDLE_FLUSH_MS at most after a quiet while (the
 * I/O thread kicks vCPU 0 to drain: a guest that writes and then spins
 * without an exit still has its writes seen).
 *
 * So a device may put in a zone only registers whose writes have no effect
 * the guest could notice without an exit of its own: the 8250's THR while
 * its THRE interrupt and loopback are off, not while the guest waits for an
 * interrupt the write would raise, nor while the write changes what a
 * register mirror (reg-mirror.h) shows - the guest reads that without an
 * exit.
 */
#ifndef KVMINI_COALESCED_H
#define KVMINI_COALESCED_H

#include <linux/kvm.h>
#include <stdint.h>

#include <kvmini/compiler.h>

struct vm;
struct device;

#define COALESCED_FLUSH_MS 20
/* The flush's longest period, reached while it finds nothing to replay. */
#define COALESCED_IDLE_FLUSH_MS 160

/*
 * After the first vCPU exists (the ring is mapped through its fd): 0 with
 * coalescing set up, or 0 without it when KVM has none (zones are then
 * refused and every write exits as before); -errno (logged) on a failure.
 * kick: called on the I/O thread when the ring holds writes at a flush; it
 * must make a vCPU thread return from KVM_RUN and drain.
 */
int __must_check coalesced_init(struct vm *vm, int vcpu_fd, void (*kick)(struct vm *vm));
void coalesced_destroy(struct vm *vm);
/*
 * Start (on) or stop coalescing the len bytes at offset in dev's region.
 * -EOPNOTSUPP when the VM has no coalescing (or none for ports): the
 * writes exit as before, so a caller needs no fallback. Other -errno: the
 * ioctl failed (logged, rate-limited).
 */
int vm_coalesce(struct vm *vm, const struct device *dev, uint64_t offset, uint32_t len,
		bool on);
/*
 * Back to the short flush period: console input arrived, and the guest's
 * echo may come through coalesced writes with no exit after it (a
 * bare-metal guest that writes THR and waits in WFI or HLT).
 */
void coalesced_hurry(struct vm *vm);
/* Replay every write in the ring on its device; cpu is the caller's vCPU (0 for others). */
void coalesced_drain(struct vm *vm, unsigned int cpu);
/*
 * Whether the ring (vm->coalesced_ring, NULL without coalescing) holds
 * writes not yet replayed. Inline: every exit asks, and the answer is
 * almost always no, so the exit path makes no call for it.
 */
static inline bool coalesced_pending(const struct kvm_coalesced_mmio_ring *ring)
{
	return ring && __atomic_load_n(&ring->first, __ATOMIC_RELAXED) !=
		       __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
}
/* Writes replayed so far (--stats). */
uint64_t coalesced_count(const struct vm *vm);

#endif
