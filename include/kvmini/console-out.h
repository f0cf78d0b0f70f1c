/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A console device's output (the 8250's, virtio-console's) written without
 * waiting: the I/O thread writes it too, and must never wait on a pipe
 * nobody reads or a stalled terminal - it also serves ^C, SIGTERM,
 * --timeout, the control socket and the disks. A device with output left
 * over keeps it, watches fd for room, and lets the guest see the line busy.
 */
#ifndef KVMINI_CONSOLE_OUT_H
#define KVMINI_CONSOLE_OUT_H

#include <stdbool.h>
#include <sys/uio.h>

struct console_out {
	/*
	 * What is written to: an open file of its own on the given fd's pipe
	 * or terminal, non-blocking (the given one's flags are shared with
	 * whoever else holds it: not changed); the given fd itself for a file
	 * (it never waits long) or a socket (sent with MSG_DONTWAIT). -1:
	 * output is dropped.
	 */
	int fd;
	int given;		/* the fd the device was given, for messages */
	bool owned;		/* fd is ours to close */
	bool socket;
	/* epoll can say when fd has room again: a pipe, a socket or a terminal. */
	bool watchable;
};

/*
 * Set o up for fd (-1: none). Without a non-blocking file of its own (no
 * /proc, a FIFO whose reader is gone) the given fd serves, and a full
 * output can make its writer wait, as a plain write() would; said at debug
 * level.
 */
void console_out_open(struct console_out *o, int fd);
void console_out_close(struct console_out *o);
/*
 * Write *iov (*n entries) without waiting, advancing both past what was
 * taken: 0 all written, -EAGAIN the output is full (the rest is left),
 * -EINTR a signal (a kick: maybe a stop's) interrupted a write to the given
 * fd's blocking fallback (the rest is left), another -errno failed (-EPIPE:
 * nobody reads it any more). A write that does not block is retried when a
 * signal interrupts it: a terminal refuses one while a signal is pending.
 */
int console_out_write_nowait(const struct console_out *o, struct iovec **iov, int *n);
/*
 * Wait up to timeout_ms (-1: no limit) for room: 0 (room, or an error the
 * next write will tell), -ETIMEDOUT, or -EINTR when a signal ended the wait
 * (a vCPU's kick: a stop's or a pause's, or the coalesced writes' flush;
 * vm_may_wait() tells them apart).
 */
int console_out_wait_room(const struct console_out *o, int timeout_ms);
/* console_out_write_nowait(), waiting for room up to timeout_ms in all (-1: no limit). */
int console_out_write_wait(const struct console_out *o, struct iovec *iov, int n,
			   int timeout_ms);
/*
 * How long the devices' last flush waits for a full output: as long as it
 * takes when the guest ended itself (a power-off loses nothing it wrote),
 * CONSOLE_OUT_STOP_MS when kvmini was stopped (^C, SIGTERM, --timeout, an
 * error): a reader that takes nothing must not keep kvmini from exiting.
 */
#define CONSOLE_OUT_STOP_MS 2000
struct vm;
int console_out_drain_ms(struct vm *vm);

#endif
