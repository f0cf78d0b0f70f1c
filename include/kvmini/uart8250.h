/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A UART: transmitted bytes go to the output fd at once (a byte
 * each on a terminal, line by line otherwise), received bytes come from
 * the console - offered once the guest enables the received-data
 * interrupt and taken only as it reads them, so a driver resetting and
 * draining the receiver loses nothing typed - and the interrupt line follows the IIR as on
 * the real part (received data, transmitter empty). Modem lines read as
 * connected; loopback mode works, for drivers that probe with it.
 */
#ifndef KVMINI_UART8250_H
#define KVMINI_UART8250_H

#include <stddef.h>
#include <stdint.h>

#include <kvmini/compiler.h>

struct device;

#define UART8250_TYPE "uart8250"
#define UART8250_REGION_SIZE 0x1000
#define UART8250_FIFO_SIZE 16
/* The registers a register mirror shows (reg-mirror.h); the rest of the page reads 0. */
#define UART8250_MIRROR_LEN 8

/* A UART at base writing the guest's output to out_fd; add it with vm_add_device(). */
int __must_check uart8250_create(uint64_t base, int out_fd, struct device **out);
struct console;
/* Where received bytes come from (NULL: nowhere; the default). */
void uart8250_set_input(struct device *dev, struct console *in);
/* The console has new input: re-check the interrupt. From any thread. */
void uart8250_input_ready(struct device *dev);
/*
 * The registers in the realized UART's mirror page, as the guest reads
 * them, each what a read through an exit would return (tests hold the two
 * to that): true while the mirror is up, whether or not KVM maps it.
 */
bool uart8250_mirror_page(struct device *dev, uint8_t image[UART8250_MIRROR_LEN]);
/* The UART's node path in the device tree, for /chosen/stdout-path. */
void uart8250_fdt_path(const struct device *dev, char *buf, size_t len);

#endif
