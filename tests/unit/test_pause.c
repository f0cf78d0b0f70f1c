// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pause barrier with plain threads standing in for vCPUs: a pause
 * stops every member, a member may pause the others, concurrent requests
 * do not deadlock, a leaving member completes a pause, a lost kick is
 * repeated. A watchdog turns a deadlock into a failure.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/pause.h>

#include "tap.h"

#define N 4
/* Generous: valgrind and TSan slow the threads down a lot. */
#define WATCHDOG_S 300
#define WAIT_MS 10000

struct member {
	struct pause_barrier *b;
	pthread_t thread;
	struct member *all;		/* the N members, for checks */
	int id;
	unsigned long counter;		/* atomic: loop iterations */
	bool joined;			/* atomic */
	bool stop;			/* atomic */
	/* Requester mode: pause the others this many times from the loop. */
	int requests;
	int requests_done;		/* atomic */
	int violations;			/* atomic */
	/* Test 3: never parks; leaves when told. */
	bool laggard;
	bool leave_now;			/* atomic */
	/* Test 4: blocks on this fd between pause points; -1 if not. */
	int kick_fd;
};

static unsigned long load_ul(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static bool load_b(bool *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_b(bool *p, bool v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Poll cond(arg) every millisecond for up to ms; true once it holds. */
static bool wait_for(bool (*cond)(void *), void *arg, long ms)
{
	for (long i = 0; i < ms; i++) {
		if (cond(arg))
			return true;
		sleep_ms(1);
	}
	return cond(arg);
}

static void on_watchdog(int sig __unused)
{
	static const char msg[] = "not ok - watchdog: a pause deadlocked\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void count_kick(void *arg)
{
	__atomic_add_fetch((unsigned long *)arg, 1, __ATOMIC_RELAXED);
}

static unsigned long global_kicks;

/*
 * Snapshot every counter but skip's, give the threads time to move (a
 * sleep, or a few yields when settle_us < 1000), compare.
 */
static bool frozen(struct member *all, int skip, long settle_us)
{
	unsigned long before[N];
	bool same = true;

	for (int i = 0; i < N; i++)
		before[i] = load_ul(&all[i].counter);
	if (settle_us >= 1000) {
		sleep_ms(settle_us / 1000);
	} else {
		for (int i = 0; i < 20; i++)
			sched_yield();
	}
	for (int i = 0; i < N; i++)
		if (i != skip && load_ul(&all[i].counter) != before[i])
			same = false;
	return same;
}

static void member_request(struct member *m)
{
	pause_all(m->b, true, count_kick, &global_kicks);
	if (!frozen(m->all, m->id, 200))
		__atomic_add_fetch(&m->violations, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->requests_done, 1, __ATOMIC_RELEASE);
	pause_resume(m->b);
}

static void *member_main(void *arg)
{
	struct member *m = arg;

	pause_join(m->b);
	store_b(&m->joined, true);
	if (m->laggard) {
		/* Busy outside any safe point (a vCPU stuck in the kernel). */
		while (!load_b(&m->leave_now))
			sleep_ms(1);
		pause_leave(m->b);
		return NULL;
	}
	while (!load_b(&m->stop)) {
		unsigned long c;

		c = __atomic_add_fetch(&m->counter, 1, __ATOMIC_RELEASE);
		if (m->kick_fd >= 0) {
			/* Like KVM_RUN: only a kick brings it to a pause point. */
			uint64_t v;
			struct pollfd pfd = { .fd = m->kick_fd, .events = POLLIN };

			if (poll(&pfd, 1, WAIT_MS) == 1 &&
			    read(m->kick_fd, &v, sizeof(v)) != sizeof(v))
				__atomic_add_fetch(&m->violations, 1, __ATOMIC_RELAXED);
		}
		if (__atomic_load_n(&m->requests_done, __ATOMIC_ACQUIRE) < m->requests &&
		    c % 64 == 0)
			member_request(m);
		pause_point(m->b);
		if (c % 16 == 0)
			sched_yield();
	}
	pause_leave(m->b);
	return NULL;
}

static bool all_counting(void *arg)
{
	struct member *all = arg;

	for (int i = 0; i < N; i++)
		if (!all[i].laggard && load_ul(&all[i].counter) == 0)
			return false;
	return true;
}

static void init_members(struct member *all)
{
	memset(all, 0, sizeof(*all) * N);
	for (int i = 0; i < N; i++)
		all[i].kick_fd = -1;
}

static bool start_members(struct pause_barrier *b, struct member *all)
{
	bool started = true;

	for (int i = 0; i < N; i++) {
		all[i].b = b;
		all[i].all = all;
		all[i].id = i;
		started = started &&
			  !pthread_create(&all[i].thread, NULL, member_main, &all[i]);
	}
	return started && wait_for(all_counting, all, WAIT_MS);
}

/* A timed join: a member stuck in the barrier fails the test, not the run. */
static bool join_all(struct member *all)
{
	struct timespec ts;
	bool joined = true;

	for (int i = 0; i < N; i++)
		store_b(&all[i].stop, true);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	for (int i = 0; i < N; i++)
		joined = joined && !pthread_timedjoin_np(all[i].thread, NULL, &ts);
	return joined;
}

static unsigned int peek(struct pause_barrier *b, unsigned int *field)
{
	unsigned int v;

	pthread_mutex_lock(&b->lock);
	v = *field;
	pthread_mutex_unlock(&b->lock);
	return v;
}

struct advance {
	struct member *all;
	unsigned long before[N];
};

static bool all_advanced(void *arg)
{
	struct advance *a = arg;

	for (int i = 0; i < N; i++)
		if (load_ul(&a->all[i].counter) == a->before[i])
			return false;
	return true;
}

static void test_pause_resume(void)
{
	struct member all[N];
	struct pause_barrier b;
	struct advance adv = { .all = all };
	unsigned long kicks = 0;
	int moved = 0;

	init_members(all);
	pause_init(&b);
	ok(!pause_requested(&b), "no pause at first");
	ok(start_members(&b, all), "%d members running", N);
	ok(peek(&b, &b.members) == N, "all joined");

	pause_all(&b, false, count_kick, &kicks);
	ok(pause_requested(&b), "pause_requested while paused");
	ok(peek(&b, &b.parked) == N, "all %d members parked", N);
	ok(__atomic_load_n(&kicks, __ATOMIC_RELAXED) >= 1, "kick called");
	ok(frozen(all, -1, 50000), "no member moves during 50 ms of pause");

	for (int i = 0; i < N; i++)
		adv.before[i] = load_ul(&all[i].counter);
	pause_resume(&b);
	ok(!pause_requested(&b), "not requested after resume");
	ok(wait_for(all_advanced, &adv, WAIT_MS), "every member runs again after resume");

	/* Many short pauses: a member slipping through one shows as movement. */
	for (int i = 0; i < 300; i++) {
		pause_all(&b, false, NULL, NULL);
		if (!frozen(all, -1, 0))
			moved++;
		pause_resume(&b);
	}
	ok(moved == 0, "300 quick pauses: no member moved in any (%d did)", moved);

	ok(join_all(all), "members stop and leave");
	ok(peek(&b, &b.members) == 0 && peek(&b, &b.parked) == 0,
	   "no members, none parked");
	pause_all(&b, false, count_kick, &kicks);
	ok(true, "a pause with no members returns at once");
	pause_resume(&b);
	pause_destroy(&b);
}

static bool requests_finished(void *arg)
{
	struct member *all = arg;

	for (int i = 0; i < N; i++)
		if (__atomic_load_n(&all[i].requests_done, __ATOMIC_ACQUIRE) <
		    all[i].requests)
			return false;
	return true;
}

/* Members 0 and 1 pause the others from their loops while main pauses too. */
static void test_concurrent_requests(void)
{
	enum { R = 60 };
	struct member all[N];
	struct pause_barrier b;
	int moved = 0, violations = 0, done = 0;

	init_members(all);
	all[0].requests = R;
	all[1].requests = R;
	pause_init(&b);
	ok(start_members(&b, all), "%d members, two of them requesters", N);
	for (int i = 0; i < R; i++) {
		pause_all(&b, false, count_kick, &global_kicks);
		if (!frozen(all, -1, 200))
			moved++;
		pause_resume(&b);
	}
	ok(moved == 0, "main's %d pauses: no member moved (%d did)", R, moved);
	ok(wait_for(requests_finished, all, WAIT_MS * 3), "the members' pauses all completed");
	for (int i = 0; i < N; i++) {
		violations += __atomic_load_n(&all[i].violations, __ATOMIC_RELAXED);
		done += __atomic_load_n(&all[i].requests_done, __ATOMIC_RELAXED);
	}
	ok(done == 2 * R, "%d member pauses taken", done);
	ok(violations == 0,
	   "while a member held a pause, the others never moved (%d times they did)",
	   violations);
	ok(join_all(all), "no deadlock: every member stopped");
	pause_destroy(&b);
}

struct pauser {
	struct pause_barrier *b;
	unsigned long kicks;
	bool done;		/* atomic */
	bool resume_now;	/* atomic */
};

static void *pauser_main(void *arg)
{
	struct pauser *p = arg;

	pause_all(p->b, false, count_kick, &p->kicks);
	store_b(&p->done, true);
	while (!load_b(&p->resume_now))
		sleep_ms(1);
	pause_resume(p->b);
	return NULL;
}

static bool pauser_done(void *arg)
{
	return load_b(&((struct pauser *)arg)->done);
}

static bool laggard_joined(void *arg)
{
	return load_b(&((struct member *)arg)->joined);
}

/* A member that never parks holds the pause up until it leaves. */
static void test_leave_completes(void)
{
	struct member all[N];
	struct pause_barrier b;
	struct pauser p = { .b = &b };
	pthread_t pt;
	bool done_early;

	init_members(all);
	all[N - 1].laggard = true;
	pause_init(&b);
	ok(start_members(&b, all) && wait_for(laggard_joined, &all[N - 1], WAIT_MS),
	   "%d members, one never parks", N);
	ok(!pthread_create(&pt, NULL, pauser_main, &p), "pauser thread");
	sleep_ms(100);
	done_early = load_b(&p.done);
	ok(!done_early, "the pause waits for the member that does not park");
	ok(__atomic_load_n(&p.kicks, __ATOMIC_RELAXED) >= 3,
	   "and kicks again while it waits (%lu kicks in 100 ms)",
	   __atomic_load_n(&p.kicks, __ATOMIC_RELAXED));
	store_b(&all[N - 1].leave_now, true);
	ok(wait_for(pauser_done, &p, WAIT_MS), "its leaving completes the pause");
	ok(frozen(all, N - 1, 20000), "the other members are parked");
	store_b(&p.resume_now, true);
	ok(!pthread_join(pt, NULL), "pauser resumed and ended");
	ok(join_all(all), "members stop");
	pause_destroy(&b);
}

static bool lossy_first;

/* The first kick is lost, as one racing with KVM_RUN entry can be. */
static void lossy_kick(void *arg)
{
	struct member *m = arg;
	static const uint64_t one = 1;

	__atomic_add_fetch(&global_kicks, 1, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&lossy_first, false, __ATOMIC_ACQ_REL))
		return;
	if (write(m->kick_fd, &one, sizeof(one)) != sizeof(one))
		__atomic_add_fetch(&m->violations, 1, __ATOMIC_RELAXED);
}

static void test_lost_kick(void)
{
	struct member all[N];
	struct pause_barrier b;
	unsigned long kicks_before;
	static const uint64_t one = 1;
	bool all_fds = true;

	init_members(all);
	/* Only member 0 waits for kicks; the others spin through pause points. */
	all[0].kick_fd = eventfd(0, EFD_CLOEXEC);
	all_fds = all[0].kick_fd >= 0 && write(all[0].kick_fd, &one, sizeof(one)) == 8;
	ok(all_fds, "a kick eventfd for member 0");
	pause_init(&b);
	ok(start_members(&b, all), "members running, one blocked until kicked");
	/* Let member 0 block in poll() again, past its first iteration. */
	sleep_ms(20);
	store_b(&lossy_first, true);
	kicks_before = __atomic_load_n(&global_kicks, __ATOMIC_RELAXED);
	pause_all(&b, false, lossy_kick, &all[0]);
	ok(__atomic_load_n(&global_kicks, __ATOMIC_RELAXED) - kicks_before >= 2,
	   "the lost kick was repeated");
	ok(peek(&b, &b.parked) == N, "and every member parked");
	pause_resume(&b);
	store_b(&all[0].stop, true);
	ok(write(all[0].kick_fd, &one, sizeof(one)) == 8, "unblock member 0");
	ok(join_all(all), "members stop");
	ok(all[0].violations == 0, "member 0 saw no errors");
	close(all[0].kick_fd);
	pause_destroy(&b);
}

static bool joiner_parked(void *arg)
{
	struct pause_barrier *b = arg;

	return peek(b, &b->members) == 1 && peek(b, &b->parked) == 1;
}

/* A thread that joins during a pause parks at once. */
static void test_join_during_pause(void)
{
	struct member m;
	struct pause_barrier b;
	struct timespec ts;

	memset(&m, 0, sizeof(m));
	m.b = &b;
	m.kick_fd = -1;
	pause_init(&b);
	pause_all(&b, false, NULL, NULL);
	ok(!pthread_create(&m.thread, NULL, member_main, &m), "a member starts during a pause");
	ok(wait_for(joiner_parked, &b, WAIT_MS), "it joined and parked in pause_join");
	sleep_ms(20);
	ok(load_ul(&m.counter) == 0, "and has not run");
	pause_resume(&b);
	store_b(&m.stop, true);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	ok(!pthread_timedjoin_np(m.thread, NULL, &ts), "it runs on and ends after resume");
	ok(peek(&b, &b.members) == 0, "and left");
	pause_destroy(&b);
}

/* A lone member pausing: it counts itself, nothing to wait for. */
static void test_lone_member(void)
{
	struct pause_barrier b;

	pause_init(&b);
	pause_join(&b);
	pause_all(&b, true, NULL, NULL);
	ok(pause_requested(&b), "a lone member's pause completes at once");
	ok(peek(&b, &b.parked) == 0, "it is not counted as parked");
	pause_resume(&b);
	pause_point(&b);
	ok(!pause_requested(&b), "pause_point with nothing requested returns");
	pause_leave(&b);
	pause_destroy(&b);
}

int main(void)
{
	signal(SIGALRM, on_watchdog);
	alarm(WATCHDOG_S);

	test_pause_resume();
	test_concurrent_requests();
	test_leave_completes();
	test_lost_kick();
	test_join_during_pause();
	test_lone_member();
	return tap_done();
}
