// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pause barrier: a mutex, one condition variable broadcast on every
 * change, and an "active" flag members can poll without the lock.
 *
 * Invariants, all under b->lock:
 *  - a new pause starts only when none is active and parked == 0, i.e.
 *    every member released by the previous pause has left pause_point();
 *  - a pause is complete when parked + (1 if the holder is a member)
 *    reaches members.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmini/deadline.h>
#include <kvmini/log.h>
#include <kvmini/pause.h>

/*
 * How long pause_all() waits before kicking again. A member parks only
 * once it has seen the request, and a kick can race with it (sent just
 * before the member re-entered KVM_RUN, say): re-kicking bounds the cost
 * of a lost kick to this delay instead of a hang.
 */
#define PAUSE_REKICK_NS 10000000L
/* About one second of re-kicks before a stuck pause is worth a warning. */
#define PAUSE_WARN_REKICKS 100

static bool pause_active(struct pause_barrier *b)
{
	return __atomic_load_n(&b->active, __ATOMIC_ACQUIRE);
}

/*
 * Always written under the lock; atomic (release) only so pause_point()'s
 * lock-free check reads a whole value, ordered with what preceded it.
 */
static void pause_set_active(struct pause_barrier *b, bool active)
{
	__atomic_store_n(&b->active, active, __ATOMIC_RELEASE);
}

/* Init failures are not reportable through this API; glibc has none. */
static void pause_check(int ret, const char *what)
{
	if (ret) {
		log_err("vm", "pause barrier: %s: %s", what, strerror(ret));
		abort();
	}
}

void pause_init(struct pause_barrier *b)
{
	pthread_condattr_t attr;

	memset(b, 0, sizeof(*b));
	pause_check(pthread_mutex_init(&b->lock, NULL), "mutex init");
	pause_check(pthread_condattr_init(&attr), "condattr init");
	/*
	 * The re-kick deadline is taken from CLOCK_MONOTONIC: a wall clock
	 * step must neither stall the pause nor make it kick in a loop.
	 */
	pause_check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
		    "condattr setclock");
	pause_check(pthread_cond_init(&b->cond, &attr), "cond init");
	pthread_condattr_destroy(&attr);
}

void pause_destroy(struct pause_barrier *b)
{
	int ret;

	if (b->members || pause_active(b))
		log_warn("vm", "pause barrier destroyed with %u members%s",
			 b->members, pause_active(b) ? ", paused" : "");
	ret = pthread_cond_destroy(&b->cond);
	if (ret)
		log_warn("vm", "pause barrier: cond destroy: %s", strerror(ret));
	ret = pthread_mutex_destroy(&b->lock);
	if (ret)
		log_warn("vm", "pause barrier: mutex destroy: %s", strerror(ret));
}

/*
 * Park the calling member (lock held) until the pause active now ends.
 * Counting ourselves parked and broadcasting is what lets the pausing
 * thread see the barrier complete.
 */
static void pause_park_locked(struct pause_barrier *b)
{
	unsigned int gen = b->generation;

	b->parked++;
	pthread_cond_broadcast(&b->cond);
	/*
	 * A new pause cannot start while we still count as parked (see the
	 * invariants above), so the generation test is only a guard: should
	 * that ever change, a member must not stay parked, uncounted, in a
	 * pause it never saw.
	 */
	while (pause_active(b) && b->generation == gen)
		pthread_cond_wait(&b->cond, &b->lock);
	b->parked--;
	/* A pause_all() may be waiting for parked to drain to 0. */
	pthread_cond_broadcast(&b->cond);
}

void pause_join(struct pause_barrier *b)
{
	pthread_mutex_lock(&b->lock);
	b->members++;
	pthread_cond_broadcast(&b->cond);
	/*
	 * A pause is under way: it now waits for us too, and a thread that
	 * has not started running is at a safe point by definition. Parking
	 * here means the pause does not depend on kicking a thread it may not
	 * know about yet.
	 */
	if (pause_active(b))
		pause_park_locked(b);
	pthread_mutex_unlock(&b->lock);
}

void pause_leave(struct pause_barrier *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->members)
		b->members--;
	else
		log_warn("vm", "pause barrier: a thread left without joining");
	/* A pause waiting for the leaver is complete without it: wake it. */
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

bool pause_requested(struct pause_barrier *b)
{
	return pause_active(b);
}

void pause_point(struct pause_barrier *b)
{
	/* The common case: nothing requested, no lock taken. */
	if (!pause_active(b))
		return;
	pthread_mutex_lock(&b->lock);
	/* Re-checked under the lock: the pause may have ended meanwhile. */
	if (pause_active(b))
		pause_park_locked(b);
	pthread_mutex_unlock(&b->lock);
}

void pause_all(struct pause_barrier *b, bool caller_is_member,
	       void (*kick)(void *arg), void *arg)
{
	unsigned int self = caller_is_member ? 1 : 0;
	unsigned int rekicks = 0;
	struct timespec deadline;

	pthread_mutex_lock(&b->lock);
	/*
	 * One pause at a time. While another is active a member caller
	 * parks: that pause is waiting for it, and two members requesting at
	 * once would otherwise each wait for the other forever.
	 *
	 * After it ends, also wait for the members it released to leave
	 * pause_point(): until then they still count as parked, and this
	 * pause would take them for parked in it while they are about to
	 * run on.
	 */
	while (pause_active(b) || b->parked) {
		if (caller_is_member && pause_active(b))
			pause_park_locked(b);
		else
			pthread_cond_wait(&b->cond, &b->lock);
	}
	pause_set_active(b, true);
	b->generation++;
	/*
	 * Member callers queued in the loop above must now park for this
	 * pause rather than keep waiting for it to start.
	 */
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);

	/*
	 * Outside the lock: a kick may block (signals, ioctls) and the
	 * members it wakes need the lock to park. The request is visible
	 * before it: the store above is ordered by the unlock.
	 */
	if (kick)
		kick(arg);

	pthread_mutex_lock(&b->lock);
	deadline_from_now(&deadline, PAUSE_REKICK_NS);
	/*
	 * Re-evaluated on every wakeup: members park, and members may
	 * leave, which completes the pause just the same. The sum form
	 * cannot underflow when members drops.
	 */
	while (b->parked + self < b->members) {
		int ret;

		if (!kick) {
			pthread_cond_wait(&b->cond, &b->lock);
			continue;
		}
		ret = pthread_cond_timedwait(&b->cond, &b->lock, &deadline);
		if (ret == ETIMEDOUT) {
			/*
			 * Nothing here gives up: a member stuck outside
			 * any safe point hangs the pause. Say so once,
			 * so such a hang is not silent.
			 */
			if (++rekicks == PAUSE_WARN_REKICKS)
				log_warn("vm", "pause: %u of %u vCPU threads not parked after 1 s, still waiting",
					 b->members - self - b->parked, b->members);
			pthread_mutex_unlock(&b->lock);
			kick(arg);
			pthread_mutex_lock(&b->lock);
			deadline_from_now(&deadline, PAUSE_REKICK_NS);
		}
	}
	pthread_mutex_unlock(&b->lock);
}

void pause_resume(struct pause_barrier *b)
{
	pthread_mutex_lock(&b->lock);
	pause_set_active(b, false);
	/* Parked members, and pause_all() callers queued behind us. */
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}
