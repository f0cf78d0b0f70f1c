// SPDX-License-Identifier: GPL-2.0-only
/*
 * COM1, an 8250 at I/O port 0x3f8, transmit only and polled: no interrupts
 * (lib/uart.h is shared with the arm64 guest; lib/print.c calls this).
 */
#include "lib/uart.h"
#include "x86.h"

#define COM1_PORT		0x3f8
#define UART_THR		0	/* transmit holding register */
#define UART_LSR		5	/* line status register */
#define UART_LSR_THRE		(1U << 5)

/*
 * The bound keeps a UART that never drains from hanging the guest: the
 * byte is then written anyway and may be lost, which beats losing the run.
 */
#define UART_THRE_POLLS		1000

void uart_putc(char c)
{
	for (int i = 0; i < UART_THRE_POLLS; i++) {
		if (inb(COM1_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	}
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}
