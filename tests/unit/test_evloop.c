// SPDX-License-Identifier: GPL-2.0-only
/* The event loop: callbacks on ready fds, removal mid-batch, its own thread, stop and destroy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/evloop.h>

#include "tap.h"

struct tsrc {
	struct ev_source src;
	int wfd;			/* write end, for pipes */
	int calls;
	uint32_t last_events;
	char buf[16];
	ssize_t nread;
	struct evloop *loop;
	struct tsrc *victim;		/* del_other_ready() removes it */
	pthread_t thread;		/* where the callback ran */
	int done_fd;			/* thread_ready() signals it */
};

static void read_ready(struct ev_source *src, uint32_t events)
{
	struct tsrc *t = container_of(src, struct tsrc, src);

	t->calls++;
	t->last_events = events;
	t->nread = read(src->fd, t->buf, sizeof(t->buf) - 1);
	if (t->nread >= 0)
		t->buf[t->nread] = 0;
}

static void del_other_ready(struct ev_source *src, uint32_t events)
{
	struct tsrc *t = container_of(src, struct tsrc, src);
	uint64_t v;

	t->calls++;
	t->last_events = events;
	t->nread = read(src->fd, &v, sizeof(v));
	evloop_del(t->loop, &t->victim->src);
}

static void thread_ready(struct ev_source *src, uint32_t events)
{
	struct tsrc *t = container_of(src, struct tsrc, src);
	static const uint64_t one = 1;

	read_ready(src, events);
	t->thread = pthread_self();
	/* The write orders the fields above for the reader of done_fd. */
	if (write(t->done_fd, &one, sizeof(one)) != sizeof(one))
		t->calls = -1000;
}

static int make_pipe(struct tsrc *t, const char *name,
		     void (*ready)(struct ev_source *, uint32_t))
{
	int fds[2];

	memset(t, 0, sizeof(*t));
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	t->src.fd = fds[0];
	t->wfd = fds[1];
	t->src.ready = ready;
	t->src.name = name;
	return 0;
}

static int make_eventfd(struct tsrc *t, const char *name,
			void (*ready)(struct ev_source *, uint32_t))
{
	memset(t, 0, sizeof(*t));
	t->src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->wfd = t->src.fd;
	t->src.ready = ready;
	t->src.name = name;
	return t->src.fd < 0 ? -errno : 0;
}

static void close_src(struct tsrc *t)
{
	if (t->wfd != t->src.fd)
		close(t->wfd);
	close(t->src.fd);
}

static bool poke(int fd)
{
	static const uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one);
}

static void test_basic(struct evloop *loop)
{
	struct tsrc a;
	int ret;

	ok(evloop_run_once(loop, 0) == 0, "nothing ready, timeout 0: 0 callbacks");

	ok(make_pipe(&a, "pipe a", read_ready) == 0, "pipe a");
	ok(evloop_add(loop, &a.src, EPOLLIN) == 0, "add pipe a");
	ok(a.src.added && loop->nr_sources == 1, "a is added and counted");
	ok(evloop_add(loop, &a.src, EPOLLIN) == -EEXIST, "adding a twice: -EEXIST");
	ok(loop->nr_sources == 1, "the failed add is not counted");
	ok(evloop_run_once(loop, 0) == 0 && a.calls == 0, "a added but not ready: no call");

	ok(write(a.wfd, "hi", 2) == 2, "write to a");
	ret = evloop_run_once(loop, 0);
	ok(ret == 1, "run_once reports one callback (%d)", ret);
	ok(a.calls == 1, "a's callback ran once");
	ok(a.last_events & EPOLLIN, "with EPOLLIN");
	ok(a.nread == 2 && !strcmp(a.buf, "hi"), "and read the data");
	ok(evloop_run_once(loop, 0) == 0 && a.calls == 1, "drained: no second call");

	evloop_del(loop, &a.src);
	ok(!a.src.added && loop->nr_sources == 0, "del clears added and the count");
	ok(write(a.wfd, "x", 1) == 1, "write to a after del");
	ok(evloop_run_once(loop, 0) == 0 && a.calls == 1, "a removed: not called");
	evloop_del(loop, &a.src);
	ok(loop->nr_sources == 0, "a second del is a no-op");
	ok(evloop_add(loop, &a.src, EPOLLIN) == 0, "a can be added again");
	ok(evloop_run_once(loop, 0) == 1 && a.calls == 2 && !strcmp(a.buf, "x"),
	   "re-added a sees the data that waited");
	evloop_del(loop, &a.src);
	close_src(&a);
}

static void test_bad_fd(struct evloop *loop)
{
	struct tsrc bad = { .src = { .fd = -1, .ready = read_ready, .name = "bad" } };

	ok(evloop_add(loop, &bad.src, EPOLLIN) == -EBADF, "adding fd -1: -EBADF");
	ok(!bad.src.added && loop->nr_sources == 0, "a failed add leaves no trace");
}

/* Whichever of the two runs first removes the other, ready in the same batch. */
static void test_del_in_batch(struct evloop *loop)
{
	struct tsrc e1, e2;
	int ret;

	ok(make_eventfd(&e1, "e1", del_other_ready) == 0 &&
	   make_eventfd(&e2, "e2", del_other_ready) == 0, "two eventfds");
	e1.loop = e2.loop = loop;
	e1.victim = &e2;
	e2.victim = &e1;
	ok(evloop_add(loop, &e1.src, EPOLLIN) == 0 &&
	   evloop_add(loop, &e2.src, EPOLLIN) == 0, "add both");
	ok(poke(e1.wfd) && poke(e2.wfd), "both ready");
	ret = evloop_run_once(loop, 0);
	ok(ret == 1, "one callback in the batch (%d)", ret);
	ok(e1.calls + e2.calls == 1, "the removed one was not called (e1 %d, e2 %d)",
	   e1.calls, e2.calls);
	ok(e1.src.added != e2.src.added, "exactly one is still added");
	/* The survivor drained its fd; the victim's is still full but gone. */
	ok(evloop_run_once(loop, 0) == 0 && e1.calls + e2.calls == 1,
	   "the removed one stays uncalled in the next batch");
	evloop_del(loop, &e1.src);
	evloop_del(loop, &e2.src);
	close_src(&e1);
	close_src(&e2);
}

/* More ready sources than one epoll_wait() takes: none is lost. */
static void test_big_batch(struct evloop *loop)
{
	enum { N = 40 };
	static struct tsrc e[N];
	int total = 0, rounds = 0, calls = 0, ret;
	bool setup = true;

	for (int i = 0; i < N; i++) {
		setup = setup && make_eventfd(&e[i], "many", read_ready) == 0 &&
			evloop_add(loop, &e[i].src, EPOLLIN) == 0 && poke(e[i].wfd);
	}
	ok(setup, "%d ready eventfds", N);
	while ((ret = evloop_run_once(loop, 0)) > 0 && rounds < 100) {
		total += ret;
		rounds++;
	}
	for (int i = 0; i < N; i++)
		calls += e[i].calls == 1;
	ok(total == N && calls == N, "every source called exactly once (%d calls)", total);
	ok(rounds > 1, "over %d batches", rounds);
	for (int i = 0; i < N; i++) {
		evloop_del(loop, &e[i].src);
		close_src(&e[i]);
	}
}

static void on_alarm(int sig __unused)
{
}

/* A signal interrupting epoll_wait() is not an error. */
static void test_eintr(struct evloop *loop)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	struct timespec t0, t1;
	int ret;

	sigemptyset(&sa.sa_mask);
	ok(sigaction(SIGALRM, &sa, NULL) == 0 && setitimer(ITIMER_REAL, &it, NULL) == 0,
	   "SIGALRM in 50 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = evloop_run_once(loop, 5000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ok(ret == 0, "interrupted run_once returns 0 (%d)", ret);
	ok(t1.tv_sec - t0.tv_sec < 4, "and returned early, on the signal");
	signal(SIGALRM, SIG_DFL);
}

static void test_thread(struct evloop *loop)
{
	struct tsrc p;
	struct pollfd pfd;
	int done;

	ok(make_pipe(&p, "threaded pipe", thread_ready) == 0, "pipe for the thread");
	p.done_fd = eventfd(0, EFD_CLOEXEC);
	ok(p.done_fd >= 0, "done eventfd");
	ok(evloop_add(loop, &p.src, EPOLLIN) == 0, "add it before the start");

	evloop_stop(loop);
	ok(!loop->thread_started, "stop before start is a no-op");

	for (int round = 0; round < 2; round++) {
		ok(evloop_start(loop) == 0 && loop->thread_started, "round %d: start", round);
		if (round == 0)
			ok(evloop_start(loop) == -EBUSY, "a second start is refused");
		ok(write(p.wfd, "go", 2) == 2, "round %d: write from the test thread", round);
		pfd = (struct pollfd){ .fd = p.done_fd, .events = POLLIN };
		done = poll(&pfd, 1, 5000);
		ok(done == 1, "round %d: the callback ran within 5 s", round);
		if (done == 1) {
			uint64_t v;

			ok(read(p.done_fd, &v, sizeof(v)) == sizeof(v), "consume done");
			ok(p.calls == round + 1 && !strcmp(p.buf, "go"),
			   "round %d: it read the data", round);
			ok(!pthread_equal(p.thread, pthread_self()),
			   "round %d: on the loop's thread, not ours", round);
		}
		evloop_stop(loop);
		ok(!loop->thread_started, "round %d: stop joined the thread", round);
	}
	evloop_stop(loop);
	ok(!loop->thread_started, "a second stop is harmless");

	ok(write(p.wfd, "z", 1) == 1, "write with the thread stopped");
	ok(evloop_run_once(loop, 0) == 1 && p.calls == 3 && !strcmp(p.buf, "z"),
	   "the loop still works without its thread");
	evloop_del(loop, &p.src);
	close_src(&p);
	close(p.done_fd);
}

static bool poller_finds_work;
static unsigned int poller_stops;
static struct evloop *rearm_on_stop;	/* set: stop finds work and arms again */

static unsigned int poller_work_us;	/* how long a poll that finds work takes */

static bool fake_poll(struct ev_poller *p __unused, uint64_t now __unused)
{
	if (poller_finds_work && poller_work_us)
		usleep(poller_work_us);
	return poller_finds_work;
}

static void fake_stop(struct ev_poller *p)
{
	poller_stops++;
	if (rearm_on_stop)
		(void)evloop_poll_arm(rearm_on_stop, p);
}

/* A round with no work after p's window ran out: it is stopped. */
static bool end_window(struct evloop *loop, struct ev_poller *p)
{
	unsigned int before = poller_stops;

	p->until_ns = 0;
	poller_finds_work = false;
	evloop_poll_round(loop);
	return !p->armed && poller_stops == before + 1 && p->stopped_ns;
}

/*
 * Adaptive polling windows (evloop.h): the first is poll_start_ns; work
 * back within poll_ns of a window's end doubles it, up to poll_ns; work
 * after a longer pause halves it, down to poll_start_ns; without a start
 * the window is always poll_ns; a round that finds work extends the
 * window by its length.
 */
static void test_poll_windows(struct evloop *loop)
{
	struct ev_poller p = { .poll = fake_poll, .stop = fake_stop };
	/* Long enough that no stall of a loaded machine moves a window by surprise. */
	const uint64_t start = 100000000, max = 800000000;
	uint64_t w[4];
	struct timespec ts;
	uint64_t before, now;

	loop->poll_ns = max;
	loop->poll_start_ns = start;
	ok(evloop_poll_arm(loop, &p) && p.armed && p.window_ns == start,
	   "a poller's first window is the loop's start");
	ok(end_window(loop, &p), "a round past its window with no work stops it");
	for (int i = 0; i < 4; i++) {
		(void)evloop_poll_arm(loop, &p);
		w[i] = p.window_ns;
		(void)end_window(loop, &p);
	}
	ok(w[0] == 2 * start && w[1] == 4 * start && w[2] == max && w[3] == max,
	   "work back at once: the window doubles (%llu, %llu, %llu), up to poll_ns",
	   (unsigned long long)w[0], (unsigned long long)w[1], (unsigned long long)w[2]);
	for (int i = 0; i < 4; i++) {
		p.stopped_ns -= 2 * max;	/* the work came back after a long pause */
		(void)evloop_poll_arm(loop, &p);
		w[i] = p.window_ns;
		(void)end_window(loop, &p);
	}
	ok(w[0] == max / 2 && w[1] == max / 4 && w[2] == start && w[3] == start,
	   "work after a pause longer than poll_ns: the window halves, down to the start");
	(void)evloop_poll_arm(loop, &p);
	w[0] = p.window_ns;
	(void)evloop_poll_arm(loop, &p);
	ok(p.window_ns == w[0] && p.armed, "armed again while polling: the window stays");
	poller_finds_work = true;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	before = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	evloop_poll_round(loop);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	ok(p.armed && p.until_ns >= before + p.window_ns && p.until_ns <= now + p.window_ns,
	   "a round with work extends it by the window");
	before = loop->poll_work_ns;
	poller_work_us = 20000;
	evloop_poll_round(loop);
	poller_work_us = 0;
	now = loop->poll_work_ns;
	poller_finds_work = false;
	evloop_poll_round(loop);
	ok(now - before >= 20000000 && loop->poll_work_ns == now,
	   "a poll's work is counted (%llu us for 20000), a round without work adds nothing",
	   (unsigned long long)(now - before) / 1000);
	poller_finds_work = true;
	w[0] = p.window_ns;
	rearm_on_stop = loop;
	p.until_ns = 0;
	poller_finds_work = false;
	evloop_poll_round(loop);
	rearm_on_stop = NULL;
	ok(p.armed && p.window_ns == 2 * w[0] && loop->armed == &p,
	   "a stop that finds work arms it again, with the window doubled");
	(void)end_window(loop, &p);
	loop->poll_start_ns = 0;
	(void)evloop_poll_arm(loop, &p);
	w[0] = p.window_ns;
	(void)end_window(loop, &p);
	p.stopped_ns -= 2 * max;
	(void)evloop_poll_arm(loop, &p);
	ok(w[0] == max && p.window_ns == max, "no start: every window is poll_ns");
	(void)end_window(loop, &p);
	loop->poll_ns = 0;
	ok(!evloop_poll_arm(loop, &p) && !p.armed, "no poll_ns: nothing is polled");
	loop->poll_start_ns = 0;
}

/* A poll with no work of its own that arms another poller (a disk submitting I/O it must poll for). */
static struct ev_poller *arm_in_poll;
static struct evloop *arm_in_poll_loop;
static unsigned int armed_polls;

static bool arming_poll(struct ev_poller *p __unused, uint64_t now __unused)
{
	if (arm_in_poll)
		(void)evloop_poll_arm(arm_in_poll_loop, arm_in_poll);
	return false;
}

static bool counting_poll(struct ev_poller *p __unused, uint64_t now __unused)
{
	armed_polls++;
	return true;
}

/*
 * A poller armed during another's poll goes in at the list's head; the
 * other's window ending in that round must not take it off the list.
 */
static void test_arm_in_poll(struct evloop *loop)
{
	struct ev_poller first = { .poll = arming_poll, .stop = fake_stop };
	struct ev_poller second = { .poll = counting_poll, .stop = fake_stop };

	loop->poll_ns = 1000000000;
	ok(evloop_poll_arm(loop, &first) && loop->armed == &first, "the arming poller is listed");
	first.until_ns = 0;		/* its window ends this round */
	arm_in_poll = &second;
	arm_in_poll_loop = loop;
	evloop_poll_round(loop);
	arm_in_poll = NULL;
	ok(!first.armed && second.armed && loop->armed == &second && !second.next,
	   "armed during a poll whose window ended: the new one stays listed, alone");
	evloop_poll_round(loop);
	ok(armed_polls == 1, "and is polled in the next round (%u polls)", armed_polls);
	second.until_ns = 0;
	second.poll = arming_poll;
	evloop_poll_round(loop);
	ok(!loop->armed && !second.armed, "its window ended with no work: the list is empty");
	loop->poll_ns = 0;
}

int main(void)
{
	struct evloop loop, idle;

	ok(evloop_init(&loop) == 0, "init");
	ok(loop.epoll_fd >= 0 && loop.wake.fd >= 0, "epoll fd and wake eventfd open");
	ok(loop.nr_sources == 0, "the wake source is not counted");

	test_basic(&loop);
	test_bad_fd(&loop);
	test_del_in_batch(&loop);
	test_big_batch(&loop);
	test_eintr(&loop);
	test_thread(&loop);
	test_poll_windows(&loop);
	test_arm_in_poll(&loop);

	evloop_destroy(&loop);
	ok(loop.epoll_fd == -1 && loop.wake.fd == -1, "destroy closes and forgets the fds");
	evloop_destroy(&loop);
	ok(loop.epoll_fd == -1, "a second destroy is harmless");

	/* Started and never given a source: stop must still wake it. */
	ok(evloop_init(&idle) == 0 && evloop_start(&idle) == 0, "idle loop started");
	evloop_destroy(&idle);
	ok(!idle.thread_started && idle.epoll_fd == -1,
	   "destroy stops a running loop, then closes");
	return tap_done();
}
