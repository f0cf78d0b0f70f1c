// SPDX-License-Identifier: GPL-2.0-only
/* Console output written without waiting (console-out.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kvmini/console-out.h>
#include <kvmini/cputime.h>
#include <kvmini/log.h>
#include <kvmini/vm.h>

void console_out_open(struct console_out *o, int fd)
{
	char path[64];
	struct stat st;
	int own;

	*o = (struct console_out){ .fd = fd, .given = fd };
	if (fd < 0 || fstat(fd, &st) || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return;
	if (S_ISSOCK(st.st_mode)) {
		/* A number of its own: two devices may watch one socket in one epoll set. */
		own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (own < 0) {
			log_debug("vm", "console output: cannot duplicate socket fd %d (%s); its "
				  "room is not watched", fd, strerror(errno));
			o->socket = true;
			return;
		}
		*o = (struct console_out){ .fd = own, .given = fd, .owned = true, .socket = true,
					   .watchable = true };
		return;
	}
	/* A new open file description on the same pipe or terminal: its flags are ours. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	own = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (own < 0) {
		log_debug("vm", "console output: cannot reopen fd %d without blocking (%s); a "
			  "full output can hold up its writer", fd, strerror(errno));
		return;
	}
	o->fd = own;
	o->owned = true;
	/* /dev/null and the like never fill; epoll cannot watch them. */
	o->watchable = S_ISFIFO(st.st_mode) || isatty(own);
}

void console_out_close(struct console_out *o)
{
	if (o->owned)
		close(o->fd);
	o->fd = -1;
	o->owned = false;
}

/*
 * Whether a write to o can block: only the given fd's fallback, and only
 * while its flags say so - that open file is shared, so they are read now.
 */
static bool console_out_blocks(const struct console_out *o)
{
	int flags;

	if (o->owned || o->socket)
		return false;
	flags = fcntl(o->fd, F_GETFL);
	return flags >= 0 && !(flags & O_NONBLOCK);
}

int console_out_write_nowait(const struct console_out *o, struct iovec **iov, int *n)
{
	while (*n > 0) {
		struct msghdr msg = { .msg_iov = *iov, .msg_iovlen = (size_t)*n };
		ssize_t done = o->socket ? sendmsg(o->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) :
				writev(o->fd, *iov, *n);

		/*
		 * A terminal fails a write with EINTR whenever a signal is pending
		 * (n_tty_write), without blocking and with nothing taken: a vCPU
		 * kicked for the coalesced writes' flush would lose its bytes. Only
		 * a write that blocks ends with it: a stop's kick.
		 */
		if (done < 0 && errno == EINTR && !console_out_blocks(o))
			continue;
		if (done < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (!done && (*iov)->iov_len)
			return -EIO;	/* nothing taken and no error: do not spin */
		for (; *n && (size_t)done >= (*iov)->iov_len; (*iov)++, (*n)--)
			done -= (ssize_t)(*iov)->iov_len;
		if (*n) {
			(*iov)->iov_base = (char *)(*iov)->iov_base + done;
			(*iov)->iov_len -= (size_t)done;
		}
	}
	return 0;
}

int console_out_wait_room(const struct console_out *o, int timeout_ms)
{
	struct pollfd p = { .fd = o->fd, .events = POLLOUT };
	int ret = poll(&p, 1, timeout_ms);

	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

int console_out_write_wait(const struct console_out *o, struct iovec *iov, int n,
			   int timeout_ms)
{
	uint64_t end = monotonic_ns() / 1000000 + (timeout_ms > 0 ? (uint64_t)timeout_ms : 0);

	for (;;) {
		int ret = console_out_write_nowait(o, &iov, &n), left = -1;

		if (ret != -EAGAIN)
			return ret;
		if (timeout_ms >= 0) {
			uint64_t now = monotonic_ns() / 1000000;

			if (now >= end)
				return -ETIMEDOUT;
			left = (int)(end - now);
		}
		ret = console_out_wait_room(o, left);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}

int console_out_drain_ms(struct vm *vm)
{
	switch (vm ? __atomic_load_n(&vm->stop_reason, __ATOMIC_SEQ_CST) : VM_STOP_POWEROFF) {
	case VM_STOP_POWEROFF:
	case VM_STOP_RESET:
	case VM_STOP_CRASH:
		return -1;
	default:
		return CONSOLE_OUT_STOP_MS;
	}
}
