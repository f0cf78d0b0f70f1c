/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A-compatible UART, output only for now: bytes written to THR go
 * to the output fd, line by line; the transmitter always reads as empty.
 */
#ifndef KVMINI_UART8250_H
#define KVMINI_UART8250_H

#include <stddef.h>

#include <kvmini/compiler.h>

struct device;

#define UART8250_TYPE "uart8250"
#define UART8250_REGION_SIZE 0x1000

/* A UART at base writing the guest's output to out_fd; add it with vm_add_device(). */
int __must_check uart8250_create(uint64_t base, int out_fd, struct device **out);

/* The UART's node path in the device tree, for /chosen/stdout-path. */
void uart8250_fdt_path(const struct device *dev, char *buf, size_t len);

#endif
