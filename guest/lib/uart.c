// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8250 UART, transmit only and polled. Shared by both guests: arch.h
 * reaches its byte registers (MMIO on arm64, port I/O on x86_64).
 */
#include <stdint.h>
#include "arch.h"
#include "lib/uart.h"

#define UART_THR		0	/* transmit holding register */
#define UART_LSR		5	/* line status register */
#define UART_LSR_THRE		(1U << 5)

/*
 * kvmini always reports THRE set, so the first poll succeeds. The bound
 * keeps a UART that never drains from hanging the guest: the byte is then
 * written anyway and may be lost, which beats losing the whole run.
 */
#define UART_THRE_POLLS		1000

void uart_putc(char c)
{
	for (int i = 0; i < UART_THRE_POLLS; i++) {
		if (uart_read_reg(UART_LSR) & UART_LSR_THRE)
			break;
	}
	uart_write_reg(UART_THR, (uint8_t)c);
}
