/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console: kvmini's stdin as the guest's keyboard. The I/O thread
 * reads it into a buffer the console device (the 8250) reads from when the
 * guest reads its receive register: a byte leaves kvmini only when the
 * guest takes it, so nothing typed or piped is lost to a guest that resets
 * its FIFO or has not opened its console yet. When the buffer is full,
 * stdin is left unread until there is room.
 *
 * When stdin is the terminal of the foreground job it is switched to raw
 * mode for the run - ^C and ^Z go to the guest - and restored on every way
 * out: the end of the run, an error, SIGINT/SIGTERM, a crash. Ctrl-A x
 * quits; Ctrl-A Ctrl-A sends one Ctrl-A.
 */
#ifndef KVMINI_CONSOLE_H
#define KVMINI_CONSOLE_H

#include <pthread.h>
#include <stddef.h>

#include <kvmini/compiler.h>
#include <kvmini/evloop.h>

struct vm;
struct device;

#define CONSOLE_ESCAPE 0x01	/* Ctrl-A */
#define CONSOLE_BUF 4096

struct console {
	struct vm *vm;
	void (*quit)(struct vm *vm);	/* Ctrl-A x */
	int in_fd;
	struct device *dev;		/* the console device; NULL: input is dropped */
	void (*notify)(struct device *dev);	/* input arrived: re-check interrupts */
	void (*resize)(struct device *dev);	/* stdout's terminal changed size; NULL: unwatched */
	struct ev_source winch_src;	/* an eventfd the SIGWINCH handler writes */
	struct ev_source in_src;	/* in_fd */
	struct ev_source room_src;	/* an eventfd: the guest made room */
	bool raw;			/* in_fd is a terminal we put in raw mode */
	bool in_file;			/* in_fd is a regular file: read as room is made */
	bool escape;			/* the last byte typed was CONSOLE_ESCAPE */
	bool in_done;			/* in_fd at its end (or failed): loop thread */
	pthread_mutex_t lock;		/* the buffer and in_paused */
	bool in_paused;			/* buffer full: in_fd off the loop */
	uint8_t *buf;			/* CONSOLE_BUF bytes, a ring */
	size_t head, len;
};

/* Input from in_fd for vm; quit(vm) when the user types Ctrl-A x. */
int __must_check console_init(struct console *c, struct vm *vm, int in_fd,
			      void (*quit)(struct vm *vm));
/* The device that reads the input (the machine file chooses it). */
void console_connect(struct console *c, struct device *dev, void (*notify)(struct device *dev));
/*
 * The console device takes its size from stdout's terminal: call
 * resize(dev) on the I/O thread whenever that changes (SIGWINCH, which
 * only the I/O thread takes: vm_run blocks it elsewhere). Before
 * console_start; without a terminal on stdout, nothing is watched.
 */
void console_watch_size(struct console *c, void (*resize)(struct device *dev));
/* Bytes waiting for the guest. From any thread. */
size_t console_pending(struct console *c);
/* Take up to n of them; from any thread (a vCPU's, reading a register). */
size_t console_read(struct console *c, uint8_t *out, size_t n);
/*
 * Start reading in_fd on the VM's event loop, in raw mode if it is the
 * foreground terminal. Before the I/O thread starts.
 */
int __must_check console_start(struct console *c);
/* Restore the terminal; idempotent. After the I/O thread stopped. */
void console_stop(struct console *c);
void console_destroy(struct console *c);

#endif
