// SPDX-License-Identifier: GPL-2.0-only
/* kvmini's stdin as the guest's keyboard, and the terminal's raw mode (console.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <kvmini/coalesced.h>
#include <kvmini/console.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

/*
 * The terminal as it was, for every way out. Process-wide, as the terminal
 * and signal dispositions are; written before the handlers that read it
 * are installed.
 */
static struct termios term_saved;
static volatile sig_atomic_t term_fd = -1;

/* Async-signal-safe: tcsetattr() is, and it is all this does. */
static void term_restore(void)
{
	int fd = term_fd;

	if (fd >= 0) {
		tcsetattr(fd, TCSANOW, &term_saved);
		term_fd = -1;
	}
}

/* A crash with the terminal raw: restore it, then die as the signal would have. */
static void term_crash(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void term_install_crash_handlers(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT };
	struct sigaction sa = { .sa_handler = term_crash, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		sigaction(fatal[i], &sa, NULL);
	atexit(term_restore);
}

/*
 * Raw input, cooked output: keys reach the guest as typed (^C, ^Z, no
 * echo, no line editing), while newlines kvmini itself prints still start
 * a new line.
 */
static int term_raw(int fd)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct termios t;

	if (tcgetattr(fd, &term_saved))
		return -errno;
	t = term_saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	pthread_once(&once, term_install_crash_handlers);
	term_fd = fd;
	if (tcsetattr(fd, TCSANOW, &t)) {
		term_fd = -1;
		return -errno;
	}
	return 0;
}

/* Escape handling: returns false when the byte is consumed. */
static bool console_key(struct console *c, uint8_t key)
{
	if (!c->raw)
		return true;	/* a pipe or file: every byte is the guest's */
	if (c->escape) {
		c->escape = false;
		if (key == 'x' || key == 'X') {
			log_info("vm", "Ctrl-A x: quitting");
			c->quit(c->vm);
			return false;
		}
		return true;	/* Ctrl-A Ctrl-A: one Ctrl-A; anything else as typed */
	}
	if (key == CONSOLE_ESCAPE) {
		c->escape = true;
		return false;
	}
	return true;
}

size_t console_pending(struct console *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->len;
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t console_read(struct console *c, uint8_t *out, size_t n)
{
	uint64_t one = 1;
	size_t taken = 0;
	bool wake;

	pthread_mutex_lock(&c->lock);
	while (taken < n && c->len) {
		out[taken++] = c->buf[c->head];
		c->head = (c->head + 1) % CONSOLE_BUF;
		c->len--;
	}
	/* Room again for a paused reader: the I/O thread puts stdin back. */
	wake = taken && c->in_paused;
	if (wake)
		c->in_paused = false;
	pthread_mutex_unlock(&c->lock);
	if (wake && write(c->room_src.fd, &one, sizeof(one)) < 0) {
		/* Only a counter 2^64 - 2 wake-ups full refuses: one is pending. */
	}
	return taken;
}

static void console_in_ready(struct ev_source *src, uint32_t events)
{
	struct console *c = container_of(src, struct console, in_src);
	uint8_t in[CONSOLE_BUF];
	size_t room, kept = 0;
	ssize_t n;

	(void)events;
	pthread_mutex_lock(&c->lock);
	room = CONSOLE_BUF - c->len;
	pthread_mutex_unlock(&c->lock);
	if (!room)
		return;
	n = read(src->fd, in, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* End of input (or a broken one): the guest just gets no more. */
		if (n < 0)
			log_warn("vm", "console input: read failed: %s; no more input",
				 strerror(errno));
		evloop_del(&c->vm->loop, src);
		c->in_done = true;
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (console_key(c, in[i]))
			in[kept++] = in[i];
	if (!c->dev)
		return;		/* no console device: the input is dropped */
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < kept; i++)
		c->buf[(c->head + c->len++) % CONSOLE_BUF] = in[i];
	/* Full: leave stdin unread until the guest takes some (console_read). */
	if (c->len == CONSOLE_BUF) {
		evloop_del(&c->vm->loop, src);
		c->in_paused = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (kept) {
		c->notify(c->dev);
		coalesced_hurry(c->vm);
	}
}

/*
 * A regular file (kvmini run < FILE) is always readable and epoll cannot
 * watch it: read it whenever the guest made room, up to a full buffer or
 * the file's end.
 */
static void console_file_fill(struct console *c)
{
	bool more;

	do {
		console_in_ready(&c->in_src, EPOLLIN);
		pthread_mutex_lock(&c->lock);
		more = !c->in_done && c->len < CONSOLE_BUF;
		/* Full: console_read() wakes us when the guest makes room. */
		if (!more && !c->in_done)
			c->in_paused = true;
		pthread_mutex_unlock(&c->lock);
	} while (more);
}

static void console_room_ready(struct ev_source *src, uint32_t events)
{
	struct console *c = container_of(src, struct console, room_src);
	uint64_t count;

	(void)events;
	if (read(src->fd, &count, sizeof(count)) != sizeof(count) || c->in_done ||
	    c->in_src.added)
		return;
	if (c->in_file) {
		console_file_fill(c);
		return;
	}
	if (evloop_add(&c->vm->loop, &c->in_src, EPOLLIN))
		c->in_done = true;	/* logged; no more input */
}

/* SIGWINCH: one process-wide handler, so one console's eventfd to poke. */
static int winch_fd = -1;
static struct sigaction winch_old;
static bool winch_installed;

static void console_winch_handler(int sig)
{
	uint64_t one = 1;
	int saved = errno;

	(void)sig;
	if (winch_fd >= 0 && write(winch_fd, &one, sizeof(one)) < 0) {
		/* Only a counter 2^64 - 2 pokes full refuses: one is pending. */
	}
	errno = saved;
}

static void console_winch_ready(struct ev_source *src, uint32_t events)
{
	struct console *c = container_of(src, struct console, winch_src);
	uint64_t count;

	(void)events;
	if (read(src->fd, &count, sizeof(count)) == sizeof(count) && c->dev && c->resize)
		c->resize(c->dev);
}

void console_watch_size(struct console *c, void (*resize)(struct device *dev))
{
	c->resize = resize;
}

/* Forward SIGWINCH to the console device when stdout is a terminal. */
static int console_start_winch(struct console *c)
{
	struct sigaction sa = { .sa_handler = console_winch_handler, .sa_flags = SA_RESTART };
	int ret;

	if (!c->resize || !isatty(STDOUT_FILENO) || winch_installed)
		return 0;
	c->winch_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->winch_src.fd < 0) {
		ret = -errno;
		log_err("vm", "console: eventfd: %s", strerror(errno));
		return ret;
	}
	ret = evloop_add(&c->vm->loop, &c->winch_src, EPOLLIN);
	if (ret)
		return ret;
	winch_fd = c->winch_src.fd;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGWINCH, &sa, &winch_old)) {
		ret = -errno;
		log_err("vm", "console: cannot handle SIGWINCH: %s", strerror(errno));
		winch_fd = -1;
		return ret;
	}
	winch_installed = true;
	return 0;
}

int console_init(struct console *c, struct vm *vm, int in_fd, void (*quit)(struct vm *vm))
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->quit = quit;
	c->in_fd = in_fd;
	pthread_mutex_init(&c->lock, NULL);
	c->in_src = (struct ev_source){ .fd = in_fd, .ready = console_in_ready,
					.name = "console input" };
	c->room_src = (struct ev_source){ .fd = -1, .ready = console_room_ready,
					  .name = "console room" };
	c->winch_src = (struct ev_source){ .fd = -1, .ready = console_winch_ready,
					   .name = "terminal size" };
	c->buf = malloc(CONSOLE_BUF);
	if (!c->buf)
		return -ENOMEM;
	c->room_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->room_src.fd < 0) {
		int ret = -errno;

		log_err("vm", "console: eventfd: %s", strerror(errno));
		return ret;
	}
	return 0;
}

void console_connect(struct console *c, struct device *dev, void (*notify)(struct device *dev))
{
	c->dev = dev;
	c->notify = notify;
}

/* epoll refuses regular files and /dev/null (EPERM): ask it on a scratch instance. */
static bool console_pollable(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	bool ok;

	if (ep < 0)
		return true;	/* let the real add say what is wrong */
	ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno != EPERM;
	close(ep);
	return ok;
}

static bool console_is_file(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

int console_start(struct console *c)
{
	int ret = evloop_add(&c->vm->loop, &c->room_src, EPOLLIN);

	if (!ret)
		ret = console_start_winch(c);
	if (ret)
		return ret;
	if (c->dev && console_is_file(c->in_fd)) {
		/* The I/O thread reads the first buffer as it starts. */
		uint64_t one = 1;

		c->in_file = true;
		if (write(c->room_src.fd, &one, sizeof(one)) < 0)
			return -errno;
		return 0;
	}
	if (!c->dev || !console_pollable(c->in_fd)) {
		/* No console device, or /dev/null: no input. */
		log_debug("vm", "console: the guest gets no input from stdin");
		c->in_done = true;
		return 0;
	}
	if (isatty(c->in_fd) && tcgetpgrp(c->in_fd) != getpgrp()) {
		/* A background job reading its terminal would be stopped (SIGTTIN). */
		log_debug("vm", "console: stdin is a terminal we are in the background of; "
			  "the guest gets no input");
		c->in_done = true;
		return 0;
	}
	/* Raw mode only for the foreground job's own terminal. */
	if (isatty(c->in_fd)) {
		ret = term_raw(c->in_fd);
		if (ret)
			log_warn("vm", "console: cannot put the terminal in raw mode: %s; "
				 "input stays line by line", strerror(-ret));
		c->raw = !ret;
	}
	return evloop_add(&c->vm->loop, &c->in_src, EPOLLIN);
}

void console_stop(struct console *c)
{
	if (c->raw)
		term_restore();
	c->raw = false;
	if (winch_installed && winch_fd == c->winch_src.fd) {
		sigaction(SIGWINCH, &winch_old, NULL);
		winch_installed = false;
		winch_fd = -1;
	}
}

void console_destroy(struct console *c)
{
	console_stop(c);
	if (c->room_src.fd >= 0)
		close(c->room_src.fd);
	c->room_src.fd = -1;
	if (c->winch_src.fd >= 0)
		close(c->winch_src.fd);
	c->winch_src.fd = -1;
	free(c->buf);
	c->buf = NULL;
	if (c->vm)
		pthread_mutex_destroy(&c->lock);
}
