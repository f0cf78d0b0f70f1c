// SPDX-License-Identifier: GPL-2.0-only
/* 8250/16550A UART, enough for polled console output (Linux earlycon, the test guest). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvmini/bus.h>
#include <kvmini/device.h>
#include <kvmini/fdt-util.h>
#include <kvmini/log.h>
#include <kvmini/state.h>
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
#define UART_IER_MASK 0x0f
#define UART_MCR_MASK 0x1f

#define UART8250_OUT_BUF 1024
#define UART8250_STATE_VERSION 1
#define UART8250_STATE_BYTES 7	/* version and six registers */

/* The registers a guest can set: what reset clears and snapshots keep. */
struct uart8250_regs {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

struct uart8250 {
	struct device dev;
	pthread_mutex_t lock;
	int out_fd;
	struct uart8250_regs r;
	char out[UART8250_OUT_BUF];
	size_t out_len;
};

static struct uart8250 *to_uart(struct device *dev)
{
	return container_of(dev, struct uart8250, dev);
}

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

static void uart8250_quiesce(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

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

static void uart8250_read(struct device *dev, unsigned int cpu, uint64_t offset,
			  void *data, unsigned int len)
{
	struct uart8250 *uart = to_uart(dev);
	const struct uart8250_regs *r = &uart->r;
	uint8_t v = 0;

	(void)cpu;
	pthread_mutex_lock(&uart->lock);
	switch (offset) {
	case UART_RBR_THR:
		v = r->lcr & UART_LCR_DLAB ? r->dll : 0;
		break;
	case UART_IER:
		v = r->lcr & UART_LCR_DLAB ? r->dlm : r->ier;
		break;
	case UART_IIR_FCR:
		v = UART_IIR_FIFO | UART_IIR_NO_INT;
		break;
	case UART_LCR:
		v = r->lcr;
		break;
	case UART_MCR:
		v = r->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT;
		break;
	case UART_MSR:
		v = UART_MSR_DCD_DSR_CTS;
		break;
	case UART_SCR:
		v = r->scr;
		break;
	}
	pthread_mutex_unlock(&uart->lock);
	/* Registers are bytes; a wider read sees the byte in its low lane. */
	bus_data_put(data, len, v);
}

static void uart8250_write(struct device *dev, unsigned int cpu, uint64_t offset,
			   const void *data, unsigned int len)
{
	struct uart8250 *uart = to_uart(dev);
	struct uart8250_regs *r = &uart->r;
	uint8_t v = (uint8_t)bus_data_get(data, len);

	(void)cpu;
	pthread_mutex_lock(&uart->lock);
	switch (offset) {
	case UART_RBR_THR:
		if (r->lcr & UART_LCR_DLAB)
			r->dll = v;
		else
			uart8250_put(uart, v);
		break;
	case UART_IER:
		if (r->lcr & UART_LCR_DLAB)
			r->dlm = v;
		else
			r->ier = v & UART_IER_MASK;
		break;
	case UART_LCR:
		r->lcr = v;
		break;
	case UART_MCR:
		r->mcr = v & UART_MCR_MASK;
		break;
	case UART_SCR:
		r->scr = v;
		break;
	default:
		/* FCR and read-only registers: nothing to keep. */
		break;
	}
	pthread_mutex_unlock(&uart->lock);
}

static void uart8250_reset(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

	pthread_mutex_lock(&uart->lock);
	uart8250_flush_locked(uart);
	memset(&uart->r, 0, sizeof(uart->r));
	pthread_mutex_unlock(&uart->lock);
}

#define UART8250_FDT_NODE "uart"

void uart8250_fdt_path(const struct device *dev, char *buf, size_t len)
{
	snprintf(buf, len, "/%s@%llx", UART8250_FDT_NODE, (unsigned long long)dev->base);
}

/* No interrupts property: Linux then polls the UART, which is all kvmini emulates. */
static int uart8250_fdt_node(struct device *dev, void *fdt)
{
	FDT_TRY(fdt_begin_node_at(fdt, UART8250_FDT_NODE, dev->base));
	FDT_TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	FDT_TRY(fdt_prop_reg(fdt, dev->base, 0x8));
	FDT_TRY(fdt_property_u32(fdt, "clock-frequency", 1843200));
	return fdt_end_node(fdt);
}

/* Saved with the output flushed (quiesce), so only the registers remain. */
static int uart8250_save(struct device *dev, struct state_buf *out)
{
	struct uart8250 *uart = to_uart(dev);
	const struct uart8250_regs *r = &uart->r;

	pthread_mutex_lock(&uart->lock);
	state_put_u8(out, UART8250_STATE_VERSION);
	state_put_u8(out, r->ier);
	state_put_u8(out, r->lcr);
	state_put_u8(out, r->mcr);
	state_put_u8(out, r->scr);
	state_put_u8(out, r->dll);
	state_put_u8(out, r->dlm);
	pthread_mutex_unlock(&uart->lock);
	return state_write_done(out);
}

static int uart8250_load(struct device *dev, struct state_buf *in)
{
	struct uart8250 *uart = to_uart(dev);
	uint8_t version = state_get_u8(in);
	struct uart8250_regs r;
	int ret;

	if (!in->err && version != UART8250_STATE_VERSION) {
		log_err("uart", "%s: saved state version %u; this kvmini reads version %u",
			dev->name, version, UART8250_STATE_VERSION);
		return -EINVAL;
	}
	r.ier = state_get_u8(in);
	r.lcr = state_get_u8(in);
	r.mcr = state_get_u8(in);
	r.scr = state_get_u8(in);
	r.dll = state_get_u8(in);
	r.dlm = state_get_u8(in);
	ret = state_read_done(in);
	if (ret) {
		log_err("uart", "%s: saved state is %zu bytes, not the %u of version %u",
			dev->name, in->len, UART8250_STATE_BYTES, UART8250_STATE_VERSION);
		return ret;
	}
	if (r.ier & ~UART_IER_MASK || r.mcr & ~UART_MCR_MASK) {
		log_err("uart", "%s: saved IER 0x%02x / MCR 0x%02x set bits a 16550A does "
			"not have (IER 0x%02x, MCR 0x%02x at most)", dev->name, r.ier,
			r.mcr, UART_IER_MASK, UART_MCR_MASK);
		return -EINVAL;
	}
	pthread_mutex_lock(&uart->lock);
	uart->r = r;
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

static void uart8250_destroy(struct device *dev)
{
	struct uart8250 *uart = to_uart(dev);

	uart8250_quiesce(dev);
	pthread_mutex_destroy(&uart->lock);
	free(uart);
}

static const struct device_ops uart8250_ops = {
	.type = UART8250_TYPE,
	.read = uart8250_read,
	.write = uart8250_write,
	.reset = uart8250_reset,
	.quiesce = uart8250_quiesce,
	.fdt_node = uart8250_fdt_node,
	.save = uart8250_save,
	.load = uart8250_load,
	.destroy = uart8250_destroy,
};

int uart8250_create(uint64_t base, int out_fd, struct device **out)
{
	struct uart8250 *uart = calloc(1, sizeof(*uart));

	if (!uart)
		return -ENOMEM;
	device_init(&uart->dev, &uart8250_ops, base, UART8250_REGION_SIZE);
	pthread_mutex_init(&uart->lock, NULL);
	uart->out_fd = out_fd;
	*out = &uart->dev;
	return 0;
}
