/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stopping every vCPU thread at a safe point (outside KVM_RUN, between
 * exits) and letting them all go again: snapshots, reboot and anything
 * else that must see every vCPU's state at once go through it.
 *
 * Members (the vCPU threads) join when they start, leave when they end and
 * call pause_point() wherever they may park - in practice only after a
 * kick made KVM_RUN return, so the plain exit path pays nothing. One pause
 * is active at a time; a member may request one from its own thread (an
 * exit handler), it then counts as parked itself. No KVM here: the barrier
 * is unit-tested with plain threads.
 */
#ifndef KVMINI_PAUSE_H
#define KVMINI_PAUSE_H

#include <pthread.h>

#include <kvmini/compiler.h>

struct pause_barrier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int members;	/* threads taking part */
	unsigned int parked;	/* members waiting in pause_point() */
	bool active;		/* a pause is requested or held */
	unsigned int generation;	/* counts pauses, to tell one from the next */
};

void pause_init(struct pause_barrier *b);
void pause_destroy(struct pause_barrier *b);
/*
 * A member thread starts / ends (an ending member never blocks a pause).
 * A thread joining while a pause is active parks in pause_join() until
 * it ends: it counts as a member from then on, and it is at a safe point
 * since it has not run yet.
 */
void pause_join(struct pause_barrier *b);
void pause_leave(struct pause_barrier *b);
/* Cheap, lock-free: is a pause requested or held? */
bool pause_requested(struct pause_barrier *b);
/* A member at a safe point: if a pause is requested, park until resumed. */
void pause_point(struct pause_barrier *b);
/*
 * Request a pause and return once every member is parked. kick(arg) is
 * called after the request is visible, to make members reach a safe point
 * (the VM sends its vCPU kick). caller_is_member: the caller is a member
 * thread, which counts as parked while it holds the pause. If another pause
 * is active, waits for it to end first (a member caller parks meanwhile),
 * and for the members it released to leave pause_point().
 *
 * kick may be called again, every 10 ms, until all members are parked
 * (a kick can race with a member entering KVM_RUN and be lost): it must be
 * cheap and safe to repeat. It runs without the barrier's lock held.
 * There is no timeout: a member that never parks nor leaves hangs the
 * caller (a warning is logged after a second).
 *
 * The holder must call neither pause_point() nor pause_all() before its
 * pause_resume(): it would wait for itself.
 */
void pause_all(struct pause_barrier *b, bool caller_is_member,
	       void (*kick)(void *arg), void *arg);
/* End the pause this caller holds: parked members run on. */
void pause_resume(struct pause_barrier *b);

#endif
