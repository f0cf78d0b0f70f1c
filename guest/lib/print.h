// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small printf: %d %i %u %x %X %c %s %p %%, the 0 and - flags, field
 * width and precision (digits or *), and the h, l, ll and z length
 * modifiers. Precision applies to %s only ("%.*s" prints a slice).
 */
#ifndef KVMINI_GUEST_PRINT_H
#define KVMINI_GUEST_PRINT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* To the UART; whole calls never interleave with other CPUs' output. */
int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Always NUL-terminates (if size > 0); returns the untruncated length. */
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	PRINTF_LIKE(3, 0);

/* @len bytes as 2 * @len hex digits, lowest address first, then a NUL. */
void hex_bytes(char *out, const uint8_t *bytes, unsigned int len);

#endif
