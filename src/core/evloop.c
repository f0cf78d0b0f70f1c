// SPDX-License-Identifier: GPL-2.0-only
/* The I/O thread's epoll loop; an eventfd wakes it when it must stop. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <kvmini/cputime.h>
#include <kvmini/evloop.h>
#include <kvmini/log.h>
#include <kvmini/thread-name.h>

/*
 * Events taken per epoll_wait(). Anything beyond stays on epoll's ready
 * list and comes back on the next call (which also rotates the list, so
 * no source starves), so this only trades syscalls against stack.
 */
#define EVLOOP_BATCH 16

/*
 * Empty the wake eventfd's counter. EAGAIN means it was empty already,
 * which is fine: the caller only needs it to be empty afterwards.
 */
static void evloop_drain_wake(struct evloop *loop)
{
	uint64_t count;
	ssize_t ret;

	do {
		ret = read(loop->wake.fd, &count, sizeof(count));
	} while (ret < 0 && errno == EINTR);
	if (ret < 0 && errno != EAGAIN)
		log_warn("vm", "%s: read: %s", loop->wake.name, strerror(errno));
}

static void evloop_wake_ready(struct ev_source *src, uint32_t events __unused)
{
	struct evloop *loop = container_of(src, struct evloop, wake);

	/* Level-triggered: left full, it would fire on every epoll_wait(). */
	evloop_drain_wake(loop);
	loop->stopping = true;
}

/* epoll_ctl(ADD) without the bookkeeping of user sources. */
static int evloop_watch(struct evloop *loop, struct ev_source *src,
			uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (src->added) {
		log_err("vm", "event source %s is already in the loop", src->name);
		return -EEXIST;
	}
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, src->fd, &ev) < 0) {
		int err = -errno;

		log_err("vm", "cannot watch event source %s (fd %d): %s",
			src->name, src->fd, strerror(-err));
		return err;
	}
	src->added = true;
	return 0;
}

int evloop_init(struct evloop *loop)
{
	int err;

	/* Every fd -1 first, so evloop_destroy() can clean up any failure. */
	memset(loop, 0, sizeof(*loop));
	loop->epoll_fd = -1;
	loop->wake.fd = -1;
	loop->wake.ready = evloop_wake_ready;
	loop->wake.name = "event loop wakeup";

	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		err = -errno;
		log_err("vm", "epoll_create1: %s", strerror(-err));
		goto fail;
	}
	/*
	 * Non-blocking so neither evloop_stop() nor the drain in the wake
	 * callback can ever block, whatever the counter holds.
	 */
	loop->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->wake.fd < 0) {
		err = -errno;
		log_err("vm", "eventfd: %s", strerror(-err));
		goto fail;
	}
	err = evloop_watch(loop, &loop->wake, EPOLLIN);
	if (err)
		goto fail;
	return 0;

fail:
	evloop_destroy(loop);
	return err;
}

int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events)
{
	int err;

	if (!src->ready) {
		log_err("vm", "event source %s has no callback", src->name);
		return -EINVAL;
	}
	err = evloop_watch(loop, src, events);
	if (err)
		return err;
	loop->nr_sources++;
	return 0;
}

void evloop_del(struct evloop *loop, struct ev_source *src)
{
	if (!src->added)
		return;
	/*
	 * ENOENT/EBADF: the owner closed the fd first, which already took it
	 * out of the epoll set (or never was in it). Nothing left to undo.
	 */
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, src->fd, NULL) < 0 &&
	    errno != ENOENT && errno != EBADF)
		log_warn("vm", "cannot stop watching event source %s (fd %d): %s",
			 src->name, src->fd, strerror(errno));
	/*
	 * Cleared even if epoll_ctl failed: the flag is what
	 * evloop_run_once() checks to skip a source removed mid-batch, and
	 * the owner must be able to treat the source as gone.
	 */
	src->added = false;
	if (src != &loop->wake && loop->nr_sources)
		loop->nr_sources--;
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event events[EVLOOP_BATCH];
	int n, calls = 0;

	n = epoll_wait(loop->epoll_fd, events, EVLOOP_BATCH, timeout_ms);
	if (n < 0) {
		/* A signal for this thread: not an error, the caller loops. */
		if (errno == EINTR)
			return 0;
		n = -errno;
		log_err("vm", "epoll_wait: %s", strerror(-n));
		return n;
	}
	if (n && timeout_ms)
		loop->wakeups++;
	for (int i = 0; i < n; i++) {
		struct ev_source *src = events[i].data.ptr;

		/*
		 * An earlier callback of this batch may have removed src
		 * (sources are never freed while the loop runs, so reading
		 * the flag is safe): its event is stale, do not call it.
		 */
		if (!src->added)
			continue;
		src->ready(src, events[i].events);
		calls++;
	}
	return calls;
}

/* The window p gets as it is armed again at now (ev_poller: how it adapts). */
static uint64_t evloop_poll_window(const struct evloop *loop, const struct ev_poller *p,
				   uint64_t now)
{
	uint64_t start = loop->poll_start_ns && loop->poll_start_ns < loop->poll_ns ?
			 loop->poll_start_ns : loop->poll_ns;
	uint64_t w = p->window_ns;

	/* Its first window, or one the loop's bounds no longer allow. */
	if (w < start || w > loop->poll_ns)
		return start;
	if (!p->stopped_ns)
		return w;
	if (now - p->stopped_ns <= loop->poll_ns)
		return w < loop->poll_ns / 2 ? 2 * w : loop->poll_ns;
	return w / 2 > start ? w / 2 : start;
}

bool evloop_poll_arm(struct evloop *loop, struct ev_poller *p)
{
	uint64_t now;

	if (!loop->poll_ns)
		return false;
	now = monotonic_ns();
	if (!p->armed) {
		p->window_ns = evloop_poll_window(loop, p, now);
		p->armed = true;
		p->next = loop->armed;
		loop->armed = p;
	}
	p->until_ns = now + p->window_ns;
	return true;
}

void evloop_poll_round(struct evloop *loop)
{
	struct ev_poller **link = &loop->armed;
	uint64_t now = monotonic_ns();

	loop->poll_rounds++;
	while (*link) {
		struct ev_poller *p = *link;
		bool found = p->poll(p, now);

		/* A poller armed during the poll went in at the head, maybe before p. */
		while (*link != p)
			link = &(*link)->next;
		if (found) {
			/* Its work may have taken a while (a synchronous disk): from now. */
			uint64_t before = now;

			now = monotonic_ns();
			loop->poll_work_ns += now - before;
			p->until_ns = now + p->window_ns;
		} else if (now >= p->until_ns) {
			/* Off the list before stop: stop may find work and arm p again. */
			*link = p->next;
			p->armed = false;
			p->stopped_ns = now;
			p->stop(p);
			continue;
		}
		link = &p->next;
	}
}

static void *evloop_thread(void *arg)
{
	struct evloop *loop = arg;

	/*
	 * The signal mask is inherited from the creator on purpose: which
	 * signals the I/O thread takes is the caller's policy. EINTR comes
	 * back as 0 and simply loops.
	 */
	while (!loop->stopping) {
		/*
		 * Only epoll itself failing (a bad fd: a bug) lands here;
		 * retrying would spin, so end the thread. evloop_stop() still
		 * joins it normally.
		 */
		bool polling = loop->armed;

		if (evloop_run_once(loop, polling ? 0 : -1) < 0)
			break;
		if (polling)
			evloop_poll_round(loop);
	}
	loop->cpu_ns += thread_cpu_ns();
	return NULL;
}

int evloop_start(struct evloop *loop)
{
	int ret;

	if (loop->thread_started) {
		log_err("vm", "event loop is already running");
		return -EBUSY;
	}
	/*
	 * A wake may be left over if the last thread ended on an epoll
	 * error before reading it; it would stop the new thread at once.
	 * Both writes happen before pthread_create(), which orders them
	 * for the new thread.
	 */
	evloop_drain_wake(loop);
	loop->stopping = false;
	ret = pthread_create(&loop->thread, NULL, evloop_thread, loop);
	if (ret) {
		log_err("vm", "cannot start the event loop thread: %s",
			strerror(ret));
		return -ret;
	}
	thread_set_name(loop->thread, "io");
	loop->thread_started = true;
	return 0;
}

void evloop_stop(struct evloop *loop)
{
	static const uint64_t one = 1;
	ssize_t wret;
	int ret;

	if (!loop->thread_started)
		return;
	/* Joining ourselves would fail (EDEADLK); say why instead. */
	if (pthread_equal(pthread_self(), loop->thread)) {
		log_err("vm", "evloop_stop() called from the event loop's own thread");
		return;
	}
	do {
		wret = write(loop->wake.fd, &one, sizeof(one));
	} while (wret < 0 && errno == EINTR);
	/*
	 * EAGAIN: the counter is saturated, so the eventfd is readable
	 * already and the thread will wake anyway. Any other failure means
	 * it never will: joining would hang, so leave it running, logged.
	 */
	if (wret < 0 && errno != EAGAIN) {
		log_err("vm", "cannot wake the event loop thread: %s",
			strerror(errno));
		return;
	}
	ret = pthread_join(loop->thread, NULL);
	if (ret)
		log_err("vm", "cannot join the event loop thread: %s",
			strerror(ret));
	loop->thread_started = false;
}

static void evloop_close(int *fd, const char *what)
{
	if (*fd < 0)
		return;
	/* No retry on EINTR: Linux has released the fd whatever close() says. */
	if (close(*fd) < 0 && errno != EINTR)
		log_warn("vm", "close(%s): %s", what, strerror(errno));
	*fd = -1;
}

void evloop_destroy(struct evloop *loop)
{
	/*
	 * A thread still blocked in epoll_wait() would not notice its fds
	 * going away; stop it first rather than leave it on closed fds.
	 */
	evloop_stop(loop);
	evloop_close(&loop->wake.fd, "event loop eventfd");
	loop->wake.added = false;
	evloop_close(&loop->epoll_fd, "epoll fd");
	loop->nr_sources = 0;
}
