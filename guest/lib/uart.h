// SPDX-License-Identifier: GPL-2.0-only
/* Output-only driver for the 8250 UART that arch.h reaches. */
#ifndef KVMINI_GUEST_UART_H
#define KVMINI_GUEST_UART_H

void uart_putc(char c);

#endif
