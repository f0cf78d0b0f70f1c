// SPDX-License-Identifier: GPL-2.0-only
/* 8250/16550A UART, enough for polled console output (Linux earlycon, the test guest). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/log.h>
#include <kvmini/uart8250.h>

enum {
	UART_RBR_THR = 0,	/* DLL when LCR.DLAB */
	UART_IER = 1,		/* DLM when LCR.DLAB */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};
#define UART_LCR_DLAB 0x80
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_IIR_NO_INT 0x01
#define UART_IIR_FIFO 0xc0
#define UART_MSR_DCD_DSR_CTS 0xb0

static void uart8250_flush_locked(struct uart8250 *uart)
{
	size_t done = 0;

	while (done < uart->out_len) {
		ssize_t n = write(uart->out_fd, uart->out + done, uart->out_len - done);

		/*
		 * EINTR here is the stop kick (the host check's timer signal
		 * restarts writes): better to drop output than to block a stop.
		 */
		if (n <= 0)
			break;	/* output closed or stopping: nowhere to go */
		done += (size_t)n;
	}
	uart->out_len = 0;
}

void uart8250_flush(struct uart8250 *uart)
{
	pthread_mutex_lock(&uart->lock);
	uart8250_flush_locked(uart);
	pthread_mutex_unlock(&uart->lock);
}

static void uart8250_put(struct uart8250 *uart, uint8_t c)
{
	uart->out[uart->out_len++] = (char)c;
	if (c == '\n' || uart->out_len == sizeof(uart->out))
		uart8250_flush_locked(uart);
}

static void uart8250_read(void *opaque, uint64_t offset, void *data,
			  unsigned int len)
{
	struct uart8250 *uart = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&uart->lock);
	switch (offset) {
	case UART_RBR_THR:
		v = uart->lcr & UART_LCR_DLAB ? uart->dll : 0;
		break;
	case UART_IER:
		v = uart->lcr & UART_LCR_DLAB ? uart->dlm : uart->ier;
		break;
	case UART_IIR_FCR:
		v = UART_IIR_FIFO | UART_IIR_NO_INT;
		break;
	case UART_LCR:
		v = uart->lcr;
		break;
	case UART_MCR:
		v = uart->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT;
		break;
	case UART_MSR:
		v = UART_MSR_DCD_DSR_CTS;
		break;
	case UART_SCR:
		v = uart->scr;
		break;
	}
	pthread_mutex_unlock(&uart->lock);
	/* Registers are bytes; a wider read sees the byte in its low lane. */
	bus_data_put(data, len, v);
}

static void uart8250_write(void *opaque, uint64_t offset, const void *data,
			   unsigned int len)
{
	struct uart8250 *uart = opaque;
	uint8_t v = (uint8_t)bus_data_get(data, len);

	pthread_mutex_lock(&uart->lock);
	switch (offset) {
	case UART_RBR_THR:
		if (uart->lcr & UART_LCR_DLAB)
			uart->dll = v;
		else
			uart8250_put(uart, v);
		break;
	case UART_IER:
		if (uart->lcr & UART_LCR_DLAB)
			uart->dlm = v;
		else
			uart->ier = v & 0x0f;
		break;
	case UART_LCR:
		uart->lcr = v;
		break;
	case UART_MCR:
		uart->mcr = v & 0x1f;
		break;
	case UART_SCR:
		uart->scr = v;
		break;
	default:
		/* FCR and read-only registers: nothing to keep. */
		break;
	}
	pthread_mutex_unlock(&uart->lock);
}

static const struct bus_ops uart8250_ops = {
	.read = uart8250_read,
	.write = uart8250_write,
};

int uart8250_init(struct uart8250 *uart, struct bus *bus, uint64_t base,
		  int out_fd)
{
	memset(uart, 0, sizeof(*uart));
	pthread_mutex_init(&uart->lock, NULL);
	uart->out_fd = out_fd;
	return bus_register(bus, base, UART8250_REGION_SIZE, &uart8250_ops, uart,
			    "uart8250");
}

void uart8250_destroy(struct uart8250 *uart)
{
	uart8250_flush(uart);
	pthread_mutex_destroy(&uart->lock);
}
