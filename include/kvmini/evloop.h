/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O thread: one epoll loop that owns the VM's device backends and
 * housekeeping (ioeventfds, block completions, TAP, stdin, the control
 * socket, signals, the --timeout timer). vCPU threads only do trivial
 * register work and kick it through an fd.
 *
 * Sources are embedded in their owners (no allocation here) and must
 * outlive the loop. Add them before evloop_start() or from the loop's own
 * thread; their callbacks run on the loop's thread only, one at a time.
 */
#ifndef KVMINI_EVLOOP_H
#define KVMINI_EVLOOP_H

#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>

#include <kvmini/compiler.h>

struct ev_source {
	int fd;
	/* events: the EPOLL* bits that were ready. */
	void (*ready)(struct ev_source *src, uint32_t events);
	const char *name;		/* for messages */
	bool added;
};

/*
 * Busy polling, for work that arrives too often for notifications to pay:
 * a source that found work arms its poller, and while any poller is armed
 * the loop does not sleep - between epoll rounds (timeout 0) it calls
 * each armed poller's poll. One that finds nothing for its window is
 * disarmed, and its stop asks for notifications again.
 * Callbacks run on the loop's thread; arming is only done there too.
 *
 * The window adapts, as KVM's halt polling does: work that comes back
 * within poll_ns of a window's end would have been caught by a longer
 * window (a notification, and an exit, for nothing): it doubles, up to
 * poll_ns. Work after a longer pause halves it, down to poll_start_ns: a
 * guest's occasional request costs a short spin, not the longest.
 */
struct ev_poller {
	/* true: it found work. now: the round's clock (monotonic_ns), as good as a read. */
	bool (*poll)(struct ev_poller *p, uint64_t now);
	void (*stop)(struct ev_poller *p);	/* disarmed: notifications back on */
	uint64_t until_ns;			/* CLOCK_MONOTONIC; armed while listed */
	uint64_t window_ns;			/* its window now; 0 before its first */
	uint64_t stopped_ns;			/* when its last window ended; 0 never */
	bool armed;
	struct ev_poller *next;			/* the loop's armed list */
};

struct evloop {
	int epoll_fd;
	struct ev_source wake;		/* an eventfd: evloop_stop() */
	pthread_t thread;
	bool thread_started;
	bool stopping;
	unsigned int nr_sources;
	uint64_t cpu_ns;		/* the thread's CPU time: at its end */
	uint64_t poll_ns;		/* a poller's longest window after its work; 0: no polling */
	uint64_t poll_start_ns;		/* its first and shortest; 0 (or more): poll_ns */
	struct ev_poller *armed;
	uint64_t wakeups;		/* --stats: waits (not polls) that events ended */
	uint64_t poll_rounds;		/* --stats: rounds spent polling */
	uint64_t poll_work_ns;		/* --stats: time in polls that found work */
};

/* 0 or -errno (logged). */
int __must_check evloop_init(struct evloop *loop);
/*
 * Watch src->fd for events (EPOLLIN, EPOLLOUT...). -EEXIST if src is
 * already added, -errno from epoll (logged, naming src).
 */
int __must_check evloop_add(struct evloop *loop, struct ev_source *src,
			    uint32_t events);
/*
 * Stop watching src. From the loop's thread (a callback removing its own
 * or another source: a source removed while others in the same batch are
 * pending is not called again) or when the loop is not running.
 */
void evloop_del(struct evloop *loop, struct ev_source *src);
/*
 * Wait up to timeout_ms (-1: forever) and call the callbacks of the
 * sources that are ready. Returns the number of callbacks made, or
 * -errno. The loop thread calls it; so do unit tests, without a thread.
 */
int evloop_run_once(struct evloop *loop, int timeout_ms);
/*
 * From the loop's thread: poll p (again) for its window. false: the
 * loop does not poll (poll_ns 0), nothing was armed - rely on notifications.
 */
bool evloop_poll_arm(struct evloop *loop, struct ev_poller *p);
/*
 * One polling round (the loop thread, unit tests): each armed poller
 * polled once, those idle past their window disarmed and stopped.
 */
void evloop_poll_round(struct evloop *loop);
/* Run the loop on a thread of its own until evloop_stop(). */
int __must_check evloop_start(struct evloop *loop);
/* Make the loop thread return and join it; a no-op if it is not running. */
void evloop_stop(struct evloop *loop);
/* Close the loop's fds (sources' own fds stay their owners'). */
void evloop_destroy(struct evloop *loop);

#endif
