/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A-compatible UART, output only for now: bytes written to THR go
 * to the output fd, line by line; the transmitter always reads as empty.
 */
#ifndef KVMINI_UART8250_H
#define KVMINI_UART8250_H

#include <pthread.h>

#include <kvmini/bus.h>

#define UART8250_REGION_SIZE 0x1000
#define UART8250_OUT_BUF 1024

struct uart8250 {
	pthread_mutex_t lock;
	int out_fd;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	char out[UART8250_OUT_BUF];
	size_t out_len;
};

int __must_check uart8250_init(struct uart8250 *uart, struct bus *bus,
			       uint64_t base, int out_fd);
/* Write out any partial line (at exit). */
void uart8250_flush(struct uart8250 *uart);
void uart8250_destroy(struct uart8250 *uart);

#endif
